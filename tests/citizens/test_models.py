"""The register's invariants hold in the database itself, whatever door the data came through."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from citizens.models import Registration
from tests.factories import DwellingFactory, OwnershipFactory, PersonFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def raw_insert_registration(person_id, dwelling_id, kind="permanent", registered_on="2020-01-01"):
    """Write past the ORM (no model validation, no full_clean): only the database can refuse this."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO citizens_registration (person_id, dwelling_id, kind, registered_on, end_reason, "
            "ended_by_application) VALUES (%s, %s, %s, %s, '', '')",
            [person_id, dwelling_id, kind, registered_on],
        )


def test_two_active_permanent_registrations_are_refused_by_the_database():
    first = RegistrationFactory()
    other_home = DwellingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_insert_registration(first.person_id, other_home.pk)
    assert Registration.objects.filter(person=first.person).count() == 1


def test_a_second_permanent_registration_is_allowed_once_the_first_has_ended():
    first = RegistrationFactory()
    Registration.objects.filter(pk=first.pk).update(
        ended_on=dt.date(2024, 1, 1), end_reason="new_registration"
    )
    raw_insert_registration(first.person_id, DwellingFactory().pk, registered_on="2024-01-01")
    assert Registration.objects.active().filter(person=first.person).count() == 1


def test_temporary_registration_beside_a_permanent_one_is_allowed():
    first = RegistrationFactory()
    raw_insert_registration(first.person_id, DwellingFactory().pk, kind="temporary")
    assert Registration.objects.filter(person=first.person).count() == 2


def test_invalid_iin_shape_is_refused_by_the_database():
    person = PersonFactory()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE citizens_person SET iin = %s WHERE id = %s", ["80031530001X", person.pk])


def test_category_must_agree_with_citizenship_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(category="citizen", citizenship="RUS")
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(category="stateless_resident", citizenship="RUS")
    assert PersonFactory(category="refugee", citizenship="AFG").pk


def test_an_ended_registration_must_say_how_it_ended():
    registration = RegistrationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.filter(pk=registration.pk).update(ended_on=dt.date(2024, 1, 1))


def test_ownership_share_and_dates_are_checked_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        OwnershipFactory(share=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        OwnershipFactory(since=dt.date(2020, 1, 1), until=dt.date(2019, 1, 1))


def test_one_current_ownership_per_owner_and_dwelling():
    ownership = OwnershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        OwnershipFactory(person=ownership.person, dwelling=ownership.dwelling, share="0.5")


def test_address_line_in_kazakh_and_russian():
    dwelling = DwellingFactory(building="10", apartment="25", block="")
    assert dwelling.address_line() == "Алматы қаласы, Алмалы ауданы, Алматы, Абай даңғылы, 10, пәтер 25"
    assert dwelling.address_line("ru") == "город Алматы, Алмалинский район, Алматы, проспект Абая, 10, кв. 25"

"""`seed_bulk`: a synthetic population loaded with COPY, consistent with the register's rules, on PostgreSQL."""

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Q

from citizens.iin import is_valid_iin
from citizens.models import Dwelling, Ownership, Person, Registration
from citizens.regions import REGION_NAMES, region_of
from deregistration.consistency import register_problems
from deregistration.models import Application, ApplicationSubject, RegistryRecord
from deregistration.register_chain import chain_breaks

pytestmark = pytest.mark.django_db


def seed(settings, persons):
    settings.DEBUG = True
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_bulk", persons=persons, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.postgres
def test_seed_bulk_loads_a_consistent_population(settings):
    out, err = seed(settings, 400)
    assert "Added 400 persons" in out
    assert "persons" in err
    assert "100.0%" in err
    persons = list(Person.objects.values_list("iin", flat=True))
    assert len(persons) == 400
    assert all(is_valid_iin(iin) for iin in persons)
    assert {region_of(k) for k in Dwelling.objects.values_list("kato", flat=True)} == set(REGION_NAMES)
    owners = Counter(Ownership.objects.filter(until__isnull=True).values_list("dwelling_id", flat=True))
    assert set(owners.values()) == {1, 2, 3}
    assert len(owners) == Dwelling.objects.count()
    assert set(Registration.objects.values_list("kind", flat=True)) == {"permanent", "temporary"}
    # One active permanent registration each; the database's constraint held through COPY as well.
    active = Registration.objects.filter(kind="permanent", ended_on__isnull=True)
    assert active.count() == 400
    assert Application.objects.count() == 40
    assert set(Application.objects.values_list("status", flat=True)) == {"completed", "rejected", "submitted"}
    for subject in ApplicationSubject.objects.select_related(
        "application", "registration", "registry_record"
    ):
        application = subject.application
        assert application.applicant_id != subject.person_id
        assert subject.registration.dwelling_id == application.dwelling_id
        assert application.dwelling.ownerships.filter(person_id=application.applicant_id).exists()
        if application.status == "completed":
            record = subject.registry_record
            assert subject.registration.ended_on == record.effective_date
            assert subject.registration.ended_by_application == application.number
            assert record.registration_id == subject.registration_id
            assert record.iin == Person.objects.get(pk=subject.person_id).iin
            assert record.last_name == Person.objects.get(pk=subject.person_id).last_name
        else:
            assert subject.registry_record is None
            assert subject.registration.ended_on is None
    assert RegistryRecord.objects.count() == Application.objects.filter(status="completed").count()
    # The bulk-loaded records are chained like every other: the chain verifies and the checks find nothing.
    assert list(chain_breaks()) == []
    assert register_problems(files=False) == []


@pytest.mark.postgres
def test_seed_bulk_gives_each_case_and_subject_its_history(settings):
    """As the services leave it: ``+`` when submitted, ``~`` with the outcome once decided; open cases one row."""
    seed(settings, 400)
    for application in Application.objects.all():
        rows = list(application.history.order_by("history_date").values_list("history_type", "status"))
        if application.status == "submitted":
            assert rows == [("+", "submitted")]
        else:
            assert rows == [("+", "submitted"), ("~", application.status)]
            latest = application.history.latest()
            assert latest.history_date == (application.completed_at or application.decided_at)
            assert latest.rejection_reason_code == application.rejection_reason_code
    for subject in ApplicationSubject.objects.select_related("application"):
        rows = list(subject.history.order_by("history_date").values_list("history_type", "outcome"))
        expected = [("+", "pending")] + ([("~", subject.outcome)] if subject.outcome != "pending" else [])
        assert rows == expected
        assert subject.history.earliest().registry_record_id is None
        assert subject.history.latest().registry_record_id == subject.registry_record_id


@pytest.mark.postgres
def test_a_second_run_adds_as_many_again_and_new_rows_get_fresh_ids(settings):
    seed(settings, 120)
    seed(settings, 120)
    assert Person.objects.count() == 240
    assert not Person.objects.values("iin").annotate(n=Count("id")).filter(n__gt=1).exists()
    # The sequences were moved past the copied ids: the ORM can add rows after a bulk load.
    dwelling = Dwelling.objects.create(
        address_code="0201400099999999", kato="751110000", region="r", locality="l", street="s", building="1"
    )
    assert dwelling.pk > max(Dwelling.objects.filter(~Q(pk=dwelling.pk)).values_list("pk", flat=True))
    # The second load chained its records after the first's.
    assert list(chain_breaks()) == []


def test_seed_bulk_refuses_sqlite_and_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_bulk", persons=10, stdout=io.StringIO())
    if connection.vendor == "sqlite":
        with pytest.raises(CommandError, match="PostgreSQL"):
            seed(settings, 10)

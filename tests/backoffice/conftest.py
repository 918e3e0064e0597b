"""Fixtures of the back-office tests: staff of each role logged into the admin, and cases of each channel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from tests.conftest import Household, walk_in_case
from tests.factories import DwellingFactory, OwnershipFactory, PersonFactory, RegistrationFactory

FOREIGNER = {"category": "foreign_resident", "citizenship": "RUS", "document_type": "residence_permit"}
REFUGEE = {"category": "refugee", "citizenship": "AFG", "document_type": "refugee_certificate"}


def make_household(
    *, region_kato: str = "751110000", region: str = "Алматы қаласы", tenant: dict | None = None
) -> Household:
    """An owner (citizen) with a dwelling where a tenant (a citizen unless ``tenant`` says otherwise) and a
    child of 10 are registered permanently."""
    dwelling = DwellingFactory(kato=region_kato, region=region)
    owner = PersonFactory(birth_date=dt.date(1980, 3, 15))
    OwnershipFactory(dwelling=dwelling, person=owner)
    resident = PersonFactory(sex="F", birth_date=dt.date(1985, 7, 22), **(tenant or {}))
    today = timezone.localdate()
    child = PersonFactory(birth_date=today.replace(year=today.year - 10), document_type="passport")
    for person in (owner, resident, child):
        RegistrationFactory(person=person, dwelling=dwelling)
    return Household(dwelling=dwelling, owner=owner, tenant=resident, child=child)


def citizens_case(operator, **options):
    """A walk-in owner's application at the State Corporation, waiting for an operator."""
    return walk_in_case(operator, make_household(), **options)


def foreigners_case(migration_officer, **options):
    """An owner's application naming a foreign resident: the migration service's case."""
    return walk_in_case(
        migration_officer, make_household(tenant=FOREIGNER), channel="service_provider", **options
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def case_url(application, action: str = "change") -> str:
    return f"/admin/deregistration/application/{application.pk}/{action}/"


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", password="x")


@pytest.fixture
def as_role(client, operator, migration_officer, supervisor, superuser):
    """``as_role("operator")``: the test client logged in as a member of that role."""
    users = {
        "operator": operator,
        "migration": migration_officer,
        "supervisor": supervisor,
        "admin": superuser,
    }

    def login(role: str):
        client.force_login(users[role])
        return client

    return login

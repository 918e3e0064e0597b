"""API test helpers: clients authenticated by token, households, cases made through the services."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from deregistration.tokens import api_token_issue
from tests.conftest import citizen_account, walk_in_case
from tests.factories import DwellingFactory, OwnershipFactory, PersonFactory, RegistrationFactory

API = "/api/v1"
# High enough that no test but the throttling ones ever meets a limit.
UNLIMITED = {"auth": "10000/min", "submit": "10000/min"}


@pytest.fixture(autouse=True)
def _api_throttles(settings):
    """Throttle counters live in the cache: start each test from zero, with limits the test can change."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": dict(UNLIMITED)}
    cache.clear()
    yield
    cache.clear()


def client_for(user=None, **headers) -> APIClient:
    """An API client sending ``Authorization: Token …`` for ``user`` (anonymous without one)."""
    client = APIClient(**headers)
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
    return client


@pytest.fixture
def api():
    return client_for


@dataclass
class Home:
    dwelling: object
    owner: object
    tenant: object
    co_owner: object = None


def new_home(*, co_owned: bool = False, owner=None, co_owner=None) -> Home:
    """A dwelling with its owner (and a co-owner) and a tenant registered there; all citizens."""
    dwelling = DwellingFactory()
    lives_here = owner is None  # an owner of several dwellings is registered at one of them at most
    owner = owner or PersonFactory()
    OwnershipFactory(dwelling=dwelling, person=owner)
    if co_owned:
        co_owner = co_owner or PersonFactory()
        OwnershipFactory(dwelling=dwelling, person=co_owner, share="0.5")
    tenant = PersonFactory()
    if lives_here:
        RegistrationFactory(person=owner, dwelling=dwelling)
    RegistrationFactory(person=tenant, dwelling=dwelling)
    return Home(dwelling=dwelling, owner=owner, tenant=tenant, co_owner=co_owner)


def walk_in(operator, home, *, complete: bool = False, issue_slip: bool = False, subjects=None):
    """A walk-in owner's application for ``home``'s tenant, submitted (and completed) by ``operator``."""
    return walk_in_case(operator, home, complete=complete, issue_slip=issue_slip, subjects=subjects)


def portal_body(sign_request_for, home, *, subjects=None, issue_slip=False, **fields) -> dict:
    """The JSON body of an owner's portal application, signed with the owner's test certificate."""
    subjects = subjects or [home.tenant.iin]
    signed = sign_request_for(
        home.owner.iin, address_code=home.dwelling.address_code, subjects=subjects, **fields
    )
    return {
        "case_type": "owner_application",
        "channel": "portal",
        "address_code": home.dwelling.address_code,
        "applicant_iin": home.owner.iin,
        "subjects": subjects,
        "issue_slip": issue_slip,
        "signed_request": signed.decode(),
    }


@pytest.fixture
def home(db):
    return new_home()


@pytest.fixture
def owner_user(home):
    return citizen_account(home.owner)


@pytest.fixture
def stranger(db):
    """A citizen with a portal account and nothing to do with anyone's case."""
    return citizen_account(PersonFactory())


def codes(response, field):
    return [error["code"] for error in response.json()["errors"][field]]


# --- Celery: the project's app, and tasks run in this process ---------------------------------------------------


@pytest.fixture
def celery_app():
    """The project's Celery app, its settings restored after the test."""
    from config.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")}
    app._after_fork()  # drop connection pools made for another broker URL (Celery's own reset)
    yield app
    app.conf.update(saved)
    app._after_fork()


@pytest.fixture
def eager(settings, celery_app):
    """A broker is "configured", but tasks run in this process as they are queued (CELERY_TASK_ALWAYS_EAGER)."""
    settings.CELERY_BROKER_URL = "memory://"
    celery_app.conf.update(broker_url="memory://", task_always_eager=True)
    return celery_app

"""Page tests: a signed-in citizen's browser (Django's test client), households, and the test PKI."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pytest
from django.test import Client

from tests.conftest import citizen_account
from tests.deregistration.conftest import (  # noqa: F401 - the EDS fixtures, shared with the service tests
    eds_pki,
    eds_session_pki,
    sign_consent_for,
    sign_request_for,
)
from tests.factories import DwellingFactory, OwnershipFactory, PersonFactory, RegistrationFactory


@pytest.fixture(autouse=True)
def _english(settings):
    """Pages in English unless a test chooses (the test settings' default language is English too)."""
    settings.LANGUAGE_CODE = "en"


def browser_for(user=None, *, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


@dataclass
class Home:
    dwelling: object
    owner: object
    tenant: object
    user: object
    co_owner: object = None
    co_owner_user: object = None

    @property
    def subjects(self):
        return [self.tenant.iin]


def new_home(*, co_owned: bool = False, owner=None) -> Home:
    """A dwelling with its owner (a portal account) registered there and a tenant; with ``co_owned``, a second
    owner with an account too. All citizens."""
    dwelling = DwellingFactory()
    lives_here = owner is None
    owner = owner or PersonFactory()
    OwnershipFactory(dwelling=dwelling, person=owner)
    co_owner = co_owner_user = None
    if co_owned:
        co_owner = PersonFactory()
        OwnershipFactory(dwelling=dwelling, person=co_owner, share="0.5")
        co_owner_user = citizen_account(co_owner)
    tenant = PersonFactory()
    if lives_here:
        RegistrationFactory(person=owner, dwelling=dwelling)
    RegistrationFactory(person=tenant, dwelling=dwelling)
    owner.refresh_from_db(fields=["account"])
    user = owner.account or citizen_account(owner)
    return Home(dwelling, owner, tenant, user, co_owner, co_owner_user)


@pytest.fixture
def home(db):
    return new_home()


@pytest.fixture
def co_home(db):
    return new_home(co_owned=True)


def draft_url(response) -> str:
    """The draft's URL prefix (``/apply/<id>/``) from a redirect."""
    match = re.match(r"^(/apply/[\w-]+/)", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def text(response) -> str:
    return response.content.decode()


def error_summary(response) -> list[str]:
    """The messages of the page's error summary, in order."""
    page = text(response)
    match = re.search(r'<div class="error-summary".*?<ul class="error-summary-list">(.*?)</ul>', page, re.S)
    if not match:
        return []
    return [
        html.unescape(re.sub(r"<[^>]+>", "", item)).strip()
        for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)
    ]


def start_draft(client, home, *, subjects=None, issue_slip=False, confirm=True) -> str:
    """Walk the form to the sign step; returns the draft's URL prefix."""
    response = client.post("/apply/", {"address_code": home.dwelling.address_code})
    assert response.status_code == 302, error_summary(response)
    prefix = draft_url(response)
    data = {"subjects": subjects or [home.tenant.iin]}
    if issue_slip:
        data["issue_slip"] = "on"
    response = client.post(prefix + "residents/", data)
    assert response["Location"] == prefix + "review/", error_summary(response)
    if confirm:
        response = client.post(prefix + "review/", {"confirm": "on"})
        assert response["Location"] == prefix + "sign/"
    return prefix


def request_to_sign(client, prefix) -> bytes:
    """The XML the sign step offers for download (the same the page shows)."""
    response = client.get(prefix + "request.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return response.content

"""Issue 14: a whole journey (a citizen signs in, applies and signs on the portal, reads the result through the API
and downloads the slip; an operator signs in, takes a walk-in case at the counter, completes it with slips, looks
people up; a few mistakes on the way) with every logger's records at INFO and above written by a root handler as
the project configures its handlers (``config.logmask``): no line holds an IIN, a surname, a given name, a
patronymic or a fragment of the address of anyone involved."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings as django_settings
from django.test import Client

from config.logmask import MaskIdentifiers
from deregistration.models import Application, DepartureSlip
from tests.backoffice.conftest import make_household
from tests.backoffice.test_intake import complete_owner_documents, open_screen
from tests.conftest import citizen_account
from tests.portal.conftest import request_to_sign, start_draft

pytestmark = pytest.mark.django_db

PASSWORD = "Citizen-pass-2026"  # what tests.conftest.citizen_account sets


class Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.setFormatter(logging.Formatter(django_settings.LOGGING["formatters"]["plain"]["format"]))
        self.addFilter(MaskIdentifiers())  # what config.logmask.configure puts on every handler
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines():
    root = logging.getLogger()
    handler, level = Lines(), root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(level)


def personal_fragments(*households) -> set[str]:
    """What must not be logged: each person's IIN, names and document number, each dwelling's address parts."""
    found = set()
    for household in households:
        for person in (household.owner, household.tenant, household.child):
            found |= {
                person.iin,
                person.last_name,
                person.first_name,
                person.patronymic,
                person.document_number,
            }
        dwelling = household.dwelling
        found |= {dwelling.address_code, dwelling.street, dwelling.street_ru, dwelling.postcode}
    return {fragment for fragment in found if fragment and len(fragment) >= 4}


def test_a_whole_journey_logs_no_iin_name_or_address(log_lines, operator, eds_pki, settings, tmp_path):
    portal_home, desk_home = make_household(), make_household()
    owner = citizen_account(portal_home.owner)

    # The citizen: a wrong password first, then the portal's form to a signed, completed application.
    citizen = Client(raise_request_exception=False)
    citizen.post("/login/", {"username": portal_home.owner.iin, "password": "wrong"})
    assert citizen.post("/login/", {"username": owner.username, "password": PASSWORD}).status_code == 302
    prefix = start_draft(citizen, portal_home, issue_slip=True)
    signed = eds_pki.sign(request_to_sign(citizen, prefix), signer=eds_pki.citizen(portal_home.owner.iin))
    assert (
        citizen.post(prefix + "sign/", {"signed_request": signed.decode(), "sign_with": "text"}).status_code
        == 302
    )
    case = Application.objects.get(applicant=portal_home.owner)
    assert case.status == "completed"
    for page in ("/cabinet/", "/cabinet/applications/", f"/cabinet/applications/{case.number}/"):
        assert citizen.get(page).status_code == 200
    slip = DepartureSlip.objects.get(subject__application=case)
    assert citizen.get(f"/cabinet/slips/{slip.number}/pdf/").status_code == 200
    assert Client().get(f"/verify/{slip.verification_code}/").status_code == 200

    # The same citizen through the API; and a slip asked for someone else's IIN (a 404 naming it in its path).
    api = Client(raise_request_exception=False)
    token = api.post(
        "/api/v1/auth/token/",
        {"username": owner.username, "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]
    for path in ("/api/v1/me/", "/api/v1/applications/", f"/api/v1/applications/{case.number}/"):
        assert api.get(path, HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    missing = f"/api/v1/applications/{case.number}/subjects/{desk_home.tenant.iin}/slip/"
    assert api.post(missing, HTTP_AUTHORIZATION=f"Token {token}").status_code in (403, 404)

    # The operator: signs in, finds a person, takes a walk-in case with a mistake first, completes it.
    desk = Client(raise_request_exception=False)
    desk.post("/admin/login/?next=/admin/", {"username": "operator1", "password": "wrong"})
    assert (
        desk.post("/admin/login/?next=/admin/", {"username": "operator1", "password": "x"}).status_code == 302
    )
    assert desk.get("/admin/citizens/person/", {"q": desk_home.owner.iin}).status_code == 200
    assert desk.get(f"/admin/citizens/person/{desk_home.tenant.pk}/change/").status_code == 200
    url, screen = open_screen(desk, "owner_application", desk_home.owner)
    wrong = complete_owner_documents(
        screen, subjects=[desk_home.tenant.iin], **{"doc-owner_application_form-issued_on": "2026-02-30"}
    )
    assert desk.post(url, wrong).status_code == 400
    body = complete_owner_documents(screen, subjects=[desk_home.tenant.iin], issue_slip="on")
    assert desk.post(url, body).status_code == 302
    walk_in = Application.objects.get(applicant=desk_home.owner)
    # The slip's storage fails at completion (a file where the folder should be): logged with its traceback;
    # the case completes all the same and the slip is issued again once the storage is back.
    media, broken = settings.MEDIA_ROOT, tmp_path / "not-a-folder"
    broken.write_bytes(b"")
    settings.MEDIA_ROOT = broken
    assert desk.post(f"/admin/deregistration/application/{walk_in.pk}/complete/").status_code == 302
    walk_in.refresh_from_db()
    assert walk_in.status == "completed"
    settings.MEDIA_ROOT = media
    subject = walk_in.subjects.get()
    assert subject.slip_status == "failed"
    retry = f"/admin/deregistration/application/{walk_in.pk}/subjects/{subject.pk}/slip/"
    assert desk.post(retry).status_code == 302
    assert DepartureSlip.objects.filter(subject__application=walk_in).exists()
    assert desk.get(f"/admin/deregistration/application/{walk_in.pk}/change/").status_code == 200

    # The journey was logged: sign-ins, refusals, a not-found, the slip's failure with its traceback.
    assert len(log_lines) >= 10, log_lines
    assert any("Traceback" in line for line in log_lines)
    fragments = personal_fragments(portal_home, desk_home)
    leaks = [(fragment, line) for line in log_lines for fragment in fragments if fragment in line]
    assert not leaks, "\n".join(f"{fragment!r} in: {line[:300]}" for fragment, line in leaks)

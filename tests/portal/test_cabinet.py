"""``/cabinet/``: notifications (read when opened, never on a list), applications with their tracker and term,
decisions with their ground and next step, slips, consent requests, "my property", the deregistered notice; and
nothing of anyone else's."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from deregistration import rules
from deregistration.models import Application, Notification
from deregistration.services import application_reject
from tests.conftest import citizen_account, walk_in_case

from .conftest import browser_for, new_home, request_to_sign, start_draft, text

pytestmark = pytest.mark.django_db


def portal_case(home, eds_pki, *, issue_slip=False):
    """An owner's application sent through the pages, signed with the owner's test key; returns it."""
    client = browser_for(home.user)
    prefix = start_draft(client, home, issue_slip=issue_slip)
    signed = eds_pki.sign(request_to_sign(client, prefix), signer=eds_pki.citizen(home.owner.iin))
    client.post(prefix + "sign/", {"signed_file": SimpleUploadedFile("s.xml", signed)})
    return Application.objects.get(applicant=home.owner, channel="portal")


def test_the_cabinet_shows_every_section(home):
    html = text(browser_for(home.user).get("/cabinet/"))
    for section in ("notifications", "consents", "applications", "slips", "property"):
        assert f'id="{section}"' in html


def test_a_completed_case_is_in_the_cabinet_with_its_number_tracker_and_slip(home, eds_pki):
    application = portal_case(home, eds_pki, issue_slip=True)
    html = text(browser_for(home.user).get("/cabinet/"))
    assert application.number in html
    assert "tracker-step--done" in html
    slip = application.subjects.get().slip
    assert f'href="/cabinet/slips/{slip.number}/pdf/"' in html


def test_the_unread_count_falls_only_when_a_notification_is_opened(home, eds_pki):
    portal_case(home, eds_pki)
    client = browser_for(home.user)
    assert re.search(
        r'href="#notifications">Notifications <span class="badge">1</span>', text(client.get("/cabinet/"))
    )
    client.get("/cabinet/notifications/")  # a list changes nothing
    notification = Notification.objects.get(recipient=home.user)
    notification.refresh_from_db()
    assert notification.read_at is None
    page = client.get(f"/cabinet/notifications/{notification.pk}/")
    assert "Persons deregistered from your address" in text(page)
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert '<span class="badge">' not in text(client.get("/cabinet/"))


def test_the_application_page_shows_the_tracker_and_the_time_left_while_waiting(co_home, eds_pki):
    application = portal_case(co_home, eds_pki)
    html = text(browser_for(co_home.user).get(f"/cabinet/applications/{application.number}/"))
    assert application.number in html
    assert (
        'tracker-step--current" aria-current="step">\n    <span class="tracker-label">Waiting for co-owners'
        in html
    )
    assert "Co-owners must answer by" in html
    assert re.search(r"\((60|59) minutes left\)", html)
    assert f'data-status-url="/api/v1/applications/{application.number}/"' in html


def test_the_term_of_a_submitted_case_counts_down_to_its_deadline(home, operator):
    """A walk-in case of the owner's (waiting for an operator) shows in their cabinet like any case of theirs."""
    application = walk_in_case(operator, home)
    html = text(browser_for(home.user).get(f"/cabinet/applications/{application.number}/"))
    assert "The 30-minute term ends at" in html
    assert re.search(r"\((30|29) minutes left\)", html)
    assert timezone.localtime(application.deadline_at).strftime("%H:%M") in html


def test_a_refusal_shows_its_legal_ground_and_what_to_do(co_home, eds_pki, sign_consent_for):
    application = portal_case(co_home, eds_pki)
    consent = application.consents.get()
    signed = sign_consent_for(co_home.co_owner.iin, application_number=application.number, decision="decline")
    browser_for(co_home.co_owner_user).post(
        f"/cabinet/consents/{consent.pk}/decline/", {"signed_consent": signed.decode()}
    )
    html = text(browser_for(co_home.user).get(f"/cabinet/applications/{application.number}/"))
    assert "The application was refused" in html
    assert "Law on Public Services, art. 19, 2" in html
    assert "A co-owner declined. Settle the matter with the other owners" in html
    assert "tracker-step--refused" in html


def test_an_operators_refusal_shows_its_comment_and_the_default_next_step(home, operator):
    application = walk_in_case(operator, home)
    application_reject(
        actor=operator, application=application, reason_code=rules.OTHER, comment="Өтініш қолтаңбасыз."
    )
    html = text(browser_for(home.user).get(f"/cabinet/applications/{application.number}/"))
    assert "Өтініш қолтаңбасыз." in html
    assert "You can apply again on the portal, or at any State Corporation office" in html


def test_my_property_lists_who_is_registered_at_each_dwelling(home):
    second = new_home(owner=home.owner)
    html = text(browser_for(home.user).get("/cabinet/"))
    for person in (home.tenant, second.tenant, home.owner):
        assert person.full_name in html
    assert second.dwelling.address_code in html


def test_a_deregistered_person_sees_the_notice_and_the_reminder(home, eds_pki):
    portal_case(home, eds_pki)
    tenant = citizen_account(home.tenant)
    html = text(browser_for(tenant).get("/cabinet/"))
    assert "You were deregistered from your place of residence" in html
    assert "Remember to register at your new place of residence." in html
    assert timezone.localdate().strftime("%d.%m.%Y") in html
    assert "You were deregistered" not in text(browser_for(home.user).get("/cabinet/"))


def test_a_slip_downloads_as_the_stored_pdf(home, eds_pki):
    application = portal_case(home, eds_pki, issue_slip=True)
    slip = application.subjects.get().slip
    response = browser_for(home.user).get(f"/cabinet/slips/{slip.number}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"%PDF")
    import hashlib

    assert hashlib.sha256(body).hexdigest() == slip.sha256
    assert "no-store" in response["Cache-Control"]
    # The person deregistered may download it too.
    assert (
        browser_for(citizen_account(home.tenant)).get(f"/cabinet/slips/{slip.number}/pdf/").status_code == 200
    )


def test_nothing_of_anyone_else_is_seen_or_touched(home, eds_pki, co_home):
    application = portal_case(home, eds_pki, issue_slip=True)
    slip = application.subjects.get().slip
    notification = Notification.objects.get(recipient=home.user, kind="application_completed")
    other_case = portal_case(co_home, eds_pki)
    consent = other_case.consents.get()
    stranger = browser_for(new_home().user)
    for path in (
        f"/cabinet/applications/{application.number}/",
        f"/cabinet/notifications/{notification.pk}/",
        f"/cabinet/slips/{slip.number}/pdf/",
        f"/cabinet/consents/{consent.pk}/",
        f"/cabinet/consents/{consent.pk}/approve/",
        f"/cabinet/consents/{consent.pk}/approve/consent.xml",
    ):
        assert stranger.get(path).status_code == 404, path
    assert (
        stranger.post(f"/cabinet/consents/{consent.pk}/approve/", {"signed_consent": "<x/>"}).status_code
        == 404
    )
    notification.refresh_from_db()
    assert notification.read_at is None
    consent.refresh_from_db()
    assert consent.decision == "pending"
    html = text(stranger.get("/cabinet/"))
    assert application.number not in html
    assert other_case.number not in html


def test_the_applications_list_pages(home, operator, settings):
    from deregistration.portal import cabinet

    for _ in range(3):
        walk_in_case(operator, new_home(owner=home.owner))
    numbers = list(Application.objects.order_by("-submitted_at", "-id").values_list("number", flat=True))
    original = cabinet.PAGE
    cabinet.PAGE = 2
    try:
        client = browser_for(home.user)
        first, second = (
            text(client.get("/cabinet/applications/")),
            text(client.get("/cabinet/applications/?page=2")),
        )
    finally:
        cabinet.PAGE = original
    assert numbers[0] in first
    assert numbers[1] in first
    assert numbers[2] not in first
    assert numbers[2] in second
    assert "Page 2 of 2" in second


def test_a_lapsed_consent_window_is_shown_as_refused(co_home, eds_pki):
    application = portal_case(co_home, eds_pki)
    Application.objects.filter(pk=application.pk).update(
        consent_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    html = text(browser_for(co_home.user).get(f"/cabinet/applications/{application.number}/"))
    assert "The application was refused" in html
    assert "Not every co-owner answered within the hour." in html


def test_more_property_than_the_cabinet_shows_is_on_its_own_page(home):
    others = [new_home(owner=home.owner) for _ in range(5)]
    client = browser_for(home.user)
    cabinet = text(client.get("/cabinet/"))
    assert 'href="/cabinet/property/"' in cabinet
    assert sum(d.dwelling.address_code in cabinet for d in [home, *others]) == 5
    page = text(client.get("/cabinet/property/"))
    assert all(d.dwelling.address_code in page for d in [home, *others])
    assert all(d.tenant.full_name in page for d in [home, *others])

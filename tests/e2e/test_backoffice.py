"""The back-office in a real browser: an operator's walk-in owner's application from "new case" to the printed slip
(page loads and form submissions counted), a migration officer's case for a refugee, and the supervisor's pages.

With ``SCREENSHOTS_DIR`` set (``SCREENSHOTS_DIR=docs/screenshots pytest tests/e2e/test_backoffice.py``), the
journeys also save the README's screenshots of the queue, the intake screen, a case page and the dashboard, at
1280 px.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from deregistration.accounts import staff_account_create
from deregistration.models import Application, DepartureSlip, RegistryRecord
from deregistration.slips import slip_storage
from tests.backoffice.conftest import REFUGEE, make_household
from tests.conftest import walk_in_case
from tests.e2e.conftest import serious_violations
from tests.factories import OwnershipFactory, PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Staff-pass-2026"
MAX_STEPS = 8  # the bound: page loads and form submissions from "new case" to "slip printed"


def shoot(page, name: str) -> None:
    directory = os.environ.get("SCREENSHOTS_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"backoffice-{name}.png"), full_page=True)


class StepCounter:
    """Counts what the operator does: every page loaded and every form sent (a redirect after a form is part of
    the submission, not a step of its own), in every tab."""

    def __init__(self, context):
        self.steps: list[str] = []
        context.on("request", self._seen)

    def _seen(self, request) -> None:
        # Chromium's PDF viewer loads a page of its own (chrome-extension://): not the operator's doing.
        step = f"{request.method} {request.url}"
        if (
            request.resource_type == "document"
            and request.redirected_from is None
            and request.url.startswith(("http://", "https://"))
            # The same page asked for again at once (Chromium's PDF tab may load the slip twice on a busy
            # machine): still the one step the operator took.
            and not (request.method == "GET" and self.steps and self.steps[-1] == step)
        ):
            self.steps.append(step)


@pytest.fixture
def staff_page(browser, live_server):
    """``staff_page(role)``: a signed-in browser tab (1280 px, English) for a new account of that role."""
    contexts = []

    def sign_in(role: str):
        username = f"{role}-e2e"
        staff_account_create(username=username, role=role, password=PASSWORD, validate=False)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        context.set_default_timeout(
            90_000
        )  # a slip is rendered and sealed on completion; CI machines are busy
        contexts.append(context)
        page = context.new_page()
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(live_server.url + "/admin/")
        return page

    yield sign_in
    for context in contexts:
        context.close()


def open_and_complete(page, live_server, *, applicant, tenant, slip: bool) -> tuple[Application, StepCounter]:
    """The operator's work at the desk, as a person clicks it: new case, the applicant's IIN, tick the person,
    the application's number, open the case, complete it, print the slip."""
    counter = StepCounter(page.context)
    page.click("#nav-new-case")  # 1. new case
    assert serious_violations(page) == []
    page.fill("#id_applicant_iin", applicant.iin)
    page.click("#find-applicant")  # 2. the applicant's screen
    page.wait_for_selector("#intake")
    assert applicant.document_number in page.inner_text("#applicant")
    page.check(f"input[name=subjects][value='{tenant.iin}']")
    page.fill("input[name='doc-owner_application_form-number']", "Ө-17")
    if slip:
        page.check("#id_issue_slip")
    assert serious_violations(page) == []
    shoot(page, "intake")
    page.click("#submit-case")  # 3. the case is opened
    page.wait_for_selector("#complete")
    case = Application.objects.get(subjects__person=tenant)
    assert case.status == "submitted"
    page.click("#complete")  # 4. deregistered
    page.wait_for_selector("#records")
    assert serious_violations(page) == []
    return case, counter


def print_slip(page) -> bytes:
    """5. the slip, opened from the case in a new tab: the stored PDF itself."""
    link = page.locator("a.print-slip").first
    with (
        page.context.expect_event("response", lambda r: "/departureslip/pdf/" in r.url) as response_info,
        page.context.expect_page() as tab,
    ):
        link.click()
    response = response_info.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")  # shown in the tab, ready to print
    assert tab.value.url == response.url
    # Chromium's viewer wraps what it shows; the bytes the server sent are read again the same way.
    return page.context.request.get(response.url).body()


def test_an_operators_walk_in_owners_application_from_new_case_to_printed_slip(
    staff_page, live_server, capsys
):
    home = make_household()
    page = staff_page("operator")
    case, counter = open_and_complete(page, live_server, applicant=home.owner, tenant=home.tenant, slip=True)
    assert "Completed" in page.inner_text("#case-status")
    assert page.locator("a.print-slip").count() == 1  # asked for at the desk: issued on completion
    assert home.tenant.iin in page.inner_text("#records")
    shoot(page, "case")
    body = print_slip(page)
    slip = DepartureSlip.objects.get(subject__application=case)
    with slip_storage().open(slip.file_name, "rb") as stored:
        assert body == stored.read()  # the stored, sealed PDF itself
    assert RegistryRecord.objects.get(application_number=case.number).iin == home.tenant.iin
    steps = counter.steps
    with capsys.disabled():
        print(f"\nOperator's steps from 'new case' to 'slip printed': {len(steps)}")
        for step in steps:
            print(f"  {step.replace(live_server.url, '')}")
    assert len(steps) == 5, steps  # new case, the applicant, open the case, complete, print
    assert len(steps) <= MAX_STEPS


def test_a_migration_officers_case_for_a_refugee(staff_page, live_server):
    home = make_household(tenant=REFUGEE)
    page = staff_page("migration")
    case, counter = open_and_complete(page, live_server, applicant=home.owner, tenant=home.tenant, slip=False)
    case.refresh_from_db()
    assert (case.channel, case.status) == ("service_provider", "completed")
    assert "Refugee" in page.inner_text("#subjects")
    page.click("#subjects button[type=submit]")  # no slip was asked for at the desk: issue it now
    page.wait_for_selector("a.print-slip")
    assert print_slip(page).startswith(b"%PDF-")
    assert len(counter.steps) <= MAX_STEPS + 1


def test_the_queue_and_the_dashboard_as_a_supervisor_sees_them(
    staff_page, live_server, operator, migration_officer
):
    """A day's work across regions: open cases near and past their deadline, completed ones over a week."""
    now = timezone.now()
    regions = [
        ("751110000", "Алматы қаласы"),
        ("711410000", "Астана қаласы"),
        ("351010000", "Қарағанды облысы"),
        ("551010000", "Павлодар облысы"),
    ]
    for day in range(7):
        for n in range(1 + day % 3):
            kato, region = regions[(day + n) % 4]
            home = make_household(region_kato=kato, region=region)
            kind = ("owner_application", "court_decision", "emigration")[(day + n) % 3]
            leaving = {"applicant": home.tenant, "subjects": [home.tenant]} if kind == "emigration" else {}
            case = walk_in_case(operator, home, case_type=kind, complete=True, **leaving)
            start = now - dt.timedelta(days=day, hours=n)
            Application.objects.filter(pk=case.pk).update(
                submitted_at=start,
                deadline_at=start + dt.timedelta(minutes=30),
                completed_at=start + dt.timedelta(minutes=4 + 9 * n + 3 * day),
            )
    for minutes, (kato, region) in zip((-6, 7, 22), regions[2::-1], strict=True):
        case = walk_in_case(operator, make_household(region_kato=kato, region=region))
        Application.objects.filter(pk=case.pk).update(deadline_at=now + dt.timedelta(minutes=minutes))
    walk_in_case(migration_officer, make_household(tenant=REFUGEE), channel="service_provider")
    co_owned = make_household(region_kato="551010000", region="Павлодар облысы")
    OwnershipFactory(dwelling=co_owned.dwelling, person=PersonFactory(), share="0.5")
    walk_in_case(operator, co_owned)  # waits for a co-owner's consent

    page = staff_page("supervisor")
    page.goto(live_server.url + "/admin/deregistration/application/")
    assert page.locator("#result_list tbody tr").count() == 5
    assert page.locator(".term-overdue").count() == 1
    assert page.locator(".term-near").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # fits the screen
    assert serious_violations(page) == []
    shoot(page, "queue")
    page.goto(live_server.url + "/admin/deregistration/application/dashboard/")
    assert page.inner_text("#kpi-overdue") == "1"
    assert page.locator("#chart-by-type rect").count() > 3
    assert serious_violations(page) == []
    shoot(page, "dashboard")
    # The supervisor's other pages: the population register, ХҚТ ТП АЖ, the slips, who read what, a case's history.
    person = co_owned.owner
    for path in (
        "/admin/citizens/person/",
        f"/admin/citizens/person/{person.pk}/change/",
        "/admin/citizens/registration/",
        "/admin/deregistration/registryrecord/",
        "/admin/deregistration/departureslip/",
        "/admin/citizens/auditevent/",
        f"/admin/deregistration/application/{case.pk}/history/",
    ):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert serious_violations(page) == [], path

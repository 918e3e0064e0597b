"""The owner's whole journey in a real browser, in Kazakh and in Russian, and a co-owner's approval in their own
browser session; NCALayer is faked at wss://127.0.0.1:13579 and answers with a real signature from the test
PKI. axe finds no serious or critical violation on any page of the journey."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from deregistration import eds
from deregistration.constants import Status
from deregistration.models import Application, RegistryRecord
from tests.conftest import citizen_account
from tests.e2e.conftest import serious_violations
from tests.factories import DwellingFactory, OwnershipFactory, PersonFactory, RegistrationFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Citizen-pass-2026"  # tests.conftest.citizen_account's
NCALAYER = "wss://127.0.0.1:13579"


def fake_ncalayer(page, pki, *, signer_iin: str, seen: list) -> None:
    """NCALayer's WebSocket, answering a sign request with the document signed by ``signer_iin``'s test key."""

    def handler(ws):
        ws.send(json.dumps({"result": {"version": "1.4"}}))  # NCALayer greets first; the page must wait on

        def on_message(message):
            request = json.loads(message)
            seen.append(request)
            signed = pki.sign(request["args"]["data"].encode(), signer=pki.citizen(signer_iin))
            ws.send(json.dumps({"status": True, "body": {"result": [signed.decode()]}}))

        ws.on_message(on_message)

    page.route_web_socket(NCALAYER, handler)


@pytest.fixture
def household(db):
    dwelling = DwellingFactory()
    owner = PersonFactory()
    OwnershipFactory(dwelling=dwelling, person=owner)
    tenant = PersonFactory(last_name="Сәрсенбаева", first_name="Әйгерім", sex="F")
    foreigner = PersonFactory(
        category="foreign_resident", citizenship="UZB", document_type="residence_permit"
    )
    for person in (owner, tenant, foreigner):
        RegistrationFactory(person=person, dwelling=dwelling)
    citizen_account(owner)
    return dwelling, owner, tenant


def checked(page, violations: dict, name: str) -> None:
    found = serious_violations(page)
    if found:
        violations[name] = found


def sign_in(page, base: str, iin: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", iin)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/cabinet/")


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_owners_whole_journey(live_server, browser, household, eds_pki, language):
    dwelling, owner, tenant = household
    context = browser.new_context(locale={"kk": "kk-KZ", "ru": "ru-RU"}[language])
    page = context.new_page()
    seen: list = []
    fake_ncalayer(page, eds_pki, signer_iin=owner.iin, seen=seen)
    violations: dict = {}
    # Chromium reports each Content-Security-Policy violation on the console: the journey must cause none.
    refused: list = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    base = live_server.url
    try:
        page.goto(base + "/")
        assert page.locator("html").get_attribute("lang") == language
        checked(page, violations, "start")
        sign_in(page, base, owner.iin)
        checked(page, violations, "cabinet")

        page.goto(base + "/apply/")
        checked(page, violations, "dwelling")
        page.check(f"input[name=address_code][value='{dwelling.address_code}']")
        page.click("main form button[type=submit]")
        page.wait_for_url("**/residents/")
        assert (
            page.locator("input[name=subjects]").count() == 1
        )  # the owner and the foreigner are not offered
        # The error summary: sent without a tick, it takes the focus and links to the field.
        page.click("main form button[type=submit]")
        page.wait_for_url("**/residents/")
        assert page.evaluate("document.activeElement.dataset.errorSummary !== undefined")
        checked(page, violations, "residents with an error")
        page.check(f"input[name=subjects][value='{tenant.iin}']")
        page.click("main form button[type=submit]")
        page.wait_for_url("**/review/")
        checked(page, violations, "review")
        page.check("input[name=confirm]")
        page.click("main form button[type=submit]")
        page.wait_for_url("**/sign/")
        checked(page, violations, "sign")

        page.click("[data-ncalayer-sign]")
        page.wait_for_url("**/result/")
        checked(page, violations, "result")
        application = Application.objects.get()
        with translation.override(language):
            completed = str(Status.COMPLETED.label)
        assert application.status == "completed"
        assert application.number in page.content()
        assert RegistryRecord.objects.get().iin == tenant.iin

        page.click(f"a[href='/cabinet/applications/{application.number}/']")
        page.wait_for_url(f"**/cabinet/applications/{application.number}/")
        assert completed in page.content()
        checked(page, violations, "application")
    finally:
        context.close()
    [request] = seen
    assert request["module"] == "kz.gov.pki.knca.basics"
    assert request["method"] == "sign"
    assert request["args"]["locale"] == language
    assert f'<subject iin="{tenant.iin}"/>' in request["args"]["data"]
    assert violations == {}
    assert refused == []


def test_a_co_owner_approves_in_their_own_browser(live_server, browser, eds_pki):
    dwelling = DwellingFactory()
    owner, co_owner, tenant = PersonFactory(), PersonFactory(), PersonFactory()
    OwnershipFactory(dwelling=dwelling, person=owner, share="0.5")
    OwnershipFactory(dwelling=dwelling, person=co_owner, share="0.5")
    RegistrationFactory(person=tenant, dwelling=dwelling)
    citizen_account(owner)
    citizen_account(co_owner)
    base = live_server.url
    violations: dict = {}

    owners = browser.new_context(locale="kk-KZ")
    owners_page = owners.new_page()
    fake_ncalayer(owners_page, eds_pki, signer_iin=owner.iin, seen=[])
    co_owners = browser.new_context(locale="kk-KZ")
    co_page = co_owners.new_page()
    seen: list = []
    fake_ncalayer(co_page, eds_pki, signer_iin=co_owner.iin, seen=seen)
    try:
        sign_in(owners_page, base, owner.iin)
        owners_page.goto(base + "/apply/")
        owners_page.click("main form button[type=submit]")  # the only dwelling is chosen already
        owners_page.check(f"input[name=subjects][value='{tenant.iin}']")
        owners_page.click("main form button[type=submit]")
        owners_page.check("input[name=confirm]")
        owners_page.click("main form button[type=submit]")
        owners_page.click("[data-ncalayer-sign]")
        owners_page.wait_for_url("**/result/")
        application = Application.objects.get()
        assert application.status == "awaiting_consent"
        owners_page.goto(base + f"/cabinet/applications/{application.number}/")
        assert owners_page.locator("[data-countdown]").count() == 1
        checked(owners_page, violations, "waiting")

        sign_in(co_page, base, co_owner.iin)
        consent = application.consents.get()
        co_page.click(f"a[href='/cabinet/consents/{consent.pk}/']")
        checked(co_page, violations, "consent")
        co_page.check("input[name=decision][value=approved]")
        co_page.click("main form button[type=submit]")
        co_page.wait_for_url(f"**/cabinet/consents/{consent.pk}/approve/")
        checked(co_page, violations, "consent sign")
        co_page.click("[data-ncalayer-sign]")
        co_page.wait_for_url(f"**/cabinet/consents/{consent.pk}/")
        application.refresh_from_db()
        assert application.status == "completed"
        assert eds.DECISION_APPROVE in seen[0]["args"]["data"]

        # The owner's page notices the change by itself (it polls the case's status) and shows the result.
        with translation.override("kk"):
            completed = str(Status.COMPLETED.label)
        owners_page.wait_for_function(
            "text => document.body.innerText.includes(text)", arg=completed, timeout=20000
        )
    finally:
        owners.close()
        co_owners.close()
    assert violations == {}


def test_without_ncalayer_the_page_says_so_and_the_file_way_remains(live_server, browser, household, eds_pki):
    _dwelling, owner, tenant = household
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.route_web_socket(NCALAYER, lambda ws: ws.close())  # nothing listens there
    try:
        sign_in(page, live_server.url, owner.iin)
        page.goto(live_server.url + "/apply/")
        page.click("main form button[type=submit]")
        page.check(f"input[name=subjects][value='{tenant.iin}']")
        page.click("main form button[type=submit]")
        page.check("input[name=confirm]")
        page.click("main form button[type=submit]")
        page.click("[data-ncalayer-sign]")
        status = page.locator("[data-ncalayer-status]")
        status.wait_for()
        page.wait_for_function(
            "() => document.querySelector('[data-ncalayer-status]').textContent.includes('NCALayer')"
        )
        assert "not running" in status.inner_text()
        assert page.locator("input[name=signed_file]").is_visible()
        assert not Application.objects.exists()
    finally:
        context.close()


@pytest.mark.parametrize("width", [360, 640])  # a phone, and 1280 px at 200 % zoom
def test_no_page_needs_sideways_scrolling(live_server, browser, household, width):
    _dwelling, owner, _tenant = household
    context = browser.new_context(locale="kk-KZ", viewport={"width": width, "height": 800})
    page = context.new_page()
    base = live_server.url
    overflowing = {}
    try:
        for path in ("/", "/login/", "/verify/"):
            page.goto(base + path)
            if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
                overflowing[path] = page.evaluate("document.documentElement.scrollWidth")
        sign_in(page, base, owner.iin)
        page.goto(base + "/apply/")
        page.click("main form button[type=submit]")
        page.wait_for_url("**/residents/")
        steps = [page.url]
        page.check("input[name=subjects]")
        page.click("main form button[type=submit]")
        page.check("input[name=confirm]")
        steps.append(page.url)
        page.click("main form button[type=submit]")
        page.wait_for_url("**/sign/")
        steps.append(page.url)
        for url in [base + "/cabinet/", base + "/apply/", *steps]:
            page.goto(url)
            if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
                overflowing[url] = page.evaluate("document.documentElement.scrollWidth")
    finally:
        context.close()
    assert overflowing == {}, f"wider than {width} px: {overflowing}"

"""Screenshots of the portal for the README: the start page, each step of the form, the cabinet and a consent
request, at 360 px and 1280 px wide.

Skipped unless ``SCREENSHOTS_DIR`` is set; ``make screenshots`` sets it to ``docs/screenshots`` (and
``SCREENSHOTS_LANGUAGE``, ``en`` by default: ``make screenshots SCREENSHOTS_LANGUAGE=kk``).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from deregistration.models import Application
from tests.conftest import citizen_account
from tests.factories import DwellingFactory, OwnershipFactory, PersonFactory, RegistrationFactory

from .test_portal_journey import fake_ncalayer, sign_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("SCREENSHOTS_DIR"), reason="set SCREENSHOTS_DIR (make screenshots)"
    ),
]
WIDTHS = (1280, 360)


def shoot(page, name: str) -> None:
    directory = Path(os.environ["SCREENSHOTS_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(directory / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


def test_screenshots(live_server, browser, eds_pki):
    language = os.environ.get("SCREENSHOTS_LANGUAGE", "en")
    # The people of the demo (seed_demo): an owner in Almaty with a tenant, a child and a foreign resident.
    home = DwellingFactory(address_code="0201400012345678", building="10", apartment="25")
    owner = PersonFactory(
        iin="800315300018",
        last_name="Ахметов",
        first_name="Нұрлан",
        patronymic="Серікұлы",
        birth_date=dt.date(1980, 3, 15),
    )
    tenant = PersonFactory(
        iin="850722400028",
        last_name="Сәрсенбаева",
        first_name="Әйгерім",
        patronymic="Қайратқызы",
        sex="F",
        birth_date=dt.date(1985, 7, 22),
    )
    foreigner = PersonFactory(
        last_name="Каримов",
        first_name="Бахтиёр",
        patronymic="",
        category="foreign_resident",
        citizenship="UZB",
        document_type="residence_permit",
    )
    OwnershipFactory(dwelling=home, person=owner)
    for person in (owner, tenant, foreigner):
        RegistrationFactory(person=person, dwelling=home, registered_on=dt.date(2019, 2, 11))
    # A house in Astana the owner holds with his sister, who asks him to consent.
    shared = DwellingFactory(
        region="Астана қаласы",
        region_ru="город Астана",
        locality="Астана",
        locality_ru="Астана",
        district="Есіл ауданы",
        district_ru="район Есиль",
        street="Қабанбай батыр даңғылы",
        street_ru="проспект Кабанбай батыра",
        building="53",
        apartment="",
    )
    sister = PersonFactory(last_name="Ахметова", first_name="Гүлнар", patronymic="Серікқызы", sex="F")
    lodger = PersonFactory(last_name="Жұмабаев", first_name="Ерлан", patronymic="Асқарұлы")
    OwnershipFactory(dwelling=shared, person=sister, share="0.5")
    OwnershipFactory(dwelling=shared, person=owner, share="0.5")
    RegistrationFactory(person=lodger, dwelling=shared)
    for person in (owner, sister):
        citizen_account(person)

    base = live_server.url
    context = browser.new_context(locale=context_locale(language))
    page = context.new_page()
    fake_ncalayer(page, eds_pki, signer_iin=owner.iin, seen=[])
    sisters = browser.new_context(locale=context_locale(language))
    sisters_page = sisters.new_page()
    fake_ncalayer(sisters_page, eds_pki, signer_iin=sister.iin, seen=[])
    try:
        # The sister applies first: her application waits for the owner's consent.
        sign_in(sisters_page, base, sister.iin)
        sisters_page.goto(base + "/apply/")
        sisters_page.click("main form button[type=submit]")
        sisters_page.check(f"input[name=subjects][value='{lodger.iin}']")
        sisters_page.click("main form button[type=submit]")
        sisters_page.check("input[name=confirm]")
        sisters_page.click("main form button[type=submit]")
        sisters_page.click("[data-ncalayer-sign]")
        sisters_page.wait_for_url("**/result/")

        page.goto(base + "/")
        shoot(page, "start")
        page.goto(base + "/login/")
        shoot(page, "login")
        sign_in(page, base, owner.iin)
        page.goto(base + "/apply/")
        page.check(f"input[name=address_code][value='{home.address_code}']")
        shoot(page, "apply-1-dwelling")
        page.click("main form button[type=submit]")
        page.wait_for_url("**/residents/")
        page.click("main form button[type=submit]")  # nothing ticked: the error summary
        page.wait_for_url("**/residents/")
        shoot(page, "apply-2-persons-error")
        page.goto(page.url)  # the same step afresh
        page.check(f"input[name=subjects][value='{tenant.iin}']")
        page.check("input[name=issue_slip]")
        shoot(page, "apply-2-persons")
        page.click("main form button[type=submit]")
        page.wait_for_url("**/review/")
        page.check("input[name=confirm]")
        shoot(page, "apply-3-check")
        page.click("main form button[type=submit]")
        page.wait_for_url("**/sign/")
        shoot(page, "apply-4-sign")
        page.click("[data-ncalayer-sign]")
        page.wait_for_url("**/result/")
        shoot(page, "apply-5-result")
        page.goto(base + "/cabinet/")
        shoot(page, "cabinet")
        consent = Application.objects.get(applicant=sister).consents.get()
        page.goto(base + f"/cabinet/consents/{consent.pk}/")
        page.check("input[name=decision][value=approved]")
        shoot(page, "consent")
        page.click("main form button[type=submit]")
        page.wait_for_url(f"**/cabinet/consents/{consent.pk}/approve/")
        shoot(page, "consent-sign")
    finally:
        context.close()
        sisters.close()


def context_locale(language: str) -> str:
    return {"kk": "kk-KZ", "ru": "ru-RU"}.get(language, "en-US")

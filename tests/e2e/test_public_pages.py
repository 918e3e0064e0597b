"""The public pages in a real browser: the start page and the slip verification the QR code leads to."""

import pytest

from deregistration.models import DepartureSlip
from tests.conftest import walk_in_case
from tests.e2e.conftest import serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_start_page_in_kazakh_is_accessible(live_server, page):
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert "ХҚТ ТП АЖ" in page.content()
    assert serious_violations(page) == []


def test_a_typed_verification_code_shows_the_slip_as_genuine(live_server, page, household, operator):
    walk_in_case(operator, household, issue_slip=True, complete=True)
    slip = DepartureSlip.objects.get()

    page.goto(live_server.url + "/verify/")
    page.fill("#code", slip.verification_code.replace("-", " ").lower())  # as a person might type it
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/verify/{slip.verification_code}/")
    assert slip.number in page.content()
    assert household.tenant.initials in page.content()
    assert household.tenant.iin not in page.content()
    assert serious_violations(page) == []

    page.goto(live_server.url + "/verify/AAAA-BBBB-CCCC-DDDD-EEEE/")
    assert slip.number not in page.content()
    assert page.locator(".result.bad").count() == 1

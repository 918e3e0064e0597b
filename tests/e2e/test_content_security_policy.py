"""Issue 9, item 9: a Content-Security-Policy without 'unsafe-inline' on every page, which the pages keep (no
violation in Chromium) and which still lets the signing page reach NCALayer at wss://127.0.0.1:13579."""

import pytest

from deregistration.models import DepartureSlip
from tests.conftest import walk_in_case

pytestmark = pytest.mark.django_db(transaction=True)

# Collects every violation the browser reports, from before the page's first script runs.
WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || ""));
});
"""


@pytest.fixture
def watched(page):
    page.add_init_script(WATCH_VIOLATIONS)
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.console_messages = console
    return page


def violations(page) -> list[str]:
    reported = page.evaluate("window.__csp")
    refused = [text for text in page.console_messages if "Content Security Policy" in text]
    return reported + refused


def open_page(page, url):
    response = page.goto(url)
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    page.wait_for_load_state("networkidle")
    return policy


def test_the_public_pages_keep_their_policy(live_server, watched, household, operator):
    walk_in_case(operator, household, issue_slip=True, complete=True)
    slip = DepartureSlip.objects.get()
    for path in ("/", "/verify/", f"/verify/{slip.verification_code}/", "/verify/AAAA-BBBB-CCCC-DDDD-EEEE/"):
        open_page(watched, live_server.url + path)
        assert violations(watched) == [], path


def test_the_api_documentation_renders_under_the_policy(live_server, watched):
    open_page(watched, live_server.url + "/api/v1/docs/")
    watched.wait_for_selector(".swagger-ui .info .title", timeout=15000)
    assert "Deregistration portal API" in watched.inner_text(".swagger-ui .info .title")
    assert watched.locator(".opblock").count() > 5
    assert violations(watched) == []


def test_the_admin_keeps_the_policy(live_server, watched, operator):
    operator.set_password("Staff-pass-2026")
    operator.save()
    open_page(watched, live_server.url + "/admin/login/")
    watched.fill("#id_username", operator.username)
    watched.fill("#id_password", "Staff-pass-2026")
    watched.click("input[type=submit]")
    watched.wait_for_url("**/admin/")
    open_page(watched, live_server.url + "/admin/citizens/person/")
    assert violations(watched) == []


def test_ncalayer_is_reachable_and_nothing_else_is(live_server, watched):
    policy = open_page(watched, live_server.url + "/")
    assert "wss://127.0.0.1:13579" in policy
    # The socket to NCALayer may be opened (nothing listens here: it just fails), another one is refused.
    watched.evaluate(
        """() => new Promise((done) => {
            const ncalayer = new WebSocket("wss://127.0.0.1:13579");
            ncalayer.onerror = ncalayer.onclose = () => done();
            setTimeout(done, 3000);
        })"""
    )
    assert [v for v in violations(watched) if "connect-src" in v] == []
    watched.evaluate("""() => { try { new WebSocket("wss://127.0.0.1:9999"); } catch (e) {} }""")
    watched.wait_for_timeout(300)
    assert any("connect-src" in v and "9999" in v for v in violations(watched)), violations(watched)

"""Issue 9, item 2: password guessing is stopped on every sign-in (the API's token, the admin's login, the
portal's sign-in page): a lockout per account and per client address, counted in the database, the client
address read from X-Forwarded-For only behind the configured trusted proxies, the same answer for an existing
and an unknown account."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import include, path
from rest_framework.test import APIClient

from config.security import client_ip
from deregistration.tokens import ApiToken
from tests.conftest import citizen_account
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
PASSWORD = "Citizen-pass-2026"
UNKNOWN_IIN = "800315300018"

# The portal's sign-in page is Django's LoginView (deregistration's portal pages); a minimal one stands in here.
urlpatterns = [
    path("login/", LoginView.as_view(template_name="admin/login.html"), name="login"),
    path("", include("config.urls")),
]


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 5


@pytest.fixture
def citizen(db):
    person = PersonFactory()
    citizen_account(person)
    return person


def token_request(username, password, *, address="198.51.100.1", forwarded=None):
    headers = {"REMOTE_ADDR": address}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json", **headers)


def test_guessing_one_iin_from_rotating_forwarded_addresses_locks_the_account(citizen):
    answers = [
        token_request(citizen.iin, f"wrong-{n}", forwarded=f"203.0.113.{n}").status_code for n in range(5)
    ]
    assert answers == [400, 400, 400, 400, 429]
    right = token_request(citizen.iin, PASSWORD, forwarded="203.0.113.99", address="198.51.100.2")
    assert right.status_code == 429
    assert right.json()["code"] == "locked_out"
    assert int(right["Retry-After"]) == 15 * 60 == right.json()["retry_after"]
    assert "no-store" in right["Cache-Control"]
    assert not ApiToken.objects.exists()


def test_the_lockout_reads_the_same_for_an_existing_and_an_unknown_iin(citizen):
    answers = {}
    for number, iin in enumerate((citizen.iin, UNKNOWN_IIN)):
        address = f"198.51.100.{10 + number}"
        for attempt in range(5):
            last = token_request(iin, f"wrong-{attempt}", address=address)
        answers[iin] = (last.status_code, last.json(), last["Retry-After"])
        before = token_request(iin, "wrong", address=address)
        assert before.status_code == 429
    assert answers[citizen.iin] == answers[UNKNOWN_IIN]
    assert citizen.iin not in str(answers[citizen.iin])


def test_one_address_trying_many_accounts_is_locked_out(citizen):
    for number in range(5):
        token_request(f"80031530{number:04d}", "wrong", address="198.51.100.20")
    assert token_request(citizen.iin, PASSWORD, address="198.51.100.20").status_code == 429
    assert token_request(citizen.iin, PASSWORD, address="198.51.100.21").status_code == 200


def test_failures_are_counted_in_the_database_not_in_a_process(citizen):
    for attempt in range(4):
        token_request(citizen.iin, f"wrong-{attempt}", address=f"198.51.100.{30 + attempt}")
    cache.clear()  # another worker process shares nothing but the database
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 4
    assert token_request(citizen.iin, "wrong", address="198.51.100.40").status_code == 429


def test_the_right_password_before_the_limit_still_signs_in(citizen):
    for attempt in range(4):
        token_request(citizen.iin, f"wrong-{attempt}")
    assert token_request(citizen.iin, PASSWORD).status_code == 200


# --- the admin's login and the portal's sign-in page ---------------------------------------------------------


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


@pytest.mark.parametrize("url", ["/admin/login/", "/login/"])
@pytest.mark.urls(__name__)
def test_html_sign_in_pages_lock_out_with_a_page_that_names_nobody(client, operator, url):
    pages = {}
    for number, username in enumerate((operator.username, "no-such-user")):
        address = f"198.51.100.{50 + number}"
        for attempt in range(5):
            response = client.post(
                url, {"username": username, "password": f"wrong-{attempt}"}, REMOTE_ADDR=address
            )
        assert response.status_code == 429
        assert response["Retry-After"] == str(15 * 60)
        pages[username] = without_csrf(response.content.decode())
    assert pages[operator.username] == pages["no-such-user"]
    assert "Too many failed sign-in attempts. Try again in 15 minutes." in pages["no-such-user"]
    assert operator.username not in pages[operator.username]
    operator.set_password("Staff-pass-2026")
    operator.save()
    locked = client.post(
        url, {"username": operator.username, "password": "Staff-pass-2026"}, REMOTE_ADDR="198.51.100.60"
    )
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.urls(__name__)
def test_the_lockout_page_is_translated(client):
    for attempt in range(5):
        response = client.post(
            "/admin/login/", {"username": "x", "password": f"w{attempt}"}, HTTP_ACCEPT_LANGUAGE="ru"
        )
    assert response.status_code == 429
    assert response["Content-Language"] == "ru"


# --- the client address ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "192.0.2.1"),  # nobody is trusted: the header is the client's own text
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "10.9.9.9, 203.0.113.5", "203.0.113.5"),  # the client wrote the first entry itself
        (2, "10.9.9.9, 203.0.113.5, 192.0.2.200", "203.0.113.5"),
        (1, "", "192.0.2.1"),
        (1, "not-an-address", "192.0.2.1"),
        (3, "203.0.113.5", "203.0.113.5"),  # fewer entries than proxies: the farthest one
    ],
)
def test_the_client_address_is_read_through_trusted_proxies_only(settings, trusted, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = trusted
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_behind_one_trusted_proxy_each_forwarded_client_counts_apart(settings, citizen):
    settings.TRUSTED_PROXY_COUNT = 1
    for attempt in range(5):
        token_request(f"80031530{attempt:04d}", "wrong", address="10.0.0.1", forwarded="203.0.113.70")
    assert (
        token_request(citizen.iin, PASSWORD, address="10.0.0.1", forwarded="203.0.113.70").status_code == 429
    )
    assert (
        token_request(citizen.iin, PASSWORD, address="10.0.0.1", forwarded="203.0.113.71").status_code == 200
    )


def test_the_api_throttle_ignores_a_forwarded_header_nobody_vouches_for(settings, citizen):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": "3/min"}}
    codes = [
        token_request(UNKNOWN_IIN[:-1] + str(n), "x", forwarded=f"203.0.113.{n}").status_code
        for n in range(4)
    ]
    assert codes[-1] == 429

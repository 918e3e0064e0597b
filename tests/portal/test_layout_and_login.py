"""The layout on every page (language switch, signed-in name, sign-out, skip link), the start page, sign-in."""

import re

import pytest
from django.conf import settings

from tests.factories import PersonFactory

from .conftest import browser_for, error_summary, text

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["/", "/login/", "/verify/"]
PERSONAL_PAGES = ["/cabinet/", "/apply/", "/cabinet/notifications/", "/cabinet/applications/"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_public_page_has_the_header_skip_link_and_language_switch(path):
    html = text(browser_for().get(path))
    assert '<a class="skip-link" href="#main">' in html
    assert 'id="main"' in html
    form = re.search(
        r'<form class="lang-switch" action="/i18n/setlang/" method="post">(.*?)</form>', html, re.S
    )
    assert form, "the language switch is a plain form posting to /i18n/setlang/"
    # Kazakh first, then Russian and English; each a button that works without JavaScript.
    assert re.findall(r'name="language" value="(\w+)"', form.group(1)) == ["kk", "ru", "en"]
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert "Sign in" in html


@pytest.mark.parametrize("path", PERSONAL_PAGES)
def test_every_personal_page_shows_the_name_and_a_sign_out_form(home, path):
    response = browser_for(home.user).get(path)
    assert response.status_code == 200
    html = text(response)
    assert f"{home.owner.last_name} {home.owner.first_name}" in html
    assert re.search(r'<form action="/logout/" method="post">', html)
    assert "no-store" in response["Cache-Control"]


def test_the_language_switch_is_remembered_in_the_language_cookie():
    client = browser_for(language="en")
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/verify/"})
    assert response.status_code == 302
    assert response["Location"] == "/verify/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    page = client.get("/verify/")
    assert '<html lang="ru">' in text(page)
    assert 'value="ru" lang="ru" aria-current="true"' in text(page)


def test_the_language_switch_refuses_to_send_the_visitor_off_site():
    response = browser_for().post("/i18n/setlang/", {"language": "kk", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_start_page_says_what_the_service_is_in_plain_words():
    html = text(browser_for().get("/"))
    for phrase in (
        "Owner's application",
        "Leaving Kazakhstan for permanent residence abroad",
        "Court decision",
        "police certificate of permission to leave",
        "court decision depriving the person of the right to use the dwelling",
        "30 minutes",
        "Free",
        "Permanent registrations only",
        "migration service",
        "ХҚТ ТП АЖ",
    ):
        assert phrase in html, phrase
    assert 'href="/apply/"' in html
    assert 'href="/login/"' in html
    assert 'href="/verify/"' in html
    assert 'href="/api/v1/docs/"' in html


def test_the_start_page_is_in_kazakh_by_default(settings):
    settings.LANGUAGE_CODE = "kk"  # the portal's default (config.settings.base); the tests run in English
    response = browser_for(language="").get("/")
    assert '<html lang="kk">' in text(response)


def test_pages_carry_no_inline_script_or_style(home):
    """The Content-Security-Policy forbids inline code: scripts and styles come from static files only."""
    client = browser_for(home.user)
    for path in ["/", "/login/", "/verify/", "/cabinet/", "/apply/"]:
        html = text(client.get(path))
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html), path
        assert "<style" not in html, path
        assert not re.search(r'\sstyle="', html), path
        assert not re.search(r"\son[a-z]+=", html), path
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), f"{path}: an asset from another host"


# --- sign-in and sign-out -----------------------------------------------------------------------------------


def test_a_citizen_signs_in_with_the_iin_and_lands_in_the_cabinet(home):
    client = browser_for()
    response = client.post("/login/", {"username": home.owner.iin, "password": "Citizen-pass-2026"})
    assert response.status_code == 302
    assert response["Location"] == "/cabinet/"


def test_next_is_followed_when_it_stays_on_the_site(home):
    client = browser_for()
    response = client.post(
        "/login/?next=/apply/",
        {"username": home.owner.iin, "password": "Citizen-pass-2026", "next": "/apply/"},
    )
    assert response["Location"] == "/apply/"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/cabinet/", "javascript:alert(1)"]
)
def test_next_off_the_site_is_ignored(home, target):
    client = browser_for()
    response = client.post(
        "/login/", {"username": home.owner.iin, "password": "Citizen-pass-2026", "next": target}
    )
    assert response["Location"] == "/cabinet/"


def test_a_wrong_password_is_told_in_the_error_summary_and_the_iin_is_kept(home):
    response = browser_for().post("/login/", {"username": home.owner.iin, "password": "wrong"})
    assert response.status_code == 200
    assert error_summary(response) == ["The IIN or the password is wrong. Check both and try again."]
    assert f'value="{home.owner.iin}"' in text(response)
    assert "<title>Error:" in text(response)


def test_empty_fields_are_named_in_the_summary_with_links():
    response = browser_for().post("/login/", {"username": "", "password": ""})
    html = text(response)
    assert 'href="#id_username"' in html
    assert 'href="#id_password"' in html
    assert len(error_summary(response)) == 2


def test_staff_who_sign_in_here_are_sent_to_the_back_office(operator):
    response = browser_for().post("/login/", {"username": "operator1", "password": "x", "next": "/cabinet/"})
    assert response["Location"] == "/admin/"


@pytest.mark.parametrize("path", PERSONAL_PAGES)
def test_staff_are_told_the_portal_is_for_citizens(operator, path):
    response = browser_for(operator).get(path)
    assert response.status_code == 403
    assert "The portal is for citizens" in text(response)
    assert 'href="/admin/"' in text(response)


@pytest.mark.parametrize(
    "path",
    [
        *PERSONAL_PAGES,
        "/cabinet/applications/DR-20260101-AAAAAA/",
        "/cabinet/notifications/1/",
        "/cabinet/consents/1/",
        "/cabinet/slips/KP-20260101-AAAA/pdf/",
        "/apply/abc/residents/",
    ],
)
def test_an_anonymous_visitor_is_sent_to_sign_in_and_back(path):
    response = browser_for().get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


def test_sign_out_is_a_post_and_ends_the_session(home):
    client = browser_for(home.user)
    assert client.get("/logout/").status_code == 405  # never by a link a page could embed
    response = client.post("/logout/")
    assert response["Location"] == "/"
    assert client.get("/cabinet/")["Location"] == "/login/?next=/cabinet/"


def test_a_person_without_a_portal_role_is_told_so(db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("nobody", password="x")
    response = browser_for().post("/login/", {"username": "nobody", "password": "x"})
    assert response["Location"] == "/not-for-you/"
    assert browser_for(user).get("/cabinet/").status_code == 403


def test_a_citizen_without_an_account_cannot_sign_in(db):
    person = PersonFactory()
    response = browser_for().post("/login/", {"username": person.iin, "password": "anything"})
    assert response.status_code == 200
    assert error_summary(response)

"""Issue 9, item 7: API tokens expire (API_TOKEN_HOURS), a sign-in gives a new one, a password change voids
them, the database keeps only a hash, and no admin page shows a token."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.contrib import admin
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from deregistration.tokens import ApiToken
from tests.conftest import citizen_account
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Citizen-pass-2026"


@pytest.fixture
def citizen(db):
    person = PersonFactory()
    return person, citizen_account(person)


def sign_in(person, password=PASSWORD) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": person.iin, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"token"}
    return response.json()["token"]


def me(token):
    return APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")


def test_a_token_works_until_it_expires(citizen, settings):
    person, user = citizen
    settings.API_TOKEN_HOURS = 12
    token = sign_in(person)
    assert me(token).status_code == 200
    stored = ApiToken.objects.get(user=user)
    assert dt.timedelta(hours=11, minutes=59) < stored.expires_at - timezone.now() <= dt.timedelta(hours=12)
    ApiToken.objects.filter(pk=stored.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = me(token)
    assert expired.status_code == 401
    assert expired.json()["code"] == "authentication_failed"
    assert not ApiToken.objects.filter(pk=stored.pk).exists()


def test_the_lifetime_is_a_setting(citizen, settings):
    person, user = citizen
    settings.API_TOKEN_HOURS = 1
    sign_in(person)
    left = ApiToken.objects.get(user=user).expires_at - timezone.now()
    assert dt.timedelta(minutes=59) < left <= dt.timedelta(hours=1)


def test_each_sign_in_gives_a_new_token_with_a_full_lifetime(citizen):
    person, user = citizen
    first = sign_in(person)
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    second = sign_in(person)
    assert first != second
    assert me(second).status_code == 200
    assert me(first).status_code == 401
    assert ApiToken.objects.filter(user=user).count() == 1  # the expired one is gone


def test_a_password_change_voids_every_earlier_token(citizen):
    person, user = citizen
    tokens = [sign_in(person), sign_in(person)]
    user.set_password("Another-pass-2026")
    user.save()
    for token in tokens:
        assert me(token).status_code == 401
    assert not ApiToken.objects.filter(user=user).exists()
    assert me(sign_in(person, "Another-pass-2026")).status_code == 200


def test_a_deactivated_account_s_token_is_refused(citizen):
    person, user = citizen
    token = sign_in(person)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert me(token).status_code == 401


def test_only_a_hash_of_the_token_is_stored(citizen):
    person, _user = citizen
    token = sign_in(person)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM deregistration_apitoken")
        rows = cursor.fetchall()
    assert token not in str(rows)
    assert hashlib.sha256(token.encode()).hexdigest() in str(rows)


def test_a_made_up_or_truncated_token_is_401(citizen):
    person, _user = citizen
    token = sign_in(person)
    for attempt in (token[:-1], token + "A", "x" * 43, ""):
        assert me(attempt).status_code == 401


def test_no_admin_page_shows_a_token(client, citizen, django_user_model, settings):
    person, _user = citizen
    token = sign_in(person)
    root = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(root)
    pages = ["/admin/"] + [
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/" for model in admin.site._registry
    ]
    digest = hashlib.sha256(token.encode()).hexdigest()
    for page in pages:
        content = client.get(page).content.decode()
        assert token not in content, page
        assert digest not in content, page
    assert ApiToken not in admin.site._registry
    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS

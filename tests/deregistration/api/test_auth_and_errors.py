"""Authentication, the caller, the error format, languages, throttles and the API's own 404."""

import hashlib

import pytest

from citizens.models import AuditEvent
from deregistration.tokens import ApiToken

from .conftest import API, client_for

pytestmark = pytest.mark.django_db

# Every endpoint that needs credentials, with a method and an address (objects need not exist).
PROTECTED = [
    ("get", "/me/"),
    ("get", "/dwellings/"),
    ("get", "/applications/"),
    ("post", "/applications/"),
    ("get", "/applications/DR-20260101-AAAAAA/"),
    ("post", "/applications/DR-20260101-AAAAAA/complete/"),
    ("post", "/applications/DR-20260101-AAAAAA/reject/"),
    ("post", "/applications/DR-20260101-AAAAAA/subjects/800315300018/slip/"),
    ("get", "/notifications/"),
    ("post", "/notifications/1/read/"),
    ("get", "/consents/"),
    ("post", "/consents/1/approve/"),
    ("post", "/consents/1/decline/"),
    ("get", "/registry-records/"),
    ("get", "/slips/KP-20260101-00000000/"),
    ("get", "/slips/KP-20260101-00000000/pdf/"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_endpoint_without_credentials_is_401(method, path):
    response = getattr(client_for(), method)(API + path, {}, format="json")
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
    }
    assert response["WWW-Authenticate"] == "Token"


def test_a_bad_token_is_401(operator):
    client = client_for()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get(f"{API}/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("ru", "Учетные данные не были предоставлены."),
        ("kk", "Аутентификация деректері берілмеген."),
        ("en", "Authentication credentials were not provided."),
    ],
)
def test_messages_follow_accept_language(language, detail):
    response = client_for().get(f"{API}/me/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 401
    assert response.json()["detail"] == detail
    assert response["Content-Language"] == language


def test_token_for_a_citizen_by_iin_and_password(owner_user, home):
    response = client_for().post(
        f"{API}/auth/token/", {"username": home.owner.iin, "password": "Citizen-pass-2026"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert ApiToken.objects.get(user=owner_user).digest == hashlib.sha256(token.encode()).hexdigest()
    me = client_for(HTTP_AUTHORIZATION=f"Token {token}").get(f"{API}/me/")
    assert me.json()["iin"] == home.owner.iin
    assert AuditEvent.objects.filter(action="auth.token", actor=owner_user).exists()


def test_token_with_a_wrong_password_is_400_and_names_no_user(owner_user, home):
    response = client_for().post(
        f"{API}/auth/token/", {"username": home.owner.iin, "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["reason_code"] == "invalid_credentials"
    assert list(body["errors"]) == ["non_field_errors"]
    assert not ApiToken.objects.exists()


def test_token_without_fields_names_each_field():
    response = client_for().post(f"{API}/auth/token/", {}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"username", "password"}
    assert body["errors"]["username"] == [{"code": "required", "message": "This field is required."}]
    assert body["reason_code"] == "required"
    assert body["ground"] == "requirements_not_met"
    assert body["detail"] == "Invalid input: username, password."


def test_token_requests_are_throttled_per_address(settings, owner_user, home):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": "3/min"}}
    client = client_for()
    for _attempt in range(3):
        assert (
            client.post(f"{API}/auth/token/", {"username": "x", "password": "y"}, format="json").status_code
            == 400
        )
    response = client.post(
        f"{API}/auth/token/", {"username": home.owner.iin, "password": "Citizen-pass-2026"}, format="json"
    )
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert response.json()["retry_after"] > 0


def test_malformed_json_is_a_400_in_the_common_format(operator):
    response = client_for(operator).post(f"{API}/applications/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["reason_code"] == "parse_error"


def test_other_media_types_are_refused(operator):
    response = client_for(operator).post(
        f"{API}/applications/", "a=b", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_me_for_a_citizen(owner_user, home):
    response = client_for(owner_user).get(f"{API}/me/")
    assert response.status_code == 200
    assert response.json() == {
        "username": home.owner.iin,
        "iin": home.owner.iin,
        "full_name": home.owner.full_name,
        "role": "citizen",
    }


@pytest.mark.parametrize("role", ["operator", "migration", "supervisor"])
def test_me_for_staff(role, operator, migration_officer, supervisor):
    user = {"operator": operator, "migration": migration_officer, "supervisor": supervisor}[role]
    response = client_for(user).get(f"{API}/me/")
    assert response.json() == {
        "username": user.username,
        "iin": None,
        "full_name": user.username,
        "role": role,
    }


def test_session_authentication_works_too(client, owner_user, home):
    assert client.login(username=home.owner.iin, password="Citizen-pass-2026")
    response = client.get(f"{API}/me/")
    assert response.status_code == 200
    assert response.json()["role"] == "citizen"


def test_answers_are_never_cached(owner_user):
    response = client_for(owner_user).get(f"{API}/me/")
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_an_unknown_api_address_is_a_json_404(operator):
    response = client_for(operator).get(f"{API}/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_method_an_endpoint_lacks_is_405(operator):
    response = client_for(operator).delete(f"{API}/applications/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_pages_outside_the_api_keep_their_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_crash_under_the_api_answers_json(rf):
    from deregistration.api.views import server_error

    response = server_error(rf.get(f"{API}/applications/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert b"server_error" in response.content
    assert server_error(rf.get("/")).status_code == 500

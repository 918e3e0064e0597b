"""The personal cabinet: dwellings, notifications, co-owners' consents."""

import pytest

from deregistration.models import Application, Consent, Notification
from tests.conftest import citizen_account

from .conftest import API, client_for, codes, new_home, portal_body, walk_in

pytestmark = pytest.mark.django_db


# --- dwellings --------------------------------------------------------------------------------------------


def test_an_owner_sees_their_dwellings_with_the_residents(owner_user, home):
    response = client_for(owner_user).get(f"{API}/dwellings/")
    assert response.status_code == 200
    [dwelling] = response.json()["results"]
    assert dwelling["address_code"] == home.dwelling.address_code
    assert dwelling["kato"] == home.dwelling.kato
    assert dwelling["owners"] == [home.owner.iin]
    residents = {r["iin"]: r for r in dwelling["residents"]}
    assert set(residents) == {home.owner.iin, home.tenant.iin}
    assert residents[home.tenant.iin] == {
        "iin": home.tenant.iin,
        "full_name": home.tenant.full_name,
        "kind": "permanent",
        "registered_on": "2018-06-01",
        "portal_can_deregister": True,
        "reason": None,
    }


def test_the_address_is_in_the_request_language(owner_user, home):
    client = client_for(owner_user)
    kazakh = client.get(f"{API}/dwellings/", HTTP_ACCEPT_LANGUAGE="kk").json()["results"][0]["address"]
    russian = client.get(f"{API}/dwellings/", HTTP_ACCEPT_LANGUAGE="ru").json()["results"][0]["address"]
    assert "Абай даңғылы" in kazakh
    assert "проспект Абая" in russian


def test_a_citizen_who_owns_nothing_sees_no_dwellings(stranger):
    assert client_for(stranger).get(f"{API}/dwellings/").json()["results"] == []


@pytest.mark.parametrize("path", ["/dwellings/", "/notifications/", "/consents/"])
@pytest.mark.parametrize("user", ["operator", "supervisor"])
def test_the_cabinet_is_not_for_staff(path, user, request):
    response = client_for(request.getfixturevalue(user)).get(API + path)
    assert response.status_code == 403
    assert response.json()["code"] == "role_not_allowed"


# --- notifications ----------------------------------------------------------------------------------------


def test_notifications_are_the_users_own_and_in_their_language(operator, owner_user, home):
    application = walk_in(operator, home, complete=True)
    client = client_for(owner_user)
    response = client.get(f"{API}/notifications/")
    assert response.status_code == 200
    [notification] = response.json()["results"]
    assert notification["kind"] == "application_completed"
    assert notification["application_number"] == application.number
    assert notification["title"] == "Persons deregistered from your address"
    assert application.number in notification["body"]
    assert notification["read_at"] is None


def test_a_notification_is_marked_read_once(operator, owner_user, home):
    walk_in(operator, home, complete=True)
    notification = Notification.objects.get(recipient=owner_user)
    client = client_for(owner_user)
    first = client.post(f"{API}/notifications/{notification.pk}/read/")
    assert first.status_code == 200
    assert first.json()["read_at"] is not None
    again = client.post(f"{API}/notifications/{notification.pk}/read/")
    assert again.json()["read_at"] == first.json()["read_at"]


def test_another_citizens_notification_is_404(operator, owner_user, home, stranger):
    walk_in(operator, home, complete=True)
    notification = Notification.objects.get(recipient=owner_user)
    response = client_for(stranger).post(f"{API}/notifications/{notification.pk}/read/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "No such notification."}
    assert client_for(stranger).get(f"{API}/notifications/").json()["results"] == []
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_deregistered_person_is_told_too(operator, home):
    tenant = citizen_account(home.tenant)
    walk_in(operator, home, complete=True)
    [notification] = client_for(tenant).get(f"{API}/notifications/").json()["results"]
    assert notification["kind"] == "you_were_deregistered"
    assert "register" in notification["body"]


# --- co-owners' consents ----------------------------------------------------------------------------------


@pytest.fixture
def co_owned(db):
    home = new_home(co_owned=True)
    return home, citizen_account(home.owner), citizen_account(home.co_owner)


def submit_co_owned(sign_request_for, co_owned_home):
    home, owner, _co_owner = co_owned_home
    response = client_for(owner).post(
        f"{API}/applications/", portal_body(sign_request_for, home), format="json"
    )
    assert response.status_code == 201
    return response.json()


def consent_body(sign_consent_for, home, number, decision):
    signed = sign_consent_for(home.co_owner.iin, application_number=number, decision=decision)
    return {"signed_consent": signed.decode()}


def test_a_co_owner_sees_the_request_addressed_to_them(co_owned, sign_request_for, stranger):
    home, owner, co_owner = co_owned
    application = submit_co_owned(sign_request_for, co_owned)
    assert application["status"] == "awaiting_consent"
    assert application["consents"] == [
        {"co_owner_iin": home.co_owner.iin, "decision": "pending", "decided_at": None, "given": None}
    ]
    [consent] = client_for(co_owner).get(f"{API}/consents/").json()["results"]
    assert consent["application_number"] == application["number"]
    assert consent["address_code"] == home.dwelling.address_code
    assert consent["applicant_iin"] == home.owner.iin
    assert consent["subjects"] == [home.tenant.iin]
    assert consent["decision"] == "pending"
    assert consent["expires_at"]
    assert client_for(owner).get(f"{API}/consents/").json()["results"] == []
    assert client_for(stranger).get(f"{API}/consents/").json()["results"] == []


def test_another_citizen_answering_a_consent_gets_404(co_owned, sign_request_for, sign_consent_for, stranger):
    home, owner, _co_owner = co_owned
    application = submit_co_owned(sign_request_for, co_owned)
    consent = Consent.objects.get()
    body = consent_body(sign_consent_for, home, application["number"], "approve")
    for user in (stranger, owner):
        response = client_for(user).post(f"{API}/consents/{consent.pk}/approve/", body, format="json")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert Consent.objects.get().decision == "pending"


def test_the_signed_decision_must_match_the_endpoint(co_owned, sign_request_for, sign_consent_for):
    home, _owner, co_owner = co_owned
    application = submit_co_owned(sign_request_for, co_owned)
    consent = Consent.objects.get()
    body = consent_body(sign_consent_for, home, application["number"], "approve")
    response = client_for(co_owner).post(f"{API}/consents/{consent.pk}/decline/", body, format="json")
    assert response.status_code == 400
    assert "signed_consent" in response.json()["errors"]
    assert Consent.objects.get().decision == "pending"


def test_a_consent_without_a_signature_is_400(co_owned, sign_request_for):
    _home, _owner, co_owner = co_owned
    submit_co_owned(sign_request_for, co_owned)
    consent = Consent.objects.get()
    response = client_for(co_owner).post(f"{API}/consents/{consent.pk}/approve/", {}, format="json")
    assert response.status_code == 400
    assert codes(response, "signed_consent") == ["required"]


def test_answering_twice_is_409(co_owned, sign_request_for, sign_consent_for):
    home, _owner, co_owner = co_owned
    application = submit_co_owned(sign_request_for, co_owned)
    consent = Consent.objects.get()
    client = client_for(co_owner)
    first = consent_body(sign_consent_for, home, application["number"], "approve")
    assert client.post(f"{API}/consents/{consent.pk}/approve/", first, format="json").status_code == 200
    second = consent_body(sign_consent_for, home, application["number"], "approve")
    response = client.post(f"{API}/consents/{consent.pk}/approve/", second, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "consent_already_answered"


def test_staff_may_not_answer_consents(co_owned, sign_request_for, operator):
    submit_co_owned(sign_request_for, co_owned)
    consent = Consent.objects.get()
    response = client_for(operator).post(
        f"{API}/consents/{consent.pk}/approve/", {"signed_consent": "x"}, format="json"
    )
    assert response.status_code == 403
    assert Application.objects.get().status == "awaiting_consent"

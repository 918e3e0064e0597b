"""Whole journeys through the API alone: the owner on the portal, and a dwelling with a co-owner."""

import hashlib

import pytest

from deregistration.models import DepartureSlip
from tests.conftest import citizen_account

from .conftest import API, client_for, new_home

pytestmark = pytest.mark.django_db

PASSWORD = "Citizen-pass-2026"  # what tests.conftest.citizen_account sets


def token_client(username):
    response = client_for().post(
        f"{API}/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return client_for(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")


def test_the_owner_deregisters_residents_through_the_api_alone(household, operator, sign_request_for):
    citizen_account(household.owner)
    owner = token_client(household.owner.iin)

    # The cabinet shows the owner's dwelling and who is registered there.
    [dwelling] = owner.get(f"{API}/dwellings/").json()["results"]
    subjects = [r["iin"] for r in dwelling["residents"] if r["iin"] != household.owner.iin]
    assert set(subjects) == {household.tenant.iin, household.child.iin}

    # The request is signed with the owner's EDS (the test PKI stands in for NCALayer) and submitted.
    signed = sign_request_for(household.owner.iin, address_code=dwelling["address_code"], subjects=subjects)
    response = owner.post(
        f"{API}/applications/",
        {
            "case_type": "owner_application",
            "channel": "portal",
            "address_code": dwelling["address_code"],
            "applicant_iin": household.owner.iin,
            "subjects": subjects,
            "issue_slip": True,
            "signed_request": signed.decode(),
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="journey-1",
    )
    assert response.status_code == 201
    application = response.json()
    assert application["status"] == "completed"
    assert {s["outcome"] for s in application["subjects"]} == {"deregistered"}

    # The register (as staff) holds one record per person.
    staff = client_for(operator)
    for iin in subjects:
        [record] = staff.get(f"{API}/registry-records/?iin={iin}").json()["results"]
        assert record["application_number"] == application["number"]
        assert record["channel"] == "portal"

    # The cabinet has the result, and the slips.
    kinds = {n["kind"] for n in owner.get(f"{API}/notifications/").json()["results"]}
    assert "application_completed" in kinds
    assert "slip_issued" in kinds
    application = owner.get(f"{API}/applications/{application['number']}/").json()
    for subject in application["subjects"]:
        number = subject["slip_number"]
        assert number
        slip = owner.get(f"{API}/slips/{number}/").json()
        assert slip["iin"] == subject["iin"]
        document = owner.get(f"{API}/slips/{number}/pdf/")
        assert document.status_code == 200
        assert document.content.startswith(b"%PDF")
        assert hashlib.sha256(document.content).hexdigest() == slip["sha256"]
        assert DepartureSlip.objects.get(number=number).sha256 == slip["sha256"]
        # ... and anyone can check it by the code behind its QR.
        code = slip["verify_url"].rstrip("/").rsplit("/", 1)[-1]
        verified = client_for().get(f"{API}/slips/verify/{code}/").json()
        assert verified["genuine"] is True
        assert verified["number"] == number


@pytest.fixture
def co_owned(db):
    home = new_home(co_owned=True)
    citizen_account(home.owner)
    citizen_account(home.co_owner)
    return home


def submit(home, sign_request_for):
    owner = token_client(home.owner.iin)
    [dwelling] = owner.get(f"{API}/dwellings/").json()["results"]
    assert set(dwelling["owners"]) == {home.owner.iin, home.co_owner.iin}
    subjects = [r["iin"] for r in dwelling["residents"] if r["iin"] != home.owner.iin]
    signed = sign_request_for(home.owner.iin, address_code=dwelling["address_code"], subjects=subjects)
    response = owner.post(
        f"{API}/applications/",
        {
            "case_type": "owner_application",
            "channel": "portal",
            "address_code": dwelling["address_code"],
            "applicant_iin": home.owner.iin,
            "subjects": subjects,
            "signed_request": signed.decode(),
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "awaiting_consent"
    return owner, response.json()["number"]


def answer(home, number, decision, sign_consent_for):
    co_owner = token_client(home.co_owner.iin)
    [consent] = co_owner.get(f"{API}/consents/").json()["results"]
    assert consent["application_number"] == number
    assert consent["decision"] == "pending"
    kinds = {n["kind"] for n in co_owner.get(f"{API}/notifications/").json()["results"]}
    assert kinds == {"consent_requested"}
    signed = sign_consent_for(home.co_owner.iin, application_number=number, decision=decision)
    response = co_owner.post(
        f"{API}/consents/{consent['id']}/{decision}/", {"signed_consent": signed.decode()}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def test_a_co_owner_approves_and_the_case_completes(co_owned, sign_request_for, sign_consent_for):
    owner, number = submit(co_owned, sign_request_for)
    consent = answer(co_owned, number, "approve", sign_consent_for)
    assert consent["decision"] == "approved"
    assert consent["decided_at"]
    application = owner.get(f"{API}/applications/{number}/").json()
    assert application["status"] == "completed"
    assert application["consents"][0]["decision"] == "approved"
    assert application["subjects"][0]["outcome"] == "deregistered"


def test_a_co_owner_declines_and_the_case_is_rejected(co_owned, sign_request_for, sign_consent_for):
    owner, number = submit(co_owned, sign_request_for)
    consent = answer(co_owned, number, "decline", sign_consent_for)
    assert consent["decision"] == "declined"
    application = owner.get(f"{API}/applications/{number}/").json()
    assert application["status"] == "rejected"
    assert application["rejection"]["reason_code"] == "co_owner_declined"
    assert application["rejection"]["ground"] == "requirements_not_met"
    assert application["subjects"][0]["outcome"] == "refused"
    kinds = {n["kind"] for n in owner.get(f"{API}/notifications/").json()["results"]}
    assert "application_rejected" in kinds

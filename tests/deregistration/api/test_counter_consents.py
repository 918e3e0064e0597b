"""`consents` on a walk-in submission: co-owners' answers given at the counter; `given` on every consent."""

import pytest

from deregistration.models import Application, Consent
from tests.conftest import citizen_account, walk_in_documents

from .conftest import API, client_for, codes, new_home, portal_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def co_home(db):
    return new_home(co_owned=True)


def body_with_consents(home, consents):
    return {
        "case_type": "owner_application",
        "channel": "state_corporation",
        "address_code": home.dwelling.address_code,
        "applicant_iin": home.owner.iin,
        "subjects": [home.tenant.iin],
        "documents": walk_in_documents("owner_application", [home.tenant]),
        "consents": consents,
    }


def counter_consent(person, decision="approve", notarised=None):
    return {
        "co_owner_iin": person.iin,
        "decision": decision,
        "identity_document": {
            "type": "id_card",
            "number": person.document_number,
            "issued_on": "2020-05-04",
            "issued_by": "ҚР ІІМ",
        },
        "notarised": notarised,
    }


def test_a_co_owner_approving_at_the_counter_makes_the_case_submitted_with_given_counter(operator, co_home):
    notarised = {"number": "Н-1187", "issued_on": "2025-12-01", "issued_by": "Нотариус Қ. Сейітова"}
    response = client_for(operator).post(
        f"{API}/applications/",
        body_with_consents(co_home, [counter_consent(co_home.co_owner, notarised=notarised)]),
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "submitted"
    assert body["deadline_at"]
    [consent] = body["consents"]
    assert consent["co_owner_iin"] == co_home.co_owner.iin
    assert consent["decision"] == "approved"
    assert consent["given"] == "counter"
    assert consent["decided_at"]
    stored = Consent.objects.get()
    assert (stored.notarised_number, stored.notarised_by) == ("Н-1187", "Нотариус Қ. Сейітова")


def test_without_counter_consents_given_is_null_until_the_portal_answer(operator, co_home):
    response = client_for(operator).post(
        f"{API}/applications/", body_with_consents(co_home, []), format="json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == "awaiting_consent"
    [consent] = response.json()["consents"]
    assert (consent["decision"], consent["given"]) == ("pending", None)


def test_a_decline_at_the_counter_is_400_co_owner_declined_and_stores_nothing(operator, co_home):
    response = client_for(operator).post(
        f"{API}/applications/",
        body_with_consents(co_home, [counter_consent(co_home.co_owner, "decline")]),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["reason_code"] == "co_owner_declined"
    assert response.json()["ground"] == "requirements_not_met"
    assert codes(response, "consents[0].decision") == ["co_owner_declined"]
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("identity_document", "number"), "", "consents[0].identity_document.number"),
        (("identity_document", "issued_on"), "04.05.2020", "consents[0].identity_document.issued_on"),
        (("identity_document", "type"), "library_card", "consents[0].identity_document.type"),
        (("notarised",), {"number": "Н-1"}, "consents[0].notarised.issued_on"),
        (("co_owner_iin",), "12345", "consents[0].co_owner_iin"),
    ],
)
def test_a_malformed_counter_consent_is_400_naming_the_field(path, value, field, operator, co_home):
    consent = counter_consent(co_home.co_owner)
    target = consent
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    response = client_for(operator).post(
        f"{API}/applications/", body_with_consents(co_home, [consent]), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not Application.objects.exists()


def test_a_stranger_named_as_co_owner_is_400_not_co_owner(operator, co_home):
    response = client_for(operator).post(
        f"{API}/applications/", body_with_consents(co_home, [counter_consent(co_home.tenant)]), format="json"
    )
    assert response.status_code == 400
    assert codes(response, "consents[0].co_owner_iin") == ["not_co_owner"]


def test_a_citizen_cannot_bring_counter_consents_to_the_portal(co_home, sign_request_for):
    owner = citizen_account(co_home.owner)
    body = {**portal_body(sign_request_for, co_home), "consents": [counter_consent(co_home.co_owner)]}
    response = client_for(owner).post(f"{API}/applications/", body, format="json")
    assert response.status_code == 400
    assert codes(response, "consents") == ["consent_not_expected"]
    assert not Application.objects.exists()


def test_the_portal_answer_is_given_portal(co_home, sign_request_for, sign_consent_for):
    owner = citizen_account(co_home.owner)
    co_owner = citizen_account(co_home.co_owner)
    body = portal_body(sign_request_for, co_home)
    number = client_for(owner).post(f"{API}/applications/", body, format="json").json()["number"]
    consent = Consent.objects.get()
    answer = sign_consent_for(co_home.co_owner.iin, decision="approve", application_number=number)
    response = client_for(co_owner).post(
        f"{API}/consents/{consent.pk}/approve/", {"signed_consent": answer.decode()}, format="json"
    )
    assert response.status_code == 200
    application = client_for(owner).get(f"{API}/applications/{number}/").json()
    assert application["status"] == "completed"
    assert application["consents"][0]["given"] == "portal"


def test_the_schema_describes_counter_consents_and_given():
    schema = client_for().get(f"{API}/schema/?format=json").json()
    components = schema["components"]["schemas"]
    submit = components["ApplicationSubmitRequest"]["properties"]
    assert submit["consents"]["items"]["$ref"].endswith("/CounterConsentRequest")
    consent = components["CounterConsentRequest"]
    assert set(consent["required"]) == {"co_owner_iin", "decision", "identity_document"}
    assert "notarised" in consent["properties"]
    assert "given" in components["ApplicationConsent"]["properties"]

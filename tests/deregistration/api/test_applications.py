"""Applications: submission (portal and walk-in), idempotency, lists and filters, reading, completing, rejecting."""

import datetime as dt

import pytest

from citizens.models import AuditEvent
from deregistration.models import Application, RegistryRecord, UsedNonce
from tests.conftest import citizen_account, walk_in_documents
from tests.factories import PersonFactory, RegistrationFactory

from .conftest import API, client_for, codes, new_home, portal_body, walk_in

pytestmark = pytest.mark.django_db


def walk_in_body(home, subjects=None, **extra):
    subjects = subjects or [home.tenant]
    return {
        "case_type": "owner_application",
        "channel": "state_corporation",
        "address_code": home.dwelling.address_code,
        "applicant_iin": home.owner.iin,
        "subjects": [p.iin for p in subjects],
        "documents": walk_in_documents("owner_application", subjects),
        **extra,
    }


# --- submission -------------------------------------------------------------------------------------------


def test_a_signed_portal_application_is_201_and_completed(owner_user, home, sign_request_for):
    response = client_for(owner_user).post(
        f"{API}/applications/", portal_body(sign_request_for, home), format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "completed"
    assert body["channel"] == "portal"
    assert body["applicant_iin"] == home.owner.iin
    assert body["address_code"] == home.dwelling.address_code
    assert body["rejection"] is None
    assert body["consents"] == []
    [subject] = body["subjects"]
    assert subject["iin"] == home.tenant.iin
    assert subject["outcome"] == "deregistered"
    assert subject["registry_record_id"] == RegistryRecord.objects.get().pk
    assert subject["slip_number"] is None
    for moment in ("completed_at", "deadline_at", "submitted_at"):
        assert body[moment]
    assert response["Location"] == f"{API}/applications/{body['number']}/"


def test_a_walk_in_case_by_an_operator_is_201_and_submitted(operator, home):
    response = client_for(operator).post(f"{API}/applications/", walk_in_body(home), format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "submitted"
    assert response.json()["channel"] == "state_corporation"


def test_a_walk_in_case_without_its_documents_is_400_and_stores_nothing(operator, home):
    body = walk_in_body(home)
    body["documents"] = body["documents"][:1]
    response = client_for(operator).post(f"{API}/applications/", body, format="json")
    assert response.status_code == 400
    assert response.json()["reason_code"] == "missing_document"
    assert response.json()["ground"] == "unreliable_documents"
    assert codes(response, "documents") == ["missing_document"]
    assert not Application.objects.exists()


def test_a_malformed_document_names_its_place(operator, home):
    body = walk_in_body(home)
    body["documents"][0]["issued_on"] = "04.05.2021"
    response = client_for(operator).post(f"{API}/applications/", body, format="json")
    assert response.status_code == 400
    assert codes(response, "documents[0].issued_on") == ["invalid"]


def test_naming_someone_not_registered_there_is_400_not_registered_here(operator, home):
    elsewhere = new_home()
    body = walk_in_body(home, subjects=[elsewhere.tenant])
    body["documents"] = walk_in_documents("owner_application", [elsewhere.tenant])
    response = client_for(operator).post(f"{API}/applications/", body, format="json")
    assert response.status_code == 400
    assert codes(response, "subjects[0]") == ["not_registered_here"]
    assert response.json()["ground"] == "requirements_not_met"


def test_a_citizen_on_another_channel_is_400_channel_not_allowed(owner_user, home):
    response = client_for(owner_user).post(f"{API}/applications/", walk_in_body(home), format="json")
    assert response.status_code == 400
    assert response.json()["reason_code"] == "channel_not_allowed"
    assert codes(response, "channel") == ["channel_not_allowed"]


def test_a_citizen_who_does_not_own_the_dwelling_is_refused(home, sign_request_for):
    tenant = citizen_account(home.tenant)
    body = portal_body(sign_request_for, home)
    body["applicant_iin"] = home.tenant.iin
    body["signed_request"] = sign_request_for(
        home.tenant.iin, address_code=home.dwelling.address_code, subjects=[home.owner.iin]
    ).decode()
    body["subjects"] = [home.owner.iin]
    response = client_for(tenant).post(f"{API}/applications/", body, format="json")
    assert response.status_code == 400
    assert response.json()["reason_code"] == "not_owner"


def test_a_citizen_applying_in_someone_elses_name_is_403(home, stranger, sign_request_for):
    response = client_for(stranger).post(
        f"{API}/applications/", portal_body(sign_request_for, home), format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_applicant"
    assert not Application.objects.exists()


def test_a_portal_application_without_a_signature_is_400(owner_user, home, sign_request_for):
    body = portal_body(sign_request_for, home)
    del body["signed_request"]
    response = client_for(owner_user).post(f"{API}/applications/", body, format="json")
    assert response.status_code == 400
    assert codes(response, "signed_request") == ["signature_required"]
    assert response.json()["ground"] == "unreliable_documents"


def test_a_tampered_signature_is_400_and_stores_nothing(owner_user, home, sign_request_for):
    body = portal_body(sign_request_for, home)
    body["signed_request"] = body["signed_request"].replace(home.tenant.iin, home.owner.iin, 1)
    response = client_for(owner_user).post(f"{API}/applications/", body, format="json")
    assert response.status_code == 400
    assert "signed_request" in response.json()["errors"]
    assert not Application.objects.exists()
    assert not UsedNonce.objects.exists()


def test_a_supervisor_may_not_submit(supervisor, home):
    response = client_for(supervisor).post(f"{API}/applications/", walk_in_body(home), format="json")
    assert response.status_code == 403
    assert response.json() == {
        "code": "role_not_allowed",
        "detail": "Your role does not allow you to submit cases in this channel.",
        "field": "channel",
    }


def test_unknown_enum_values_are_400_naming_the_field(operator, home):
    response = client_for(operator).post(
        f"{API}/applications/", walk_in_body(home, case_type="eviction"), format="json"
    )
    assert response.status_code == 400
    assert codes(response, "case_type") == ["invalid_choice"]


# --- idempotency ------------------------------------------------------------------------------------------


def test_the_same_key_and_body_return_the_first_application_with_200(owner_user, home, sign_request_for):
    client = client_for(owner_user)
    body = portal_body(sign_request_for, home)
    first = client.post(f"{API}/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(f"{API}/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    # A replay is never a nonce conflict nor "not registered here": the key is checked first.
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Application.objects.count() == 1


def test_the_same_key_with_another_body_is_409(owner_user, home, sign_request_for):
    client = client_for(owner_user)
    client.post(
        f"{API}/applications/", portal_body(sign_request_for, home), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    other = portal_body(sign_request_for, home, issue_slip=True)
    response = client.post(f"{API}/applications/", other, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert response.json()["field"] == "Idempotency-Key"
    assert Application.objects.count() == 1


def test_keys_are_per_user(operator, home):
    from deregistration.accounts import staff_account_create

    colleague = staff_account_create(username="operator2", role="operator", password="x", validate=False)
    client_for(operator).post(
        f"{API}/applications/", walk_in_body(home), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    response = client_for(colleague).post(
        f"{API}/applications/", walk_in_body(new_home()), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 201
    assert Application.objects.count() == 2


def test_a_replayed_nonce_with_a_new_key_is_409(owner_user, home, sign_request_for):
    client = client_for(owner_user)
    body = portal_body(sign_request_for, home)
    assert (
        client.post(f"{API}/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="a").status_code == 201
    )
    response = client.post(f"{API}/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="b")
    assert response.status_code == 409
    assert response.json()["code"] == "nonce_replayed"
    assert Application.objects.count() == 1


def test_a_replayed_nonce_without_a_key_is_409(owner_user, home, sign_request_for):
    client = client_for(owner_user)
    body = portal_body(sign_request_for, home)
    assert client.post(f"{API}/applications/", body, format="json").status_code == 201
    assert client.post(f"{API}/applications/", body, format="json").json()["code"] == "nonce_replayed"


@pytest.mark.parametrize("key", ["x" * 101, "with space", "ключ"])
def test_a_malformed_idempotency_key_is_400(operator, home, key):
    response = client_for(operator).post(
        f"{API}/applications/", walk_in_body(home), format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]


def test_submissions_are_throttled_per_user(settings, operator):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"submit": "2/min"}}
    client = client_for(operator)
    for _attempt in range(2):
        assert client.post(f"{API}/applications/", {}, format="json").status_code == 400
    assert client.post(f"{API}/applications/", {}, format="json").status_code == 429
    assert client.get(f"{API}/applications/").status_code == 200  # reading is not throttled


# --- lists and filters ------------------------------------------------------------------------------------


def test_a_citizen_lists_only_the_cases_they_applied_for(operator, owner_user, home, stranger):
    mine = walk_in(operator, home)
    walk_in(operator, new_home())
    response = client_for(owner_user).get(f"{API}/applications/")
    assert response.status_code == 200
    assert [a["number"] for a in response.json()["results"]] == [mine.number]
    assert response.json()["next"] is None
    assert client_for(stranger).get(f"{API}/applications/").json()["results"] == []


@pytest.mark.parametrize("user", ["operator", "migration_officer", "supervisor"])
def test_staff_of_every_role_list_every_case(user, request, operator):
    walk_in(operator, new_home())
    walk_in(operator, new_home())
    staff = request.getfixturevalue(user)
    response = client_for(staff).get(f"{API}/applications/")
    assert len(response.json()["results"]) == 2
    assert AuditEvent.objects.filter(action="application.list", actor=staff).exists()


def test_filters_by_status_case_type_and_iin(operator):
    first, second = new_home(), new_home()
    done = walk_in(operator, first, complete=True)
    open_case = walk_in(operator, second)
    client = client_for(operator)

    def numbers(query):
        response = client.get(f"{API}/applications/?{query}")
        assert response.status_code == 200
        return [a["number"] for a in response.json()["results"]]

    assert numbers("status=completed") == [done.number]
    assert numbers("status=submitted") == [open_case.number]
    assert numbers("case_type=emigration") == []
    assert set(numbers("case_type=owner_application")) == {done.number, open_case.number}
    assert numbers(f"iin={first.tenant.iin}") == [done.number]  # a subject
    assert numbers(f"iin={second.owner.iin}") == [open_case.number]  # the applicant
    assert numbers(f"iin={second.owner.iin}&status=completed") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "status"),
        ("case_type=x", "case_type"),
        ("iin=800315300019", "iin"),
        ("iin=12ab", "iin"),
    ],
)
def test_a_bad_filter_is_400_naming_the_field(operator, query, field):
    response = client_for(operator).get(f"{API}/applications/?{query}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_lists_page_without_counting(operator):
    for _index in range(3):
        walk_in(operator, new_home())
    client = client_for(operator)
    first = client.get(f"{API}/applications/?page_size=2").json()
    assert len(first["results"]) == 2
    assert "count" not in first
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert second["next"] is None
    numbers = [a["number"] for a in first["results"] + second["results"]]
    assert len(set(numbers)) == 3


def test_page_size_is_bounded_and_a_bad_cursor_is_400(operator):
    walk_in(operator, new_home())
    client = client_for(operator)
    assert client.get(f"{API}/applications/?page_size=100000").status_code == 200
    assert client.get(f"{API}/applications/?page_size=-3").status_code == 200
    response = client.get(f"{API}/applications/?cursor=not-a-cursor")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["cursor"]


# --- one case ---------------------------------------------------------------------------------------------


def test_the_applicant_reads_their_case(operator, owner_user, home):
    application = walk_in(operator, home)
    response = client_for(owner_user).get(f"{API}/applications/{application.number}/")
    assert response.status_code == 200
    assert response.json()["number"] == application.number
    assert not AuditEvent.objects.filter(action="application.view").exists()  # citizens' reads are not logged


def test_another_citizen_guessing_the_number_gets_404(operator, home, stranger):
    application = walk_in(operator, home)
    tenant = citizen_account(home.tenant)  # a subject, not the applicant
    for user in (stranger, tenant):
        response = client_for(user).get(f"{API}/applications/{application.number}/")
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "detail": "No such application."}


def test_an_unknown_or_malformed_number_is_404(operator):
    client = client_for(operator)
    assert client.get(f"{API}/applications/DR-20990101-ZZZZZZ/").status_code == 404
    assert client.get(f"{API}/applications/%00/").status_code == 404


@pytest.mark.parametrize("user", ["operator", "migration_officer", "supervisor"])
def test_a_staff_read_is_audited_without_personal_data(user, request, operator, home):
    application = walk_in(operator, home)
    staff = request.getfixturevalue(user)
    assert client_for(staff).get(f"{API}/applications/{application.number}/").status_code == 200
    event = AuditEvent.objects.get(action="application.view", actor=staff)
    assert event.object_id == str(application.pk)
    details = str(event.details)
    for value in (home.owner.iin, home.tenant.iin, home.owner.last_name, home.tenant.last_name):
        assert value not in details


# --- completion and rejection -----------------------------------------------------------------------------


def test_an_operator_completes_a_walk_in_case(operator, home):
    application = walk_in(operator, home)
    response = client_for(operator).post(f"{API}/applications/{application.number}/complete/")
    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    assert response.json()["subjects"][0]["outcome"] == "deregistered"
    assert RegistryRecord.objects.get().application_number == application.number


def test_completing_twice_is_409_and_writes_one_record(operator, home):
    application = walk_in(operator, home)
    client = client_for(operator)
    client.post(f"{API}/applications/{application.number}/complete/")
    response = client.post(f"{API}/applications/{application.number}/complete/")
    assert response.status_code == 409
    assert response.json()["code"] == "already_completed"
    assert RegistryRecord.objects.count() == 1


@pytest.mark.parametrize("user", ["migration_officer", "supervisor"])
def test_staff_of_another_role_may_not_complete(user, request, operator, home):
    application = walk_in(operator, home)
    response = client_for(request.getfixturevalue(user)).post(
        f"{API}/applications/{application.number}/complete/"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "role_not_allowed"
    assert not RegistryRecord.objects.exists()


def test_the_applicant_may_not_complete_their_own_case(operator, owner_user, home):
    application = walk_in(operator, home)
    response = client_for(owner_user).post(f"{API}/applications/{application.number}/complete/")
    assert response.status_code == 403


def test_another_citizen_completing_or_rejecting_gets_404(operator, home, stranger):
    application = walk_in(operator, home)
    client = client_for(stranger)
    assert client.post(f"{API}/applications/{application.number}/complete/").status_code == 404
    reject = client.post(
        f"{API}/applications/{application.number}/reject/", {"reason_code": "unreliable_data"}, format="json"
    )
    assert reject.status_code == 404


def test_an_operator_rejects_with_a_reason_and_its_ground(operator, home, owner_user):
    application = walk_in(operator, home)
    response = client_for(operator).post(
        f"{API}/applications/{application.number}/reject/",
        {"reason_code": "unreliable_data", "comment": "The form does not match the ID card."},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "rejected"
    assert body["rejection"] == {
        "ground": "unreliable_documents",
        "reason_code": "unreliable_data",
        "reason": "The form does not match the ID card.",
    }
    assert body["subjects"][0]["outcome"] == "refused"


def test_a_rejection_needs_a_known_reason(operator, home):
    application = walk_in(operator, home)
    client = client_for(operator)
    response = client.post(
        f"{API}/applications/{application.number}/reject/", {"reason_code": "bored"}, format="json"
    )
    assert response.status_code == 400
    assert codes(response, "reason_code") == ["invalid_choice"]
    other = client.post(
        f"{API}/applications/{application.number}/reject/", {"reason_code": "other"}, format="json"
    )
    assert other.status_code == 400
    assert codes(other, "comment") == ["required"]


def test_rejecting_a_decided_case_is_409(operator, home):
    application = walk_in(operator, home, complete=True)
    response = client_for(operator).post(
        f"{API}/applications/{application.number}/reject/", {"reason_code": "unreliable_data"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_completed"


def test_a_supervisor_may_not_reject(supervisor, operator, home):
    application = walk_in(operator, home)
    response = client_for(supervisor).post(
        f"{API}/applications/{application.number}/reject/", {"reason_code": "unreliable_data"}, format="json"
    )
    assert response.status_code == 403
    assert Application.objects.get().status == "submitted"


# --- the migration service ----------------------------------------------------------------------------------


def test_a_migration_officer_submits_and_completes_a_foreigners_case(migration_officer, operator, home):
    foreigner = PersonFactory(
        category="foreign_resident", citizenship="RUS", document_type="residence_permit"
    )
    RegistrationFactory(person=foreigner, dwelling=home.dwelling)
    body = walk_in_body(home, subjects=[foreigner], channel="service_provider")
    refused = client_for(operator).post(
        f"{API}/applications/", {**body, "channel": "state_corporation"}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["reason_code"] == "channel_not_allowed"
    response = client_for(migration_officer).post(f"{API}/applications/", body, format="json")
    assert response.status_code == 201
    number = response.json()["number"]
    assert client_for(operator).post(f"{API}/applications/{number}/complete/").status_code == 403
    done = client_for(migration_officer).post(f"{API}/applications/{number}/complete/")
    assert done.status_code == 200
    assert done.json()["status"] == "completed"


# --- the surrendered identity document ------------------------------------------------------------------------


def emigration_body(person, documents):
    return {
        "case_type": "emigration",
        "channel": "service_provider" if person.category != "citizen" else "state_corporation",
        "address_code": person.registrations.get().dwelling.address_code,
        "applicant_iin": person.iin,
        "subjects": [person.iin],
        "documents": documents,
    }


def test_a_refugee_leaving_hands_over_the_refugee_certificate(migration_officer):
    refugee = PersonFactory(category="refugee", citizenship="AFG", document_type="refugee_certificate")
    RegistrationFactory(person=refugee)
    documents = walk_in_documents("emigration", [refugee])
    client = client_for(migration_officer)

    id_card = [*documents[:2], {**documents[2], "document_type": "id_card"}]
    response = client.post(f"{API}/applications/", emigration_body(refugee, id_card), format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]["documents[2].document_type"]
    assert error["code"] == "invalid_document"
    assert "Refugee certificate" in error["message"]

    response = client.post(f"{API}/applications/", emigration_body(refugee, documents[:2]), format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]["documents"]
    assert error["code"] == "missing_document"
    assert "Refugee certificate" in error["message"]
    assert not Application.objects.exists()

    response = client.post(f"{API}/applications/", emigration_body(refugee, documents), format="json")
    assert response.status_code == 201, response.json()


def test_the_older_name_surrendered_id_card_is_accepted_for_a_citizen(operator):
    citizen = PersonFactory()
    RegistrationFactory(person=citizen)
    documents = walk_in_documents("emigration", [citizen])
    documents[2] = {**documents[2], "type": "surrendered_id_card"}
    del documents[2]["document_type"]
    response = client_for(operator).post(
        f"{API}/applications/", emigration_body(citizen, documents), format="json"
    )
    assert response.status_code == 201, response.json()
    stored = Application.objects.get().documents.get(holder_iin=citizen.iin)
    assert (stored.type, stored.document_type) == ("surrendered_identity_document", "id_card")


def test_the_schema_names_document_type_and_the_older_name():
    schema = client_for().get(f"{API}/schema/?format=json").json()
    document = schema["components"]["schemas"]["DocumentRequest"]["properties"]
    assert "document_type" in document
    enum_names = {name for name, value in schema["components"]["schemas"].items() if "enum" in value}
    values = [v for name in enum_names for v in schema["components"]["schemas"][name]["enum"]]
    assert "surrendered_identity_document" in values
    assert "surrendered_id_card" in values


def test_a_missing_document_entry_names_the_document_and_the_person(operator):
    citizen = PersonFactory()
    RegistrationFactory(person=citizen)
    documents = walk_in_documents("emigration", [citizen])
    response = client_for(operator).post(
        f"{API}/applications/", emigration_body(citizen, [documents[0]]), format="json"
    )
    assert response.status_code == 400
    entries = response.json()["errors"]["documents"]
    assert [(e["code"], e.get("document"), e.get("iin")) for e in entries] == [
        ("missing_document", "police_emigration_certificate", None),
        ("missing_document", "surrendered_identity_document", citizen.iin),
    ]
    assert all(e["message"].startswith("Missing document: ") for e in entries)


def test_errors_not_about_a_document_keep_their_two_keys(operator, home):
    elsewhere = new_home()
    body = walk_in_body(home, subjects=[elsewhere.tenant])
    response = client_for(operator).post(f"{API}/applications/", body, format="json")
    assert response.status_code == 400
    [entry] = response.json()["errors"]["subjects[0]"]
    assert set(entry) == {"code", "message"}


def test_the_schema_documents_the_document_and_iin_of_an_error_entry():
    schema = client_for().get(f"{API}/schema/?format=json").json()
    entry = schema["components"]["schemas"]["FieldError"]
    assert {"document", "iin"} <= set(entry["properties"])
    assert set(entry["required"]) == {"code", "message"}


def test_an_emigration_case_whose_applicant_is_not_leaving_is_400_applicant_not_leaving(operator):
    child = PersonFactory(birth_date=dt.date(2018, 3, 1))
    registration = RegistrationFactory(person=child)
    stranger = PersonFactory()
    body = {
        "case_type": "emigration",
        "channel": "state_corporation",
        "address_code": registration.dwelling.address_code,
        "applicant_iin": stranger.iin,
        "subjects": [child.iin],
        "documents": walk_in_documents("emigration", [child]),
    }
    response = client_for(operator).post(f"{API}/applications/", body, format="json")
    assert response.status_code == 400
    assert response.json()["reason_code"] == "applicant_not_leaving"
    assert codes(response, "subjects") == ["applicant_not_leaving"]
    assert not Application.objects.exists()


def test_a_resident_registered_only_temporarily_cannot_be_named_on_the_portal(home, sign_request_for):
    guest = PersonFactory()
    RegistrationFactory(person=guest, dwelling=home.dwelling, kind="temporary")
    owner = citizen_account(home.owner)
    response = client_for(owner).post(
        f"{API}/applications/", portal_body(sign_request_for, home, subjects=[guest.iin]), format="json"
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]["subjects[0]"]
    assert error["code"] == "not_registered_here"
    assert "permanent registration" in error["message"]
    assert not Application.objects.exists()


def test_the_start_page_says_only_permanent_registrations_end(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "permanent registration" in page
    assert "temporary" in page


def test_an_operator_refuses_for_a_withdrawn_consent_to_personal_data(operator, home):
    application = walk_in(operator, home)
    response = client_for(operator).post(
        f"{API}/applications/{application.number}/reject/",
        {"reason_code": "personal_data_consent_withdrawn"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["rejection"]["ground"] == "no_personal_data_consent"
    assert response.json()["rejection"]["reason_code"] == "personal_data_consent_withdrawn"

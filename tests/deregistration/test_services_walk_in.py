"""The rules of docs/service.md for walk-in cases (State Corporation and the migration service), each with the test
that breaks it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from citizens.models import Registration
from deregistration import rules
from deregistration.constants import RefusalGround
from deregistration.errors import Conflict, NotAllowed
from deregistration.models import Application, Notification, RegistryRecord, UsedNonce
from deregistration.services import application_complete, application_reject, application_submit
from tests.conftest import citizen_account, walk_in_documents
from tests.conftest import submit_walk_in as submit
from tests.factories import DwellingFactory, OwnershipFactory, PersonFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

NON_CITIZENS = {
    "foreign_resident": {"citizenship": "RUS", "document_type": "residence_permit"},
    "stateless_resident": {"citizenship": "XXX", "document_type": "stateless_certificate"},
    "refugee": {"citizenship": "AFG", "document_type": "refugee_certificate"},
}


def error_codes(excinfo):
    return {field: [e.code for e in errors] for field, errors in excinfo.value.error_dict.items()}


def nothing_stored():
    return Application.objects.count() == 0 and UsedNonce.objects.count() == 0


# --- The matrix: each kind of case with each recipient category and channel ---------------------------------


def person_of(category, household):
    """A subject of the given category registered at the household's dwelling."""
    if category == "citizen":
        return household.tenant
    person = PersonFactory(category=category, **NON_CITIZENS[category])
    RegistrationFactory(person=person, dwelling=household.dwelling)
    return person


CASES = ["owner_application", "emigration", "court_decision"]
CATEGORIES = ["citizen", "foreign_resident", "stateless_resident", "refugee"]


@pytest.mark.parametrize("case_type", CASES)
@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("channel", ["state_corporation", "service_provider"])
def test_walk_in_matrix(case_type, category, channel, household, operator, migration_officer):
    subject = person_of(category, household)
    actor = operator if channel == "state_corporation" else migration_officer
    applicant = subject if case_type == "emigration" else household.owner
    allowed = (channel == "state_corporation") == (category == "citizen")
    if allowed:
        result = submit(
            actor, household, case_type=case_type, channel=channel, subjects=[subject], applicant=applicant
        )
        assert result.created
        assert result.application.status == "submitted"
        assert result.application.channel == channel
    else:
        with pytest.raises(ValidationError) as excinfo:
            submit(
                actor,
                household,
                case_type=case_type,
                channel=channel,
                subjects=[subject],
                applicant=applicant,
            )
        assert error_codes(excinfo) == {"channel": [rules.CHANNEL_NOT_ALLOWED]}
        assert nothing_stored()


@pytest.mark.parametrize("case_type", ["emigration", "court_decision"])
@pytest.mark.parametrize("category", CATEGORIES)
def test_portal_accepts_no_case_but_the_owners_application(case_type, category, household):
    subject = person_of(category, household)
    applicant = subject if case_type == "emigration" else household.owner
    with pytest.raises(ValidationError) as excinfo:
        submit(
            citizen_account(applicant),
            household,
            case_type=case_type,
            channel="portal",
            subjects=[subject],
            applicant=applicant,
            documents=[],
            signed_request="<unsigned/>",
        )
    assert error_codes(excinfo) == {"channel": [rules.CHANNEL_NOT_ALLOWED]}
    assert nothing_stored()


@pytest.mark.parametrize("category", ["foreign_resident", "stateless_resident", "refugee"])
def test_portal_lists_and_accepts_only_citizens_as_subjects(category, household, sign_request_for):
    subject = person_of(category, household)
    signed = sign_request_for(
        household.owner.iin, address_code=household.dwelling.address_code, subjects=[subject.iin]
    )
    # The owner may learn the category of a person registered at their own dwelling (they see the residents).
    with pytest.raises(ValidationError) as excinfo:
        submit(
            citizen_account(household.owner),
            household,
            channel="portal",
            subjects=[subject],
            documents=[],
            signed_request=signed.decode(),
        )
    assert error_codes(excinfo) == {"channel": [rules.CHANNEL_NOT_ALLOWED]}
    assert nothing_stored()


def test_a_citizen_may_use_no_channel_but_the_portal(household):
    with pytest.raises(ValidationError) as excinfo:
        submit(citizen_account(household.owner), household, channel="state_corporation")
    assert error_codes(excinfo) == {"channel": [rules.CHANNEL_NOT_ALLOWED]}


def test_a_non_citizen_owner_applies_through_the_service_provider(household, migration_officer, operator):
    foreign_owner = PersonFactory(
        category="foreign_resident", citizenship="UZB", document_type="residence_permit"
    )
    OwnershipFactory(dwelling=household.dwelling, person=foreign_owner, share="0.5")
    household.dwelling.ownerships.exclude(person=foreign_owner).update(share="0.5")
    # A case with a non-citizen applicant is the service provider's, even if every subject is a citizen.
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, applicant=foreign_owner)
    assert error_codes(excinfo) == {"channel": [rules.CHANNEL_NOT_ALLOWED]}
    result = submit(migration_officer, household, applicant=foreign_owner, channel="service_provider")
    assert result.application.status == "awaiting_consent"  # the other owner must consent


@pytest.mark.parametrize(
    ("role", "channel"),
    [
        ("operator", "service_provider"),
        ("migration", "state_corporation"),
        ("supervisor", "state_corporation"),
        ("operator", "portal"),
    ],
)
def test_staff_submit_only_in_their_own_channel(
    role, channel, household, operator, migration_officer, supervisor
):
    actor = {"operator": operator, "migration": migration_officer, "supervisor": supervisor}[role]
    with pytest.raises(NotAllowed) as excinfo:
        submit(actor, household, channel=channel)
    assert excinfo.value.code == rules.ROLE_NOT_ALLOWED
    assert nothing_stored()


# --- Owner's application --------------------------------------------------------------------------------------


def test_owners_application_is_stored_with_its_term(household, operator):
    before = timezone.now()
    application = submit(operator, household, subjects=[household.tenant, household.child]).application
    assert application.status == "submitted"
    assert application.deadline_at - application.submitted_at == dt.timedelta(minutes=30)
    assert before <= application.submitted_at <= timezone.now()
    assert [s.person for s in application.subjects.order_by("position")] == [
        household.tenant,
        household.child,
    ]
    assert application.documents.count() == 2
    assert application.completed_at is None


def test_only_a_current_owner_may_apply(household, operator):
    stranger = PersonFactory()
    RegistrationFactory(person=stranger, dwelling=household.dwelling)
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, applicant=stranger)
    assert error_codes(excinfo) == {"applicant_iin": [rules.NOT_OWNER]}
    former = household.dwelling.ownerships.get()
    former.until = dt.date(2025, 1, 1)
    former.save()
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household)
    assert error_codes(excinfo) == {"applicant_iin": [rules.NOT_OWNER]}
    assert nothing_stored()


def test_every_subject_must_be_registered_there_now(household, operator):
    elsewhere = RegistrationFactory().person
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, subjects=[household.tenant, elsewhere])
    assert error_codes(excinfo) == {"subjects[1]": [rules.NOT_REGISTERED_HERE]}
    Registration.objects.filter(person=household.tenant).update(
        ended_on=dt.date(2025, 1, 1), end_reason="new_registration"
    )
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household)
    assert error_codes(excinfo) == {"subjects[0]": [rules.NOT_REGISTERED_HERE]}
    assert nothing_stored()


@pytest.mark.parametrize("case_type", CASES)
def test_a_person_registered_here_only_temporarily_is_not_registered_here(case_type, household, operator):
    guest = PersonFactory()
    RegistrationFactory(person=guest, dwelling=household.dwelling, kind="temporary")
    applicant = guest if case_type == "emigration" else household.owner
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, case_type=case_type, applicant=applicant, subjects=[guest])
    assert error_codes(excinfo) == {"subjects[0]": [rules.NOT_REGISTERED_HERE]}
    assert "permanent registration" in excinfo.value.error_dict["subjects[0]"][0].messages[0]
    assert nothing_stored()


def test_only_the_permanent_registration_ends_a_temporary_one_there_is_left(household, operator):
    RegistrationFactory(
        person=household.tenant,
        dwelling=household.dwelling,
        kind="temporary",
        registered_on=dt.date(2024, 2, 1),
    )
    application = submit(operator, household).application
    assert application.subjects.get().registration.kind == "permanent"
    application_complete(actor=operator, application=application)
    permanent, temporary = (
        Registration.objects.get(person=household.tenant, kind=kind) for kind in ("permanent", "temporary")
    )
    assert permanent.ended_on == timezone.localdate()
    assert temporary.ended_on is None
    assert RegistryRecord.objects.get().registration_id == permanent.pk


def test_the_applicant_does_not_name_themselves(household, operator):
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, subjects=[household.owner])
    assert error_codes(excinfo) == {"subjects[0]": [rules.APPLICANT_IS_SUBJECT]}


def test_unknown_persons_and_dwellings_are_named(household, operator):
    with pytest.raises(ValidationError) as excinfo:
        application_submit(
            actor=operator,
            case_type="owner_application",
            channel="state_corporation",
            address_code="0299999999999999",
            applicant_iin="061211600012",
            subjects=[household.tenant.iin],
            documents=walk_in_documents("owner_application", []),
        )
    assert error_codes(excinfo) == {
        "applicant_iin": [rules.UNKNOWN_PERSON],
        "address_code": [rules.UNKNOWN_DWELLING],
    }


@pytest.mark.parametrize(
    ("subjects", "field", "code"),
    [
        ([], "subjects", rules.NO_SUBJECTS),
        (["800315300019"], "subjects[0]", "iin_bad_checksum"),
        (["12345"], "subjects[0]", "iin_wrong_length"),
    ],
)
def test_bad_subject_lists_are_refused_with_the_field_named(subjects, field, code, household, operator):
    with pytest.raises(ValidationError) as excinfo:
        application_submit(
            actor=operator,
            case_type="owner_application",
            channel="state_corporation",
            address_code=household.dwelling.address_code,
            applicant_iin=household.owner.iin,
            subjects=subjects,
            documents=walk_in_documents("owner_application", []),
        )
    assert error_codes(excinfo)[field] == [code]


def test_a_person_named_twice_is_refused(household, operator):
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, subjects=[household.tenant, household.tenant])
    assert error_codes(excinfo) == {"subjects[1]": [rules.DUPLICATE_SUBJECT]}


# --- Documents ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case_type", CASES)
def test_each_missing_document_is_refused_and_named(case_type, household, operator):
    subjects = [household.tenant, household.child]
    applicant = household.tenant if case_type == "emigration" else household.owner
    full = walk_in_documents(case_type, subjects)
    for index, missing in enumerate(full):
        documents = full[:index] + full[index + 1 :]
        with pytest.raises(ValidationError) as excinfo:
            submit(
                operator,
                household,
                case_type=case_type,
                subjects=subjects,
                applicant=applicant,
                documents=documents,
            )
        codes = error_codes(excinfo)
        assert codes == {"documents": [rules.MISSING_DOCUMENT]}, (missing["type"], codes)
        message = excinfo.value.error_dict["documents"][0].messages[0]
        name = rules.document_name(missing["type"], identity_document=missing.get("document_type", ""))
        assert name in message
        if "iin" in missing:
            assert missing["iin"] in message  # the per-person document says whose it is
    assert nothing_stored()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"number": ""}, "documents[0].number"),
        ({"issued_on": "04.05.2021"}, "documents[0].issued_on"),
        ({"issued_on": "2999-01-01"}, "documents[0].issued_on"),
        ({"issued_by": None}, "documents[0].issued_by"),
        ({"type": "birth_certificate"}, "documents[0].type"),
        ({"number": "9" * 61}, "documents[0].number"),
        ({"issued_by": "Ә" * 201}, "documents[0].issued_by"),
    ],
)
def test_a_malformed_document_is_refused_and_named(change, field, household, operator):
    documents = walk_in_documents("owner_application", [household.tenant])
    documents[0] = {**documents[0], **change}
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, documents=documents)
    assert rules.INVALID_DOCUMENT in error_codes(excinfo)[field]
    assert nothing_stored()


def test_a_childs_passport_does_not_stand_for_an_adults_id_card(household, operator):
    documents = walk_in_documents("emigration", [household.tenant])
    documents[2]["type"] = "child_passport"
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, case_type="emigration", applicant=household.tenant, documents=documents)
    assert error_codes(excinfo)["documents[2].type"] == [rules.INVALID_DOCUMENT]


# --- Emigration -----------------------------------------------------------------------------------------------


def test_emigration_the_person_leaving_with_a_child_under_16(household, operator):
    result = submit(
        operator,
        household,
        case_type="emigration",
        applicant=household.tenant,
        subjects=[household.tenant, household.child],
    )
    assert result.application.issue_slip  # always issued to a person leaving the country


def test_emigration_the_applicant_is_the_person_leaving(household, operator):
    # A stranger, not registered there and not leaving, names someone else's child: refused, nothing stored.
    stranger = PersonFactory()
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, case_type="emigration", applicant=stranger, subjects=[household.child])
    assert error_codes(excinfo) == {"subjects": [rules.APPLICANT_NOT_LEAVING]}
    # The adult tenant naming only the child, without leaving themselves: refused the same way.
    with pytest.raises(ValidationError) as excinfo:
        submit(
            operator,
            household,
            case_type="emigration",
            applicant=household.tenant,
            subjects=[household.child],
        )
    assert error_codes(excinfo) == {"subjects": [rules.APPLICANT_NOT_LEAVING]}
    assert rules.ground_for(rules.APPLICANT_NOT_LEAVING) == "requirements_not_met"
    assert nothing_stored()


def test_emigration_a_child_under_16_leaves_with_an_adult_subject_registered_there(household, operator):
    # The child alone, as applicant and subject: no adult leaves with them.
    with pytest.raises(ValidationError) as excinfo:
        submit(
            operator, household, case_type="emigration", applicant=household.child, subjects=[household.child]
        )
    assert error_codes(excinfo) == {"applicant_iin": [rules.CHILD_WITHOUT_ADULT]}
    # An adult leaving with the child but registered elsewhere: not at the same address.
    parent_elsewhere = RegistrationFactory().person
    with pytest.raises(ValidationError) as excinfo:
        submit(
            operator,
            household,
            case_type="emigration",
            applicant=parent_elsewhere,
            subjects=[parent_elsewhere, household.child],
        )
    assert error_codes(excinfo) == {"subjects[0]": [rules.NOT_REGISTERED_HERE]}
    assert nothing_stored()


def test_emigration_cannot_name_another_adult(household, operator):
    with pytest.raises(ValidationError) as excinfo:
        submit(
            operator,
            household,
            case_type="emigration",
            applicant=household.tenant,
            subjects=[household.tenant, household.owner],
        )
    assert error_codes(excinfo) == {"subjects[1]": [rules.NOT_LEAVING_PERSON]}


SURRENDERED = {
    "citizen": ("id_card", "Identity card"),
    "foreign_resident": ("residence_permit", "Residence permit of a foreigner"),
    "stateless_resident": ("stateless_certificate", "Stateless person's certificate"),
    "refugee": ("refugee_certificate", "Refugee certificate"),
}


def leaving_person(category, household):
    """A person of ``category`` registered permanently at the household's dwelling, who is leaving."""
    if category == "citizen":
        return household.tenant, "state_corporation"
    person = PersonFactory(category=category, **NON_CITIZENS[category])
    RegistrationFactory(person=person, dwelling=household.dwelling)
    return person, "service_provider"


@pytest.mark.parametrize("category", CATEGORIES)
def test_emigration_surrenders_the_identity_document_of_the_persons_category(
    category, household, operator, migration_officer
):
    person, channel = leaving_person(category, household)
    actor = operator if channel == "state_corporation" else migration_officer

    def leave(documents):
        return submit(
            actor,
            household,
            case_type="emigration",
            channel=channel,
            applicant=person,
            subjects=[person],
            documents=documents,
        )

    full = walk_in_documents("emigration", [person])
    surrendered = full[2]
    kind, label = SURRENDERED[category]
    assert (surrendered["type"], surrendered["document_type"]) == ("surrendered_identity_document", kind)

    # Missing: the error names the document this person's category holds.
    with pytest.raises(ValidationError) as excinfo:
        leave(full[:2])
    assert error_codes(excinfo) == {"documents": [rules.MISSING_DOCUMENT]}
    message = excinfo.value.error_dict["documents"][0].messages[0]
    assert label in message
    assert person.iin in message

    # Another category's document: refused, naming the right one.
    wrong = next(k for k, _label in SURRENDERED.values() if k != kind)
    with pytest.raises(ValidationError) as excinfo:
        leave([*full[:2], {**surrendered, "document_type": wrong}])
    assert error_codes(excinfo) == {"documents[2].document_type": [rules.INVALID_DOCUMENT]}
    assert label in excinfo.value.error_dict["documents[2].document_type"][0].messages[0]

    # The right one: accepted and stored with its kind.
    stored = leave(full).application.documents.get(type="surrendered_identity_document")
    assert (stored.document_type, stored.holder_iin) == (kind, person.iin)


def test_surrendered_id_card_is_still_accepted_as_an_id_card(household, operator):
    documents = walk_in_documents("emigration", [household.tenant])
    documents[2] = {k: v for k, v in documents[2].items() if k != "document_type"}
    documents[2]["type"] = "surrendered_id_card"
    application = submit(
        operator, household, case_type="emigration", applicant=household.tenant, documents=documents
    ).application
    stored = application.documents.get(holder_iin=household.tenant.iin)
    assert (stored.type, stored.document_type) == ("surrendered_identity_document", "id_card")


def test_surrendered_id_card_cannot_stand_for_a_residence_permit(household, migration_officer):
    person, channel = leaving_person("foreign_resident", household)
    documents = walk_in_documents("emigration", [person])
    documents[2] = {**documents[2], "type": "surrendered_id_card"}
    documents[2].pop("document_type")
    with pytest.raises(ValidationError) as excinfo:
        submit(
            migration_officer,
            household,
            case_type="emigration",
            channel=channel,
            applicant=person,
            subjects=[person],
            documents=documents,
        )
    assert error_codes(excinfo) == {"documents[2].document_type": [rules.INVALID_DOCUMENT]}


@pytest.mark.parametrize(
    ("value", "code"), [("", rules.INVALID_DOCUMENT), ("library_card", rules.INVALID_DOCUMENT)]
)
def test_a_surrendered_identity_document_says_which_it_is(value, code, household, operator):
    documents = walk_in_documents("emigration", [household.tenant])
    documents[2]["document_type"] = value
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, case_type="emigration", applicant=household.tenant, documents=documents)
    assert error_codes(excinfo) == {"documents[2].document_type": [code]}


# --- Court decision -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decided", "in_force"),
    [(-5, 3), (2, 5), (-5, -8)],  # in force in the future; decided in the future; in force before decided
)
def test_a_court_decision_must_be_in_force(decided, in_force, household, operator):
    today = timezone.localdate()
    documents = walk_in_documents("court_decision", [household.tenant])
    documents[1].update(
        decided_on=(today + dt.timedelta(days=decided)).isoformat(),
        in_force_on=(today + dt.timedelta(days=in_force)).isoformat(),
    )
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, case_type="court_decision", documents=documents)
    assert error_codes(excinfo) == {"documents[1].in_force_on": [rules.COURT_DECISION_NOT_IN_FORCE]}


def test_a_court_decision_in_force_today_is_accepted(household, operator):
    today = timezone.localdate().isoformat()
    documents = walk_in_documents("court_decision", [household.tenant])
    documents[1].update(decided_on=today, in_force_on=today)
    assert submit(operator, household, case_type="court_decision", documents=documents).created


@pytest.mark.parametrize("field", ["court", "case_number", "decided_on", "in_force_on"])
def test_a_court_decision_names_court_case_and_dates(field, household, operator):
    documents = walk_in_documents("court_decision", [household.tenant])
    del documents[1][field]
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, case_type="court_decision", documents=documents)
    assert error_codes(excinfo) == {f"documents[1].{field}": [rules.INVALID_DOCUMENT]}


# --- Completion -----------------------------------------------------------------------------------------------


def test_complete_ends_each_registration_and_writes_one_record_each(household, operator):
    owner_account = citizen_account(household.owner)
    tenant_account = citizen_account(household.tenant)
    application = submit(operator, household, subjects=[household.tenant, household.child]).application
    completed = application_complete(actor=operator, application=application)
    assert completed.status == "completed"
    assert completed.completed_at is not None
    assert completed.processed_by == operator
    for person in (household.tenant, household.child):
        registration = Registration.objects.get(person=person)
        assert registration.ended_on == timezone.localdate()
        assert registration.end_reason == "owner_application"
        record = RegistryRecord.objects.get(iin=person.iin)
        assert record.registration_id == registration.pk
        assert record.application_number == application.number
        assert record.operator == "operator1"
        assert household.owner.full_name in record.basis
    assert set(completed.subjects.values_list("outcome", flat=True)) == {"deregistered"}
    assert Notification.objects.get(recipient=owner_account).kind == "application_completed"
    assert Notification.objects.get(recipient=tenant_account).kind == "you_were_deregistered"
    # The owner is still registered: only the subjects were deregistered.
    assert Registration.objects.get(person=household.owner).ended_on is None


def test_complete_twice_gives_one_register_record(household, operator):
    application = submit(operator, household).application
    application_complete(actor=operator, application=application)
    with pytest.raises(Conflict) as excinfo:
        application_complete(actor=operator, application=application)
    assert excinfo.value.code == rules.ALREADY_COMPLETED
    assert RegistryRecord.objects.count() == 1


def test_two_cases_naming_one_person_deregister_once(household, operator):
    first = submit(operator, household).application
    second = submit(operator, household).application
    application_complete(actor=operator, application=first)
    with pytest.raises(Conflict) as excinfo:
        application_complete(actor=operator, application=second)
    assert excinfo.value.code == rules.ALREADY_DEREGISTERED
    assert RegistryRecord.objects.count() == 1
    second.refresh_from_db()
    assert second.status == "submitted"  # the operator then refuses it with its reason


def test_walk_in_cases_wait_for_an_operator(household, operator):
    application = submit(operator, household).application
    assert application.status == "submitted"
    assert RegistryRecord.objects.count() == 0


def test_operators_cannot_complete_the_migration_services_cases(
    household, operator, migration_officer, supervisor
):
    subject = person_of("refugee", household)
    application = submit(
        migration_officer, household, channel="service_provider", subjects=[subject]
    ).application
    for outsider in (operator, supervisor):
        with pytest.raises(NotAllowed):
            application_complete(actor=outsider, application=application)
    assert application_complete(actor=migration_officer, application=application).status == "completed"


def test_a_citizen_cannot_complete_a_case(household, operator):
    application = submit(operator, household).application
    with pytest.raises(NotAllowed):
        application_complete(actor=citizen_account(household.owner), application=application)


def test_an_error_after_the_register_row_leaves_no_trace(household, operator, monkeypatch):
    application = submit(operator, household, subjects=[household.tenant, household.child]).application

    def fail(**kwargs):
        raise RuntimeError("the notification service crashed")

    monkeypatch.setattr("deregistration.services.completion.notify", fail)
    with pytest.raises(RuntimeError):
        application_complete(actor=operator, application=application)
    application.refresh_from_db()
    assert application.status == "submitted"
    assert RegistryRecord.objects.count() == 0
    assert Registration.objects.active().filter(dwelling=household.dwelling).count() == 3
    assert set(application.subjects.values_list("outcome", flat=True)) == {"pending"}


# --- Rejection ------------------------------------------------------------------------------------------------


def test_a_rejection_carries_its_legal_ground_and_reason(household, operator):
    owner_account = citizen_account(household.owner)
    application = submit(operator, household).application
    rejected = application_reject(
        actor=operator, application=application, reason_code=rules.UNRELIABLE_DATA, comment="Құжат жалған"
    )
    assert rejected.status == "rejected"
    assert rejected.rejection_ground == RefusalGround.UNRELIABLE_DOCUMENTS
    assert rejected.rejection_reason_code == rules.UNRELIABLE_DATA
    assert set(rejected.subjects.values_list("outcome", flat=True)) == {"refused"}
    assert Notification.objects.get(recipient=owner_account).kind == "application_rejected"
    with pytest.raises(Conflict):
        application_complete(actor=operator, application=application)
    assert RegistryRecord.objects.count() == 0


def test_a_withdrawn_consent_to_personal_data_refuses_on_the_third_ground(household, operator):
    application = submit(operator, household).application
    rejected = application_reject(
        actor=operator, application=application, reason_code=rules.PERSONAL_DATA_CONSENT_WITHDRAWN
    )
    assert rejected.rejection_ground == RefusalGround.NO_PERSONAL_DATA_CONSENT
    assert rejected.rejection_reason_code == "personal_data_consent_withdrawn"


def test_every_signature_failure_is_an_unreliable_document():
    from deregistration.eds import errors as eds_errors

    assert {rules.ground_for(code) for code in eds_errors.MESSAGES} == {RefusalGround.UNRELIABLE_DOCUMENTS}


def test_every_ground_of_article_19_is_reachable_by_an_operator():
    grounds = {rules.ground_for(code) for code in rules.OPERATOR_REJECTION_REASONS}
    assert grounds == set(RefusalGround)


@pytest.mark.parametrize(
    ("ground", "reason_code", "comment", "field"),
    [
        ("", "made_up", "", "reason_code"),
        ("because", rules.NOT_OWNER, "", "ground"),
        ("", rules.OTHER, "", "comment"),
    ],
)
def test_a_rejection_without_a_valid_ground_or_reason_is_refused(
    ground, reason_code, comment, field, household, operator
):
    application = submit(operator, household).application
    with pytest.raises(ValidationError) as excinfo:
        application_reject(
            actor=operator, application=application, ground=ground, reason_code=reason_code, comment=comment
        )
    assert field in excinfo.value.error_dict
    application.refresh_from_db()
    assert application.status == "submitted"


def test_a_completed_case_cannot_be_rejected(household, operator):
    application = application_complete(actor=operator, application=submit(operator, household).application)
    with pytest.raises(Conflict):
        application_reject(actor=operator, application=application, reason_code=rules.OTHER, comment="x")


# --- Idempotency and history ----------------------------------------------------------------------------------


def test_a_resubmission_with_the_same_key_returns_the_first_application(household, operator):
    first = submit(operator, household, idempotency_key="k-1")
    again = submit(operator, household, idempotency_key="k-1")
    assert first.created
    assert not again.created
    assert again.application.pk == first.application.pk
    assert Application.objects.count() == 1


def test_the_same_key_with_another_request_is_a_conflict(household, operator):
    submit(operator, household, idempotency_key="k-1")
    with pytest.raises(Conflict) as excinfo:
        submit(operator, household, idempotency_key="k-1", subjects=[household.child])
    assert excinfo.value.code == rules.IDEMPOTENCY_KEY_REUSED
    assert Application.objects.count() == 1


def test_every_change_to_an_application_is_in_its_history(household, operator):
    application = submit(operator, household).application
    application_complete(actor=operator, application=application)
    history = list(application.history.order_by("history_date"))
    assert [h.status for h in history] == ["submitted", "completed"]
    assert all(h.history_user == operator for h in history)
    assert history[-1].diff_against(history[0]).changed_fields


@override_settings(SERVICE_TERM_MINUTES=30)
def test_deadline_is_thirty_minutes_after_submission(household, operator):
    application = submit(operator, household).application
    assert (application.deadline_at - application.submitted_at).total_seconds() == 30 * 60


def test_a_person_with_a_second_dwelling_is_deregistered_only_from_this_one(household, operator):
    summer_house = DwellingFactory()
    RegistrationFactory(person=household.tenant, dwelling=summer_house, kind="temporary")
    application_complete(actor=operator, application=submit(operator, household).application)
    assert Registration.objects.get(person=household.tenant, dwelling=summer_house).ended_on is None


# --- Errors name their document in a form a program can read ----------------------------------------------------


def test_a_missing_document_carries_its_type_and_for_a_personal_one_the_iin(household, operator):
    subjects = [household.tenant, household.child]
    documents = walk_in_documents("emigration", subjects)
    with pytest.raises(ValidationError) as excinfo:
        submit(
            operator,
            household,
            case_type="emigration",
            subjects=subjects,
            applicant=household.tenant,
            documents=[documents[0], documents[3]],  # only the ID and the child's passport
        )
    params = [error.params for error in excinfo.value.error_dict["documents"]]
    assert params == [
        {"document": "police_emigration_certificate"},
        {"document": "surrendered_identity_document", "iin": household.tenant.iin},
    ]


def test_a_malformed_document_field_carries_its_type_and_iin(household, operator):
    documents = walk_in_documents("emigration", [household.tenant])
    documents[2]["issued_on"] = "04.05.2020"
    documents[1]["country"] = "Germany"
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, case_type="emigration", applicant=household.tenant, documents=documents)
    [issued_on] = excinfo.value.error_dict["documents[2].issued_on"]
    assert issued_on.params == {"document": "surrendered_identity_document", "iin": household.tenant.iin}
    [country] = excinfo.value.error_dict["documents[1].country"]
    assert country.params == {"document": "police_emigration_certificate"}
    # The message stays whole when a form renders it with its params.
    assert country.messages == ["Give the country as an ISO 3166-1 alpha-3 code, e.g. DEU."]


def test_a_court_decision_not_in_force_is_named(household, operator):
    documents = walk_in_documents("court_decision", [household.tenant])
    documents[1]["in_force_on"] = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, case_type="court_decision", documents=documents)
    [error] = excinfo.value.error_dict["documents[1].in_force_on"]
    assert error.params == {"document": "court_decision"}


@pytest.mark.parametrize("field", ["number", "issued_by"])
def test_a_blank_required_field_is_named_once(field, household, operator):
    documents = walk_in_documents("owner_application", [household.tenant])
    documents[0] = {**documents[0], field: ""}
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, documents=documents)
    assert error_codes(excinfo)[f"documents[0].{field}"] == [rules.INVALID_DOCUMENT]

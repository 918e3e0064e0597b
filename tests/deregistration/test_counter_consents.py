"""Co-owners' consent given at the counter (docs/service.md, "Co-owners"): in person with the co-owner's
identity document, or by a notarised consent; recorded by the operator with the walk-in owner's application."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from citizens.models import AuditEvent
from deregistration import rules
from deregistration.models import Application, Consent, Notification
from deregistration.services import application_complete, consent_decide
from tests.conftest import citizen_account
from tests.conftest import submit_walk_in as submit
from tests.factories import OwnershipFactory, PersonFactory

pytestmark = pytest.mark.django_db


def error_codes(excinfo):
    return {field: [e.code for e in errors] for field, errors in excinfo.value.error_dict.items()}


def in_person(co_owner, decision="approve", **changes):
    consent = {
        "co_owner_iin": co_owner.iin,
        "decision": decision,
        "identity_document": {
            "type": "id_card",
            "number": co_owner.document_number,
            "issued_on": "2020-05-04",
            "issued_by": "ҚР ІІМ",
        },
        "notarised": None,
    }
    consent.update(changes)
    return consent


NOTARISED_ON = timezone.localdate() - dt.timedelta(days=20)


def by_notary(co_owner, **changes):
    notarised = {
        "number": "Н-2026-1187",
        "issued_on": NOTARISED_ON.isoformat(),
        "issued_by": "Нотариус Қ. Сейітова",
    }
    return in_person(co_owner, notarised=notarised, **changes)


@pytest.fixture
def co_owners(household):
    """Two co-owners of the household's dwelling besides the owner, each with a portal account."""
    people = [PersonFactory(first_name="Гүлжаһан", sex="F"), PersonFactory(first_name="Дәурен")]
    household.dwelling.ownerships.update(share="0.3334")
    for person in people:
        OwnershipFactory(dwelling=household.dwelling, person=person, share="0.3333")
        citizen_account(person)
        person.refresh_from_db()
    return people


def test_every_co_owner_approving_at_the_counter_submits_the_case_at_once(household, co_owners, operator):
    before = timezone.now()
    application = submit(
        operator, household, consents=[in_person(co_owners[0]), by_notary(co_owners[1])]
    ).application
    assert application.status == "submitted"
    assert application.consent_expires_at is None
    assert application.deadline_at - application.submitted_at == dt.timedelta(minutes=30)
    assert application.submitted_at >= before
    present, absent = application.consents.order_by("co_owner__first_name")
    for consent in (present, absent):
        assert consent.decision == "approved"
        assert consent.given == "counter"
        assert consent.recorded_by == operator
        assert consent.decided_at == application.submitted_at
        assert consent.identity_document_type == "id_card"
        assert consent.identity_document_number == consent.co_owner.document_number
        assert consent.identity_document_issued_on == dt.date(2020, 5, 4)
    assert (present.notarised_number, present.notarised_on) == ("", None)
    assert absent.notarised_number == "Н-2026-1187"
    assert absent.notarised_on == NOTARISED_ON
    assert absent.notarised_by == "Нотариус Қ. Сейітова"
    # Nobody is asked in their cabinet for what they answered at the counter.
    assert not Notification.objects.filter(kind__in=["consent_requested", "awaiting_consent"]).exists()
    assert (
        AuditEvent.objects.filter(action="consent.approved", object_type="deregistration.consent").count()
        == 2
    )
    assert application_complete(actor=operator, application=application).status == "completed"


def test_a_co_owner_not_at_the_counter_answers_in_their_cabinet(
    household, co_owners, operator, sign_consent_for
):
    application = submit(operator, household, consents=[in_person(co_owners[0])]).application
    assert application.status == "awaiting_consent"
    assert application.deadline_at is None
    at_counter = application.consents.get(co_owner=co_owners[0])
    waiting = application.consents.get(co_owner=co_owners[1])
    assert (at_counter.decision, at_counter.given) == ("approved", "counter")
    assert (waiting.decision, waiting.given) == ("pending", "")
    assert Notification.objects.get(kind="consent_requested").recipient == co_owners[1].account
    assert not Notification.objects.filter(recipient=co_owners[0].account).exists()

    signed = sign_consent_for(co_owners[1].iin, decision="approve", application_number=application.number)
    consent_decide(
        actor=co_owners[1].account, consent=waiting, decision="approved", signed_consent=signed.decode()
    )
    application.refresh_from_db()
    waiting.refresh_from_db()
    assert application.status == "submitted"  # a walk-in case then waits for the operator
    assert waiting.given == "portal"


def test_without_counter_consents_the_case_waits_for_the_portal_as_before(household, co_owners, operator):
    application = submit(operator, household).application
    assert application.status == "awaiting_consent"
    assert set(application.consents.values_list("decision", "given")) == {("pending", "")}


def test_a_decline_at_the_counter_is_refused_at_submission_and_nothing_is_stored(
    household, co_owners, operator
):
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, consents=[in_person(co_owners[0]), in_person(co_owners[1], "decline")])
    assert error_codes(excinfo) == {"consents[1].decision": [rules.CO_OWNER_DECLINED]}
    assert rules.ground_for(rules.CO_OWNER_DECLINED) == "requirements_not_met"
    assert not Application.objects.exists()
    assert not Consent.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize("who", ["tenant", "owner", "stranger"])
def test_only_a_co_owner_besides_the_applicant_consents(who, household, co_owners, operator):
    person = PersonFactory() if who == "stranger" else getattr(household, who)
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, consents=[in_person(co_owners[0]), in_person(person)])
    assert error_codes(excinfo) == {"consents[1].co_owner_iin": [rules.NOT_CO_OWNER]}
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"channel": "service_provider"}, None),  # a non-citizen's walk-in owner's case: consents are welcome
        ({"case_type": "emigration"}, "consents"),
        ({"case_type": "court_decision"}, "consents"),
    ],
)
def test_counter_consents_come_only_with_a_walk_in_owners_application(
    options, field, household, co_owners, operator, migration_officer
):
    actor = operator
    if options.get("channel") == "service_provider":
        foreigner = PersonFactory(
            category="foreign_resident", citizenship="RUS", document_type="residence_permit"
        )
        from tests.factories import RegistrationFactory

        RegistrationFactory(person=foreigner, dwelling=household.dwelling)
        options = {**options, "subjects": [foreigner]}
        actor = migration_officer
    if options.get("case_type") == "emigration":
        options = {**options, "applicant": household.tenant}
    consents = [in_person(co_owners[0]), in_person(co_owners[1])]
    if field is None:
        assert submit(actor, household, consents=consents, **options).application.status == "submitted"
        return
    with pytest.raises(ValidationError) as excinfo:
        submit(actor, household, consents=consents, **options)
    assert error_codes(excinfo) == {field: [rules.CONSENT_NOT_EXPECTED]}


def test_a_portal_application_carries_no_counter_consents(household, co_owners, sign_request_for):
    from deregistration.services import application_submit

    signed = sign_request_for(
        household.owner.iin, address_code=household.dwelling.address_code, subjects=[household.tenant.iin]
    )
    with pytest.raises(ValidationError) as excinfo:
        application_submit(
            actor=citizen_account(household.owner),
            case_type="owner_application",
            channel="portal",
            address_code=household.dwelling.address_code,
            applicant_iin=household.owner.iin,
            subjects=[household.tenant.iin],
            signed_request=signed.decode(),
            consents=[in_person(co_owners[0])],
        )
    assert error_codes(excinfo) == {"consents": [rules.CONSENT_NOT_EXPECTED]}
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"co_owner_iin": "800315300019"}, "consents[0].co_owner_iin", "iin_bad_checksum"),
        ({"decision": "maybe"}, "consents[0].decision", rules.INVALID_CONSENT),
        ({"identity_document": None}, "consents[0].identity_document", rules.INVALID_CONSENT),
        (
            {"identity_document": {"type": "id_card"}},
            "consents[0].identity_document.number",
            rules.INVALID_CONSENT,
        ),
        (
            {
                "identity_document": {
                    "type": "library_card",
                    "number": "1",
                    "issued_on": "2020-01-01",
                    "issued_by": "x",
                }
            },
            "consents[0].identity_document.type",
            rules.INVALID_CONSENT,
        ),
        (
            {
                "identity_document": {
                    "type": "id_card",
                    "number": "1",
                    "issued_on": "2999-01-01",
                    "issued_by": "x",
                }
            },
            "consents[0].identity_document.issued_on",
            rules.INVALID_CONSENT,
        ),
        (
            {
                "identity_document": {
                    "type": "id_card",
                    "number": "1" * 31,
                    "issued_on": "2020-01-01",
                    "issued_by": "x",
                }
            },
            "consents[0].identity_document.number",
            rules.INVALID_CONSENT,
        ),
        (
            {"notarised": {"number": "Н-1", "issued_by": "Нотариус"}},
            "consents[0].notarised.issued_on",
            rules.INVALID_CONSENT,
        ),
        (
            {"notarised": {"issued_on": "2020-01-12", "issued_by": "Нотариус"}},
            "consents[0].notarised.number",
            rules.INVALID_CONSENT,
        ),
        ({"notarised": "yes"}, "consents[0].notarised", rules.INVALID_CONSENT),
    ],
)
def test_a_malformed_counter_consent_is_refused_and_named(
    change, field, code, household, co_owners, operator
):
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, consents=[in_person(co_owners[0], **change)])
    assert code in error_codes(excinfo)[field]
    assert not Application.objects.exists()


def test_a_co_owner_consents_once(household, co_owners, operator):
    with pytest.raises(ValidationError) as excinfo:
        submit(operator, household, consents=[in_person(co_owners[0]), by_notary(co_owners[0])])
    assert error_codes(excinfo) == {"consents[1].co_owner_iin": [rules.DUPLICATE_CONSENT]}


def test_a_counter_consent_needs_the_identity_document_in_the_database_too(household, co_owners, operator):
    from django.db import IntegrityError, transaction

    application = submit(operator, household, consents=[in_person(co_owners[0])]).application
    consent = application.consents.get(co_owner=co_owners[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.filter(pk=consent.pk).update(identity_document_number="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.filter(pk=consent.pk).update(given="")

"""The portal: an owner's application signed with the applicant's EDS; co-owners' consents; their lapse."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from citizens.models import Registration
from deregistration import eds, rules
from deregistration.errors import Conflict, NotAllowed, NotFound
from deregistration.models import Application, Consent, Notification, RegistryRecord, UsedNonce
from deregistration.services import (
    application_complete,
    application_submit,
    consent_decide,
    consents_lapse,
)
from tests.conftest import citizen_account, walk_in_case
from tests.factories import OwnershipFactory, PersonFactory

pytestmark = pytest.mark.django_db


def portal_submit(owner_user, household, signed, subjects=None, **extra):
    subjects = subjects or [household.tenant.iin]
    return application_submit(
        actor=owner_user,
        case_type="owner_application",
        channel="portal",
        address_code=household.dwelling.address_code,
        applicant_iin=household.owner.iin,
        subjects=subjects,
        signed_request=signed.decode(),
        **extra,
    )


def signed_for(sign_request_for, household, subjects=None, **fields):
    fields.setdefault("address_code", household.dwelling.address_code)
    return sign_request_for(household.owner.iin, subjects=subjects or [household.tenant.iin], **fields)


def error_code(excinfo, field):
    return [e.code for e in excinfo.value.error_dict[field]]


def test_a_signed_portal_application_completes_at_once_without_an_operator(household, sign_request_for):
    owner = citizen_account(household.owner)
    tenant = citizen_account(household.tenant)
    result = portal_submit(owner, household, signed_for(sign_request_for, household))
    application = result.application
    assert application.status == "completed"
    assert application.processed_by is None
    assert application.completed_at - application.submitted_at < dt.timedelta(seconds=30)
    record = RegistryRecord.objects.get()
    assert record.iin == household.tenant.iin
    assert record.channel == "portal"
    assert record.operator == ""
    assert "signed with EDS" in record.basis
    assert Notification.objects.get(recipient=owner).kind == "application_completed"
    assert Notification.objects.get(recipient=tenant).kind == "you_were_deregistered"
    assert UsedNonce.objects.get().signer_iin == household.owner.iin


def test_a_portal_application_needs_a_signature(household, eds_pki):
    owner = citizen_account(household.owner)
    with pytest.raises(ValidationError) as excinfo:
        application_submit(
            actor=owner,
            case_type="owner_application",
            channel="portal",
            address_code=household.dwelling.address_code,
            applicant_iin=household.owner.iin,
            subjects=[household.tenant.iin],
        )
    assert error_code(excinfo, "signed_request") == [rules.SIGNATURE_REQUIRED]
    assert not Application.objects.exists()


def test_a_citizen_applies_only_in_their_own_name(household, sign_request_for):
    tenant = citizen_account(household.tenant)
    with pytest.raises(NotAllowed) as excinfo:
        portal_submit(tenant, household, signed_for(sign_request_for, household))
    assert excinfo.value.code == rules.NOT_YOUR_APPLICATION


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"subjects": ["061211600012"]}, eds.CONTENT_MISMATCH),  # the signed list is not the submitted one
        ({"subjects": ["061211600012", "850722400028"]}, eds.CONTENT_MISMATCH),
        ({"address_code": "0201400099999999"}, eds.CONTENT_MISMATCH),
        ({"requested_at": timezone.now() - dt.timedelta(minutes=11)}, eds.REQUEST_STALE),
    ],
)
def test_a_request_whose_content_differs_or_is_stale_is_refused_and_nothing_is_stored(
    fields, code, household, sign_request_for
):
    owner = citizen_account(household.owner)
    with pytest.raises(ValidationError) as excinfo:
        portal_submit(owner, household, signed_for(sign_request_for, household, **fields))
    assert error_code(excinfo, "signed_request") == [code]
    assert not Application.objects.exists()
    assert not UsedNonce.objects.exists()
    assert Registration.objects.active().filter(person=household.tenant).exists()


def test_a_request_signed_with_another_citizens_key_is_refused(household, sign_request_for, eds_pki):
    owner = citizen_account(household.owner)
    signed = signed_for(sign_request_for, household, signer=eds_pki.citizen(household.tenant.iin))
    with pytest.raises(ValidationError) as excinfo:
        portal_submit(owner, household, signed)
    assert error_code(excinfo, "signed_request") == [eds.SIGNER_MISMATCH]
    assert not Application.objects.exists()


def test_a_replayed_nonce_is_a_conflict(household, sign_request_for):
    owner = citizen_account(household.owner)
    signed = signed_for(sign_request_for, household, subjects=[household.tenant.iin])
    portal_submit(owner, household, signed)
    with pytest.raises(Conflict) as excinfo:
        # The same signed request again (without an idempotency key): the nonce was used.
        portal_submit(owner, household, signed)
    assert excinfo.value.code == eds.NONCE_REPLAYED
    assert Application.objects.count() == 1


def test_the_same_idempotency_key_returns_the_first_application_before_any_nonce_check(
    household, sign_request_for
):
    owner = citizen_account(household.owner)
    signed = signed_for(sign_request_for, household)
    first = portal_submit(owner, household, signed, idempotency_key="click-1")
    second = portal_submit(owner, household, signed, idempotency_key="click-1")  # a double click
    assert second.application.pk == first.application.pk
    assert not second.created
    assert RegistryRecord.objects.count() == 1


def test_a_portal_case_whose_subject_left_meanwhile_is_refused_with_its_reason(
    answer, household, sign_request_for, operator
):
    owner = citizen_account(household.owner)
    # A co-owned dwelling keeps the portal case open; meanwhile a walk-in case deregisters the same person.
    co_owner = PersonFactory()
    OwnershipFactory(dwelling=household.dwelling, person=co_owner, share="0.5")
    pending = portal_submit(owner, household, signed_for(sign_request_for, household)).application
    assert pending.status == "awaiting_consent"
    # A court decision needs no co-owner's consent.
    walk_in_case(operator, household, case_type="court_decision", complete=True)
    consent = Consent.objects.get(application=pending)
    consent_decide(
        actor=citizen_account(co_owner),
        consent=consent,
        decision="approved",
        signed_consent=answer(consent, "approve"),
    )
    pending.refresh_from_db()
    assert pending.status == "rejected"
    assert pending.rejection_reason_code == rules.NOT_REGISTERED_HERE
    assert RegistryRecord.objects.count() == 1


def test_a_portal_case_whose_subject_leaves_between_the_checks_and_the_lock_is_refused_in_its_transaction(
    household, sign_request_for, monkeypatch
):
    """The case is stored and completed in one transaction; another case may end the registration after the
    checks (read without a lock) and before the completion locks it: the case is then refused, not lost."""
    from deregistration.services import submission

    store = submission._store_application

    def store_after_another_case(**kwargs):
        Registration.objects.filter(person=household.tenant).update(
            ended_on=timezone.localdate(),
            end_reason="court_decision",
            ended_by_application="DR-20260101-AAAAAA",
        )
        return store(**kwargs)

    monkeypatch.setattr(submission, "_store_application", store_after_another_case)
    owner = citizen_account(household.owner)
    signed = signed_for(sign_request_for, household)
    result = portal_submit(owner, household, signed)
    application = Application.objects.get(pk=result.application.pk)
    assert (result.created, result.loaded) == (True, False)  # the door reads the refused case back
    assert application.status == "rejected"
    assert application.rejection_reason_code == rules.NOT_REGISTERED_HERE
    assert application.subjects.get().outcome == "refused"
    assert not RegistryRecord.objects.exists()
    assert UsedNonce.objects.count() == 1  # the request was used: sent again, it is a replay
    with pytest.raises(Conflict) as replay:
        portal_submit(owner, household, signed)
    assert replay.value.code == eds.NONCE_REPLAYED


def test_a_crash_during_the_completion_at_once_leaves_no_case_and_the_same_request_can_be_sent_again(
    household, sign_request_for, monkeypatch
):
    from deregistration.services import completion

    audit_log = completion.audit_log

    def crash(**kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(completion, "audit_log", crash)
    owner = citizen_account(household.owner)
    signed = signed_for(sign_request_for, household)
    with pytest.raises(RuntimeError):
        portal_submit(owner, household, signed)
    assert not Application.objects.exists()
    assert not UsedNonce.objects.exists()
    assert not RegistryRecord.objects.exists()
    assert household.tenant.registrations.get().ended_on is None

    monkeypatch.setattr(completion, "audit_log", audit_log)
    application = portal_submit(owner, household, signed).application
    assert application.status == "completed"
    assert RegistryRecord.objects.count() == 1
    assert Application.objects.count() == 1


# --- Co-owners ----------------------------------------------------------------------------------------------


@pytest.fixture
def answer(sign_consent_for):
    """A co-owner's answer to a consent request, signed with the co-owner's own key."""

    def sign(consent, decision, **fields):
        fields.setdefault("application_number", consent.application.number)
        return sign_consent_for(consent.co_owner.iin, decision=decision, **fields).decode()

    return sign


@pytest.fixture
def co_owned(household, sign_request_for):
    """The household's dwelling owned half and half; the owner's portal application awaits the co-owner."""
    co_owner = PersonFactory(last_name="Ахметова", first_name="Гүлжаһан", sex="F")
    OwnershipFactory(dwelling=household.dwelling, person=co_owner, share="0.5")
    household.dwelling.ownerships.exclude(person=co_owner).update(share="0.5")
    owner = citizen_account(household.owner)
    co_owner_user = citizen_account(co_owner)
    application = portal_submit(owner, household, signed_for(sign_request_for, household)).application
    return application, Consent.objects.get(application=application), co_owner_user, owner


def test_a_co_owned_dwelling_waits_for_every_other_owner(co_owned):
    application, consent, co_owner_user, owner = co_owned
    assert application.status == "awaiting_consent"
    assert application.deadline_at is None
    assert consent.decision == "pending"
    assert consent.expires_at == application.consent_expires_at
    assert Notification.objects.get(recipient=co_owner_user).kind == "consent_requested"
    assert Notification.objects.get(recipient=owner).kind == "awaiting_consent"
    assert not RegistryRecord.objects.exists()
    with pytest.raises(Conflict):
        application_complete(actor=None, application=application)


def test_the_last_approval_starts_the_term_and_completes_a_portal_case(answer, co_owned):
    application, consent, co_owner_user, _owner = co_owned
    before = timezone.now()
    consent_decide(
        actor=co_owner_user, consent=consent, decision="approved", signed_consent=answer(consent, "approve")
    )
    application.refresh_from_db()
    assert application.status == "completed"
    assert application.deadline_at >= before + dt.timedelta(minutes=30)  # the term runs from the last consent
    assert RegistryRecord.objects.count() == 1
    consent.refresh_from_db()
    assert consent.decision == "approved"
    assert consent.signed_document


def test_a_decline_rejects_the_case(answer, co_owned):
    application, consent, co_owner_user, owner = co_owned
    consent_decide(
        actor=co_owner_user, consent=consent, decision="declined", signed_consent=answer(consent, "decline")
    )
    application.refresh_from_db()
    assert application.status == "rejected"
    assert application.rejection_reason_code == rules.CO_OWNER_DECLINED
    assert application.rejection_ground == "requirements_not_met"
    assert not RegistryRecord.objects.exists()
    assert Notification.objects.filter(recipient=owner, kind="application_rejected").exists()


def test_the_signed_decision_must_match_the_button_pressed(answer, co_owned):
    _application, consent, co_owner_user, _owner = co_owned
    with pytest.raises(ValidationError) as excinfo:
        consent_decide(
            actor=co_owner_user,
            consent=consent,
            decision="approved",
            signed_consent=answer(consent, "decline"),
        )
    assert error_code(excinfo, "signed_consent") == [eds.CONTENT_MISMATCH]
    consent.refresh_from_db()
    assert consent.decision == "pending"


def test_a_consent_for_another_application_is_refused(answer, co_owned):
    _application, consent, co_owner_user, _owner = co_owned
    with pytest.raises(ValidationError) as excinfo:
        consent_decide(
            actor=co_owner_user,
            consent=consent,
            decision="approved",
            signed_consent=answer(consent, "approve", application_number="DR-20260101-AAAAAA"),
        )
    assert error_code(excinfo, "signed_consent") == [eds.CONTENT_MISMATCH]


def test_only_the_addressed_co_owner_may_answer(answer, co_owned, household):
    _application, consent, _co_owner_user, owner = co_owned
    for outsider in (owner, citizen_account(household.tenant)):
        with pytest.raises(NotFound):
            consent_decide(
                actor=outsider,
                consent=consent,
                decision="approved",
                signed_consent=answer(consent, "approve"),
            )


def test_a_consent_is_answered_once(answer, co_owned):
    _application, consent, co_owner_user, _owner = co_owned
    consent_decide(
        actor=co_owner_user, consent=consent, decision="declined", signed_consent=answer(consent, "decline")
    )
    with pytest.raises(Conflict):
        consent_decide(
            actor=co_owner_user,
            consent=consent,
            decision="approved",
            signed_consent=answer(consent, "approve"),
        )


def test_silence_past_the_window_rejects_the_case_by_the_scheduled_command(co_owned, settings):
    application, consent, _co_owner_user, _owner = co_owned
    Application.objects.filter(pk=application.pk).update(
        consent_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    call_command("lapse_consents")
    application.refresh_from_db()
    consent.refresh_from_db()
    assert application.status == "rejected"
    assert application.rejection_reason_code == rules.CO_OWNER_CONSENT_LAPSED
    assert consent.decision == "lapsed"
    assert consents_lapse() == 0  # nothing left to lapse; running again changes nothing


def test_a_late_answer_finds_the_case_lapsed_even_if_the_job_did_not_run(answer, co_owned):
    application, consent, co_owner_user, _owner = co_owned
    Application.objects.filter(pk=application.pk).update(
        consent_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(Conflict):
        consent_decide(
            actor=co_owner_user,
            consent=consent,
            decision="approved",
            signed_consent=answer(consent, "approve"),
        )
    application.refresh_from_db()
    assert application.status == "rejected"
    assert application.rejection_reason_code == rules.CO_OWNER_CONSENT_LAPSED
    assert not RegistryRecord.objects.exists()


def test_the_consent_window_is_a_setting(household, sign_request_for, settings):
    settings.CONSENT_WINDOW_MINUTES = 5
    OwnershipFactory(dwelling=household.dwelling, person=PersonFactory(), share="0.5")
    owner = citizen_account(household.owner)
    application = portal_submit(owner, household, signed_for(sign_request_for, household)).application
    assert application.consent_expires_at - application.submitted_at == dt.timedelta(minutes=5)


def test_a_walk_in_co_owned_case_waits_for_the_operator_afteranswer(
    answer, household, operator, sign_consent_for
):
    co_owner = PersonFactory()
    OwnershipFactory(dwelling=household.dwelling, person=co_owner, share="0.5")
    application = walk_in_case(operator, household)
    assert application.status == "awaiting_consent"
    consent = application.consents.get()
    consent_decide(
        actor=citizen_account(co_owner),
        consent=consent,
        decision="approved",
        signed_consent=answer(consent, "approve"),
    )
    application.refresh_from_db()
    assert application.status == "submitted"
    assert application.deadline_at is not None
    assert not RegistryRecord.objects.exists()
    assert application_complete(actor=operator, application=application).status == "completed"


# --- Every refusal of the signature at the door: its own code, and nothing stored -------------------------------


def _expired(eds_pki, iin):
    now = timezone.now()
    return {
        "signer": eds_pki.certificate(
            iin=iin, not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=1)
        )
    }


def _not_yet_valid(eds_pki, iin):
    now = timezone.now()
    return {
        "signer": eds_pki.certificate(
            iin=iin, not_before=now + dt.timedelta(days=1), not_after=now + dt.timedelta(days=400)
        )
    }


def _unknown_ca(eds_pki, iin):
    from devtools import pki

    return {"signer": eds_pki.certificate(iin=iin, ca=pki.make_ca("Somebody Else's Root CA"))}


def _self_signed(eds_pki, iin):
    from devtools import pki

    return {"signer": pki.make_self_signed_certificate(iin=iin, key=eds_pki.citizen_key)}


def _no_iin(eds_pki, iin):
    return {"signer": eds_pki.certificate(iin=iin, include_iin=False)}


def _revoked(eds_pki, iin):
    certificate = eds_pki.certificate(iin=iin)
    eds_pki.revoke(certificate.certificate.serial_number)
    return {"signer": certificate}


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (_expired, eds.CERTIFICATE_EXPIRED),
        (_not_yet_valid, eds.CERTIFICATE_NOT_YET_VALID),
        (_unknown_ca, eds.CERTIFICATE_UNTRUSTED),
        (_self_signed, eds.CERTIFICATE_UNTRUSTED),
        (_no_iin, eds.CERTIFICATE_NO_IIN),
        (_revoked, eds.CERTIFICATE_REVOKED),
    ],
)
def test_each_bad_certificate_is_refused_at_submission_with_its_code_and_nothing_stored(
    make, code, household, eds_pki
):
    owner = citizen_account(household.owner)
    signed = signed_for(eds_pki.sign_request_for, household, **make(eds_pki, household.owner.iin))
    with pytest.raises(ValidationError) as excinfo:
        portal_submit(owner, household, signed)
    assert error_code(excinfo, "signed_request") == [code]
    assert not Application.objects.exists()
    assert not UsedNonce.objects.exists()
    assert not RegistryRecord.objects.exists()


def test_a_tampered_request_is_refused_at_submission_and_nothing_stored(household, sign_request_for):
    owner = citizen_account(household.owner)
    signed = signed_for(sign_request_for, household)
    tampered = signed.replace(household.tenant.iin.encode(), household.child.iin.encode())
    with pytest.raises(ValidationError) as excinfo:
        portal_submit(owner, household, tampered, subjects=[household.child.iin])
    assert error_code(excinfo, "signed_request") == [eds.DIGEST_MISMATCH]
    assert not Application.objects.exists()
    assert not UsedNonce.objects.exists()

"""ХҚТ ТП АЖ is append-only, and concurrent completions deregister exactly once (PostgreSQL, real threads)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from deregistration import rules
from deregistration.errors import Conflict
from deregistration.models import Application, RegistryRecord, RegistryRecordImmutable
from deregistration.services import application_complete, application_submit
from tests.conftest import citizen_account, run_at_once, submit_walk_in, walk_in_case
from tests.factories import PersonFactory, RegistrationFactory


def submit(operator, household, subjects=None, case_type="owner_application"):
    return walk_in_case(operator, household, subjects=subjects, case_type=case_type)


@pytest.fixture
def record(db, household, operator):
    application_complete(actor=operator, application=submit(operator, household))
    return RegistryRecord.objects.get()


def test_the_model_refuses_to_update_or_delete_a_record(record):
    record.basis = "changed"
    with pytest.raises(RegistryRecordImmutable):
        record.save()
    with pytest.raises(RegistryRecordImmutable):
        record.delete()


def test_an_update_through_raw_sql_fails_in_the_database(record):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE deregistration_registryrecord SET basis = 'forged' WHERE id = %s", [record.pk])
    record.refresh_from_db()
    assert record.basis != "forged"


@pytest.mark.postgres
def test_a_delete_through_raw_sql_fails_on_postgresql(record):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM deregistration_registryrecord WHERE id = %s", [record.pk])
    assert RegistryRecord.objects.filter(pk=record.pk).exists()


@pytest.mark.postgres
def test_audit_events_cannot_be_rewritten_on_postgresql(record):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE citizens_auditevent SET action = 'nothing'")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_operators_completing_one_case_give_one_record_and_one_conflict(household, operator):
    application = submit(operator, household, subjects=[household.tenant, household.child])
    outcomes = run_at_once(
        lambda: application_complete(actor=operator, application=Application.objects.get(pk=application.pk)),
        lambda: application_complete(actor=operator, application=Application.objects.get(pk=application.pk)),
    )
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    completed = [o for o in outcomes if isinstance(o, Application)]
    assert len(completed) == 1, outcomes
    assert len(conflicts) == 1, outcomes
    assert conflicts[0].code == rules.ALREADY_COMPLETED
    assert RegistryRecord.objects.count() == 2  # one per subject, once
    assert RegistryRecord.objects.filter(iin=household.tenant.iin).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_cases_naming_one_person_completed_at_once_deregister_once(household, operator):
    first = submit(operator, household)
    second = submit(operator, household, case_type="court_decision")
    outcomes = run_at_once(
        lambda: application_complete(actor=operator, application=Application.objects.get(pk=first.pk)),
        lambda: application_complete(actor=operator, application=Application.objects.get(pk=second.pk)),
    )
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(conflicts) == 1, outcomes
    assert conflicts[0].code == rules.ALREADY_DEREGISTERED
    assert RegistryRecord.objects.filter(iin=household.tenant.iin).count() == 1
    statuses = sorted(Application.objects.values_list("status", flat=True))
    assert statuses == ["completed", "submitted"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_crash_after_the_register_row_leaves_no_trace_in_a_real_transaction(
    household, operator, monkeypatch
):
    application = submit(operator, household)

    def crash(**kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr("deregistration.services.completion.audit_log", crash)
    with pytest.raises(RuntimeError):
        application_complete(actor=operator, application=application)
    application.refresh_from_db()
    assert application.status == "submitted"
    assert not RegistryRecord.objects.exists()
    assert household.tenant.registrations.get().ended_on is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_submit_with_one_key_stores_one_application(household, operator):
    def click():
        return submit_walk_in(operator, household, idempotency_key="double-click")

    outcomes = run_at_once(click, click)
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert outcomes[0].application.pk == outcomes[1].application.pk
    assert Application.objects.count() == 1


# --- the portal's case, stored and completed in one transaction ---------------------------------------------

ROUNDS = 4


def portal_submit_call(owner_user, household, signed: bytes, subject):
    def call():
        return application_submit(
            actor=owner_user,
            case_type="owner_application",
            channel="portal",
            address_code=household.dwelling.address_code,
            applicant_iin=household.owner.iin,
            subjects=[subject.iin],
            signed_request=signed.decode(),
        ).application

    return call


def signed_for(sign_request_for, household, subject) -> bytes:
    return sign_request_for(
        household.owner.iin, address_code=household.dwelling.address_code, subjects=[subject.iin]
    )


def a_resident(household):
    person = PersonFactory()
    RegistrationFactory(person=person, dwelling=household.dwelling)
    return person


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_portal_cases_naming_one_person_at_once_deregister_once_without_a_deadlock(
    household, sign_request_for
):
    """Each case locks its subject's registration before its subject row refers to it: the second waits for
    the first instead of the two deadlocking (a deadlock would be a 503 to one owner)."""
    owner = citizen_account(household.owner)
    for run in range(ROUNDS):
        person = a_resident(household)
        outcomes = run_at_once(
            portal_submit_call(owner, household, signed_for(sign_request_for, household, person), person),
            portal_submit_call(owner, household, signed_for(sign_request_for, household, person), person),
        )
        assert not [o for o in outcomes if isinstance(o, DatabaseError)], (run, outcomes)
        completed = [o for o in outcomes if isinstance(o, Application) and o.status == "completed"]
        assert len(completed) == 1, (run, outcomes)
        other = next(o for o in outcomes if o is not completed[0])
        # Refused in its transaction (it waited on the lock) or before it (the first had committed).
        if isinstance(other, Application):
            assert (other.status, other.rejection_reason_code) == ("rejected", rules.NOT_REGISTERED_HERE)
        else:
            assert isinstance(other, ValidationError), (run, outcomes)
        assert RegistryRecord.objects.filter(iin=person.iin).count() == 1, run
    call_command("verify_register", stdout=io.StringIO())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_person", [True, False], ids=["one person", "two residents"])
def test_a_portal_case_and_an_operators_completion_at_one_dwelling_at_once_never_deadlock(
    household, operator, sign_request_for, same_person
):
    """The portal's transaction takes its locks in the operators' order (the case with its applicant and
    dwelling, then the registrations, then the register's head), so PostgreSQL's foreign-key checks at COMMIT
    (a KEY SHARE lock on the applicant, the dwelling, each person) never wait for an operator who holds them
    and waits for the head in turn."""
    owner = citizen_account(household.owner)
    for run in range(ROUNDS * 2):
        person = a_resident(household)
        walk_in = submit(
            operator,
            household,
            subjects=[person if same_person else a_resident(household)],
            case_type="court_decision",
        )
        outcomes = run_at_once(
            portal_submit_call(owner, household, signed_for(sign_request_for, household, person), person),
            lambda walk_in=walk_in: application_complete(
                actor=operator, application=Application.objects.get(pk=walk_in.pk)
            ),
        )
        assert not [o for o in outcomes if isinstance(o, DatabaseError)], (run, outcomes)
        assert RegistryRecord.objects.filter(iin=person.iin).count() == 1, (run, outcomes)
    call_command("verify_register", stdout=io.StringIO())

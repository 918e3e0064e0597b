"""ХҚТ ТП АЖ is append-only, and concurrent completions deregister exactly once (PostgreSQL, real threads)."""

import pytest
from django.db import DatabaseError, connection, transaction

from deregistration import rules
from deregistration.errors import Conflict
from deregistration.models import Application, RegistryRecord, RegistryRecordImmutable
from deregistration.services import application_complete
from tests.conftest import run_at_once, submit_walk_in, walk_in_case


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

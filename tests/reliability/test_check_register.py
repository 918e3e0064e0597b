"""``manage.py check_register``: each kind of inconsistency, made by bypassing the services, is found and named by
ids only; a consistent register passes."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from citizens.models import Registration
from deregistration.models import Application, ApplicationSubject, DepartureSlip, RegistryRecord
from deregistration.slips import slip_storage
from tests.conftest import walk_in_case
from tests.reliability.tampering import REGISTER, raw

pytestmark = pytest.mark.django_db


@pytest.fixture
def completed(household, operator):
    """A completed case: the tenant deregistered with a slip."""
    return walk_in_case(operator, household, complete=True, issue_slip=True)


def check_register(*args) -> tuple[str, bool]:
    out = io.StringIO()
    try:
        call_command("check_register", *args, stdout=out)
    except CommandError:
        return out.getvalue(), False
    return out.getvalue(), True


def test_a_consistent_register_passes(completed):
    assert DepartureSlip.objects.count() == 1
    output, ok = check_register()
    assert ok, output
    assert "consistent" in output


def _reopen_registration(case, household):
    Registration.objects.filter(person=household.tenant).update(
        ended_on=None, end_reason="", ended_by_application=""
    )


def _end_registration_without_record(case, household):
    Registration.objects.filter(person=household.child).update(
        ended_on=timezone.localdate(), end_reason="owner_application", ended_by_application=case.number
    )


def _remove_record(case, household):
    ApplicationSubject.objects.update(registry_record=None)
    raw(f"DELETE FROM {REGISTER}")


def _unlink_record(case, household):
    ApplicationSubject.objects.update(registry_record=None)


def _reopen_case(case, household):
    Application.objects.filter(pk=case.pk).update(status="submitted", completed_at=None)


def _forge_record(case, household):
    record = RegistryRecord.objects.get()
    raw(f"UPDATE {REGISTER} SET registration_id = %s", [household.child.registrations.get().pk])
    assert RegistryRecord.objects.get().registration_id != record.registration_id


def _slip_not_issued(case, household):
    ApplicationSubject.objects.filter(slip__isnull=False).update(slip_status="pending")


def _slip_row_removed(case, household):
    DepartureSlip.objects.all().delete()


def _slip_file_removed(case, household):
    slip_storage().delete(DepartureSlip.objects.get().file_name)


def _slip_file_altered(case, household):
    with open(slip_storage().path(DepartureSlip.objects.get().file_name), "r+b") as stored:
        stored.seek(100)
        stored.write(b"forged")


@pytest.mark.parametrize(
    ("tamper", "codes"),
    [
        (_reopen_registration, {"record_without_ended_registration"}),
        (_end_registration_without_record, {"registration_without_record"}),
        (_remove_record, {"registration_without_record", "completed_case_without_records"}),
        (_unlink_record, {"completed_case_without_records"}),
        (_reopen_case, {"open_case_with_records", "registration_ended_by_open_case"}),
        (
            _forge_record,
            {
                "record_without_ended_registration",
                "registration_without_record",
                "completed_case_without_records",
            },
        ),
        (_slip_not_issued, {"slip_not_marked_issued"}),
        (_slip_row_removed, {"issued_slip_missing"}),
        (_slip_file_removed, {"slip_file_missing"}),
        (_slip_file_altered, {"slip_file_altered"}),
    ],
)
def test_each_inconsistency_is_found_by_ids_without_personal_data(completed, household, tamper, codes):
    tamper(completed, household)
    output, ok = check_register()
    assert not ok
    found = {line.split(":")[0] for line in output.splitlines()}
    assert found == codes, output
    for person in (household.owner, household.tenant, household.child):
        assert person.iin not in output
        assert person.last_name not in output


def test_the_ids_listed_are_the_broken_rows(completed, household):
    _unlink_record(completed, household)
    output, _ = check_register()
    assert "completed_case_without_records: 1 completed case(s)" in output
    assert output.strip().endswith(f": {completed.pk}")


def test_skip_files_leaves_the_files_unread(completed):
    _slip_file_removed(completed, None)
    assert check_register("--skip-files")[1]
    assert not check_register()[1]

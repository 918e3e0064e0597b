"""Issue 14: the log of staff reads is kept ``AUDIT_READ_RETENTION_DAYS`` (five years by default), then
``manage.py purge_read_log`` deletes it in batches; records of changes stay, and the database itself still
refuses any other delete (PostgreSQL's trigger)."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from citizens.models import AuditEvent
from citizens.retention import read_log_purge

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def event(action: str, *, age: dt.timedelta) -> AuditEvent:
    """An audit row written ``age`` ago (``at`` is set by the database's clock on insert: the clock is moved)."""
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - age):
        return AuditEvent.objects.create(action=action, object_type="citizens.person", object_id="1")


@pytest.fixture
def log():
    """Reads and writes, five years and a day old and a day old."""
    old = 1825 * DAY + DAY
    return {
        "old view": event("person.view", age=old),
        "old list": event("application.list", age=old),
        "old download": event("slip.download", age=old),
        "old write": event("application.complete", age=old),
        "recent view": event("person.view", age=DAY),
        "recent download": event("slip.download", age=DAY),
    }


def left(log) -> set[str]:
    kept = set(AuditEvent.objects.values_list("pk", flat=True))
    return {name for name, row in log.items() if row.pk in kept}


def test_the_purge_deletes_reads_past_the_retention_in_batches_and_keeps_writes_and_recent_reads(log):
    result = read_log_purge(batch_size=2)
    assert (result.rows, result.batches) == (3, 2)
    assert left(log) == {"old write", "recent view", "recent download"}
    purge = AuditEvent.objects.get(action="audit.purge_reads")
    assert (purge.details["rows"], purge.details["days"]) == (3, 1825)
    assert read_log_purge().rows == 0  # nothing more to do


def test_a_dry_run_counts_and_deletes_nothing(log):
    out = StringIO()
    call_command("purge_read_log", "--dry-run", stdout=out)
    assert out.getvalue().startswith("Dry run: 3 read record(s) older than 1825 days")
    assert left(log) == set(log)
    assert not AuditEvent.objects.filter(action="audit.purge_reads").exists()


def test_the_command_follows_the_setting_and_days_override_it(settings, log):
    settings.AUDIT_READ_RETENTION_DAYS = 36500
    out = StringIO()
    call_command("purge_read_log", stdout=out)
    assert out.getvalue().startswith("Deleted 0 read record(s) older than 36500 days")
    call_command("purge_read_log", "--days", "1", "--batch-size", "10", stdout=out)
    assert "Deleted 5 read record(s) older than 1 days" in out.getvalue()
    assert left(log) == {"old write"}


@pytest.mark.parametrize("args", [["--days", "0"], ["--batch-size", "0"]])
def test_a_retention_or_batch_below_one_is_refused(args, log):
    with pytest.raises(CommandError):
        call_command("purge_read_log", *args, stdout=StringIO())
    assert left(log) == set(log)


def _delete(row: AuditEvent, *, purge_setting: bool) -> bool:
    """Delete the row with raw SQL (bypassing the ORM) in a savepoint; whether the database let it."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if purge_setting:
                cursor.execute("SELECT set_config('citizens.purge_read_log', 'on', true)")
            cursor.execute("DELETE FROM citizens_auditevent WHERE id = %s", [row.pk])
            allowed = cursor.rowcount == 1
            cursor.execute("SELECT set_config('citizens.purge_read_log', 'off', true)")
            return allowed
    except DatabaseError:
        return False


@pytest.mark.postgres
def test_the_database_refuses_any_delete_but_a_read_within_the_purge(log):
    assert not _delete(log["old view"], purge_setting=False)
    assert not _delete(log["old write"], purge_setting=True)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE citizens_auditevent SET action = 'person.view' WHERE id = %s", [log["old write"].pk]
        )
    assert _delete(log["old view"], purge_setting=True)
    assert left(log) == set(log) - {"old view"}

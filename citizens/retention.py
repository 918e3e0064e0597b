"""How long the log of staff reads of personal data is kept, and the purge that applies it.

The audit log (``AuditEvent``) is append-only: database triggers refuse UPDATE and DELETE (``citizens.db``).
One exception, on PostgreSQL: the trigger lets a row be deleted when it records a read (``READ_ACTIONS``) and
the transaction has set ``citizens.purge_read_log`` to ``on``, which only ``read_log_purge`` does, batch by
batch. Writes (a case submitted, completed, a slip issued...) are never deleted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .audit import audit_log
from .models import AuditEvent

# The actions that record a read: one object's page, a list page, a slip downloaded.
READ_SUFFIXES = (".view", ".list")
READ_ACTIONS = ("slip.download",)
PURGE_SETTING = "citizens.purge_read_log"


@dataclass(frozen=True)
class PurgeResult:
    cutoff: dt.datetime
    rows: int
    batches: int
    dry_run: bool


def reads_older_than(cutoff: dt.datetime) -> QuerySet[AuditEvent]:
    """The read rows of the audit log written before ``cutoff``."""
    is_read = Q(action__in=READ_ACTIONS)
    for suffix in READ_SUFFIXES:
        is_read |= Q(action__endswith=suffix)
    return AuditEvent.objects.filter(is_read, at__lt=cutoff)


def read_log_purge(
    *, days: int | None = None, batch_size: int = 5000, dry_run: bool = False, actor=None
) -> PurgeResult:
    """Delete the reads older than ``days`` (``AUDIT_READ_RETENTION_DAYS`` by default), ``batch_size`` rows per
    transaction, so that a large backlog never holds one long lock. ``dry_run`` counts and deletes nothing.
    The purge itself is recorded (``audit.purge_reads``: the cutoff and the number of rows).

    Actor: the operations staff running ``manage.py purge_read_log`` (none: the system). Raises ValueError on a
    retention below one day or a batch size below one."""
    days = settings.AUDIT_READ_RETENTION_DAYS if days is None else days
    if days < 1 or batch_size < 1:
        raise ValueError("the retention and the batch size are at least 1")
    cutoff = timezone.now() - dt.timedelta(days=days)
    if dry_run:
        return PurgeResult(cutoff=cutoff, rows=reads_older_than(cutoff).count(), batches=0, dry_run=True)
    rows = batches = 0
    while True:
        with transaction.atomic():
            ids = list(reads_older_than(cutoff).order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            _allow_purge(True)
            try:
                deleted, _ = AuditEvent.objects.filter(pk__in=ids).delete()
            finally:
                _allow_purge(False)
        rows += deleted
        batches += 1
    audit_log(
        actor=actor,
        action="audit.purge_reads",
        object_type=AuditEvent._meta.label_lower,
        cutoff=cutoff.isoformat(),
        days=days,
        rows=rows,
    )
    return PurgeResult(cutoff=cutoff, rows=rows, batches=batches, dry_run=False)


def _allow_purge(on: bool) -> None:
    """PostgreSQL: tell the audit log's trigger, for this transaction only, that reads may be deleted."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [PURGE_SETTING, "on" if on else "off"])

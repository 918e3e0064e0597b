"""The ХҚТ ТП АЖ register as a hash chain: each record carries the hash of the one before it.

``hash = SHA-256(canonical JSON of the record's fields and prev_hash)``; the first record's ``prev_hash`` is
``GENESIS``. A record is appended in the transaction that writes the deregistration, under a lock on the one-row
chain head, so that concurrent completions chain one after the other. ``chain_breaks`` walks the chain in the
order of ``seq`` and names every record that was changed, removed or put in out of order, even by someone who
bypassed the append-only triggers.

Bulk loads (COPY) chain their rows themselves: lock the head (``chain_head_locked``), give each row the next
``seq``, ``prev_hash`` = the hash before it and ``hash = record_hash(row, prev_hash)`` with ``row`` holding the
``CHAINED_FIELDS`` as plain values (str, int, ``datetime.date``, an aware ``datetime.datetime``), then set the head
to the last row's ``seq`` and ``hash`` (``chain_head_move``) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import RegistryChainHead, RegistryRecord

GENESIS = "0" * 64

# The fields a record's hash covers, in the record's own words (not its database id: the chain is by ``seq``).
CHAINED_FIELDS = (
    "seq",
    "iin",
    "last_name",
    "first_name",
    "patronymic",
    "address_code",
    "kato",
    "address",
    "case_type",
    "reason",
    "basis",
    "application_number",
    "registration_id",
    "registered_on",
    "effective_date",
    "recorded_at",
    "channel",
    "operator",
)
_INTEGERS = {"seq", "registration_id"}


def _plain(name: str, value: Any) -> Any:
    if name in _INTEGERS:
        return int(value)
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            raise ValueError(f"{name} must be an aware datetime")
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def record_hash(values: Mapping[str, Any], prev_hash: str) -> str:
    """The hash of a record with these field values (``CHAINED_FIELDS``) after the record whose hash is
    ``prev_hash``: SHA-256 of sorted-key, compact, UTF-8 JSON. Plain values in, so COPY-based loads reuse it."""
    canonical = {name: _plain(name, values[name]) for name in CHAINED_FIELDS}
    canonical["prev_hash"] = prev_hash
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_head_locked() -> RegistryChainHead:
    """The chain's head, locked until the end of the caller's transaction (``SELECT … FOR UPDATE``; SQLite's
    writers are serial anyway). Made on first need from the last record (a flushed or new database)."""
    head = RegistryChainHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    last = RegistryRecord.objects.order_by("-seq").values("seq", "hash").first() or {
        "seq": 0,
        "hash": GENESIS,
    }
    try:
        with transaction.atomic():
            return RegistryChainHead.objects.create(pk=1, seq=last["seq"], hash=last["hash"])
    except IntegrityError:  # another writer made it first: wait for its lock
        return RegistryChainHead.objects.select_for_update().get(pk=1)


def chain_head_move(*, seq: int, hash: str) -> None:
    RegistryChainHead.objects.filter(pk=1).update(seq=seq, hash=hash)


def registry_record_append(**fields: Any) -> RegistryRecord:
    """Write one ХҚТ ТП АЖ record at the end of the chain. The caller's transaction holds the chain until it
    commits: a rollback leaves neither the record nor the move of the head."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a register record is appended inside the transaction of its deregistration")
    head = chain_head_locked()
    values = {**fields, "seq": head.seq + 1, "recorded_at": fields.get("recorded_at") or timezone.now()}
    digest = record_hash(values, head.hash)
    record = RegistryRecord.objects.create(**values, prev_hash=head.hash, hash=digest)
    chain_head_move(seq=record.seq, hash=digest)
    return record


# --- Verification ---------------------------------------------------------------------------------------------

CHANGED = "changed"  # the record's fields no longer give its hash
REMOVED = "removed"  # records are missing before this one (a gap in seq)
OUT_OF_ORDER = (
    "out_of_order"  # its prev_hash is not the hash of the record before it, or its id runs backwards
)
END = "end"  # the last record is not the one the chain head names (records removed from or added at the end)


@dataclass(frozen=True)
class ChainBreak:
    kind: str
    seq: int
    record_id: int | None
    detail: str = ""

    def __str__(self) -> str:
        where = f"record id {self.record_id}" if self.record_id is not None else "the chain head"
        return f"{self.kind} at seq {self.seq} ({where}){': ' + self.detail if self.detail else ''}"


def chain_breaks(
    *, chunk_size: int = 2000, progress: Callable[[int], None] | None = None
) -> Iterator[ChainBreak]:
    """Every break in the chain, in order, streaming the records by ``seq`` (server-side cursor on PostgreSQL).
    ``progress``, if given, is told how many records were checked, once per ``chunk_size`` and at the end."""
    columns = ("id", *CHAINED_FIELDS, "prev_hash", "hash")
    rows = RegistryRecord.objects.order_by("seq").values_list(*columns).iterator(chunk_size=chunk_size)
    expected_seq, previous_hash, previous_id = 1, GENESIS, 0
    checked = 0
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        seq, record_id = values["seq"], values["id"]
        if seq != expected_seq:
            yield ChainBreak(REMOVED, seq, record_id, f"seq {expected_seq} to {seq - 1} missing")
        elif values["prev_hash"] != previous_hash or record_id <= previous_id:
            yield ChainBreak(OUT_OF_ORDER, seq, record_id, "does not follow the record before it")
        if record_hash(values, values["prev_hash"]) != values["hash"]:
            yield ChainBreak(CHANGED, seq, record_id, "its fields do not give its hash")
        expected_seq, previous_hash, previous_id = seq + 1, values["hash"], record_id
        checked += 1
        if progress is not None and checked % chunk_size == 0:
            progress(checked)
    if progress is not None:
        progress(checked)
    head = RegistryChainHead.objects.filter(pk=1).values("seq", "hash").first()
    last = {"seq": expected_seq - 1, "hash": previous_hash}
    if head is None:
        if last["seq"]:
            yield ChainBreak(END, last["seq"], None, "the chain head is missing")
    elif head != last:
        yield ChainBreak(
            END,
            head["seq"],
            None,
            f"the chain head names seq {head['seq']}, the last record is seq {last['seq']}",
        )

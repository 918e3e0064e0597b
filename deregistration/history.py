"""The cases' history (django-simple-history), its rows written in bulk inside one transaction.

simple-history writes a history row on every save: a ``Model.save`` of its own, and on the way a manager class
made afresh (``HistoryDescriptor``) for each row. A portal case completed at once saves its case and each
subject twice (stored, then completed) in one transaction: inside ``history_batched()`` those rows are made as
simple-history makes them (the same fields, date, type and author) and written at the end of the block in one
INSERT per history table. Outside the block nothing changes. A block that raises writes nothing (its
transaction is rolled back anyway).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record, pre_create_historical_record

_batch: ContextVar[dict[type[models.Model], list[models.Model]] | None] = ContextVar(
    "history_batch", default=None
)


def _history_model(model: type[models.Model]) -> type[models.Model]:
    # The descriptor simple-history puts on the model holds its history model; reading it through the
    # descriptor (``Model.history.model``) would make a manager class first.
    return vars(model)[model._meta.simple_history_manager_attribute].model


class BatchedHistoricalRecords(HistoricalRecords):
    """``HistoricalRecords`` whose rows, inside ``history_batched()``, wait for the end of the block."""

    def create_historical_record(self, instance: Any, history_type: str, using: str | None = None) -> None:
        batch = _batch.get()
        history_model = _history_model(type(instance)) if batch is not None else None
        if (
            history_model is None
            or self.m2m_fields
            or hasattr(history_model, "history_relation")
            or pre_create_historical_record.has_listeners(history_model)
            or post_create_historical_record.has_listeners(history_model)
        ):
            return super().create_historical_record(instance, history_type, using=using)
        row = history_model(
            history_date=getattr(instance, "_history_date", timezone.now()),
            history_type=history_type,
            history_user=self.get_history_user(instance),
            history_change_reason=self.get_change_reason_for_object(instance, history_type, using),
            **{field.attname: getattr(instance, field.attname) for field in self.fields_included(instance)},
        )
        batch.setdefault(history_model, []).append(row)
        return None


@contextmanager
def history_batched() -> Iterator[None]:
    """Collect the history rows of the saves in the block; write them at its end, one INSERT per table, in
    the order of the saves. Inside a transaction only (the rows must commit with the saves they record)."""
    if _batch.get() is not None:  # an outer block writes them
        yield
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("history rows are batched inside the transaction of their saves")
    batch: dict[type[models.Model], list[models.Model]] = {}
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    for history_model, rows in batch.items():
        history_model.objects.bulk_create(rows)

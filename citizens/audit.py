"""The audit trail of reads and writes of personal data. One helper, called next to the change or read."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEvent


def audit_log(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    **details: str | int | bool | None,
) -> AuditEvent:
    """Record that ``actor`` did ``action`` to ``target``. Pass primitives only, never names or IINs."""
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or target.pk
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user, action=action, object_type=object_type, object_id=str(object_id), details=details
    )

"""The personal cabinet: what a citizen changes by reading (a notification marked read)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import NotFound
from ..models import Notification


def notification_mark_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark a message of the actor's own cabinet as read (once: a second call keeps the first time)."""
    if notification.recipient_id != getattr(actor, "pk", None):
        raise NotFound("not_found", _("No such notification."))
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification

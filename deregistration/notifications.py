"""The personal cabinet's messages. Stored as a kind and parameters; worded in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .constants import NotificationKind
from .models import Application, Notification

TEXTS: dict[str, tuple[Any, Any]] = {
    NotificationKind.APPLICATION_COMPLETED: (
        _("Persons deregistered from your address"),
        _(
            "Application %(number)s: the persons who did not live at your address (%(address)s) were deregistered "
            "from their place of residence: %(names)s. The data were entered into ХҚТ ТП АЖ."
        ),
    ),
    NotificationKind.YOU_WERE_DEREGISTERED: (
        _("You were deregistered from your place of residence"),
        _(
            "Under application %(number)s you were deregistered from the address %(address)s on %(date)s. "
            "Remember to register at your new place of residence."
        ),
    ),
    NotificationKind.APPLICATION_REJECTED: (
        _("Your application was refused"),
        _("Application %(number)s was refused: %(reason)s"),
    ),
    NotificationKind.CONSENT_REQUESTED: (
        _("A co-owner asks for your consent"),
        _(
            "Application %(number)s asks to deregister persons from %(address)s, which you own together with the "
            "applicant. Approve or decline it with your EDS by %(expires)s; without an answer it will be refused."
        ),
    ),
    NotificationKind.AWAITING_CONSENT: (
        _("Waiting for the co-owners"),
        _(
            "Application %(number)s waits for the consent of the other owners of %(address)s until %(expires)s."
        ),
    ),
    NotificationKind.SLIP_ISSUED: (
        _("Departure slip issued"),
        _("Departure slip %(slip)s was issued under application %(number)s."),
    ),
}


def notification_title(notification: Notification) -> str:
    return str(TEXTS[notification.kind][0])


# An emigration or a court decision is no owner's statement about who lives at the address.
COMPLETED_OTHER_CASE = _(
    "Application %(number)s is completed: %(names)s deregistered from the place of residence at %(address)s. "
    "The data were entered into ХҚТ ТП АЖ."
)


def notification_body(notification: Notification) -> str:
    template = TEXTS[notification.kind][1]
    if notification.kind == NotificationKind.APPLICATION_COMPLETED and notification.params.get(
        "case_type"
    ) not in (
        None,
        "owner_application",
    ):
        template = COMPLETED_OTHER_CASE
    try:
        return str(template) % notification.params
    except (KeyError, TypeError, ValueError):
        return str(template)


def notify(
    *, recipient: Any, kind: NotificationKind, application: Application | None, **params: str
) -> Notification | None:
    """Put a message in a user's cabinet; persons without a portal account (recipient None) get none."""
    if recipient is None:
        return None
    return Notification.objects.create(recipient=recipient, kind=kind, application=application, params=params)

"""How a case is shown to the citizen: its tracker, the time left, what to do after a refusal, slip states.

Presentation only: every value here is read off the application as the services left it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deregistration import rules
from deregistration.constants import Status, SubjectOutcome

DONE, CURRENT, TODO, SKIPPED, REFUSED = "done", "current", "todo", "skipped", "refused"
STEP_STATE_LABELS = {
    DONE: _("done"),
    CURRENT: _("now"),
    TODO: _("to come"),
    SKIPPED: _("not needed"),
    REFUSED: _("refused"),
}


@dataclass(frozen=True)
class Step:
    label: Any
    state: str
    when: dt.datetime | None = None

    @property
    def state_label(self) -> Any:
        return STEP_STATE_LABELS[self.state]


def tracker(application: Any) -> list[Step]:
    """Sent → waiting for co-owners → in progress → result."""
    status = application.status
    consents = list(application.consents.all())
    refused_at_consent = status == Status.REJECTED and application.deadline_at is None
    if not consents:
        waiting = Step(_("Waiting for co-owners"), SKIPPED)
    elif status == Status.AWAITING_CONSENT:
        waiting = Step(_("Waiting for co-owners"), CURRENT)
    elif refused_at_consent:
        waiting = Step(_("Waiting for co-owners"), REFUSED, application.decided_at)
    else:
        answered = [c.decided_at for c in consents if c.decided_at]
        waiting = Step(_("Waiting for co-owners"), DONE, max(answered) if answered else None)
    if status == Status.SUBMITTED:
        progress = Step(_("In progress"), CURRENT)
    elif status == Status.AWAITING_CONSENT or refused_at_consent:
        progress = Step(_("In progress"), SKIPPED if refused_at_consent else TODO)
    else:
        progress = Step(_("In progress"), DONE)
    if status == Status.COMPLETED:
        result = Step(_("Result: deregistered"), DONE, application.completed_at)
    elif status == Status.REJECTED:
        result = Step(_("Result: refused"), REFUSED, application.decided_at)
    else:
        result = Step(_("Result"), TODO)
    return [Step(_("Sent"), DONE, application.submitted_at), waiting, progress, result]


@dataclass(frozen=True)
class Clock:
    """The running term of an open case: what it waits for, until when, and the minutes left."""

    label: Any
    until: dt.datetime
    minutes_left: int

    @property
    def overdue(self) -> bool:
        return self.minutes_left < 0


def clock(application: Any, now: dt.datetime | None = None) -> Clock | None:
    now = now or timezone.now()
    if application.status == Status.AWAITING_CONSENT and application.consent_expires_at:
        until, label = application.consent_expires_at, _("Co-owners must answer by")
    elif application.status == Status.SUBMITTED and application.deadline_at:
        until, label = application.deadline_at, _("The 30-minute term ends at")
    else:
        return None
    seconds = (until - now).total_seconds()
    minutes = int(seconds // 60) if seconds < 0 else int(-(-seconds // 60))  # round towards "more time left"
    return Clock(label=label, until=until, minutes_left=minutes)


NEXT_STEPS = {
    rules.CO_OWNER_DECLINED: _(
        "A co-owner declined. Settle the matter with the other owners and apply again; a court decision "
        "depriving a person of the right to use the dwelling is another ground for deregistration."
    ),
    rules.CO_OWNER_CONSENT_LAPSED: _(
        "Not every co-owner answered within the hour. Apply again and ask the co-owners to answer in their "
        "personal cabinet in time, or give their consent at a State Corporation office."
    ),
    rules.NOT_REGISTERED_HERE: _(
        "The person is no longer registered at this address, so there is nothing more to do for them."
    ),
}
DEFAULT_NEXT_STEP = _(
    "You can apply again on the portal, or at any State Corporation office with your identity document and "
    "an application naming the persons."
)


def next_step(application: Any) -> Any:
    """What a refused applicant can do now."""
    return NEXT_STEPS.get(application.rejection_reason_code, DEFAULT_NEXT_STEP)


SLIP_STATUS_LABELS = {
    "not_requested": _("not requested"),
    "pending": _("being prepared"),
    "issued": _("issued"),
    "failed": _("not issued yet: ask the State Corporation to issue it"),
}


def slip_status(application: Any, subject: Any) -> str:
    """``not_requested``, ``pending``, ``issued`` or ``failed``: the subject's own when the model keeps it,
    else read off the slip and the case."""
    stored = getattr(subject, "slip_status", None)
    if isinstance(stored, str) and stored in SLIP_STATUS_LABELS:
        return stored
    if getattr(subject, "slip", None) is not None:
        return "issued"
    if not application.issue_slip:
        return "not_requested"
    if subject.outcome == SubjectOutcome.DEREGISTERED:
        return "failed"
    return "pending"


@dataclass(frozen=True)
class SubjectView:
    subject: Any
    slip_status: str

    @property
    def slip_status_label(self) -> Any:
        return SLIP_STATUS_LABELS[self.slip_status]

    @property
    def slip(self) -> Any:
        return getattr(self.subject, "slip", None)


def subjects(application: Any) -> list[SubjectView]:
    return [SubjectView(s, slip_status(application, s)) for s in application.subjects.all()]

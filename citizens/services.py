"""Writes to the population register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from .constants import RegistrationEndReason
from .models import Registration


def registrations_lock_active(*, registration_ids: Iterable[int]) -> dict[int, Registration]:
    """Lock the given registrations (in id order, so two callers never deadlock) and return them by id.

    Must run inside a transaction. A registration that has ended meanwhile is returned as it is now:
    the caller decides what an ended registration means for it.
    """
    ids = sorted(set(registration_ids))
    locked = (
        Registration.objects.select_for_update().filter(id__in=ids).order_by("id").select_related("person")
    )
    return {r.id: r for r in locked}


# No savepoint of its own: the caller holds the registration's lock, so it is inside a transaction already, and
# an error here fails that transaction as a whole.
@transaction.atomic(savepoint=False)
def registration_end(
    *,
    registration: Registration,
    ended_on: dt.date,
    reason: RegistrationEndReason,
    application_number: str = "",
) -> Registration:
    """End an active registration. The caller holds its lock; ending an ended one is a programming error."""
    if registration.ended_on is not None:
        raise ValueError(f"registration {registration.pk} has already ended")
    registration.ended_on = max(ended_on, registration.registered_on)
    registration.end_reason = reason
    registration.ended_by_application = application_number
    # The person and the dwelling do not change: validating their foreign keys would read both rows again.
    registration.full_clean(exclude=["person", "dwelling"], validate_unique=False, validate_constraints=False)
    registration.save(update_fields=["ended_on", "end_reason", "ended_by_application"])
    return registration

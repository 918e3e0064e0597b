"""Departure slips made by Celery worker processes, out of the request that completed the case.

``slips.slips_issue_later`` is what the services call: with a broker configured (``CELERY_BROKER_URL``) it has
``publish`` queue one task per slip once the case's transaction has committed (a worker never sees an
uncommitted case), and the request answers at once with ``slip_status: pending``. Without a broker it issues the
slips in the request, as the portal always did (``make run`` needs nothing else), and Celery is not imported.

The task renders, seals and stores the slip and notifies the applicant (``slips.slip_issue``). A passing failure
(rendering, sealing or storage said Unavailable; the database went away) is tried again with exponential backoff
and jitter (SLIP_RETRY_BACKOFF, SLIP_RETRY_BACKOFF_MAX), at most SLIP_MAX_RETRIES times; after the last, or
on any other error, the subject's ``slip_status`` says ``failed`` and staff issue the slip again. A task run
twice (a worker lost after the slip was stored) finds the slip issued and does nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError

from config.celery import app

from .errors import Conflict, Unavailable
from .models import ApplicationSubject
from .slips import SLIP_FAILED, failure_code, slip_issue, slip_mark_failed, slips_issue_now

logger = logging.getLogger(__name__)

ISSUE_SLIP = "deregistration.issue_slip"


def is_transient(exc: BaseException) -> bool:
    """A failure that may pass: a step outside the database (not the case's own data), or the database."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, Unavailable) and exc.code != SLIP_FAILED


def retry_delay(retries: int) -> int:
    """Seconds before the next try after ``retries`` tries again: exponential, capped, with full jitter."""
    return get_exponential_backoff_interval(
        factor=settings.SLIP_RETRY_BACKOFF,
        retries=retries,
        maximum=settings.SLIP_RETRY_BACKOFF_MAX,
        full_jitter=True,
    )


@app.task(bind=True, name=ISSUE_SLIP, max_retries=None, acks_late=True, ignore_result=True)
def issue_slip(self, subject_id: int, actor_id: int | None = None) -> str | None:
    """Issue one subject's departure slip; the slip's number, or None when there is nothing (more) to do."""
    max_retries = settings.SLIP_MAX_RETRIES
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id is not None else None
    subject = ApplicationSubject.objects.filter(pk=subject_id).first()
    if subject is None:
        logger.error("departure slip task: subject %s does not exist", subject_id)
        return None
    try:
        slip = slip_issue(actor=actor, subject=subject, check_role=False, record_failure=False)
    except Conflict:
        return None  # issued meanwhile (a retry, a second delivery, staff), or not deregistered
    except Exception as exc:
        if is_transient(exc) and self.request.retries < max_retries:
            delay = retry_delay(self.request.retries)
            logger.warning(
                "departure slip for subject %s failed (%s); try %s of %s in %s s",
                subject_id,
                failure_code(exc),
                self.request.retries + 2,
                max_retries + 1,
                delay,
            )
            raise self.retry(exc=exc, countdown=delay) from exc
        slip_mark_failed(subject_id=subject_id, code=failure_code(exc))
        logger.error("departure slip for subject %s was not issued; staff can issue it again", subject_id)
        raise
    return slip.number


def publish(*, actor: Any, subject_ids: list[int]) -> None:
    """Queue one task per slip (called once the case's transaction has committed)."""
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    for subject_id in subject_ids:
        try:
            issue_slip.apply_async(args=(subject_id, actor_id))
        except Exception:
            # The broker is down: make the slip here rather than leave it pending with no task behind it.
            logger.exception("departure slip for subject %s could not be queued; issuing it now", subject_id)
            slips_issue_now(actor=actor, subject_ids=[subject_id])

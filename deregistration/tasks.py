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

Time limits: a task still running after SLIP_TASK_SOFT_TIME_LIMIT seconds gets Celery's soft limit raised inside
it and is tried again like a passing failure; one that does not return by SLIP_TASK_TIME_LIMIT seconds (stuck
where no Python exception reaches: inside Pango or another C library) has its pool process killed by the worker,
which replaces it, and ``SlipTask.on_failure`` (run by the worker's main process) records ``slip_timed_out``.
Either way the render lock dies with the process or is released by the exception, and nothing half-made is
stored: the slip's row is written only after the file (slips._make_slip).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError

from config.celery import app
from config.faults import fault_point

from .errors import Conflict, Unavailable
from .models import ApplicationSubject
from .slips import SLIP_FAILED, failure_code, slip_issue, slip_mark_failed, slips_issue_now

logger = logging.getLogger(__name__)

ISSUE_SLIP = "deregistration.issue_slip"
SLIP_TIMED_OUT = "slip_timed_out"


def timed_out(exc: BaseException) -> bool:
    """The soft time limit ended the task, directly or inside one of the slip's steps (which wraps it)."""
    return isinstance(exc, SoftTimeLimitExceeded) or isinstance(exc.__cause__, SoftTimeLimitExceeded)


def is_transient(exc: BaseException) -> bool:
    """A failure that may pass: a step outside the database (not the case's own data), the database, or a try
    that ran out of time."""
    if isinstance(exc, OperationalError | InterfaceError) or timed_out(exc):
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


class SlipTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        """After the hard time limit the pool process is gone without a word: record the failure for it (the
        worker's main process calls this), so that the slip is not left ``pending`` with no task behind it."""
        if isinstance(exc, TimeLimitExceeded) and args:
            slip_mark_failed(subject_id=args[0], code=SLIP_TIMED_OUT)
            logger.error(
                "departure slip for subject %s: the task ran past its time limit and was stopped; "
                "staff can issue it again",
                args[0],
            )


@app.task(
    base=SlipTask,
    bind=True,
    name=ISSUE_SLIP,
    max_retries=None,
    acks_late=True,
    ignore_result=True,
    soft_time_limit=settings.SLIP_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.SLIP_TASK_TIME_LIMIT,
)
def issue_slip(self, subject_id: int, actor_id: int | None = None) -> str | None:
    """Issue one subject's departure slip; the slip's number, or None when there is nothing (more) to do."""
    max_retries = settings.SLIP_MAX_RETRIES
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id is not None else None
    subject = ApplicationSubject.objects.filter(pk=subject_id).first()
    if subject is None:
        logger.error("departure slip task: subject %s does not exist", subject_id)
        return None
    try:
        fault_point("slip_task")  # the time-limit tests' stall; inert outside config.settings.faults
        slip = slip_issue(actor=actor, subject=subject, check_role=False, record_failure=False)
    except Conflict:
        return None  # issued meanwhile (a retry, a second delivery, staff), or not deregistered
    except Exception as exc:
        code = SLIP_TIMED_OUT if timed_out(exc) else failure_code(exc)
        if is_transient(exc) and self.request.retries < max_retries:
            delay = retry_delay(self.request.retries)
            logger.warning(
                "departure slip for subject %s failed (%s); try %s of %s in %s s",
                subject_id,
                code,
                self.request.retries + 2,
                max_retries + 1,
                delay,
            )
            raise self.retry(exc=exc, countdown=delay) from exc
        slip_mark_failed(subject_id=subject_id, code=code)
        logger.error("departure slip for subject %s was not issued; staff can issue it again", subject_id)
        raise
    return slip.number


def publish(*, actor: Any, subject_ids: list[int]) -> None:
    """Queue one task per slip (called once the case's transaction has committed)."""
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    for subject_id in subject_ids:
        try:
            # The limits travel in the message (the settings of the process that queues the task rule).
            issue_slip.apply_async(
                args=(subject_id, actor_id),
                soft_time_limit=settings.SLIP_TASK_SOFT_TIME_LIMIT,
                time_limit=settings.SLIP_TASK_TIME_LIMIT,
            )
        except Exception:
            # The broker is down: make the slip here rather than leave it pending with no task behind it.
            logger.exception("departure slip for subject %s could not be queued; issuing it now", subject_id)
            slips_issue_now(actor=actor, subject_ids=[subject_id])

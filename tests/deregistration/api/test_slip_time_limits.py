"""The slip task's time limits: a slow try is interrupted and tried again; a stuck one is killed and its slip
recorded as failed (``slip_timed_out``), never left ``pending`` with no task behind it.

The worker tests run a real prefork worker (``celery_worker.running_worker``) under ``config.settings.faults``,
where the task's fault point can make a try sleep (what Celery's soft limit interrupts) or hang deaf to every
exception (a stall inside C code, which only the hard limit's kill ends)."""

from __future__ import annotations

import pytest
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.core.checks import run_checks

from deregistration import pdf
from deregistration.models import ApplicationSubject, DepartureSlip
from deregistration.slips import slip_issue
from deregistration.tasks import SLIP_TIMED_OUT, issue_slip

from .celery_worker import redis_unreachable_reason, running_worker, wait_while_pending
from .test_slip_tasks import assert_slip_made_and_notified, complete_through_the_portal


def test_the_task_carries_the_configured_time_limits(settings):
    assert issue_slip.soft_time_limit == settings.SLIP_TASK_SOFT_TIME_LIMIT
    assert issue_slip.time_limit == settings.SLIP_TASK_TIME_LIMIT
    assert 0 < issue_slip.soft_time_limit < issue_slip.time_limit


@pytest.mark.parametrize(("soft", "hard"), [(120, 120), (200, 120), (0, 120)])
def test_a_soft_limit_not_below_the_hard_one_fails_the_checks(settings, soft, hard):
    settings.SLIP_TASK_SOFT_TIME_LIMIT, settings.SLIP_TASK_TIME_LIMIT = soft, hard
    errors = [error for error in run_checks() if error.id == "deregistration.E160"]
    assert len(errors) == 1
    assert "SLIP_TASK_SOFT_TIME_LIMIT" in errors[0].msg


def test_sound_time_limits_pass_the_checks(settings):
    settings.SLIP_TASK_SOFT_TIME_LIMIT, settings.SLIP_TASK_TIME_LIMIT = 60, 120
    assert not [error for error in run_checks() if error.id == "deregistration.E160"]


@pytest.fixture
def render_timing_out(monkeypatch, settings, eager, django_capture_on_commit_callbacks):
    """Rendering raises Celery's soft time limit on its first ``times`` calls (as Celery does inside a task that
    ran too long); the task runs eagerly, with SLIP_MAX_RETRIES tries again."""
    real = pdf.render_slip_pdf
    state = {"times": 0, "calls": 0}

    def render(data, **kwargs):
        state["calls"] += 1
        if state["calls"] <= state["times"]:
            raise SoftTimeLimitExceeded()
        return real(data, **kwargs)

    monkeypatch.setattr(pdf, "render_slip_pdf", render)
    settings.SLIP_RETRY_BACKOFF = 0
    return state


def test_a_try_past_the_soft_limit_is_tried_again_and_the_slip_is_made(
    render_timing_out,
    settings,
    owner_user,
    home,
    sign_request_for,
    operator,
    django_capture_on_commit_callbacks,
):
    render_timing_out["times"] = 1
    settings.SLIP_MAX_RETRIES = 2
    with django_capture_on_commit_callbacks(execute=True):
        application = complete_through_the_portal(owner_user, home, sign_request_for)
    assert render_timing_out["calls"] == 2
    assert_slip_made_and_notified(application, home, operator, owner_user)


def test_every_try_past_the_soft_limit_ends_as_timed_out(
    render_timing_out, settings, owner_user, home, sign_request_for, django_capture_on_commit_callbacks
):
    render_timing_out["times"] = 99
    settings.SLIP_MAX_RETRIES = 1
    with django_capture_on_commit_callbacks(execute=True):
        application = complete_through_the_portal(owner_user, home, sign_request_for)
    assert render_timing_out["calls"] == 2
    subject = ApplicationSubject.objects.get(application__number=application["number"])
    assert (subject.slip_status, subject.slip_error) == ("failed", SLIP_TIMED_OUT)
    assert not DepartureSlip.objects.exists()


def test_past_the_hard_limit_the_worker_records_the_slip_as_timed_out(
    eager, owner_user, home, sign_request_for, settings, django_capture_on_commit_callbacks
):
    """What the worker's main process runs once it has killed a pool process stuck past the hard limit."""
    settings.CELERY_BROKER_URL = ""  # the slip is made in the request; then pretend a task for it got stuck
    application = complete_through_the_portal(owner_user, home, sign_request_for)
    subject = ApplicationSubject.objects.get(application__number=application["number"])
    ApplicationSubject.objects.filter(pk=subject.pk).update(slip_status="pending")
    DepartureSlip.objects.filter(subject=subject).delete()

    issue_slip.on_failure(TimeLimitExceeded(120), "task-id", (subject.pk, None), {}, None)
    subject.refresh_from_db()
    assert (subject.slip_status, subject.slip_error) == ("failed", SLIP_TIMED_OUT)

    issue_slip.on_failure(RuntimeError("another failure"), "task-id", (subject.pk, None), {}, None)
    subject.refresh_from_db()
    assert subject.slip_error == SLIP_TIMED_OUT  # other failures are recorded by the task itself


# --- A real worker process -------------------------------------------------------------------------------------


@pytest.fixture
def stalling_worker(settings, celery_app, seal_files, tmp_path):
    """A worker under config.settings.faults with short time limits; returns (arm, process, log): ``arm(action)``
    makes the next slip task's try ``sleep`` or ``hang``. The limits travel in each task's message, from the
    settings of the process that queues it (here, this one), so they are set on both sides."""
    reason = redis_unreachable_reason()
    if reason:
        pytest.skip(reason)
    armed = tmp_path / "fault-at"
    settings.SLIP_TASK_SOFT_TIME_LIMIT, settings.SLIP_TASK_TIME_LIMIT = 2, 4
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.faults",
        "FAULT_KILL_FILE": str(armed),
        "SLIP_TASK_SOFT_TIME_LIMIT": "2",
        "SLIP_TASK_TIME_LIMIT": "4",
        "SLIP_RETRY_BACKOFF": "0",
        "SLIP_MAX_RETRIES": "2",
    }
    with running_worker(settings, celery_app, env) as (process, log):
        yield (lambda action: armed.write_text(f"{action}:slip_task")), process, log, armed


def slip_after_a_stall(stalling_worker, action, owner_user, home, sign_request_for):
    """A portal case asking for a slip, its slip task's first try made to ``action`` (sleep or hang); returns
    the application, its subject once the slip is no longer pending, the worker process and its log."""
    arm, process, log, armed = stalling_worker
    arm(action)
    application = complete_through_the_portal(owner_user, home, sign_request_for)
    subject = ApplicationSubject.objects.get(application__number=application["number"])
    return application, wait_while_pending(subject, process), process, log, armed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_interrupts_a_slow_try_and_makes_the_slip_on_the_next(
    stalling_worker, owner_user, home, sign_request_for, operator
):
    application, subject, _, log, armed = slip_after_a_stall(
        stalling_worker, "sleep", owner_user, home, sign_request_for
    )
    assert subject.slip_status == "issued", log.read_text()[-3000:]
    assert not armed.exists()  # the fault fired: the first try slept until the soft limit
    text = log.read_text()
    assert "Soft time limit (2s) exceeded" in text
    assert f"failed ({SLIP_TIMED_OUT}); try 2 of 3" in text
    assert_slip_made_and_notified(application, home, operator, owner_user)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_kills_a_stuck_try_and_the_slip_is_failed_not_pending(
    stalling_worker, owner_user, home, sign_request_for, operator
):
    _, subject, process, log, _ = slip_after_a_stall(
        stalling_worker, "hang", owner_user, home, sign_request_for
    )
    assert (subject.slip_status, subject.slip_error) == ("failed", SLIP_TIMED_OUT), log.read_text()[-3000:]
    assert "Hard time limit (4s) exceeded" in log.read_text()
    assert not DepartureSlip.objects.filter(subject=subject).exists()
    assert process.poll() is None  # the worker lives on, with a new pool process

    slip = slip_issue(actor=operator, subject=subject)  # staff issue it again
    subject.refresh_from_db()
    assert (subject.slip_status, subject.slip_error, slip.subject_id) == ("issued", "", subject.pk)

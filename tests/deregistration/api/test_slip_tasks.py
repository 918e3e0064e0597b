"""Slips out of the request: with a broker, completing a case answers ``slip_status: pending`` and a Celery
worker makes the slip; without one, the slip is made in the request (the fallback ``make run`` relies on).

The worker test starts a real ``celery -A config worker --pool=prefork`` process on the real Redis at
127.0.0.1:6379 and the test's PostgreSQL database; the other tests run the same task eagerly, in-process."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from deregistration import pdf
from deregistration.constants import NotificationKind
from deregistration.models import ApplicationSubject, DepartureSlip, Notification
from deregistration.slips import slip_issue, slip_pdf, slip_storage

from .celery_worker import redis_unreachable_reason, running_worker, wait_while_pending
from .conftest import API, client_for, portal_body


def text_of(document: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(document)).pages)


def complete_through_the_portal(owner_user, home, sign_request_for) -> dict:
    """The owner's signed portal case asking for a slip, posted to the API: completed in the same request."""
    response = client_for(owner_user).post(
        f"{API}/applications/", portal_body(sign_request_for, home, issue_slip=True), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "completed"
    return body


def assert_slip_made_and_notified(application: dict, home, operator, owner_user) -> None:
    subject = ApplicationSubject.objects.get(application__number=application["number"])
    assert subject.slip_status == "issued"
    slip = DepartureSlip.objects.get(subject=subject)
    text = text_of(slip_pdf(actor=operator, slip=slip))
    assert slip.number in text
    assert home.tenant.iin in text
    assert Notification.objects.filter(
        recipient=owner_user,
        kind=NotificationKind.SLIP_ISSUED,
        application__number=application["number"],
    ).exists()


def test_without_a_broker_the_slip_is_made_in_the_request(
    owner_user, home, sign_request_for, operator, settings
):
    settings.CELERY_BROKER_URL = ""
    application = complete_through_the_portal(owner_user, home, sign_request_for)
    [subject] = application["subjects"]
    assert subject["slip_status"] == "issued"
    assert subject["slip_number"]
    assert_slip_made_and_notified(application, home, operator, owner_user)


def test_with_a_broker_completion_answers_pending_and_the_task_makes_the_slip(
    owner_user, home, sign_request_for, operator, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as queued:
        application = complete_through_the_portal(owner_user, home, sign_request_for)
        # Answered before the commit's callbacks ran: nothing rendered yet.
        assert [(s["slip_status"], s["slip_number"]) for s in application["subjects"]] == [("pending", None)]
        assert not DepartureSlip.objects.exists()
    assert len(queued) == 1
    assert_slip_made_and_notified(application, home, operator, owner_user)


@pytest.fixture
def portal_case_with_flaky_render(
    monkeypatch, settings, eager, owner_user, home, sign_request_for, django_capture_on_commit_callbacks
):
    """Complete a portal case through the API while the real renderer fails its first ``fail`` calls; the
    slip task runs eagerly with ``max_retries``. Returns the application and how often rendering was tried."""
    real = pdf.render_slip_pdf
    state = {"fail": 0, "calls": 0}

    def render(data, **kwargs):
        state["calls"] += 1
        if state["calls"] <= state["fail"]:
            raise OSError("Pango is out of memory")
        return real(data, **kwargs)

    def complete(*, fail: int, max_retries: int):
        monkeypatch.setattr(pdf, "render_slip_pdf", render)
        settings.SLIP_MAX_RETRIES = max_retries
        state.update(fail=fail, calls=0)
        with django_capture_on_commit_callbacks(execute=True):
            application = complete_through_the_portal(owner_user, home, sign_request_for)
        return application, state["calls"]

    return complete


def test_a_passing_failure_is_tried_again_and_the_slip_is_made(
    portal_case_with_flaky_render, home, operator, owner_user
):
    application, tries = portal_case_with_flaky_render(fail=2, max_retries=3)
    assert tries == 3
    assert_slip_made_and_notified(application, home, operator, owner_user)


def test_after_the_last_try_the_slip_is_failed_and_staff_issue_it_again(
    portal_case_with_flaky_render, operator, monkeypatch
):
    application, tries = portal_case_with_flaky_render(fail=10, max_retries=2)
    assert tries == 3  # the first try and two more
    subject = ApplicationSubject.objects.get(application__number=application["number"])
    assert (subject.slip_status, subject.slip_error) == ("failed", "slip_render_failed")
    assert subject.application.status == "completed"
    assert not DepartureSlip.objects.exists()
    assert not list(Path(slip_storage().location).glob("*"))

    monkeypatch.undo()  # rendering works again
    slip = slip_issue(actor=operator, subject=subject)
    assert slip.number in text_of(slip_pdf(actor=operator, slip=slip))


def test_a_broker_that_is_down_makes_the_slip_in_the_request(
    owner_user, home, sign_request_for, operator, settings, celery_app, django_capture_on_commit_callbacks
):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    celery_app.conf.update(broker_url=settings.CELERY_BROKER_URL, task_always_eager=False)
    with django_capture_on_commit_callbacks(execute=True):
        application = complete_through_the_portal(owner_user, home, sign_request_for)
    assert_slip_made_and_notified(application, home, operator, owner_user)


# --- A real worker process -----------------------------------------------------------------------------------


@pytest.fixture
def worker(settings, celery_app, seal_files):
    """``celery -A config worker --pool=prefork`` on a queue of its own, on the test's database and folders."""
    reason = redis_unreachable_reason()
    if reason:
        pytest.skip(reason)
    with running_worker(settings, celery_app) as (process, log):
        yield process, log


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_makes_the_slip_after_the_api_answered_pending(
    worker, owner_user, home, sign_request_for, operator
):
    process, log = worker
    application = complete_through_the_portal(owner_user, home, sign_request_for)
    assert [s["slip_status"] for s in application["subjects"]] == ["pending"]

    subject = ApplicationSubject.objects.get(application__number=application["number"])
    subject = wait_while_pending(subject, process)
    assert subject.slip_status == "issued", log.read_text()[-3000:]
    assert_slip_made_and_notified(application, home, operator, owner_user)
    detail = client_for(owner_user).get(f"{API}/applications/{application['number']}/").json()
    assert detail["subjects"][0]["slip_status"] == "issued"

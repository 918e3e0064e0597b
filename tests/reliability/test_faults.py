"""Faults against real processes on PostgreSQL: a gunicorn worker killed with SIGKILL between the register write and
the commit, and the database going away in the middle of a request. Each time a case is done whole or not at
all, and a retry completes it once."""

from __future__ import annotations

import io

import pytest
import requests
from django.core.management import call_command
from django.test import Client

from deregistration.models import RegistryChainHead, RegistryRecord
from deregistration.tokens import api_token_issue
from tests.conftest import walk_in_case
from tests.factories import PersonFactory, RegistrationFactory
from tests.reliability.servers import CuttableProxy, Gunicorn, database_url_for_tests

pytestmark = [pytest.mark.postgres, pytest.mark.faults, pytest.mark.django_db(transaction=True)]

KILL_RUNS = 20


@pytest.fixture(scope="module")
def kill_file(tmp_path_factory):
    return tmp_path_factory.mktemp("faults") / "kill-at"


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, kill_file, tmp_path_factory):
    """One gunicorn for the module (2 sync workers; the master replaces a killed one)."""
    with django_db_blocker.unblock():
        url = database_url_for_tests()
    gunicorn = Gunicorn(tmp_path_factory.mktemp("logs"), database_url=url, FAULT_KILL_FILE=str(kill_file))
    yield gunicorn
    gunicorn.stop()


@pytest.fixture(scope="module")
def proxy():
    from django.db import connection

    db = connection.settings_dict
    proxy = CuttableProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def server_behind_proxy(django_db_setup, django_db_blocker, proxy, tmp_path_factory):
    with django_db_blocker.unblock():
        url = database_url_for_tests(port=proxy.port)
    gunicorn = Gunicorn(tmp_path_factory.mktemp("logs"), database_url=url, workers=1)
    yield gunicorn
    gunicorn.stop()


def a_resident(household):
    person = PersonFactory()
    RegistrationFactory(person=person, dwelling=household.dwelling)
    return person


def complete(server, token, application):
    return requests.post(
        f"{server.base}/api/v1/applications/{application.number}/complete/",
        headers={"Authorization": f"Token {token}"},
        timeout=30,
    )


def state(application, person) -> str:
    """``untouched``, ``done`` or a description of a half-done case."""
    application.refresh_from_db()
    registration = person.registrations.get()
    records = RegistryRecord.objects.filter(registration_id=registration.pk).count()
    if application.status == "submitted" and registration.ended_on is None and records == 0:
        return "untouched"
    if application.status == "completed" and registration.ended_on is not None and records == 1:
        return "done"
    return f"half done: {application.status}, ended {registration.ended_on}, {records} record(s)"


def assert_register_sound():
    for command in ("check_register", "verify_register"):
        call_command(command, stdout=io.StringIO())  # raises CommandError on any problem


def test_a_worker_killed_after_the_register_write_leaves_the_case_untouched_and_a_retry_completes_it(
    server, kill_file, household, operator
):
    token = api_token_issue(user=operator)
    for run in range(KILL_RUNS):
        person = a_resident(household)
        application = walk_in_case(operator, household, subjects=[person])
        head_before = RegistryChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
        kill_file.write_text("register_written")
        with pytest.raises(requests.ConnectionError):
            complete(server, token, application)
        assert not kill_file.exists(), f"run {run}: the worker did not reach the kill point"
        assert state(application, person) == "untouched", run
        assert (
            RegistryChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
        ) == head_before

        retried = complete(server, token, application)
        assert retried.status_code == 200, (run, retried.text)
        assert state(application, person) == "done", run
        again = complete(server, token, application)
        assert (again.status_code, again.json()["code"]) == (409, "already_completed"), run
    assert RegistryRecord.objects.count() == KILL_RUNS
    assert_register_sound()


def test_the_database_going_away_mid_request_answers_503_and_the_next_request_succeeds(
    server_behind_proxy, proxy, household, operator
):
    server = server_behind_proxy
    token = api_token_issue(user=operator)
    browser = Client()
    browser.force_login(operator)
    session = {"sessionid": browser.cookies["sessionid"].value}
    person = a_resident(household)
    application = walk_in_case(operator, household, subjects=[person])

    proxy.cut_when(b'INSERT INTO "deregistration_registryrecord"')
    answer = complete(server, token, application)
    assert proxy.cut_happened.is_set()
    assert answer.status_code == 503, answer.text
    assert answer.json()["code"] == "service_unavailable"
    assert int(answer.headers["Retry-After"]) > 0
    assert state(application, person) == "untouched"

    # While it is away: JSON under /api/, a page elsewhere (the session is looked up in a middleware).
    api = requests.get(f"{server.base}/api/v1/me/", headers={"Authorization": f"Token {token}"}, timeout=30)
    assert (api.status_code, api.json()["code"]) == (503, "service_unavailable")
    page = requests.get(f"{server.base}/admin/", cookies=session, timeout=30)
    assert page.status_code == 503
    assert page.headers["Content-Type"].startswith("text/html")
    assert "Service temporarily unavailable" in page.text
    assert "Retry-After" in page.headers
    assert "Content-Security-Policy" in page.headers  # the answer went through the security middlewares

    proxy.restore()
    assert complete(server, token, application).status_code == 200
    assert state(application, person) == "done"
    assert requests.get(f"{server.base}/admin/", cookies=session, timeout=30).status_code == 200
    assert_register_sound()

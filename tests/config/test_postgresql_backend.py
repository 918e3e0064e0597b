"""``config.postgresql``: a persistent connection's health check only after a second idle, and a dead one still
replaced before a request uses it."""

from __future__ import annotations

import pytest
from django.db import connection, connections

from config.postgresql import base

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL; run with DATABASE_URL set"
    ),
]


@pytest.fixture
def checks(monkeypatch):
    """The health checks made (``is_usable`` calls), counted."""
    made = []
    original = base.DatabaseWrapper.is_usable

    def counting(self):
        made.append(self.alias)
        return original(self)

    monkeypatch.setattr(base.DatabaseWrapper, "is_usable", counting)
    return made


def _default():
    return connections["default"]


def _request():
    """What each request does with the connection: Django's check at its start, then a query."""
    _default().close_if_unusable_or_obsolete()
    with _default().cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_the_postgresql_engine_is_this_backend():
    assert isinstance(_default(), base.DatabaseWrapper)
    assert _default().health_check_enabled


def test_a_connection_used_a_moment_ago_is_not_checked_again(checks):
    first = _request()
    for _ in range(5):
        assert _request() == first
    assert checks == []


def test_a_connection_idle_for_a_second_is_checked(checks, monkeypatch):
    _request()
    monkeypatch.setattr(
        connection, "last_checked_at", connection.last_checked_at - base.HEALTH_CHECK_AFTER_IDLE
    )
    _request()
    assert checks == ["default"]
    _request()
    assert checks == ["default"]  # and then not again, a moment later


def test_a_connection_that_died_while_idle_is_replaced_before_the_request_uses_it(monkeypatch):
    before = _request()
    killer = base.DatabaseWrapper(_default().settings_dict, alias="killer")
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [before])
    finally:
        killer.close()
    monkeypatch.setattr(
        connection, "last_checked_at", connection.last_checked_at - base.HEALTH_CHECK_AFTER_IDLE
    )
    after = _request()  # no error: the dead connection was found by the check and replaced
    assert after != before

"""Raw SQL as someone with database rights who bypasses the register's append-only triggers."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection

REGISTER = "deregistration_registryrecord"


@contextmanager
def triggers_bypassed(table: str = REGISTER):
    """Within the test's transaction: PostgreSQL disables every trigger of ``table`` (superuser), SQLite drops
    its UPDATE trigger; both come back when the test's transaction rolls back (DDL is transactional in both)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        else:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_update")
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")


def raw(sql: str, params=()) -> None:
    with triggers_bypassed() as cursor:
        cursor.execute(sql, params)

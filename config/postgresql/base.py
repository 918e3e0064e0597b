"""Django's PostgreSQL backend, whose health check of a persistent connection is skipped while the connection
was used moments ago, and which keeps the names of the statements prepared on its connection.

With ``CONN_HEALTH_CHECKS``, Django sends ``SELECT 1`` before the first query of every request that reuses a
connection, so that a connection that died while idle (the server restarted, a firewall dropped it) is replaced
instead of failing the request. That is one more round trip to PostgreSQL on every API request: as many as the
token lookup itself (docs/benchmarks.md, "Requests under gunicorn").

Here the check is made only when the connection has not been used for ``HEALTH_CHECK_AFTER_IDLE`` seconds. A
server restart takes longer than that (and while it lasts every request fails whatever is checked), and an idle
timeout is longer still, so the connections it kills are checked and replaced as before. Only a connection that
dies within a second of its last use (a backend killed by hand) fails the one request that finds it, with the
503 of ``config.availability``; Django then closes it and the next request connects afresh.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db.backends.postgresql import base

HEALTH_CHECK_AFTER_IDLE = 1.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    last_checked_at: float | None = None
    # The precompiled queries' statements on this connection (deregistration.precompiled): a name → True once
    # prepared, or a count of its runs before; None when statements are not to be prepared. A new connection
    # has none.
    prepared_statements: dict[str, bool | int] | None = None

    def close_if_health_check_failed(self) -> None:
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        now = time.monotonic()
        if self.last_checked_at is not None and now - self.last_checked_at < HEALTH_CHECK_AFTER_IDLE:
            self.health_check_done = True
        else:
            super().close_if_health_check_failed()
        # The moment this request first used the connection (checked or not); None once it was closed.
        self.last_checked_at = now if self.connection is not None else None

    def connect(self) -> None:
        super().connect()
        self.last_checked_at = time.monotonic()
        self.prepared_statements = {} if getattr(settings, "DATABASE_PREPARED_STATEMENTS", True) else None

"""A real ``celery -A config worker --pool=prefork`` process for the tests, on the real Redis at 127.0.0.1:6379
(``TEST_REDIS_URL``), a queue of its own, the test's PostgreSQL database and folders."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_unreachable_reason() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        return f"Redis is not reachable at {REDIS_URL} ({exc}); start redis-server to run the worker test"
    return None


@contextmanager
def running_worker(settings, celery_app, extra_env: dict[str, str] | None = None) -> Iterator[tuple]:
    """Start the worker (``extra_env`` on top of the test's settings), yield ``(process, log path)``, stop it."""
    queue = f"slips-test-{uuid.uuid4().hex[:12]}"
    settings.CELERY_BROKER_URL = REDIS_URL
    celery_app.conf.update(broker_url=REDIS_URL, task_always_eager=False, task_default_queue=queue)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "DEREG_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SLIP_SEAL_CERT": settings.SLIP_SEAL_CERT,
        "SLIP_SEAL_KEY": settings.SLIP_SEAL_KEY,
        "SLIP_SEAL_CHAIN": settings.SLIP_SEAL_CHAIN,
        "CONN_MAX_AGE": "0",
        **(extra_env or {}),
    }
    command = [
        *(sys.executable, "-m", "celery", "-A", "config", "-b", REDIS_URL, "worker"),
        *("--pool=prefork", "--concurrency=1", "-Q", queue, "--loglevel=INFO"),
        *("--without-gossip", "--without-mingle", "--without-heartbeat"),
    ]
    log = settings.MEDIA_ROOT.parent / f"worker-{queue}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # warm shutdown of the worker and its pool
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        client.delete(queue, f"_kombu.binding.{queue}")


def wait_while_pending(subject, process, seconds: float = 90):
    """``subject`` read again until its slip is no longer ``pending`` (or the worker died, or time ran out)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        subject.refresh_from_db()
        if subject.slip_status != "pending":
            break
        time.sleep(0.25)
    return subject

"""Issue 9, item 8: no IIN in any log line. The logs are read as the processes write them: Django's handlers
(a request line, a message with arguments, a traceback) and gunicorn's access and error logs."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from config.logmask import MASK, MaskIdentifiers, mask
from tests.config.test_settings import ROOT

IIN = "800315300018"


def test_the_mask_replaces_exactly_twelve_digit_runs():
    assert mask(f"/subjects/{IIN}/slip/?iin={IIN}") == f"/subjects/{MASK}/slip/?iin={MASK}"
    assert (
        mask("DR-20261127-K7Q29X 1733000000000 12345678901") == "DR-20261127-K7Q29X 1733000000000 12345678901"
    )


def test_every_handler_of_the_django_process_masks():
    handlers = [
        h
        for name in ("", "django", "django.server", "django.request")
        for h in logging.getLogger(name).handlers
    ]
    handlers = [h for h in handlers if not type(h).__module__.startswith("_pytest")]  # pytest's own capture
    assert handlers
    for handler in handlers:
        assert any(isinstance(f, MaskIdentifiers) for f in handler.filters), handler


DJANGO_LOGS = f"""
import logging
from django.test import Client
logging.getLogger("deregistration").warning("slip for %s failed", "{IIN}")
try:
    raise ValueError("no person {IIN}")
except ValueError:
    logging.getLogger("deregistration").exception("import failed")
logging.getLogger("django.server").info('"GET /api/v1/registry-records/?iin={IIN} HTTP/1.1" 401 58')
Client().post("/api/v1/applications/DR-20260101-AAAAAA/subjects/{IIN}/slip/")
Client().get("/api/v1/registry-records/", {{"iin": "{IIN}"}})
print("done")
"""


def test_django_log_lines_carry_no_iin():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", DJANGO_LOGS],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.base", "ALLOWED_HOSTS": "testserver"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "done" in result.stdout, result.stderr
    logs = result.stderr
    assert IIN not in logs, logs
    for line in (
        f"slip for {MASK} failed",
        f"ValueError: no person {MASK}",
        f"?iin={MASK}",
        f"Unauthorized: /api/v1/applications/DR-20260101-AAAAAA/subjects/{MASK}/slip/",
    ):
        assert line in logs, (line, logs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_access_and_error_logs_carry_no_iin():
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        ALLOWED_HOSTS="127.0.0.1",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(100):
            try:
                urllib.request.urlopen(base + "/api/v1/me/", timeout=2)  # noqa: S310 - a local test server
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.2)
        for path in (
            f"/api/v1/registry-records/?iin={IIN}",
            f"/api/v1/applications/DR-20260101-AAAAAA/subjects/{IIN}/slip/",
        ):
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(base + path, timeout=10)  # noqa: S310
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    logs = out + err
    assert '"GET /api/v1/registry-records/ HTTP/1.1" 401' in out, logs  # the access line, without its query
    assert f"/subjects/{MASK}/slip/" in logs, logs
    assert IIN not in logs, logs

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings.base import DEV_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    """Run manage.py in a clean environment (no settings, database or key material of the test run) plus ``env``."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG"}
        and not k.startswith(("SLIP_SEAL", "EDS_", "PUBLIC_BASE_URL"))
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "ALLOWED_HOSTS": "dereg.example.kz"}


@pytest.mark.parametrize("key", [DEV_SECRET_KEY, "", "short-key"])
def test_production_profile_refuses_the_development_or_a_weak_secret_key(key):
    result = manage("check", SECRET_KEY=key, **PRODUCTION)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_embedded_default_is_sqlite_and_database_url_selects_postgresql():
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    default = manage("shell", "-v", "0", "-c", code)
    assert default.stdout.strip() == "django.db.backends.sqlite3", default.stderr
    postgres = manage("shell", "-v", "0", "-c", code, DATABASE_URL="postgres://postgres@127.0.0.1:5432/x")
    assert postgres.stdout.strip() == "config.postgresql", (
        postgres.stderr
    )  # Django's, health checks when idle


def test_production_profile_turns_the_demo_signer_off_whatever_the_environment_says():
    code = "from django.conf import settings; print(settings.EDS_DEMO_SIGNER, settings.DEBUG)"
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        code,
        SECRET_KEY=secrets.token_urlsafe(64),
        EDS_DEMO_SIGNER="true",
        DEBUG="true",
        **PRODUCTION,
    )
    assert result.stdout.strip() == "False False", result.stderr

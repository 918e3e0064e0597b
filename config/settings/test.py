"""Settings for the test suite: the base settings, with fast password hashing and isolated files."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A Celery worker that a test starts (tests/deregistration/test_slip_tasks.py) is told the test's folder.
MEDIA_ROOT = Path(os.environ.get("DEREG_TEST_MEDIA_ROOT") or tempfile.mkdtemp(prefix="dereg-test-media-"))
# Tests build their own PKI on the fly (tests/conftest.py) and point the EDS settings at it.
LANGUAGE_CODE = "en"
# No broker unless a test sets one: slips are made in the request (the fallback), as with `make run`.
CELERY_BROKER_URL = ""

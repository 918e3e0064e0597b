"""Settings for the test suite: the base settings, with fast password hashing and isolated files."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="dereg-test-media-"))
# Tests build their own PKI on the fly (tests/conftest.py) and point the EDS settings at it.
LANGUAGE_CODE = "en"

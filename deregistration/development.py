"""The product's one door to the development tools: with DEBUG on, the demo CA and the development seal are made
in ``VAR_DIR/pki`` on first need, so that ``make run`` signs and seals without any set-up.

Without DEBUG nothing here does anything (and ``devtools`` is never imported): the seal and the trusted CAs come
from the settings, which the system checks (``deregistration.checks``) require.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def development_pki_dir() -> Path:
    return Path(settings.VAR_DIR) / "pki"


def ensure_development_pki(*paths: str | Path) -> bool:
    """With DEBUG on, make the demo CA and the development seal when one of ``paths`` (files the caller needs)
    is missing and lies in the development PKI's folder. True if anything was made."""
    if not settings.DEBUG:
        return False
    directory = development_pki_dir().resolve()
    missing = [Path(p) for p in paths if p and not Path(p).exists()]
    if not any(directory in Path(p).resolve().parents for p in missing):
        return False
    from devtools.pki import ensure_demo_pki  # development only

    ensure_demo_pki(directory)
    return True

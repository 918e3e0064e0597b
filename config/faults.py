"""Fault points for the fault tests: a named place in the code where a test can have the process killed.

Inert unless the settings define ``FAULT_KILL_FILE`` (only ``config.settings.faults`` does, from the environment;
the base and production settings never read it). When they do and that file exists and names the point reached,
the file is removed (the fault fires once) and the process kills itself with ``SIGKILL``: no cleanup, no
rollback by Python, exactly what a crashed or killed worker leaves behind.
"""

from __future__ import annotations

import os
import signal

from django.conf import settings


def fault_point(name: str) -> None:
    path = getattr(settings, "FAULT_KILL_FILE", "")
    if not path:
        return
    try:
        with open(path, encoding="utf-8") as armed:
            if armed.read().strip() != name:
                return
        os.remove(path)
    except FileNotFoundError:
        return
    os.kill(os.getpid(), signal.SIGKILL)

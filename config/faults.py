"""Fault points for the fault tests: a named place in the code where a test can have the process killed or stuck.

Inert unless the settings define ``FAULT_KILL_FILE`` (only ``config.settings.faults`` does, from the environment;
the base and production settings never read it). When they do and that file exists and names the point reached,
the file is removed (the fault fires once) and:

* ``<point>``: the process kills itself with ``SIGKILL``: no cleanup, no rollback by Python, exactly what a
  crashed or killed worker leaves behind;
* ``sleep:<point>``: the process sleeps for an hour, as a slow step would (a signal's handler still runs, so
  an exception such as Celery's soft time limit ends the sleep);
* ``hang:<point>``: the process hangs for good and swallows every exception, as a stall inside C code would
  (only a kill ends it).
"""

from __future__ import annotations

import os
import signal
import time

from django.conf import settings


def fault_point(name: str) -> None:
    path = getattr(settings, "FAULT_KILL_FILE", "")
    if not path:
        return
    try:
        with open(path, encoding="utf-8") as armed:
            action, _, point = armed.read().strip().rpartition(":")
        if point != name:
            return
        os.remove(path)
    except FileNotFoundError:
        return
    if action == "sleep":
        time.sleep(3600)
    elif action == "hang":
        _hang()
    else:
        os.kill(os.getpid(), signal.SIGKILL)


def _hang() -> None:
    while True:
        try:
            time.sleep(3600)
        except BaseException:  # noqa: S112 - a stall in C code is deaf to Python's exceptions too
            continue

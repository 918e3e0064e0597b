"""The fault tests' kill point (config.faults) exists only under config.settings.faults: a process with the
production settings never reads FAULT_KILL_FILE, even when the environment sets it and the file is armed."""

import os
import subprocess
import sys

from config.faults import fault_point
from tests.reliability.servers import ROOT


def test_the_kill_point_is_inert_under_the_production_settings(tmp_path):
    """Even with FAULT_KILL_FILE in the environment and armed, a production process reads no such setting."""
    armed = tmp_path / "kill-at"
    armed.write_text("register_written")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 64,
        "ALLOWED_HOSTS": "example.kz",
        "FAULT_KILL_FILE": str(armed),
    }
    script = (
        "import django; django.setup(); from django.conf import settings; from config.faults import fault_point; "
        "fault_point('register_written'); print(getattr(settings, 'FAULT_KILL_FILE', 'unset'), 'alive')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["unset", "alive"]
    assert armed.exists()


def test_the_kill_point_is_inert_without_the_setting(tmp_path, settings):
    armed = tmp_path / "kill-at"
    armed.write_text("register_written")
    settings.FAULT_KILL_FILE = ""
    fault_point("register_written")  # the test process is alive to assert
    settings.FAULT_KILL_FILE = str(armed)
    fault_point("another_point")  # armed for another point: nothing happens
    assert armed.exists()

"""Settings for the fault tests' servers (tests/reliability): the test settings, plus the fault points of
``config.faults``. Never a production profile: no other settings module reads ``FAULT_KILL_FILE``."""

from .base import env
from .test import *  # noqa: F403

# A file naming the fault point at which the process kills itself (once): see config.faults.
FAULT_KILL_FILE = env.str("FAULT_KILL_FILE", default="")

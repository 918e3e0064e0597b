"""A smaller run of ``bench/load.py`` in CI: 8 owners and 4 operators at once on overlapping dwellings against
gunicorn on PostgreSQL; no 5xx, and the register is whole afterwards (both checks, nothing lost or doubled)."""

import pytest

from bench.load import prepare, register_problems, run, table
from tests.reliability.servers import Gunicorn, database_url_for_tests

pytestmark = [pytest.mark.postgres, pytest.mark.load, pytest.mark.django_db(transaction=True)]

REQUESTS = 240


def test_owners_and_operators_at_once_leave_a_whole_register(tmp_path):
    scenario = prepare(tmp_path / "pki", residents=12)
    server = Gunicorn(tmp_path, database_url=database_url_for_tests(), workers=3, **scenario.server_env)
    try:
        results = run(server.base, scenario, requests_total=REQUESTS)
    finally:
        server.stop()
    summary = table(results, 1.0)
    assert results.requests == REQUESTS, summary
    assert results.errors == 0, summary
    assert results.completed, summary
    assert register_problems(results) == [], summary

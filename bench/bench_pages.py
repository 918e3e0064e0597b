"""How long each portal page takes on the server, next to the bare start page, in one run.

    .venv/bin/python bench/bench_pages.py [-n 50] [--rows 50]

In one process, on a fresh in-memory SQLite database (the test settings): a citizen with ``--rows`` of everything
their pages list (dwellings, residents, applications, notifications, consent requests), then, for each page,
the median of ``-n`` requests through Django's whole stack (middleware, session, templates; no network), its
SQL queries and its size. The start page, which reads nothing, is the yardstick: the ratio is each page's time
over its time in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def build(rows: int):
    """The scene of tests/portal/test_speed.py, with ``rows`` of each."""
    from deregistration.accounts import staff_account_create
    from tests.portal.test_speed import Scene

    operator = staff_account_create(
        username="bench-operator",
        role="operator",
        password="bench-only",  # noqa: S106 - a throwaway database
        validate=False,
    )
    return Scene(rows, operator)


def timed(client, url: str, n: int) -> tuple[float, int, int]:
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - start)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return statistics.median(times) * 1000, len(queries.captured_queries), len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50, help="requests per page (median)")
    parser.add_argument("--rows", type=int, default=50, help="rows of each list")
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        from tests.portal.conftest import browser_for

        scene = build(args.rows)
        pages = [
            "start",
            "login",
            "cabinet",
            "applications",
            "application",
            "notifications",
            "property",
            "apply",
        ]
        pages += ["residents", "review", "sign", "consent"]
        anonymous = browser_for()
        results = []
        for page in pages:
            if page in ("start", "login"):
                client, url = anonymous, {"start": "/", "login": "/login/"}[page]
            else:
                client, url = scene.url(page, browser_for(scene.user))
            results.append((page, url, *timed(client, url, args.n)))
        base = results[0][2]
        print(f"{args.rows} of each list; median of {args.n} requests per page; SQLite in memory.\n")
        print("| page | URL | ms | × start page | queries | KB |\n|---|---|---:|---:|---:|---:|")
        for page, url, ms, queries, size in results:
            shown = url if len(url) < 40 else url[:37] + "…"
            print(f"| {page} | `{shown}` | {ms:.1f} | {ms / base:.1f} | {queries} | {size / 1024:.1f} |")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

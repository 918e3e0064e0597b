"""``check_register`` and ``verify_register`` at national scale, on PostgreSQL.

    .venv/bin/python bench/bench_register.py --persons 1000000

Makes a fresh database (``--database``, default ``dereg_register_bench``, dropped and created again), loads
``--persons`` persons with ``seed_bulk`` (dwellings, owners, permanent and temporary registrations, one person in
ten in a case, the completed ones with their chained ХҚТ ТП АЖ records). Then times both commands (the database
checks of ``check_register``; there are no slips) and prints rows per second.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load(persons: int) -> tuple[int, int, float]:
    """The population of ``seed_bulk`` (devtools.bulk): persons, registrations and cases with chained records."""
    from devtools.bulk import seed_bulk

    summary = seed_bulk(persons=persons)
    return summary.counts["registrations"], summary.counts["register"], summary.seconds


def timed(command: str, *args: str) -> tuple[float, str]:
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    started = time.perf_counter()
    try:
        call_command(command, *args, stdout=out)
    except CommandError as error:
        out.write(f"FAILED: {error}")
    return time.perf_counter() - started, out.getvalue().strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--database", default="dereg_register_bench")
    args = parser.parse_args()
    url = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    sys.path.insert(0, str(ROOT))
    from bench.databases import recreate_database

    recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    registrations, records, seconds = load(args.persons)
    print(
        f"seed_bulk loaded {args.persons:,} persons, {registrations:,} registrations and {records:,} chained "
        f"records in {seconds:.0f} s"
    )
    print("| command | rows | seconds | rows/s | result |")
    print("|---|---:|---:|---:|---|")
    for command, options, rows in (
        ("check_register", ("--skip-files",), args.persons + registrations + 2 * records),
        ("verify_register", ("--no-progress",), records),
    ):
        seconds, result = timed(command, *options)
        print(
            f"| `{command} {' '.join(options)}` | {rows:,} | {seconds:.1f} | {rows / seconds:,.0f} | {result} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

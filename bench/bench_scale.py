"""A million persons: loading them, and what the back-office and the API cost at that size.

    .venv/bin/python bench/bench_scale.py                  # 1,000,000 persons against 10,000 (minutes)
    .venv/bin/python bench/bench_scale.py --quick          # 20,000 against 1,000 (about a minute)
    .venv/bin/python bench/bench_scale.py --persons 200000 --import-persons 50000

PostgreSQL only, on the server of ``DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/dereg_scale``),
in databases of its own named after it and the sizes: ``<name>_1m`` and ``<name>_10k`` (seeded once with
``seed_bulk`` and kept between runs), ``<name>_seed`` and ``<name>_import`` (made afresh each run). It prints one table:

- ``import_population`` of a synthetic file (``--import-persons``, DESIGN.md's format) into an empty register:
  persons per second against the 20,000/s target;
- ``seed_bulk --persons N`` into an empty register: seconds against the 5-minute target;
- the admin's exact IIN search, the person list, the queue, a case page and ``GET /api/v1/applications/?iin=``
  at ``--persons`` persons (one in ten in a case) against the same at a hundredth of them: the median time of
  each over interleaved rounds (small, big, small, big, …) through the whole Django stack in this process (the
  test client, a logged-in session), the ratio of the medians, and the SQL queries each page ran.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dereg_scale")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import databases  # noqa: E402
from citizens.models import Person  # noqa: E402
from citizens.population import population_import_file  # noqa: E402
from deregistration.accounts import staff_account_create  # noqa: E402
from deregistration.models import Application, ApplicationSubject  # noqa: E402
from devtools.bulk import seed_bulk  # noqa: E402
from devtools.population_file import write_population_file  # noqa: E402

IMPORT_TARGET = 20_000  # persons per second
SEED_TARGET = 300.0  # seconds for a million persons
PAGE_TARGET = 1.5  # big / small
PASSWORD = "Bench-pass-2026"  # noqa: S105 - a throwaway database's staff account


def size_name(count: int) -> str:
    for unit, suffix in ((1_000_000, "m"), (1_000, "k")):
        if count % unit == 0:
            return f"{count // unit}{suffix}"
    return str(count)


def base_name() -> str:
    return urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/") or "dereg_scale"


def ensure_database(name: str, *, fresh: bool) -> None:
    databases.ensure_database(os.environ["DATABASE_URL"], name, fresh=fresh)


def use_database(name: str) -> None:
    """Point the default connection at another database of the same server (closed, reopened on next use)."""
    connection.close()
    settings.DATABASES["default"]["NAME"] = name
    connections["default"].settings_dict["NAME"] = name


def prepare(name: str, persons: int, *, fresh: bool = False) -> None:
    ensure_database(name, fresh=fresh)
    use_database(name)
    call_command("migrate", verbosity=0)
    missing = persons - Person.objects.count()
    if missing > 0:
        print(f"  seeding {name}: {missing:,} persons", file=sys.stderr)
        seed_bulk(persons=missing)


class Clock:
    """Wall time, and the CPU time of this process and of its PostgreSQL backend (same machine: /proc): on a
    machine shared with other work the CPU seconds say what the load would cost on cores of its own."""

    def __enter__(self) -> Clock:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.backend = cursor.fetchone()[0]
        self.wall, self.cpu, self.server = time.perf_counter(), time.process_time(), self.server_cpu()
        return self

    def server_cpu(self) -> float:
        try:
            fields = Path(f"/proc/{self.backend}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc_info) -> None:
        self.server = self.server_cpu() - self.server
        self.cpu = time.process_time() - self.cpu
        self.wall = time.perf_counter() - self.wall

    def __str__(self) -> str:
        return f"{self.wall:.1f} s wall; CPU {self.cpu:.1f} s Python + {self.server:.1f} s PostgreSQL"


def measure_import(name: str, persons: int) -> tuple[Clock, int]:
    prepare(name, 0, fresh=True)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "population.json"
        write_population_file(path, persons=persons)
        size = path.stat().st_size
        with Clock() as clock:
            summary = population_import_file(path=path, progress=sys.stderr)
    assert summary.created["persons"] == persons, summary.created
    return clock, size


def measure_seed(name: str, persons: int) -> Clock:
    prepare(name, 0, fresh=True)
    with Clock() as clock:
        seed_bulk(persons=persons)
    return clock


class Pages:
    """The pages measured in one database: a staff session and the URLs, with an IIN named in a case."""

    def __init__(self, name: str):
        use_database(name)
        self.name = name
        staff = staff_account_create(
            username="bench-scale", role="supervisor", password=PASSWORD, validate=False
        )
        self.client = Client()
        self.client.force_login(staff)
        subject = (
            ApplicationSubject.objects.filter(application__status="completed")
            .select_related("person", "application")
            .order_by("id")[ApplicationSubject.objects.count() // 2 :][:1]
            .get()
        )
        iin = subject.person.iin
        open_case = Application.objects.filter(status="submitted").order_by("id").first()
        self.urls = {
            "admin: a person by exact IIN": f"/admin/citizens/person/?q={iin}",
            "admin: person list, first page": "/admin/citizens/person/",
            "admin: the queue (open cases)": "/admin/deregistration/application/",
            "admin: a case page": f"/admin/deregistration/application/{open_case.pk}/change/",
            "API: GET /api/v1/applications/?iin=": f"/api/v1/applications/?iin={iin}",
        }
        self.times: dict[str, list[float]] = {label: [] for label in self.urls}
        self.queries: dict[str, int] = {}
        for url in self.urls.values():  # warm up: templates, URL patterns, the database's caches
            self.client.get(url)

    def round(self) -> None:
        use_database(self.name)
        for label, url in self.urls.items():
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = self.client.get(url)
                elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"{self.name}: {url} answered {response.status_code}")
            self.times[label].append(elapsed * 1000)
            self.queries[label] = len(queries.captured_queries)

    def median(self, label: str) -> float:
        return statistics.median(self.times[label])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, help="persons in the big register (default 1,000,000)")
    parser.add_argument("--import-persons", type=int, help="persons in the imported file (default 200,000)")
    parser.add_argument("--seed-persons", type=int, help="persons seed_bulk loads (default: --persons)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="20,000 persons against 1,000; import 20,000")
    parser.add_argument(
        "--only",
        choices=["import", "seed", "pages"],
        action="append",
        help="run only these parts (repeatable)",
    )
    options = parser.parse_args()
    persons = options.persons or (20_000 if options.quick else 1_000_000)
    imported = options.import_persons or (20_000 if options.quick else 200_000)
    seeded = options.seed_persons or persons
    small = max(persons // 100, 1_000)
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    base = base_name()
    rows = []
    parts = set(options.only or ["import", "seed", "pages"])
    if "import" in parts:
        clock, size = measure_import(f"{base}_import", imported)
        rate = imported / clock.wall
        rows.append(
            (
                f"import_population, {imported:,} persons ({size / 1e6:,.0f} MB file)",
                f"{rate:,.0f} persons/s ({clock}; {imported / (clock.cpu + clock.server):,.0f} per CPU-s)",
                f"{IMPORT_TARGET:,}/s",
                f"{rate / IMPORT_TARGET:.2f}×",
                "",
            )
        )
    if "seed" in parts:
        clock = measure_seed(f"{base}_seed", seeded)
        budget = SEED_TARGET * seeded / 1_000_000
        rows.append(
            (
                f"seed_bulk --persons {seeded:,}",
                f"{clock.wall:.1f} s, {seeded / clock.wall:,.0f} persons/s ({clock})",
                f"{budget:.0f} s",
                f"{clock.wall / budget:.2f}×",
                "",
            )
        )
    big_name, small_name = f"{base}_{size_name(persons)}", f"{base}_{size_name(small)}"
    if "pages" in parts:
        prepare(small_name, small)
        prepare(big_name, persons)
        pages_small, pages_big = Pages(small_name), Pages(big_name)
        for _ in range(options.rounds):
            pages_small.round()
            pages_big.round()
        for label in pages_big.urls:
            big, little = pages_big.median(label), pages_small.median(label)
            rows.append(
                (
                    f"{label}",
                    f"{big:.1f} ms at {persons:,}",
                    f"{little:.1f} ms at {small:,}",
                    f"{big / little:.2f}× (target ≤ {PAGE_TARGET}×)",
                    f"{pages_big.queries[label]} / {pages_small.queries[label]}",
                )
            )
    register = ""
    if "pages" in parts:
        use_database(big_name)
        register = f"; big register {persons:,} persons, {Application.objects.count():,} cases"
    print(
        f"\nbench_scale: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}{register}; "
        f"{options.rounds} interleaved rounds, medians\n"
    )
    print("| what | figure | against | ratio | SQL queries big / small |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()

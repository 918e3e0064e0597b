"""The back-office's pages at national scale: each page's time and query count over a register of millions of rows.

    createdb -h 127.0.0.1 -U postgres dereg_bench   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dereg_bench .venv/bin/python bench/bench_backoffice.py \\
        --persons 1000000

Loads (once, with COPY) ``--persons`` persons, one dwelling per three persons, each person registered
permanently, ``--audit`` audit rows, and a few hundred cases through the services; then requests each page
through the whole Django stack (the test client, a logged-in session) and prints the median time and the number
of SQL queries, beside what the admin's defaults would cost on the same tables (``COUNT(*)``, ``iexact`` search,
sorting by an unindexed column). PostgreSQL only: SQLite is the development default, not the national one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from citizens.iin import make_iin  # noqa: E402
from citizens.models import AuditEvent, Dwelling, Person, Registration  # noqa: E402
from citizens.population import DWELLING_FIELDS  # noqa: E402
from deregistration.accounts import staff_account_create  # noqa: E402
from deregistration.models import Application  # noqa: E402

PASSWORD = "Bench-pass-2026"  # noqa: S105 - a throwaway database's staff account
SURNAMES = ["Ахметов", "Сәрсенбаев", "Нұрғалиев", "Қасымов", "Өтепов", "Ұлықпанов", "Іскаков", "Жұмабаев"]
NAMES = ["Нұрлан", "Әлихан", "Ерлан", "Дәурен", "Айгүл", "Гүлнар", "Мөлдір", "Жұлдыз"]
KATO = [
    "751110000",
    "711410000",
    "791510000",
    "351010000",
    "151010000",
    "231010000",
    "551010000",
    "611010000",
]


def iins(count: int):
    """``count`` distinct valid IINs: birth dates from 1950 on, serials 0000 to 9999 per date and sex digit."""
    day, serial, made = dt.date(1950, 1, 1), 0, 0
    while made < count:
        digit = 3 if day.year < 2000 else 5
        iin = make_iin(f"{day:%y%m%d}{digit}{serial:04d}")
        if iin:
            yield iin, day
            made += 1
        serial += 1
        if serial == 10000:
            serial, day = 0, day + dt.timedelta(days=1)


def copy(table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def load(persons: int, audit: int) -> None:
    have = Person.objects.count()
    if have >= persons:
        print(f"register already loaded: {have:,} persons")
        return
    started = time.perf_counter()
    now = timezone.now().isoformat()
    people = list(iins(persons))
    copy(
        "citizens_person",
        [
            "iin",
            "last_name",
            "first_name",
            "patronymic",
            "birth_date",
            "birth_place",
            "sex",
            "citizenship",
            "category",
            "document_type",
            "document_number",
            "document_issued_on",
            "document_issued_by",
            "created_at",
            "updated_at",
        ],
        (
            (
                iin,
                SURNAMES[n % 8],
                NAMES[n % 8],
                "",
                born.isoformat(),
                "",
                "M",
                "KAZ",
                "citizen",
                "id_card",
                f"{n:09d}",
                "2020-01-01",
                "ІІМ",
                now,
                now,
            )
            for n, (iin, born) in enumerate(people)
        ),
    )
    dwellings = persons // 3
    copy(
        "citizens_dwelling",
        ["address_code", *DWELLING_FIELDS, "created_at", "updated_at"],
        (
            (
                f"09{n:014d}",
                KATO[n % 8],
                "",
                "Облыс",
                "",
                "",
                "",
                "Қала",
                "",
                "Көше",
                "",
                "",
                str(n % 300),
                str(n % 97),
                now,
                now,
            )
            for n in range(dwellings)
        ),
    )
    first_person = Person.objects.order_by("id").values_list("id", flat=True).first()
    first_dwelling = Dwelling.objects.order_by("id").values_list("id", flat=True).first()
    copy(
        "citizens_ownership",
        ["dwelling_id", "person_id", "share", "since"],
        ((first_dwelling + n, first_person + 3 * n, 1, "2015-01-01") for n in range(dwellings)),
    )
    copy(
        "citizens_registration",
        ["person_id", "dwelling_id", "kind", "registered_on", "end_reason", "ended_by_application"],
        (
            (first_person + n, first_dwelling + min(n // 3, dwellings - 1), "permanent", "2018-06-01", "", "")
            for n in range(persons)
        ),
    )
    copy(
        "citizens_auditevent",
        ["at", "action", "object_type", "object_id", "details"],
        (
            (
                now,
                "person.view",
                "citizens.person",
                str(first_person + n % persons),
                f'{{"page": "admin:citizens_person_change", "persons": [{first_person + n % persons}]}}',
            )
            for n in range(audit)
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"loaded {persons:,} persons, {dwellings:,} dwellings, {audit:,} audit rows in "
        f"{time.perf_counter() - started:.0f} s"
    )


def cases(operator, count: int) -> None:
    """Walk-in cases through the services: half completed, half open in the queue."""
    from deregistration.services import application_complete, application_submit

    have = Application.objects.count()
    today = timezone.localdate().isoformat()
    for n in range(have, count):
        owner_id = Person.objects.order_by("id").values_list("id", flat=True)[3 * n * 7]
        owner = Person.objects.get(pk=owner_id)
        registration = Registration.objects.select_related("dwelling", "person").get(person_id=owner_id + 1)
        result = application_submit(
            actor=operator,
            case_type="owner_application",
            channel="state_corporation",
            address_code=registration.dwelling.address_code,
            applicant_iin=owner.iin,
            subjects=[registration.person.iin],
            documents=[
                {
                    "type": "applicant_identity_document",
                    "number": owner.document_number,
                    "issued_on": "2020-01-01",
                    "issued_by": "ІІМ",
                },
                {"type": "owner_application_form", "number": f"Ө-{n}", "issued_on": today},
            ],
        )
        if n % 2:
            application_complete(actor=operator, application=result.application)


def timed(client: Client, url: str, rounds: int) -> tuple[float, int, int]:
    """Median milliseconds, SQL queries, status of ``GET url``."""
    times, queries, status = [], 0, 0
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        queries, status = len(captured.captured_queries), response.status_code
    return statistics.median(times), queries, status


def sql_ms(sql: str, params=(), rounds: int = 3) -> float:
    """Median milliseconds of a fixed query of this script (no input reaches the SQL but ``params``)."""
    times = []
    with connection.cursor() as cursor:
        for _ in range(rounds):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--audit", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    load(options.persons, options.audit)
    operator = staff_account_create(
        username="bench-operator", role="operator", password=PASSWORD, validate=False
    )
    supervisor = staff_account_create(
        username="bench-supervisor", role="supervisor", password=PASSWORD, validate=False
    )
    cases(operator, options.cases)
    some = Person.objects.order_by("id").values_list("iin", flat=True)[options.persons // 2]
    an_open = Application.objects.filter(status="submitted").order_by("id").first()
    client = Client()
    client.force_login(supervisor)
    client.get("/admin/")  # warm up: the first request of a process loads templates and URL patterns
    deep = max(1, min(1000, options.persons // 100))
    pages = [
        ("the queue (my open cases)", "/admin/deregistration/application/"),
        ("all cases", "/admin/deregistration/application/?queue=all"),
        ("a case", f"/admin/deregistration/application/{an_open.pk}/change/"),
        ("persons, first page", "/admin/citizens/person/"),
        (f"persons, page {deep:,}", f"/admin/citizens/person/?p={deep}"),
        ("a person by exact IIN", f"/admin/citizens/person/?q={some}"),
        ("registrations, first page", "/admin/citizens/registration/"),
        ("registrations of a person (IIN)", f"/admin/citizens/registration/?q={some}"),
        ("dwellings in a region", "/admin/citizens/dwelling/?region=75"),
        ("who read a person (IIN)", f"/admin/citizens/auditevent/?q={some}"),
        ("the dashboard", "/admin/deregistration/application/dashboard/"),
    ]
    print(
        f"\n{Person.objects.count():,} persons, {Registration.objects.count():,} registrations, "
        f"{AuditEvent.objects.count():,} audit rows, {Application.objects.count():,} cases\n"
    )
    print("| page | ms (median) | SQL queries | status |")
    print("|---|---:|---:|---:|")
    for label, url in pages:
        ms, queries, status = timed(client, url, options.rounds)
        print(f"| {label} | {ms:.1f} | {queries} | {status} |")
    print("\nWhat the admin's defaults would add on the same tables:\n")
    print("| query | ms (median) |")
    print("|---|---:|")
    print(
        f"| `COUNT(*)` of persons (the default paginator, twice per page) | {sql_ms('SELECT COUNT(*) FROM citizens_person'):.1f} |"
    )
    print(f"| `COUNT(*)` of registrations | {sql_ms('SELECT COUNT(*) FROM citizens_registration'):.1f} |")
    print(
        f"| search `iin__iexact` (`UPPER(iin) = UPPER(%s)`) | {sql_ms('SELECT id FROM citizens_person WHERE UPPER(iin) = UPPER(%s)', [some]):.1f} |"
    )
    print(
        f"| search `iin__icontains` | {sql_ms('SELECT id FROM citizens_person WHERE UPPER(iin) LIKE UPPER(%s)', ['%' + some + '%']):.1f} |"
    )
    print(
        f"| first page sorted by surname (no index) | {sql_ms('SELECT id FROM citizens_person ORDER BY last_name, first_name, iin LIMIT 100'):.1f} |"
    )
    print(
        f"| region filter choices by `SELECT DISTINCT region` | {sql_ms('SELECT DISTINCT region FROM citizens_dwelling'):.1f} |"
    )


if __name__ == "__main__":
    main()

"""``check_register`` and ``verify_register`` at national scale, on PostgreSQL.

    .venv/bin/python bench/bench_register.py --persons 1000000 [--ended 0.3]

Makes a fresh database (``--database``, default ``dereg_register_bench``, dropped and created again), loads with
COPY ``--persons`` persons, each registered permanently at one of ``persons / 3`` dwellings, and ends a share
(``--ended``) of those registrations through completed cases: one case, one person, one ХҚТ ТП АЖ record each,
the records chained as a bulk load must chain them (``deregistration.register_chain.record_hash``). Then times
both commands (the database checks of ``check_register``; there are no slips) and prints rows per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def copy(cursor, table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def load(persons: int, ended_share: float) -> tuple[int, float]:
    from django.db import connection, transaction
    from django.utils import timezone

    from citizens.iin import make_iin
    from citizens.population import DWELLING_FIELDS
    from deregistration.register_chain import CHAINED_FIELDS, chain_head_locked, chain_head_move, record_hash

    started = time.perf_counter()
    now = timezone.now()
    stamp = now.isoformat()
    today = timezone.localdate().isoformat()
    iins, serial = [], 0
    while len(iins) < persons:
        iin = make_iin(f"{800101 + serial // 10000:06d}3{serial % 10000:04d}")
        serial += 1
        if iin:
            iins.append(iin)
    dwellings = max(1, persons // 3)
    ended = int(persons * ended_share)
    with transaction.atomic(), connection.cursor() as cursor:
        copy(
            cursor,
            "citizens_person",
            [
                *("iin", "last_name", "first_name", "patronymic", "birth_date", "birth_place", "sex"),
                *("citizenship", "category", "document_type", "document_number", "document_issued_on"),
                *("document_issued_by", "created_at", "updated_at"),
            ],
            (
                (
                    iin,
                    "Ахметов",
                    "Нұрлан",
                    "",
                    "1980-01-01",
                    "",
                    "M",
                    "KAZ",
                    "citizen",
                    "id_card",
                    f"{n:09d}",
                    "2020-01-01",
                    "ІІМ",
                    stamp,
                    stamp,
                )
                for n, iin in enumerate(iins)
            ),
        )
        copy(
            cursor,
            "citizens_dwelling",
            ["address_code", *DWELLING_FIELDS, "created_at", "updated_at"],
            (
                (
                    f"09{n:014d}",
                    "751110000",
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
                    stamp,
                    stamp,
                )
                for n in range(dwellings)
            ),
        )
        cursor.execute("SELECT min(id) FROM citizens_person")
        first_person = cursor.fetchone()[0]
        cursor.execute("SELECT min(id) FROM citizens_dwelling")
        first_dwelling = cursor.fetchone()[0]

        def dwelling_of(n: int) -> int:
            return first_dwelling + min(n // 3, dwellings - 1)

        copy(
            cursor,
            "citizens_registration",
            [
                "person_id",
                "dwelling_id",
                "kind",
                "registered_on",
                "ended_on",
                "end_reason",
                "ended_by_application",
            ],
            (
                (first_person + n, dwelling_of(n), "permanent", "2018-06-01")
                + ((today, "owner_application", f"DR-B{n:09d}") if n < ended else (None, "", ""))
                for n in range(persons)
            ),
        )
        cursor.execute("SELECT min(id) FROM citizens_registration")
        first_registration = cursor.fetchone()[0]
        copy(
            cursor,
            "deregistration_application",
            [
                *("number", "case_type", "channel", "status", "issue_slip", "submitted_at", "deadline_at"),
                *(
                    "completed_at",
                    "decided_at",
                    "rejection_ground",
                    "rejection_reason_code",
                    "rejection_comment",
                ),
                *("idempotency_key", "request_fingerprint", "signed_request", "applicant_id", "dwelling_id"),
            ],
            (
                (
                    f"DR-B{n:09d}",
                    "owner_application",
                    "state_corporation",
                    "completed",
                    "f",
                    stamp,
                    stamp,
                    stamp,
                    stamp,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    first_person + n,
                    dwelling_of(n),
                )
                for n in range(ended)
            ),
        )
        cursor.execute("SELECT min(id) FROM deregistration_application")
        first_application = cursor.fetchone()[0]

        # The register: each row chained to the one before, under the chain head's lock, as any bulk load must.
        head = chain_head_locked()
        previous, seq = head.hash, head.seq

        def records():
            nonlocal previous, seq
            for n in range(ended):
                seq += 1
                values = {
                    "seq": seq,
                    "iin": iins[n],
                    "last_name": "Ахметов",
                    "first_name": "Нұрлан",
                    "patronymic": "",
                    "address_code": f"09{min(n // 3, dwellings - 1):014d}",
                    "kato": "751110000",
                    "address": "Облыс, Қала, Көше",
                    "case_type": "owner_application",
                    "reason": "owner_application",
                    "basis": f"Owner's application No. DR-B{n:09d}",
                    "application_number": f"DR-B{n:09d}",
                    "registration_id": first_registration + n,
                    "registered_on": dt.date(2018, 6, 1),
                    "effective_date": dt.date.fromisoformat(today),
                    "recorded_at": now,
                    "channel": "state_corporation",
                    "operator": "bench",
                }
                digest = record_hash(values, previous)
                yield [values[name] if name != "recorded_at" else stamp for name in CHAINED_FIELDS] + [
                    previous,
                    digest,
                ]
                previous = digest

        copy(cursor, "deregistration_registryrecord", [*CHAINED_FIELDS, "prev_hash", "hash"], records())
        chain_head_move(seq=seq, hash=previous)
        cursor.execute("SELECT min(id) FROM deregistration_registryrecord")
        first_record = cursor.fetchone()[0]
        copy(
            cursor,
            "deregistration_applicationsubject",
            [
                *(
                    "application_id",
                    "person_id",
                    "registration_id",
                    "outcome",
                    "registry_record_id",
                    "position",
                ),
                *("slip_status", "slip_error"),
            ],
            (
                (
                    first_application + n,
                    first_person + n,
                    first_registration + n,
                    "deregistered",
                    first_record + n,
                    0,
                    "not_requested",
                    "",
                )
                for n in range(ended)
            ),
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return ended, time.perf_counter() - started


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
    parser.add_argument("--ended", type=float, default=0.3, help="share of registrations ended by cases")
    parser.add_argument("--database", default="dereg_register_bench")
    args = parser.parse_args()
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {args.database}"], check=True)  # noqa: S603
    subprocess.run([*psql, f"CREATE DATABASE {args.database}"], check=True)  # noqa: S603
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    records, seconds = load(args.persons, args.ended)
    print(
        f"loaded {args.persons:,} persons and registrations, {records:,} cases and chained records "
        f"in {seconds:.0f} s"
    )
    print("| command | rows | seconds | rows/s | result |")
    print("|---|---:|---:|---:|---|")
    for command, options, rows in (
        ("check_register", ("--skip-files",), args.persons + 3 * records),
        ("verify_register", (), records),
    ):
        seconds, result = timed(command, *options)
        print(
            f"| `{command} {' '.join(options)}` | {rows:,} | {seconds:.1f} | {rows / seconds:,.0f} | {result} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

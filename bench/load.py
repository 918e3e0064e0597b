"""A bounded load run: 8 owners on the API and 4 operators in the back-office, on overlapping dwellings at once,
against gunicorn on PostgreSQL (loopback only, a fixed number of requests); then the register is checked.

    .venv/bin/python bench/load.py --requests 2000          # or: make load

Makes a fresh database (``--database``, default ``dereg_load_run``, dropped and created again), 8 dwellings each with
its owner and ``--residents`` persons registered there, a test CA for the owners' signatures; starts gunicorn
(``--workers`` sync workers) on it. Each owner, on their own dwelling, submits signed applications for residents
picked at random (the portal completes them at once), lists their applications and reads their notifications;
each operator, on any of the 8 dwellings, submits a walk-in case for a resident, finds it in the back-office's
queue, opens its page and completes it. Owners and operators name the same residents: one wins, the others get
a 4xx, never a 5xx. Afterwards: ``check_register`` and ``verify_register`` pass, every completion a client was
told of is in the register once, and no person is deregistered twice. Prints requests, errors and p50/p95 per
kind of request; exits non-zero when anything failed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OWNERS, OPERATORS = 8, 4
PASSWORD = "Load-pass-2026"  # noqa: S105 - a throwaway database's accounts


@dataclass
class Dwelling:
    code: str
    owner_iin: str
    residents: list[str]


@dataclass
class Scenario:
    dwellings: list[Dwelling]
    owner_tokens: list[str]
    operator_tokens: list[str]
    operator_sessions: list[str]
    owner_keys: dict[str, tuple[bytes, bytes]]  # iin -> (key PEM, certificate PEM)
    server_env: dict[str, str]


@dataclass
class Results:
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    completed: list[str] = field(default_factory=list)  # numbers of the cases a client was told are completed
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.timings[kind].append(seconds * 1000)
            self.statuses[kind][status] += 1

    @property
    def requests(self) -> int:
        return sum(len(t) for t in self.timings.values())

    @property
    def errors(self) -> int:
        """Server errors and requests that got no answer (status 0)."""
        return sum(
            n for by in self.statuses.values() for status, n in by.items() if status == 0 or status >= 500
        )


def prepare(pki_dir: Path, *, residents: int = 60) -> Scenario:
    """The people, dwellings, accounts and keys of a run, in the database Django is set up on."""
    from django.test import Client

    from citizens.accounts import citizen_account_create
    from deregistration.accounts import staff_account_create
    from deregistration.tokens import api_token_issue
    from devtools import pki
    from tests.factories import DwellingFactory, OwnershipFactory, PersonFactory, RegistrationFactory

    pki_dir.mkdir(parents=True, exist_ok=True)
    ca = pki.make_ca("Load test CA")
    pki.write_certificate(pki_dir / "ca.pem", ca.certificate)
    pki.write_crl(pki_dir / "ca.crl", pki.make_crl(ca))
    key = pki.generate_key()
    dwellings, owner_tokens, owner_keys = [], [], {}
    for _ in range(OWNERS):
        dwelling = DwellingFactory()
        owner = PersonFactory()
        OwnershipFactory(dwelling=dwelling, person=owner)
        people = [PersonFactory() for _ in range(residents)]
        for person in people:
            RegistrationFactory(person=person, dwelling=dwelling)
        dwellings.append(Dwelling(dwelling.address_code, owner.iin, [p.iin for p in people]))
        account = citizen_account_create(iin=owner.iin, password=PASSWORD, validate=False)
        owner_tokens.append(api_token_issue(user=account))
        certified = pki.make_personal_certificate(ca, iin=owner.iin, key=key)
        owner_keys[owner.iin] = (certified.key_pem, certified.cert_pem)
    operator_tokens, sessions = [], []
    for number in range(OPERATORS):
        operator = staff_account_create(
            username=f"load-operator-{number}-{uuid.uuid4().hex[:6]}",
            role="operator",
            password=PASSWORD,
            validate=False,
        )
        operator_tokens.append(api_token_issue(user=operator))
        browser = Client()
        browser.force_login(operator)
        sessions.append(browser.cookies["sessionid"].value)
    env = {
        "EDS_TRUST_ROOTS": str(pki_dir / "ca.pem"),
        "EDS_CRL": str(pki_dir / "ca.crl"),
        "API_THROTTLE_SUBMIT": "1000000/min",
        "API_THROTTLE_AUTH": "1000000/min",
    }
    return Scenario(dwellings, owner_tokens, operator_tokens, sessions, owner_keys, env)


def _owner_body(dwelling: Dwelling, iin: str, keys: tuple[bytes, bytes]) -> dict:
    from django.utils import timezone

    from deregistration.eds import build_request_xml, sign_xml

    xml = build_request_xml(
        applicant_iin=dwelling.owner_iin,
        address_code=dwelling.code,
        subjects=[iin],
        requested_at=timezone.now(),
        nonce=uuid.uuid4().hex,
    )
    return {
        "case_type": "owner_application",
        "channel": "portal",
        "address_code": dwelling.code,
        "applicant_iin": dwelling.owner_iin,
        "subjects": [iin],
        "issue_slip": False,
        "signed_request": sign_xml(xml, key_pem=keys[0], cert_pem=keys[1]).decode(),
    }


def _walk_in_body(dwelling: Dwelling, iin: str) -> dict:
    from django.utils import timezone

    today = timezone.localdate()
    return {
        "case_type": "owner_application",
        "channel": "state_corporation",
        "address_code": dwelling.code,
        "applicant_iin": dwelling.owner_iin,
        "subjects": [iin],
        "documents": [
            {
                "type": "applicant_identity_document",
                "number": "045612378",
                "issued_on": "2021-05-04",
                "issued_by": "ҚР ІІМ",
            },
            {"type": "owner_application_form", "number": "Ө-17", "issued_on": today.isoformat()},
        ],
    }


class Exhausted(Exception):
    """The run's requests are all made."""


class Budget:
    """The fixed number of requests, shared by every client: each takes one before each request."""

    def __init__(self, total: int):
        self.left = total
        self.lock = threading.Lock()

    def take(self) -> None:
        with self.lock:
            if self.left <= 0:
                raise Exhausted
            self.left -= 1


def run(base: str, scenario: Scenario, *, requests_total: int, seed: int = 2026) -> Results:
    """The 12 clients at once until ``requests_total`` requests have been made."""
    import requests

    results = Results()
    budget = Budget(requests_total)
    start = threading.Barrier(OWNERS + OPERATORS)

    def call(session, kind: str, method: str, path: str, **options):
        budget.take()
        began = time.perf_counter()
        try:
            response = session.request(method, base + path, timeout=60, **options)
        except requests.RequestException:
            results.note(kind, 0, time.perf_counter() - began)
            return None
        results.note(kind, response.status_code, time.perf_counter() - began)
        return response

    def owner(index: int) -> None:
        rng = random.Random(seed + index)
        dwelling = scenario.dwellings[index]
        keys = scenario.owner_keys[dwelling.owner_iin]
        with requests.Session() as session:
            session.headers["Authorization"] = f"Token {scenario.owner_tokens[index]}"
            start.wait()
            while True:
                body = _owner_body(dwelling, rng.choice(dwelling.residents), keys)
                answer = call(
                    session, "owner: submit signed application", "POST", "/api/v1/applications/", json=body
                )
                if (
                    answer is not None
                    and answer.status_code == 201
                    and answer.json()["status"] == "completed"
                ):
                    with results.lock:
                        results.completed.append(answer.json()["number"])
                call(session, "owner: list applications", "GET", "/api/v1/applications/")
                call(session, "owner: notifications", "GET", "/api/v1/notifications/")

    def operator(index: int) -> None:
        rng = random.Random(seed + 100 + index)
        with requests.Session() as api, requests.Session() as office:
            api.headers["Authorization"] = f"Token {scenario.operator_tokens[index]}"
            office.cookies.set("sessionid", scenario.operator_sessions[index])
            start.wait()
            while True:
                dwelling = rng.choice(scenario.dwellings)
                body = _walk_in_body(dwelling, rng.choice(dwelling.residents))
                answer = call(
                    api, "operator: submit walk-in case", "POST", "/api/v1/applications/", json=body
                )
                number = answer.json()["number"] if answer is not None and answer.status_code == 201 else None
                queue = call(
                    office,
                    "operator: back-office queue",
                    "GET",
                    "/admin/deregistration/application/",
                    params={"q": number or ""},
                )
                found = (
                    re.search(r'href="(/admin/deregistration/application/\d+/change/)', queue.text)
                    if (queue is not None and number)
                    else None
                )
                call(office, "operator: back-office case page", "GET", found.group(1) if found else "/admin/")
                if number is None:
                    continue
                done = call(
                    api, "operator: complete case", "POST", f"/api/v1/applications/{number}/complete/"
                )
                if done is not None and done.status_code == 200:
                    with results.lock:
                        results.completed.append(number)

    def until_exhausted(work, index: int) -> None:
        with contextlib.suppress(Exhausted):
            work(index)

    threads = [threading.Thread(target=until_exhausted, args=(owner, i)) for i in range(OWNERS)]
    threads += [threading.Thread(target=until_exhausted, args=(operator, i)) for i in range(OPERATORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def register_problems(results: Results) -> list[str]:
    """What is wrong with the register after the run: the two commands, then lost or doubled deregistrations."""
    from django.core.management import CommandError, call_command
    from django.db.models import Count

    from deregistration.models import Application, RegistryRecord

    problems = []
    for command in ("check_register", "verify_register"):
        out = io.StringIO()
        try:
            call_command(command, stdout=out)
        except CommandError as error:
            problems.append(f"{command}: {error}\n{out.getvalue()}")
    completed = set(Application.objects.filter(status="completed").values_list("number", flat=True))
    told = set(results.completed)
    if len(told) != len(results.completed):
        problems.append("a case was reported completed twice")
    if told != completed:
        problems.append(f"completed in the database {len(completed)}, reported to clients {len(told)}")
    records = RegistryRecord.objects.count()
    if records != len(completed):  # one person per case
        problems.append(f"{records} register records for {len(completed)} completed cases")
    doubled = RegistryRecord.objects.values("iin").annotate(n=Count("id")).filter(n__gt=1).count()
    if doubled:
        problems.append(f"{doubled} person(s) deregistered more than once")
    return problems


def table(results: Results, elapsed: float) -> str:
    lines = [
        f"{results.requests} requests in {elapsed:.1f} s ({results.requests / elapsed:.0f}/s), "
        f"{results.errors} errors (5xx or no answer), {len(results.completed)} cases completed",
        "",
        "| kind of request | requests | statuses | p50 ms | p95 ms |",
        "|---|---:|---|---:|---:|",
    ]
    for kind in sorted(results.timings):
        times = sorted(results.timings[kind])
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(results.statuses[kind].items()))
        lines.append(f"| {kind} | {len(times)} | {statuses} | {statistics.median(times):.0f} | {p95:.0f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument(
        "--residents", type=int, default=60, help="persons registered at each of the 8 dwellings"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument(
        "--database", default="dereg_load_run", help="dropped and made again on 127.0.0.1:5432"
    )
    args = parser.parse_args()

    url = f"postgres://postgres@127.0.0.1:5432/{args.database}?sslmode=disable"
    sys.path.insert(0, str(ROOT))
    from bench.databases import recreate_database

    recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    from tests.reliability.servers import Gunicorn

    call_command("migrate", verbosity=0)
    work = Path(tempfile.mkdtemp(prefix="dereg-load-"))
    scenario = prepare(work / "pki", residents=args.residents)
    server = Gunicorn(work, database_url=url, workers=args.workers, **scenario.server_env)
    try:
        began = time.perf_counter()
        results = run(server.base, scenario, requests_total=args.requests)
        elapsed = time.perf_counter() - began
    finally:
        server.stop()
    print(table(results, elapsed))
    problems = register_problems(results)
    print("\ncheck_register and verify_register:", "pass" if not problems else "FAIL")
    for problem in problems:
        print(" -", problem)
    return 1 if problems or results.errors else 0


if __name__ == "__main__":
    sys.exit(main())

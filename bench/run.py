"""``make bench``: the portal's request hot paths under gunicorn as in production, each beside its baseline.

    .venv/bin/python bench/run.py [--quick] [--seconds 3] [--rounds 3] [--households 6000] [--compare DIR]
                                  [--chart PATH]

Needs PostgreSQL: ``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/dereg_bench``; its name
must contain ``bench``: the database is dropped and made afresh). What it does, in order:

1. a throwaway PKI (CA, CRL, seal) and media folder in a temporary directory; the database migrated and filled
   by ``bench/fixture.py`` (households for portal cases, citizens with 0/1/50 cases, an owner of 20 dwellings,
   one issued slip); ``collectstatic`` with the slip copied among the static files;
2. gunicorn as in production: ``config/gunicorn.conf.py``, ``gthread``, 2 workers x 4 threads,
   ``bench.settings`` (the production settings, DEBUG off, CONN_MAX_AGE 60, plus a bare JSON view and a
   header counting each request's SQL statements), bound to 127.0.0.1;
3. an in-house load generator (threads, HTTP/1.1 keep-alive) runs each measurement for ``--seconds``, in
   ``--rounds`` interleaved rounds; the table shows medians: requests per second, the baseline measured in the
   same round, the ratio, p50/p95 latency and SQL statements per request;
4. a worker's memory (RSS) after 100 and after 10,000 requests, in a fresh gunicorn;
5. ``bench/bench_eds.py`` (EDS verifications per second on one core), then ``bench/bench_slip.py`` and
   ``bench/bench_scale.py --quick`` as subprocesses when present, their tables appended.

With ``--compare DIR`` (another checkout of the portal with the same schema, e.g. ``git archive`` of an older
commit), a second gunicorn runs that code on the same database and every measurement is taken on both servers
one after the other, in the same rounds: a before/after table that the machine's load cannot skew.

With ``--chart PATH``, an SVG chart of the ratios is written as well (``bench/chart.py``): one bar per request row
on a common axis, the issue's target for the row marked on it, "met" / "not met" beside it; two bars per row with
``--compare``.

Every process it starts is stopped at the end. Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chart import ChartRow, ratio_chart, target_for  # noqa: E402
from bench.databases import recreate_database  # noqa: E402

PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
STATIC_ROOT = ROOT / "var" / "bench-static"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/dereg_bench"

Request = tuple[str, str, dict[str, str], bytes | None]


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {message}", file=sys.stderr, flush=True)


# --- the load generator ---------------------------------------------------------------------------------


@dataclass
class Result:
    done: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def load(port: int, next_request: Callable[[], Request | None], *, clients: int, seconds: float) -> Result:
    """``clients`` threads, each on one keep-alive connection, sending ``next_request()`` until ``seconds``
    pass or it returns None. Only 2xx answers count as done."""
    result = Result()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        latencies, queries, statuses, done, errors = [], [], {}, 0, 0
        while time.perf_counter() < deadline:
            request = next_request()
            if request is None:
                break
            method, path, headers, body = request
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            latencies.append(time.perf_counter() - started)
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if 200 <= response.status < 300:
                done += 1
            else:
                errors += 1
            counted = response.getheader("X-Bench-Queries")
            if counted is not None:
                queries.append(int(counted))
        connection.close()
        with lock:
            result.done += done
            result.errors += errors
            result.latencies.extend(latencies)
            result.queries.extend(queries)
            for code, count in statuses.items():
                result.statuses[code] = result.statuses.get(code, 0) + count

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():  # a join with a timeout lets Ctrl-C through
            thread.join(0.5)
    result.seconds = time.perf_counter() - started
    return result


def repeat(request: Request) -> Callable[[], Request]:
    return lambda: request


# --- gunicorn -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn as in production, on 127.0.0.1; ``stop()`` ends it and its workers."""

    def __init__(self, env: dict[str, str], log: Path, cwd: Path = ROOT) -> None:
        self.port = free_port()
        self.log = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [
                GUNICORN,
                "-c",
                "config/gunicorn.conf.py",
                "--worker-class",
                "gthread",
                "--workers",
                "2",
                "--threads",
                "4",
                "config.wsgi:application",
            ],
            cwd=cwd,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/bench/bare/", headers=HEADERS)
                if connection.getresponse().status == 200:
                    return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn did not start; see {log}")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# --- the measurements -----------------------------------------------------------------------------------

HEADERS = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Accept": "application/json"}


def get(path: str, token: str | None = None) -> Request:
    headers = dict(HEADERS)
    if token:
        headers["Authorization"] = f"Token {token}"
    return ("GET", path, headers, None)


class CaseFeed:
    """Signed portal cases, one household each, signed just before a measurement (``requestedAt`` is checked
    against the server's clock)."""

    def __init__(self, households, keys) -> None:
        self.households = list(households)
        self.keys = keys
        self.ready: list[Request] = []
        self.lock = threading.Lock()

    def prepare(self, count: int) -> None:
        self.ready = []
        for household in self.households[:count]:
            body = {
                "case_type": "owner_application",
                "channel": "portal",
                "address_code": household.address_code,
                "applicant_iin": household.iin,
                "subjects": [household.subject],
                "issue_slip": False,
                "signed_request": self.keys.signed_request(
                    iin=household.iin, address_code=household.address_code, subjects=[household.subject]
                ),
            }
            headers = {
                **HEADERS,
                "Authorization": f"Token {household.token}",
                "Content-Type": "application/json",
            }
            self.ready.append(("POST", "/api/v1/applications/", headers, json.dumps(body).encode()))
        del self.households[:count]
        self.ready.reverse()

    def __call__(self) -> Request | None:
        with self.lock:
            return self.ready.pop() if self.ready else None


@dataclass
class Row:
    name: str
    figure: Callable[[], Request | None]
    baseline: str  # key of the baseline measurement
    clients: int = 4
    prepare: Callable[[], None] | None = None


def median(values: list[float]) -> float:
    values = [v for v in values if v == v]  # NaN is not equal to itself: dropped
    return statistics.median(values) if values else float("nan")


def measure_rounds(
    ports: dict[str, int],
    rows: list[Row],
    baselines: dict[str, tuple[Callable, int]],
    *,
    rounds: int,
    seconds: float,
) -> tuple[dict[str, dict[str, list[Result]]], dict[str, dict[str, list[Result]]]]:
    """Each baseline and row on each server (``ports``: label → port), the servers one after the other for each
    measurement (in turn first), in ``rounds`` rounds. Results by server label, then by name."""
    figures = {label: {row.name: [] for row in rows} for label in ports}
    bases = {label: {name: [] for name in baselines} for label in ports}
    for number in range(1, rounds + 1):
        order = list(ports) if number % 2 else list(reversed(ports))
        for name, (feed, clients) in baselines.items():
            for label in order:
                result = load(ports[label], feed, clients=clients, seconds=seconds)
                bases[label][name].append(result)
                progress(f"round {number}/{rounds} [{label}]: {name}: {result.rate:,.0f}/s")
        for row in rows:
            for label in order:
                if row.prepare:
                    row.prepare()
                result = load(ports[label], row.figure, clients=row.clients, seconds=seconds)
                figures[label][row.name].append(result)
                failed = f", {result.errors} failed {dict(result.statuses)}" if result.errors else ""
                progress(f"round {number}/{rounds} [{label}]: {row.name}: {result.rate:,.1f}/s{failed}")
    return figures, bases


def comparison(rows: list[Row], figures, bases, this: str, other: str) -> str:
    """This checkout against the other one, measured in the same rounds on the same database."""
    lines = [
        f"| what | {other} req/s | {this} req/s | {this} / {other} | same, paired by round "
        f"| ratio to baseline, {other} → {this} | p95 ms {other} → {this} | SQL/req {other} → {this} |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        cells = {}
        for label in (other, this):
            results = figures[label][row.name]
            rate = median([r.rate for r in results])
            cells[label] = (
                rate,
                rate / median([r.rate for r in bases[label][row.baseline]]),
                median([r.percentile(0.95) for r in results]),
                median([median(r.queries) for r in results if r.queries]),
            )
        (a_rate, a_ratio, a_p95, a_sql), (b_rate, b_ratio, b_p95, b_sql) = cells[other], cells[this]
        # The two servers measured one after the other in each round: the median of those ratios is the figure
        # least moved by the machine's load changing between rounds.
        paired = median(
            [
                b.rate / a.rate
                for a, b in zip(figures[other][row.name], figures[this][row.name], strict=True)
                if a.rate
            ]
        )
        lines.append(
            f"| {row.name} | {a_rate:,.1f} | {b_rate:,.1f} | {b_rate / a_rate:.2f}x | {paired:.2f}x "
            f"| {a_ratio:.3f} → {b_ratio:.3f} "
            f"| {a_p95:.0f} → {b_p95:.0f} | {a_sql:.0f} → {b_sql:.0f} |"
        )
    return "\n".join(lines)


def table(rows: list[Row], figures, bases) -> str:
    header = (
        f"| {'what':48} | {'req/s':>8} | {'baseline':>8} | {'ratio':>6} | {'p50 ms':>7} | {'p95 ms':>7} "
        f"| {'SQL/req':>7} | {'failed':>6} |"
    )
    lines = [header, "|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|"]
    for row in rows:
        results = figures[row.name]
        rate = median([r.rate for r in results])
        base = median([r.rate for r in bases[row.baseline]])
        queries = median([median(r.queries) for r in results if r.queries])
        lines.append(
            f"| {row.name:48} | {rate:8,.1f} | {base:8,.0f} | {rate / base:5.2f}x "
            f"| {median([r.percentile(0.5) for r in results]):7.1f} "
            f"| {median([r.percentile(0.95) for r in results]):7.1f} | {queries:7.0f} "
            f"| {sum(r.errors for r in results):6d} |"
        )
    return "\n".join(lines)


def ratio(row: Row, figures, bases) -> float:
    """The row's median req/s over its baseline's median req/s (as in ``table``), on one server."""
    return median([r.rate for r in figures[row.name]]) / median([r.rate for r in bases[row.baseline]])


def chart_rows(rows: list[Row], figures, bases, compare: str | None = None) -> list[ChartRow]:
    """The rows with a target in ``bench/chart.py``'s table, this checkout's ratio and, with ``compare`` (the
    other server's label), the compared code's."""
    charted = []
    for row in rows:
        target = target_for(row.name)
        if target is None:
            continue
        charted.append(
            ChartRow(
                row.name,
                ratio(row, figures["this"], bases["this"]),
                target,
                ratio(row, figures[compare], bases[compare]) if compare else None,
            )
        )
    return charted


# --- setup ----------------------------------------------------------------------------------------------


def fresh_bench_database(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(
            f"BENCH_DATABASE_URL names {name!r}: refusing to drop a database without 'bench' in it"
        )
    recreate_database(url)


def environment(folder: Path, database_url: str) -> dict[str, str]:
    """What gunicorn's production settings need, and the same for this process's Django."""
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PUBLIC_BASE_URL": "https://127.0.0.1",
        "CONN_MAX_AGE": "60",
        "MEDIA_ROOT": str(folder / "media"),
        # Kept between runs (collectstatic compresses every file once, ~1 min).
        "STATIC_ROOT": str(STATIC_ROOT),
        "VAR_DIR": str(folder / "var"),
        "LOG_LEVEL": "WARNING",
        "EDS_TRUST_ROOTS": str(folder / "pki" / "ca.pem"),
        "EDS_CRL": str(folder / "pki" / "ca.crl"),
        "SLIP_SEAL_CERT": str(folder / "pki" / "seal.pem"),
        "SLIP_SEAL_KEY": str(folder / "pki" / "seal.key.pem"),
        "SLIP_SEAL_CHAIN": str(folder / "pki" / "ca.pem"),
    }


def run_script(arguments: list[str], env: dict[str, str]) -> str:
    progress(f"running {' '.join(arguments)}")
    completed = subprocess.run(  # noqa: S603 - our own scripts
        [PYTHON, *arguments], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        return f"{arguments[0]} failed ({completed.returncode}):\n{completed.stderr[-2000:]}"
    return completed.stdout.rstrip()


def eds_row(quick: bool, env: dict[str, str]) -> tuple[str, str]:
    output = run_script(["bench/bench_eds.py", "--seconds", "0.5" if quick else "2"], env)
    full = rsa = None
    for line in output.splitlines():
        if line.startswith("full verify_signed_request"):
            full = float(line.split()[2].replace(",", ""))
        elif line.startswith("RSA-2048 verify alone"):
            rsa = float(line.split()[3].replace(",", ""))
    if full is None or rsa is None:
        return "", output
    return (
        f"| {'EDS verifications/s, one core (vs RSA alone)':48} | {full:8,.0f} | {rsa:8,.0f} | "
        f"{full / rsa:5.2f}x | {1000 / full:7.2f} | {'':>7} | {'':>7} | {'':>6} |"
    ), output


def memory(env: dict[str, str], folder: Path, requests: Iterator[Request], total: int) -> str:
    server = Server(env, folder / "gunicorn-memory.log")
    try:
        feed = lambda: next(requests)  # noqa: E731
        sent = 0
        readings = {}
        for target in (100, total):
            result = Result()
            while sent < target:
                result = load(server.port, _limited(feed, target - sent), clients=4, seconds=600)
                sent += result.done + result.errors
            readings[target] = [rss_kib(pid) for pid in server.workers()]
            progress(f"memory after {target:,} requests: {readings[target]} KiB per worker")
    finally:
        server.stop()
    first, last = max(readings[100]), max(readings[total])
    return (
        f"| {f'worker RSS after {total:,} requests (vs 100), MiB':48} | {last / 1024:8.1f} | "
        f"{first / 1024:8.1f} | {last / first:5.2f}x | {'':>7} | {'':>7} | {'':>7} | {'':>6} |"
    )


def _limited(feed: Callable[[], Request], count: int) -> Callable[[], Request | None]:
    lock = threading.Lock()
    left = [count]

    def limited() -> Request | None:
        with lock:
            if left[0] <= 0:
                return None
            left[0] -= 1
        return feed()

    return limited


def interrupted(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM as Ctrl-C: the ``finally`` below stops gunicorn


def main() -> None:
    signal.signal(signal.SIGTERM, interrupted)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="short rounds, fewer requests (about 2 minutes)")
    parser.add_argument("--seconds", type=float, help="length of one measurement (default 3, quick 1)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--households", type=int, help="portal cases available (default 6000, quick 1500)")
    parser.add_argument("--memory-requests", type=int, help="requests before the last RSS reading (10,000)")
    parser.add_argument("--no-extra", action="store_true", help="skip bench_eds, bench_slip and bench_scale")
    parser.add_argument(
        "--compare",
        type=Path,
        help="another checkout of the portal (same schema): served by a second gunicorn on the same database and "
        "measured in the same rounds; a table of both follows",
    )
    parser.add_argument(
        "--chart",
        type=Path,
        metavar="PATH",
        help="also write an SVG chart of the ratios to their baselines, against the issue's targets",
    )
    arguments = parser.parse_args()
    if arguments.chart and not arguments.chart.resolve().parent.is_dir():
        parser.error(f"--chart: no folder {arguments.chart.resolve().parent}")
    started = dt.datetime.now(dt.UTC)
    quick = arguments.quick
    seconds = arguments.seconds or (1.0 if quick else 3.0)
    households = arguments.households or (1500 if quick else 6000)
    memory_total = arguments.memory_requests or (2_000 if quick else 10_000)
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)

    folder = Path(tempfile.mkdtemp(prefix="dereg-bench-"))
    settings_env = environment(folder, database_url)
    env = {**os.environ, **settings_env}
    os.environ.update(settings_env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["DEBUG"] = "on"  # this process only: the fixture; gunicorn runs the production settings
    server = None
    try:
        progress(f"database {urlparse(database_url).path.lstrip('/')}: made afresh")
        fresh_bench_database(database_url)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from bench import fixture

        keys = fixture.make_pki(folder / "pki")
        call_command("migrate", verbosity=0)
        progress("migrated")
        progress(f"fixture: {households:,} households, citizens with 0/1/50 cases, one slip")
        scene = fixture.build(households=households, keys=keys)
        connections.close_all()
        progress("fixture ready")

        server_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.settings"}
        server_env.pop("DEBUG", None)
        subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=server_env,
            check=True,
        )
        from deregistration.models import DepartureSlip
        from deregistration.slips import slip_storage

        stored = slip_storage().path(DepartureSlip.objects.get(number=scene.slip_number).file_name)
        (STATIC_ROOT / "bench").mkdir(exist_ok=True)
        shutil.copyfile(stored, STATIC_ROOT / "bench" / "slip.pdf")
        connections.close_all()

        server = Server(server_env, folder / "gunicorn.log")
        progress(
            f"gunicorn (gthread, 2 workers x 4 threads) on 127.0.0.1:{server.port}; "
            f"{arguments.rounds} rounds of {seconds:g} s per measurement"
        )
        bare = get("/bench/bare/")
        static = get("/static/bench/slip.pdf")
        cases = CaseFeed(scene.households, keys)
        case_measurements = 2 * (arguments.rounds + 1)
        per_case_measurement = max(1, households // (case_measurements * (2 if arguments.compare else 1)))
        baselines = {
            "bare, 1 client": (repeat(bare), 1),
            "bare, 4 clients": (repeat(bare), 4),
            "static": (repeat(static), 4),
        }
        rows = [
            Row(
                "portal case signed → completed, 1 client",
                cases,
                "bare, 1 client",
                1,
                lambda: cases.prepare(per_case_measurement),
            ),
            Row(
                "portal case signed → completed, 4 clients",
                cases,
                "bare, 4 clients",
                4,
                lambda: cases.prepare(per_case_measurement),
            ),
            Row(
                "GET /api/v1/applications/, citizen, 0 rows",
                repeat(get("/api/v1/applications/", scene.list_tokens[0])),
                "bare, 4 clients",
            ),
            Row(
                "GET /api/v1/applications/, citizen, 1 row",
                repeat(get("/api/v1/applications/", scene.list_tokens[1])),
                "bare, 4 clients",
            ),
            Row(
                "GET /api/v1/applications/, citizen, 50 (page 20)",
                repeat(get("/api/v1/applications/", scene.list_tokens[50])),
                "bare, 4 clients",
            ),
            Row(
                "GET /api/v1/dwellings/ (20 dwellings x 2)",
                repeat(get("/api/v1/dwellings/", scene.dwellings_token)),
                "bare, 4 clients",
            ),
            Row(
                # The bytes' own cost: the bare view sending as many bytes as the page of 20 cases (12,001).
                "bare view with a 12 KB body (vs the bare view)",
                repeat(get("/bench/bare/?bytes=12001")),
                "bare, 4 clients",
            ),
            Row(
                "stored slip download (vs the file static)",
                repeat(get(f"/api/v1/slips/{scene.slip_number}/pdf/", scene.slip_token)),
                "static",
            ),
        ]
        progress("warm-up")
        for row in rows:
            if row.prepare:
                cases.prepare(20)
            load(server.port, row.figure, clients=row.clients, seconds=0.3)
        ports = {"this": server.port}
        other = None
        if arguments.compare:
            other = Server(server_env, folder / "gunicorn-compare.log", cwd=arguments.compare.resolve())
            ports["compare"] = other.port
            progress(f"the other checkout ({arguments.compare}) on 127.0.0.1:{other.port}")
            for row in rows:
                if row.prepare:
                    cases.prepare(20)
                load(other.port, row.figure, clients=row.clients, seconds=0.3)
        try:
            figures, bases = measure_rounds(ports, rows, baselines, rounds=arguments.rounds, seconds=seconds)
        finally:
            if other is not None:
                other.stop()
        server.stop()
        server = None

        mix = [
            get("/api/v1/applications/", scene.list_tokens[50]),
            get("/api/v1/dwellings/", scene.dwellings_token),
            get(f"/api/v1/slips/{scene.slip_number}/pdf/", scene.slip_token),
            bare,
        ]

        def cycle() -> Iterator[Request]:
            while True:
                yield from mix

        memory_row = memory(server_env, folder, cycle(), memory_total)
        extra = []
        eds_line = ""
        if not arguments.no_extra:
            eds_line, eds_output = eds_row(quick, env)
            if not eds_line:
                extra.append(eds_output)
            script_env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
            script_env.pop("DEBUG", None)
            if (ROOT / "bench" / "bench_slip.py").exists():
                extra.append(run_script(["bench/bench_slip.py", "-n", "5" if quick else "15"], script_env))
            if (ROOT / "bench" / "bench_scale.py").exists():
                extra.append(run_script(["bench/bench_scale.py", "--quick"], script_env))

        print()
        print(
            f"Requests through gunicorn (gthread, 2 workers x 4 threads, production settings, PostgreSQL, "
            f"CONN_MAX_AGE 60), load from 127.0.0.1; {arguments.rounds} interleaved rounds of {seconds:g} s, "
            f"medians; {os.cpu_count()} CPUs"
        )
        print()
        print(table(rows, figures["this"], bases["this"]))
        print(memory_row)
        if eds_line:
            print(eds_line)
        if arguments.compare:
            print()
            print(f"This checkout against {arguments.compare}, the same rounds and database:")
            print()
            print(comparison(rows, figures, bases, "this", "compare"))
        for block in extra:
            print()
            print(block)
        if arguments.chart:
            svg = ratio_chart(
                chart_rows(rows, figures, bases, "compare" if arguments.compare else None),
                title=f"bench/run.py, {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs: req/s ÷ baseline",
                subtitle=f"medians of {arguments.rounds} rounds of {seconds:g} s; baselines: the bare JSON view "
                "(1 or 4 clients), the slip served static",
                compare_label=str(arguments.compare),
            )
            arguments.chart.write_text(svg, encoding="utf-8")
            progress(f"chart written to {arguments.chart}")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

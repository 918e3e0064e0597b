"""How long a departure slip takes to render and seal, next to a bare WeasyPrint page with the same fonts.

    .venv/bin/python bench/bench_slip.py [-n 15] [--variant pdf/a-3u|none] [--png /tmp/slip.png]

Runs in one process and prints one table. The slip is drawn on a PDF canvas (ReportLab,
deregistration/slip_form.py); the baseline is still a one-paragraph page through WeasyPrint with the same
DejaVu fonts. Warm-up renders first (imports, font registration and the first layout are paid once per
process), then N interleaved rounds: in each round the bare page and the slip are rendered one after the
other, so that a busy machine slows them alike. Each row gives the median wall time, the median CPU time of
this process (a render is single-threaded: CPU time is what the render costs, whatever else runs on the
machine) and both as a ratio to the bare page; then the Python function calls of one render of each, a count
that load does not blur. Sealing uses a throwaway CA and seal certificate made on the fly, unless
--key/--cert/--chain name real ones. With --png, also writes the demo slip's page 1 as a PNG (pdftoppm, 80 dpi)
for the docs.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from deregistration import pdf, slip_form, slip_layout  # noqa: E402
from tests.deregistration.slip_samples import EMIGRATION, make_slip  # noqa: E402

WARMUPS = 2

BARE_PAGE = f"""<!doctype html><html lang="kk"><head><meta charset="utf-8"><title>Bare page</title>
<style>@page {{ size: A4; margin: 15mm }} html {{ font-family: "{pdf.FONT_FAMILY}"; font-size: 9pt }}</style></head>
<body><h1>Мекенжайдан кету парағы / Адресный листок убытия</h1>
<p>Әбілқайыр Ғалымжан Төлеуұлы, ЖСН 900417401238. Алматы қаласы, Медеу ауданы, Достық даңғылы, 132.</p>
</body></html>"""


def throwaway_seal(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a seal certificate under it from the demo PKI's building blocks, as PEM files: (key, cert, ca)."""
    from devtools import pki

    ca = pki.make_ca("Bench Root CA")
    seal = pki.make_seal_certificate(ca)
    key_path, cert_path, ca_path = directory / "seal.key.pem", directory / "seal.pem", directory / "ca.pem"
    pki.write_certified_key(cert_path, key_path, seal)
    pki.write_certificate(ca_path, ca.certificate)
    return key_path, cert_path, ca_path


def bare_weasyprint_render(weasyprint, variant: str | None, html: str) -> Callable[[], bytes]:
    """``html`` through WeasyPrint's own API: its own FontConfiguration, the same @font-face files."""
    from weasyprint.text.fonts import FontConfiguration

    with pdf.render_lock():  # WeasyPrint is not thread-safe: even here, one use at a time per process
        font_config = FontConfiguration()
        fonts = weasyprint.CSS(
            string=pdf._font_faces_css(), base_url=pdf._fonts_base_url(), font_config=font_config
        )

    def render() -> bytes:
        with pdf.render_lock():
            return weasyprint.HTML(string=html).write_pdf(
                stylesheets=[fonts], font_config=font_config, pdf_variant=variant
            )

    return render


def function_calls(action: Callable[[], object]) -> int:
    """Python function calls (cProfile's count, C functions included) of one run of ``action``."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.runcall(action)
    return pstats.Stats(profile).total_calls


def median_seconds(action: Callable[[], object], runs: int) -> float:
    return median_times({"action": action}, runs)["action"][0]


def median_times(actions: dict[str, Callable[[], object]], runs: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds of each action over ``runs`` interleaved rounds, after warm-ups."""
    for _ in range(WARMUPS):
        for action in actions.values():
            action()
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            wall, cpu = time.perf_counter(), time.process_time()
            action()
            timings[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    return {
        name: (statistics.median(t[0] for t in rows), statistics.median(t[1] for t in rows))
        for name, rows in timings.items()
    }


def seconds_per_item_in_threads(action: Callable[[], object], threads: int, runs: int) -> float:
    """Wall time per ``action`` when ``threads`` threads each run it ``runs`` times at once (after a warm-up).
    Renders are serialised by pdf.py's lock, so this shows what a threaded worker gets; sealing runs in parallel."""
    import threading

    action()
    start = threading.Barrier(threads + 1)

    def work() -> None:
        start.wait()
        for _ in range(runs):
            action()

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in pool:
        thread.join()
    return (time.perf_counter() - started) / (threads * runs)


def bench_serve_stored_slip(runs: int, key: Path, cert: Path, chain: list[Path], media: Path) -> float:
    """Median time to serve an issued slip through the whole stack: GET /api/v1/slips/{number}/pdf/ with
    Django's test client (middleware, session auth, the permission check, the audit row, the file read and
    its SHA-256 check), on a throwaway in-memory SQLite database with one real case and its slip."""
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import setup_test_environment, teardown_test_environment

    from tests.conftest import Household, walk_in_case
    from tests.factories import DwellingFactory, OwnershipFactory, PersonFactory, RegistrationFactory

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with override_settings(
            SLIP_SEAL_KEY=str(key),
            SLIP_SEAL_CERT=str(cert),
            SLIP_SEAL_CHAIN=str(chain[0]),
            MEDIA_ROOT=media,
            ALLOWED_HOSTS=["testserver"],
        ):
            from deregistration.accounts import staff_account_create

            operator = staff_account_create(username="bench", role="operator", password="x", validate=False)  # noqa: S106
            dwelling = DwellingFactory()
            owner, tenant = PersonFactory(), PersonFactory()
            OwnershipFactory(dwelling=dwelling, person=owner)
            RegistrationFactory(person=tenant, dwelling=dwelling)
            home = Household(dwelling=dwelling, owner=owner, tenant=tenant, child=None)
            application = walk_in_case(operator, home, issue_slip=True, complete=True)
            slip = application.subjects.get().slip
            client = Client()
            client.force_login(operator)
            url = f"/api/v1/slips/{slip.number}/pdf/"
            response = client.get(url)
            if response.status_code != 200 or not response.content.startswith(b"%PDF"):
                raise SystemExit(f"serving the slip failed: HTTP {response.status_code}")
            return median_seconds(lambda: client.get(url), runs)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def write_png(pdf_bytes: bytes, png_path: Path) -> None:
    png_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "slip.pdf"
        source.write_bytes(pdf_bytes)
        pdftoppm = shutil.which("pdftoppm")
        if pdftoppm is None:
            raise SystemExit("--png needs pdftoppm (Debian package poppler-utils)")
        command = [pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(source)]
        subprocess.run([*command, str(png_path.with_suffix(""))], check=True)  # noqa: S603 - our own files


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--runs", type=int, default=15)
    parser.add_argument(
        "--variant", default=pdf.PDF_VARIANT, help="pdf/a-3u (slip and bare page) or 'none' (plain PDF)"
    )
    parser.add_argument("--key")
    parser.add_argument("--cert")
    parser.add_argument("--chain", action="append")
    parser.add_argument("--png", type=Path, help="also write page 1 of the demo slip as a PNG here")
    parser.add_argument("--threads", type=int, default=4, help="threads rendering and sealing at once")
    args = parser.parse_args()
    variant = None if args.variant == "none" else args.variant
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

    data = make_slip(ground=EMIGRATION)  # a person leaving for Germany (tests/deregistration/slip_samples.py)
    with tempfile.TemporaryDirectory() as tmp:
        if args.key and args.cert:
            key, cert, chain = Path(args.key), Path(args.cert), [Path(p) for p in args.chain or ()]
        else:
            key, cert, ca = throwaway_seal(Path(tmp))
            chain = [ca]

        # Timed on purpose: the costs that pdf.py defers by importing lazily (ReportLab with the slip's first
        # render, which also registers the fonts; WeasyPrint only for the baseline page).
        started = time.perf_counter()
        unsealed = pdf.render_slip_pdf(data, pdf_variant=variant)
        first = time.perf_counter() - started
        started = time.perf_counter()
        import weasyprint

        imported = time.perf_counter() - started

        bare = bare_weasyprint_render(weasyprint, variant, BARE_PAGE)
        renders = median_times(
            {"bare": bare, "slip": lambda: pdf.render_slip_pdf(data, pdf_variant=variant)}, args.runs
        )
        others = median_times(
            {
                "layout": lambda: slip_layout.paginate(slip_form.slip_items(data, "27.11.2025 10:05")),
                "qr": lambda: slip_layout.qr_runs(data.verify_url),
                "seal": lambda: pdf.seal_pdf(unsealed, key_path=key, cert_path=cert, chain_paths=chain),
            },
            args.runs,
        )
        calls = {"bare": function_calls(bare), "slip": function_calls(lambda: pdf.render_slip_pdf(data))}

        def render_and_seal() -> bytes:
            return pdf.seal_pdf(
                pdf.render_slip_pdf(data, pdf_variant=variant),
                key_path=key,
                cert_path=cert,
                chain_paths=chain,
            )

        both = median_times({"both": render_and_seal}, args.runs)["both"]
        threaded = seconds_per_item_in_threads(
            render_and_seal, args.threads, max(1, args.runs // args.threads)
        )
        sealed = pdf.seal_pdf(unsealed, key_path=key, cert_path=cert, chain_paths=chain)
        served = bench_serve_stored_slip(args.runs, key, cert, chain, Path(tmp) / "media")

    print(
        f"pdf_variant={variant}  runs={args.runs} (median, interleaved, after {WARMUPS} warm-ups)  cpus={os.cpu_count()}"
    )
    print(
        f"first slip render (imports ReportLab, registers the fonts): {first * 1000:.0f} ms; "
        f"import weasyprint (baseline only): {imported * 1000:.0f} ms"
    )
    bare_wall, bare_cpu = renders["bare"]
    print(f"{'what':46} {'wall ms':>8} {'CPU ms':>8} {'× bare':>7} {'× bare CPU':>10}")
    rows = [
        ("bare WeasyPrint page, same fonts", renders["bare"]),
        ("departure slip render (PDF canvas)", renders["slip"]),
        ("  of which layout only (wrap, paginate)", others["layout"]),
        ("  of which QR code matrix (segno)", others["qr"]),
        ("seal (PAdES, pyHanko)", others["seal"]),
        ("render + seal", both),
        (f"render + seal, {args.threads} threads at once, per slip", (threaded, None)),
        ("serve stored slip (GET …/pdf/, whole stack)", (served, None)),
    ]
    for label, (wall, cpu) in rows:
        cpu_ms = f"{cpu * 1000:8.1f}" if cpu is not None else f"{'':8}"
        cpu_ratio = f"{cpu / bare_cpu:10.2f}" if cpu is not None else f"{'':10}"
        print(f"{label:46} {wall * 1000:8.1f} {cpu_ms} {wall / bare_wall:7.2f} {cpu_ratio}")
    print(f"function calls per render: slip {calls['slip']:,}, bare page {calls['bare']:,}")
    print(f"sizes: slip {len(unsealed):,} B, sealed {len(sealed):,} B")
    print(
        f"render + seal vs serving the stored slip: {both[0] / served:.0f}× (a slip is rendered once, served often)"
    )

    if args.png:
        write_png(sealed, args.png)
        print(f"wrote {args.png}")


if __name__ == "__main__":
    main()

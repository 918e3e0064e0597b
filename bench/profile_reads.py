"""CPU time and SQL statements of the API's read requests, in one process, without HTTP or load.

``bench/run.py`` measures throughput under gunicorn, which the machine's load blurs; this measures what one
request costs the server: the Django WSGI handler is called directly (as gunicorn calls it) with the production
settings (``bench.settings``, DEBUG off) on a PostgreSQL database made afresh with ``bench/fixture.py``'s
scene, and each request is repeated ``-n`` times. CPU time (``time.process_time``) is the figure the load moves
least; SQL statements and Python function calls (``--calls``) do not move at all.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/dereg_profile_bench \\
        .venv/bin/python bench/profile_reads.py -n 300
    ... --profile "applications, 50"     # cProfile of one row, the 45 costliest functions (cumulative;
                                         # PROFILE_SORT=tottime for the time in each function itself)

The scene is built in a child process (the fixture runs with DEBUG on, as in ``bench/run.py``); the database
name must contain "bench": it is dropped and made afresh.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/dereg_profile_bench"


def environment(folder: Path, database_url: str) -> dict[str, str]:
    """bench/run.py's settings environment, with one SECRET_KEY per scene (the tokens are bound to it through
    the session hash), kept in the scene's folder, and the scene's own static folder."""
    from bench.run import environment as server_environment

    folder.mkdir(parents=True, exist_ok=True)
    key_file = folder / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(60))
    return {
        **server_environment(folder, database_url),
        "SECRET_KEY": key_file.read_text(),
        "STATIC_ROOT": str(folder / "static"),
    }


def build_scene(folder: Path) -> None:
    """Child process: the database made afresh, migrated, and the scene's tokens written to scene.json."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["DEBUG"] = "on"
    from bench.databases import recreate_database

    recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from bench import fixture

    keys = fixture.make_pki(folder / "pki")
    call_command("migrate", verbosity=0)
    scene = fixture.build(households=4, keys=keys)
    (folder / "scene.json").write_text(
        json.dumps(
            {
                "list_tokens": {str(k): v for k, v in scene.list_tokens.items()},
                "dwellings_token": scene.dwellings_token,
                "slip_number": scene.slip_number,
                "slip_token": scene.slip_token,
            }
        )
    )


def measure(folder: Path, *, repeat: int, profile: str, calls: bool) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.pop("DEBUG", None)
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connections

    scene = json.loads((folder / "scene.json").read_text())
    handler = WSGIHandler()
    rows = {
        "bare view": ("/bench/bare/", None),
        "applications, 0": ("/api/v1/applications/", scene["list_tokens"]["0"]),
        "applications, 1": ("/api/v1/applications/", scene["list_tokens"]["1"]),
        "applications, 50": ("/api/v1/applications/", scene["list_tokens"]["50"]),
        "dwellings, 20x2": ("/api/v1/dwellings/", scene["dwellings_token"]),
        "slip detail": (f"/api/v1/slips/{scene['slip_number']}/", scene["slip_token"]),
        "slip pdf": (f"/api/v1/slips/{scene['slip_number']}/pdf/", scene["slip_token"]),
    }

    def call(path: str, token: str | None) -> tuple[int, int, int]:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_X_FORWARDED_PROTO": "https",
            "HTTP_ACCEPT": "application/json",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
        }
        if token:
            environ["HTTP_AUTHORIZATION"] = f"Token {token}"
        status: list[str] = []
        body = handler(environ, lambda s, h, exc_info=None: status.append(s))
        size = sum(len(chunk) for chunk in body)
        if hasattr(body, "close"):
            body.close()
        return int(status[0].split()[0]), size, 0

    print(f"{'request':<18} {'status':>6} {'bytes':>7} {'SQL':>4} {'CPU µs':>8} {'wall µs':>8} {'calls':>7}")
    for name, (path, token) in rows.items():
        if profile and name != profile:
            continue
        for _ in range(20):
            call(path, token)
        count = 0

        def counting(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connections["default"].execute_wrapper(counting):
            code, size, _ = call(path, token)
        function_calls = ""
        if calls or profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(repeat if profile else 1):
                call(path, token)
            profiler.disable()
            stats = pstats.Stats(profiler)
            function_calls = str(stats.total_calls // (repeat if profile else 1))
            if profile:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(
                    os.environ.get("PROFILE_SORT", "cumulative")
                ).print_stats(45)
                print(out.getvalue())
        cpu = wall = float("inf")
        for _ in range(3):  # the best of three batches: the least disturbed by the machine's other work
            c0, w0 = time.process_time(), time.perf_counter()
            for _ in range(repeat):
                call(path, token)
            cpu = min(cpu, (time.process_time() - c0) / repeat * 1e6)
            wall = min(wall, (time.perf_counter() - w0) / repeat * 1e6)
        print(f"{name:<18} {code:>6} {size:>7} {count:>4} {cpu:>8.0f} {wall:>8.0f} {function_calls:>7}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=200, help="requests per batch (three batches, best kept)")
    parser.add_argument("--profile", default="", help="one row's name: print its cProfile")
    parser.add_argument("--calls", action="store_true", help="count Python function calls per request")
    parser.add_argument("--scene", type=Path, help="a folder for the scene: reused if built already")
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    if "bench" not in urlparse(database_url).path:
        raise SystemExit("BENCH_DATABASE_URL must name a database with 'bench' in it: it is dropped")
    if arguments.build:
        os.environ.update(environment(arguments.build, database_url))
        build_scene(arguments.build)
        return
    folder = arguments.scene or Path(tempfile.mkdtemp(prefix="dereg-profile-"))
    os.environ.update(environment(folder, database_url))
    if not (folder / "scene.json").exists():
        subprocess.run([sys.executable, __file__, "--build", str(folder)], check=True)  # noqa: S603
        print(f"scene in {folder} (--scene {folder} reuses it)", file=sys.stderr)
    measure(folder, repeat=arguments.n, profile=arguments.profile, calls=arguments.calls)


if __name__ == "__main__":
    main()

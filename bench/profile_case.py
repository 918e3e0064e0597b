"""One process's CPU per portal case (signed → completed), its SQL statements and, optionally, its profile.

    BENCH_DATABASE_URL=postgres://…/x_prof_bench .venv/bin/python bench/profile_case.py [--cases 300]
        [--code DIR] [--sql] [--profile cumulative|tottime] [--top 60]

``bench.settings`` (the production settings of ``make bench``) on PostgreSQL, the database made afresh and
filled by ``bench/fixture.py``; each case is posted through Django's test client (the whole middleware stack,
no HTTP server), 20 to warm up, then half the rest timed (``time.process_time``: the CPU of this process, which
the machine's load blurs less than wall time; PostgreSQL's own CPU is not in it) and, with ``--profile``, the
other half under cProfile. ``--code DIR``: the same for another checkout (e.g. ``git archive`` of an older
commit), so that two versions can be measured one after the other.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--cases", type=int, default=300)
parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parent.parent)
parser.add_argument("--sql", action="store_true", help="print the statements of one case")
parser.add_argument("--profile", choices=["cumulative", "tottime"], help="profile the second half")
parser.add_argument("--top", type=int, default=60)
arguments = parser.parse_args()

root = arguments.code.resolve()
sys.path.insert(0, str(root))
os.chdir(root)
from bench.run import environment, fresh_bench_database  # noqa: E402

url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dereg_prof_bench")
folder = Path(tempfile.mkdtemp(prefix="dereg-prof-"))
os.environ.update(environment(folder, url))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
fresh_bench_database(url)

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import fixture  # noqa: E402

keys = fixture.make_pki(folder / "pki")
call_command("migrate", verbosity=0)
households = fixture.build(households=arguments.cases + 21, keys=keys).households
client = Client(HTTP_HOST="127.0.0.1")
bodies = [
    json.dumps(
        {
            "case_type": "owner_application",
            "channel": "portal",
            "address_code": h.address_code,
            "applicant_iin": h.iin,
            "subjects": [h.subject],
            "issue_slip": False,
            "signed_request": keys.signed_request(
                iin=h.iin, address_code=h.address_code, subjects=[h.subject]
            ),
        }
    )
    for h in households
]


def post(i: int) -> None:
    response = client.post(
        "/api/v1/applications/",
        bodies[i],
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {households[i].token}",
        secure=True,
    )
    assert response.status_code == 201, (response.status_code, response.content[:300])
    assert response.json()["status"] == "completed"


for i in range(20):
    post(i)
with CaptureQueriesContext(connection) as queries:
    post(20)
print(f"{root}: {len(queries.captured_queries)} SQL statements a case (BEGIN and COMMIT included)")
if arguments.sql:
    for query in queries.captured_queries:
        print("  ", query["sql"][:160])
rest = list(range(21, len(households)))
timed, profiled = rest[: len(rest) // 2], rest[len(rest) // 2 :]
cpu, wall = time.process_time(), time.perf_counter()
for i in timed:
    post(i)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(
    f"CPU {1000 * cpu / len(timed):.2f} ms a case, wall {1000 * wall / len(timed):.2f} ms ({len(timed)} cases)"
)
if arguments.profile:
    profile = cProfile.Profile()
    profile.enable()
    for i in profiled:
        post(i)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(arguments.profile).print_stats(arguments.top)
    print(out.getvalue())

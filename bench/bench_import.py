"""Where a population import's time goes: each set-based statement's wall and PostgreSQL CPU seconds.

    .venv/bin/python bench/bench_import.py --persons 1000000
    .venv/bin/python bench/bench_import.py --persons 200000 --bulk off
    .venv/bin/python bench/bench_import.py --persons 1000000 --tree /tmp/base   # another checkout's importer

One import of a synthetic file (``devtools/population_file.py``, kept in the temporary folder between runs as
``population_<N>.json``) into a fresh, empty database ``<name>_import`` on the server of ``DATABASE_URL``, as
``bench_scale.py --only import`` does; then the slowest statements of the staging and merge steps (``Stage.execute``
and ``Stage.rows``), each with the CPU seconds its PostgreSQL backend spent (read from /proc: same machine), and
the rebuilding of the indexes and foreign keys after a bulk load. ``--tree`` runs the importer of another checkout
of the project (an older commit, for a comparison in interleaved rounds on a shared machine).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

options = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
options.add_argument("--persons", type=int, default=200_000)
options.add_argument("--bulk", choices=["auto", "on", "off"], default="auto")
options.add_argument("--tree", type=Path, help="the checkout whose importer runs (default: this one)")
options.add_argument("--top", type=int, default=15, help="how many statements to show")
args = options.parse_args()
tree = (args.tree or Path(__file__).resolve().parent.parent).resolve()
sys.path.insert(0, str(tree))
sys.argv = sys.argv[:1]  # bench_scale parses nothing at import, but keep its view clean

from bench import bench_scale  # noqa: E402 - after the path and Django's setup in bench_scale
from citizens import population, population_sql  # noqa: E402

timings: list[tuple[float, float, str]] = []  # (wall s, backend CPU s, what)
backend: list[int] = []


def backend_cpu() -> float:
    try:
        fields = Path(f"/proc/{backend[0]}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(what, call):
    wall, cpu = time.perf_counter(), backend_cpu()
    result = call()
    timings.append((time.perf_counter() - wall, backend_cpu() - cpu, what))
    return result


def instrument() -> None:
    for name in ("execute", "rows"):
        original = getattr(population_sql.Stage, name)

        def wrapper(self, sql, params=None, original=original):
            self.wait()  # the COPY in flight is not this statement's time
            return timed(" ".join(sql.split())[:90], lambda: original(self, sql, params))

        setattr(population_sql.Stage, name, wrapper)
    try:
        from citizens import population_bulk
    except ImportError:  # an older checkout: no bulk load
        return
    restore = population_bulk._restore
    population_bulk._restore = lambda *a: timed(
        "(bulk load) indexes and foreign keys built again", lambda: restore(*a)
    )


def main() -> None:
    instrument()
    name = f"{bench_scale.base_name()}_import"
    bench_scale.prepare(name, 0, fresh=True)
    path = Path(tempfile.gettempdir()) / f"population_{args.persons}.json"
    if not path.exists():
        bench_scale.write_population_file(path, persons=args.persons)
    kwargs = {}
    if "bulk" in population.population_import_file.__kwdefaults__:
        kwargs["bulk"] = {"auto": None, "on": True, "off": False}[args.bulk]
    merge = population._Importer.merge
    read: list[float] = []

    def merge_timed(self):
        read.append(time.perf_counter())
        return merge(self)

    population._Importer.merge = merge_timed
    started = time.perf_counter()
    with bench_scale.Clock() as clock:
        backend.append(clock.backend)
        summary = population.population_import_file(path=path, **kwargs)
    assert summary.created["persons"] == args.persons, summary.created
    print(
        f"{tree}: {args.persons:,} persons, {args.persons / clock.wall:,.0f} persons/s ({clock}); "
        f"bulk load: {getattr(summary, 'bulk', False)}; reading {read[0] - started:.1f} s; "
        f"load {os.getloadavg()[0]:.1f}"
    )
    for wall, cpu, what in sorted(timings, reverse=True)[: args.top]:
        print(f"  {wall:6.2f} s wall {cpu:6.2f} s CPU  {what}")


if __name__ == "__main__":
    main()

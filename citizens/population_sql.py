"""The population import's writes: temporary staging tables and set-based statements (PostgreSQL and SQLite).

Checked records are appended to staging tables in batches (COPY on PostgreSQL, ``executemany`` on SQLite), then
merged into the register with a few statements per section: UPDATE … FROM for the rows that differ, INSERT …
SELECT … WHERE NOT EXISTS for the new ones, and queries that find what only the whole file and the register
together can tell (a key twice in the file, an owner or a registration naming nobody, a second active permanent
registration). The same SQL runs on both databases; the caller holds the transaction.
"""

from __future__ import annotations

import datetime as dt
import io
import operator
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from django.db import DatabaseError, connection, transaction

from .constants import RegistrationKind
from .models import Dwelling, Ownership, Person, Registration

BATCH = 20_000
# The COPY data queued for the writer thread at most, in bytes: while PostgreSQL merges a finished section (4-6 s
# for a million persons) the reading goes on and queues its batches (2-6 MB each) behind the merge; this bounds
# the memory they take, whatever the size of the file.
QUEUED_BYTES = 64 * 1024 * 1024

T = TypeVar("T")

PERSON = Person._meta.db_table
DWELLING = Dwelling._meta.db_table
OWNERSHIP = Ownership._meta.db_table
REGISTRATION = Registration._meta.db_table

PERSON_FIELDS = (
    "last_name",
    "first_name",
    "patronymic",
    "birth_date",
    "birth_place",
    "sex",
    "citizenship",
    "category",
)
DOCUMENT_FIELDS = {
    "type": "document_type",
    "number": "document_number",
    "issued_on": "document_issued_on",
    "issued_by": "document_issued_by",
}
DWELLING_FIELDS = (
    "kato",
    "postcode",
    "region",
    "region_ru",
    "district",
    "district_ru",
    "locality",
    "locality_ru",
    "street",
    "street_ru",
    "block",
    "building",
    "apartment",
)
PERSON_COLUMNS = [*PERSON_FIELDS, *DOCUMENT_FIELDS.values()]
DWELLING_COLUMNS = list(DWELLING_FIELDS)
REGISTRATION_COLUMNS = ("kind", "registered_on", "valid_until", "ended_on", "end_reason")

# Staging tables take their column types from the register's own tables.
STAGING = {
    "import_person": f"SELECT id AS idx, iin, {', '.join(PERSON_COLUMNS)} FROM {PERSON}",
    "import_dwelling": f"SELECT id AS idx, address_code, {', '.join(DWELLING_COLUMNS)} FROM {DWELLING}",
    "import_owner": (
        f"SELECT o.id AS idx, o.id AS position, d.address_code, p.iin, o.share, o.since "
        f"FROM {OWNERSHIP} o, {DWELLING} d, {PERSON} p"
    ),
    "import_registration": (
        f"SELECT r.id AS idx, p.iin, d.address_code, {', '.join('r.' + c for c in REGISTRATION_COLUMNS)} "
        f"FROM {REGISTRATION} r, {PERSON} p, {DWELLING} d"
    ),
}
DERIVED = ("import_owner_ids", "import_registration_ids", "import_registration_new")
# The columns of each staging table that the set-based statements join, group or filter on.
ANALYZED = {
    "import_person": ("idx", "iin"),
    "import_dwelling": ("idx", "address_code"),
    "import_owner": ("idx", "address_code", "iin"),
    "import_registration": ("idx", "iin", "address_code", "registered_on"),
    "import_owner_ids": ("dwelling_id", "person_id"),
    "import_registration_ids": ("idx", "person_id", "dwelling_id", "registered_on"),
    "import_registration_new": ("idx", "person_id", "kind", "ended_on"),
}
_PERSON_VALUES = operator.itemgetter(*PERSON_COLUMNS)
_DWELLING_VALUES = operator.itemgetter(*DWELLING_COLUMNS)
_REGISTRATION_VALUES = operator.itemgetter(*REGISTRATION_COLUMNS)


_NULL = r"\N"
# The staging tables with free text (names, addresses), whose COPY lines must escape a backslash.
TEXT_TABLES = {"import_person", "import_dwelling"}


def _copy_text(value: Any) -> str:
    if value is None:
        return r"\N"
    return str(value).replace("\\", "\\\\")


def _copy_lines(rows: list[tuple], *, text: bool) -> str:
    """COPY text format. The checks refused control characters (tabs, newlines), so only a backslash needs
    escaping, and only in free text (``text``): the other tables hold digits, dates, numbers and choices, and
    their rows only need NULL spelt ``\\N``."""
    if not text:
        lines = ["\t".join([_NULL if v is None else str(v) for v in row]) for row in rows]
    else:
        lines = []
        for row in rows:
            line = "\t".join(map(str, row))
            if "\\" in line or None in row:
                line = "\t".join(map(_copy_text, row))
            lines.append(line)
    lines.append("")
    return "\n".join(lines)


def _differs(table: str, columns: list[str]) -> str:
    return " OR ".join(f"{table}.{c} <> s.{c}" for c in columns)


class Stage:
    """Staging tables for one import; a context manager that creates them and drops them afterwards."""

    def __init__(self, *, today: dt.date, now: dt.datetime):
        from .population import ImportSummary  # the summary type lives with the importer

        self.summary = ImportSummary()
        self.today = str(today)
        self.now = connection.ops.adapt_datetimefield_value(now)
        self.postgres = connection.vendor == "postgresql"
        self.buffers: dict[str, list[tuple]] = {name: [] for name in STAGING}
        # One writer thread on this transaction's own connection runs the COPY batches and the section merges
        # queued by ``later``, in order, while the reading goes on; the reader's own statements wait for it first.
        self.copier = ThreadPoolExecutor(max_workers=1, thread_name_prefix="population-copy")
        self.pending: deque[tuple[Future, int]] = deque()  # (job, bytes of COPY data it holds)
        self.queued = 0  # bytes of COPY data in the pending jobs
        self.local = threading.local()
        self.analyzed: set[str] = set()

    def __enter__(self) -> Stage:
        self.cursor = connection.cursor()
        if self.postgres:
            # Memory for this transaction's joins and sorts over the staged rows (the default 4 MB spills them to
            # disk), and for the staging tables themselves; both end with the transaction. ``temp_buffers`` can
            # only be raised before a session's first temporary table: on a reused connection the default stays.
            self.cursor.execute("SET LOCAL work_mem = '128MB'")
            try:
                with transaction.atomic():
                    self.cursor.execute("SET LOCAL temp_buffers = '256MB'")
            except DatabaseError:
                pass
        self.drop()
        for name, select in STAGING.items():
            self.execute(f"CREATE TEMPORARY TABLE {name} AS {select} WHERE 1 = 0")
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self.wait()
            if exc_info[0] is None:
                self.drop()
        finally:
            self.copier.shutdown(wait=True)
            self.cursor.close()

    def drop(self) -> None:
        for name in (*STAGING, *DERIVED):
            self.execute(f"DROP TABLE IF EXISTS {name}")

    # -- appending checked records ---------------------------------------------------------------
    def add(self, table: str, row: tuple) -> None:
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= BATCH:
            self.flush_table(table)

    def person(self, index: int, iin: str, values: dict[str, Any]) -> None:
        self.add("import_person", (index, iin, *_PERSON_VALUES(values)))

    def dwelling(
        self, index: int, values: dict[str, Any], owners: list[tuple[int, str, str, dt.date]]
    ) -> None:
        code = values["address_code"]
        self.add("import_dwelling", (index, code, *_DWELLING_VALUES(values)))
        for position, iin, share, since in owners:
            self.add("import_owner", (index, position, code, iin, share, since))

    def registration(self, index: int, iin: str, code: str, values: dict[str, Any]) -> None:
        self.add("import_registration", (index, iin, code, *_REGISTRATION_VALUES(values)))

    def flush(self, *tables: str) -> None:
        """Write the buffered rows of ``tables`` (all by default) and analyze those not analyzed yet."""
        tables = tables or tuple(self.buffers)
        for table in tables:
            self.flush_table(table)
        self.analyze(*(table for table in tables if table not in self.analyzed))

    def analyze(self, *tables: str) -> None:
        """Statistics for the planner: nothing analyzes temporary tables on its own, and without them PostgreSQL
        plans nested loops over tables of millions of rows. Only the columns the statements join, group or
        filter on: the statistics of the names and addresses (long text, sorted for each) cost the most and
        steer nothing."""
        for table in tables:
            # SQLite's ANALYZE takes no column list (it reads the table's indexes).
            columns = f" ({', '.join(ANALYZED[table])})" if self.postgres else ""
            self.execute(f"ANALYZE {table}{columns}")
            self.analyzed.add(table)

    def flush_table(self, table: str) -> None:
        rows = self.buffers[table]
        if not rows:
            return
        if self.postgres:
            lines = _copy_lines(rows, text=table in TEXT_TABLES)
            # PostgreSQL takes this batch while the next ones are read and checked, on the writer thread
            # (psycopg2 lets go of the GIL while libpq sends); every statement of the reader's waits for the
            # writer first (``wait``), so the connection is never used by two threads at once.
            # As UTF-8 bytes, which BytesIO shares rather than copies: half the memory of the text for Cyrillic.
            data = lines.encode()
            del lines
            copy = self.cursor.cursor.copy_expert
            self._queue(copy, f"COPY {table} FROM STDIN", io.BytesIO(data), size=len(data))
        else:
            marks = ", ".join(["%s"] * len(rows[0]))
            self.cursor.executemany(
                f"INSERT INTO {table} VALUES ({marks})",
                [tuple(str(v) if isinstance(v, dt.date) else v for v in row) for row in rows],
            )
        self.buffers[table] = []

    def _queue(self, job: Callable[..., T], *args: Any, size: int = 0) -> Future:
        while self.pending and self.queued + size > QUEUED_BYTES:
            self._done()
        future = self.copier.submit(job, *args)
        self.pending.append((future, size))
        self.queued += size
        return future

    def _done(self) -> None:
        """Wait for the oldest pending job; its error, if it failed, is raised here."""
        future, size = self.pending.popleft()
        self.queued -= size
        future.result()

    def later(self, step: Callable[[], T]) -> Future:
        """Run ``step`` (statements of this Stage) on the writer thread after what is queued, while the reading
        goes on; its result or error comes from the returned future. On SQLite it runs here and now."""
        if not self.postgres:
            done: Future = Future()
            try:
                done.set_result(step())
            except Exception as exc:
                done.set_exception(exc)
            return done

        def on_the_writer() -> T:
            self.local.writer = True
            try:
                return step()
            finally:
                self.local.writer = False

        return self._queue(on_the_writer)

    def wait(self) -> None:
        """Until every queued job is done; the first error is raised here. On the writer thread itself (a step
        run by ``later``) there is nothing to wait for: the queue runs in order."""
        if getattr(self.local, "writer", False):
            return
        while self.pending:
            self._done()

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        self.wait()
        self.cursor.execute(sql, params)
        return self.cursor.fetchall()

    def execute(self, sql: str, params: list[Any] | None = None) -> int:
        self.wait()
        self.cursor.execute(sql, params)
        return self.cursor.rowcount

    # -- a key twice in the file: the first record counts, the later ones are errors --------------------
    def duplicates(self, table: str, key: str) -> list[tuple[int, str]]:
        found = self.rows(
            f"SELECT s.idx, s.{key} FROM {table} s WHERE s.{key} IN "
            f"(SELECT {key} FROM {table} GROUP BY {key} HAVING COUNT(*) > 1) ORDER BY s.idx"
        )
        seen: set[str] = set()
        later = []
        for index, value in found:
            if value in seen:
                later.append((index, value))
            seen.add(value)
        indexes = [index for index, _value in later]
        for start in range(0, len(indexes), 500):
            batch = indexes[start : start + 500]
            marks = ", ".join(["%s"] * len(batch))
            for staged in (table, "import_owner") if table == "import_dwelling" else (table,):
                self.execute(f"DELETE FROM {staged} WHERE idx IN ({marks})", batch)
        return later

    def duplicate_persons(self) -> list[tuple[int, str]]:
        return self.duplicates("import_person", "iin")

    def duplicate_dwellings(self) -> list[tuple[int, str]]:
        return self.duplicates("import_dwelling", "address_code")

    # -- merging ------------------------------------------------------------------------------------------
    def merge(self, table: str, staging: str, key: str, columns: list[str]) -> tuple[int, int]:
        """Rewrite the rows that differ and add the new ones; returns (created, updated)."""
        assignments = ", ".join(f"{c} = s.{c}" for c in columns)
        updated = self.execute(
            f"UPDATE {table} SET {assignments}, updated_at = %s FROM {staging} s "
            f"WHERE {table}.{key} = s.{key} AND ({_differs(table, columns)})",
            [self.now],
        )
        listed = ", ".join(columns)
        # In key order, so that the unique index on the key grows at its right edge instead of at random pages;
        # not during a bulk load (no index then, and sorting a million wide rows spills to disk).
        order = "" if self.summary.bulk else f" ORDER BY s.{key}"
        created = self.execute(
            f"INSERT INTO {table} ({key}, {listed}, created_at, updated_at) "
            f"SELECT s.{key}, {', '.join('s.' + c for c in columns)}, %s, %s FROM {staging} s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.{key} = s.{key}){order}",
            [self.now, self.now],
        )
        return created, updated

    def merge_persons(self) -> None:
        created, updated = self.merge(PERSON, "import_person", "iin", PERSON_COLUMNS)
        self.summary.created["persons"] += created
        self.summary.updated["persons"] += updated

    def unknown_owners(self) -> list[tuple[int, str, int]]:
        """The first owner of each dwelling who is neither in the file nor in the register."""
        return self.rows(
            f"SELECT w.idx, w.address_code, MIN(w.position) FROM import_owner w "
            f"WHERE NOT EXISTS (SELECT 1 FROM {PERSON} p WHERE p.iin = w.iin) "
            f"GROUP BY w.idx, w.address_code ORDER BY w.idx"
        )

    def merge_dwellings(self) -> None:
        created, updated = self.merge(DWELLING, "import_dwelling", "address_code", DWELLING_COLUMNS)
        self.summary.created["dwellings"] += created
        self.summary.updated["dwellings"] += updated
        self.execute("DROP TABLE IF EXISTS import_owner_ids")  # made again when the section comes twice
        self.execute(
            f"CREATE TEMPORARY TABLE import_owner_ids AS "
            f"SELECT d.id AS dwelling_id, p.id AS person_id, w.share, w.since, w.idx, w.position "
            f"FROM import_owner w JOIN {DWELLING} d ON d.address_code = w.address_code "
            f"JOIN {PERSON} p ON p.iin = w.iin"
        )
        self.analyze("import_owner_ids")
        # The file lists the current owners: end the ones no longer listed, change shares, add the new ones.
        ended = self.execute(
            f"UPDATE {OWNERSHIP} SET until = CASE WHEN since > %s THEN since ELSE %s END "
            f"WHERE until IS NULL AND dwelling_id IN "
            f"(SELECT d.id FROM {DWELLING} d JOIN import_dwelling s ON s.address_code = d.address_code) "
            f"AND NOT EXISTS (SELECT 1 FROM import_owner_ids x WHERE x.dwelling_id = {OWNERSHIP}.dwelling_id "
            f"AND x.person_id = {OWNERSHIP}.person_id)",
            [self.today, self.today],
        )
        reshared = self.execute(
            f"UPDATE {OWNERSHIP} SET share = x.share FROM import_owner_ids x "
            f"WHERE {OWNERSHIP}.dwelling_id = x.dwelling_id AND {OWNERSHIP}.person_id = x.person_id "
            f"AND {OWNERSHIP}.until IS NULL AND {OWNERSHIP}.share <> x.share"
        )
        added = self.execute(
            f"INSERT INTO {OWNERSHIP} (dwelling_id, person_id, share, since, until) "
            f"SELECT x.dwelling_id, x.person_id, x.share, x.since, NULL FROM import_owner_ids x "
            f"WHERE NOT EXISTS (SELECT 1 FROM {OWNERSHIP} o WHERE o.dwelling_id = x.dwelling_id "
            f"AND o.person_id = x.person_id AND o.until IS NULL) ORDER BY x.dwelling_id, x.person_id"
        )
        self.summary.created["ownerships"] += added
        self.summary.updated["ownerships"] += ended + reshared

    def unknown_registration_references(self) -> list[tuple[int, str, str]]:
        """Registrations naming a person (first) or a dwelling that is neither in the file nor in the register.

        The staged registrations with the ids of the person and the dwelling they name (NULL for nobody) are kept
        as ``import_registration_ids``: the later steps read the ids there instead of joining the register's
        persons and dwellings (a million wide rows each) a second time."""
        self.execute(
            f"CREATE TEMPORARY TABLE import_registration_ids AS "
            f"SELECT s.idx, s.iin, s.address_code, p.id AS person_id, d.id AS dwelling_id, "
            f"{', '.join('s.' + c for c in REGISTRATION_COLUMNS)} "
            f"FROM import_registration s LEFT JOIN {PERSON} p ON p.iin = s.iin "
            f"LEFT JOIN {DWELLING} d ON d.address_code = s.address_code"
        )
        self.analyze("import_registration_ids")
        return self.rows(
            "SELECT idx, iin, CASE WHEN person_id IS NULL THEN 'iin' ELSE 'address_code' END "
            "FROM import_registration_ids WHERE person_id IS NULL OR dwelling_id IS NULL ORDER BY idx"
        )

    def second_active_permanent(self) -> list[tuple[int, str, str]]:
        """New active permanent registrations of a person who has one already: in the register, or earlier in
        the file. Registrations already in the register (same person, dwelling and date) are left out first:
        an import never rewrites or reopens them."""
        # The first of the file's registrations of one person at one dwelling on one day (the ids stand for the
        # IIN and the address code; a row naming nobody has been refused already).
        self.execute(
            "CREATE TEMPORARY TABLE import_registration_new AS "
            "SELECT s.* FROM import_registration_ids s "
            "WHERE s.person_id IS NOT NULL AND s.dwelling_id IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {REGISTRATION} r WHERE r.person_id = s.person_id "
            "AND r.dwelling_id = s.dwelling_id AND r.registered_on = s.registered_on) "
            "AND s.idx IN (SELECT MIN(idx) FROM import_registration_ids "
            "GROUP BY person_id, dwelling_id, registered_on)"
        )
        self.analyze("import_registration_new")
        permanent = RegistrationKind.PERMANENT.value
        active_new = "n.kind = %s AND n.ended_on IS NULL"
        in_register = (
            f"SELECT 1 FROM {REGISTRATION} r WHERE r.person_id = n.person_id AND r.kind = %s "
            f"AND r.ended_on IS NULL"
        )
        return self.rows(
            f"SELECT n.idx, n.iin, d.address_code FROM import_registration_new n "
            f"JOIN {REGISTRATION} r ON r.person_id = n.person_id AND r.kind = %s AND r.ended_on IS NULL "
            f"JOIN {DWELLING} d ON d.id = r.dwelling_id WHERE {active_new} "
            f"UNION ALL "
            f"SELECT n.idx, n.iin, f.address_code FROM import_registration_new n "
            f"JOIN (SELECT person_id, MIN(idx) AS first_idx FROM import_registration_new "
            f"WHERE kind = %s AND ended_on IS NULL GROUP BY person_id) m "
            f"ON m.person_id = n.person_id AND m.first_idx < n.idx "
            f"JOIN import_registration_new f ON f.idx = m.first_idx "
            f"WHERE {active_new} AND NOT EXISTS ({in_register}) ORDER BY 1",
            [permanent, permanent, permanent, permanent, permanent],
        )

    def merge_registrations(self) -> None:
        columns = ", ".join(REGISTRATION_COLUMNS)
        self.summary.created["registrations"] += self.execute(
            f"INSERT INTO {REGISTRATION} (person_id, dwelling_id, {columns}, ended_by_application) "
            # By person: the indexes on the person (and the checks of the foreign keys) read in order.
            f"SELECT person_id, dwelling_id, {columns}, '' FROM import_registration_new ORDER BY person_id, idx"
        )

"""A large first load on PostgreSQL: the register's indexes and foreign keys set aside, then built once.

Kept up row by row, the four to five indexes of each table written and the deferred foreign-key checks at commit
(one index probe per ownership and registration row) were most of PostgreSQL's time in a million-person import
(docs/benchmarks.md, "A million persons"). Inside the import's own transaction this module reads the definitions
of the secondary indexes, the unique constraints and the foreign keys of the tables written from the catalog
(``pg_get_indexdef``, ``pg_get_constraintdef``), drops them, and after the load creates each again from its
definition: an index is then one sorted build, a foreign key one validating join. PostgreSQL's DDL is
transactional, so the import stays all or nothing: a refused file rolls the drops back with everything else, and
the schema after a load is the one the migrations made (the names and definitions are read back, not written
here).

The price: dropping an index or a constraint takes an ACCESS EXCLUSIVE lock on its table, held until the import
commits or rolls back, so nothing can read persons, dwellings, ownerships or registrations during such a load.
That is why it is only chosen by itself when the tables written are empty (a first load, when nothing reads
them yet), or when the caller asks for it.

The import's checks never lean on these indexes: a key twice in the file, an owner or a registration naming
nobody and a second active permanent registration are all found in the staging tables with the record's index,
so a refusal still names the record; rebuilding a unique index cannot then fail on the imported rows. The
primary keys stay (the foreign keys of other tables point at them).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection

from .models import Dwelling, Ownership, Person, Registration

TABLES = tuple(model._meta.db_table for model in (Person, Dwelling, Ownership, Registration))

# Memory for the index builds at the end of a bulk load (the default 64 MB sorts a million keys on disk).
MAINTENANCE_WORK_MEM = "256MB"


@dataclass(frozen=True)
class _Index:
    table: str
    name: str
    definition: str  # CREATE [UNIQUE] INDEX … as pg_get_indexdef gives it
    constraint: str  # the unique constraint it backs ("" if none)
    deferrable: str  # the constraint's DEFERRABLE clause ("" if none)


@dataclass(frozen=True)
class _ForeignKey:
    table: str
    name: str
    definition: str  # FOREIGN KEY (…) REFERENCES … as pg_get_constraintdef gives it


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def tables_are_empty(cursor) -> bool:
    """Whether none of the tables an import writes holds a row."""
    cursor.execute(" UNION ALL ".join(f"(SELECT 1 FROM {_quote(t)} LIMIT 1)" for t in TABLES))
    return cursor.fetchone() is None


def _indexes(cursor) -> list[_Index]:
    """The secondary indexes of the tables written (not the primary keys, nor an index a foreign key of any table
    points at), with the unique constraint each one backs."""
    cursor.execute(
        "SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid), COALESCE(c.conname, ''), "
        "COALESCE(c.condeferrable, false), COALESCE(c.condeferred, false) "
        "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid "
        "AND c.contype IN ('u', 'x') "
        "WHERE t.oid = ANY (%s::regclass[]) AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = x.indexrelid) "
        "ORDER BY t.relname, i.relname",
        [list(TABLES)],
    )
    found = []
    for table, name, definition, constraint, deferrable, deferred in cursor.fetchall():
        clause = ("DEFERRABLE INITIALLY DEFERRED" if deferred else "DEFERRABLE") if deferrable else ""
        found.append(_Index(table, name, definition, constraint, clause))
    return found


def _foreign_keys(cursor) -> list[_ForeignKey]:
    """The foreign keys of the tables written (those of other tables pointing at them are left alone: an INSERT
    into the table pointed at does not check them)."""
    cursor.execute(
        "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid "
        "WHERE c.contype = 'f' AND c.conrelid = ANY (%s::regclass[]) ORDER BY t.relname, c.conname",
        [list(TABLES)],
    )
    return [_ForeignKey(*row) for row in cursor.fetchall()]


def _drop(cursor, indexes: list[_Index], foreign_keys: list[_ForeignKey]) -> None:
    for key in foreign_keys:
        cursor.execute(f"ALTER TABLE {_quote(key.table)} DROP CONSTRAINT {_quote(key.name)}")
    for index in indexes:
        if index.constraint:
            cursor.execute(f"ALTER TABLE {_quote(index.table)} DROP CONSTRAINT {_quote(index.constraint)}")
        else:
            cursor.execute(f"DROP INDEX {_quote(index.name)}")


def _restore(cursor, indexes: list[_Index], foreign_keys: list[_ForeignKey]) -> None:
    cursor.execute(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
    # One parallel worker beside this backend for each index build: the reading is over by now, so a second core
    # is free (measured on two cores: the rebuild 8.3 s -> 6.3-6.7 s of wall time for a million persons; a
    # benchmark reading this backend's CPU time does not see the worker's).
    cursor.execute("SET LOCAL max_parallel_maintenance_workers = 1")
    for index in indexes:
        cursor.execute(index.definition)
        if index.constraint:
            cursor.execute(
                f"ALTER TABLE {_quote(index.table)} ADD CONSTRAINT {_quote(index.constraint)} "
                f"UNIQUE USING INDEX {_quote(index.name)} {index.deferrable}"
            )
    for key in foreign_keys:  # each one validated by a single join over the table
        cursor.execute(f"ALTER TABLE {_quote(key.table)} ADD CONSTRAINT {_quote(key.name)} {key.definition}")


@contextmanager
def bulk_load(bulk: bool | None) -> Iterator[bool]:
    """Set the indexes and foreign keys aside for the block and build them again when it ends without an error
    (an error leaves the drops for the caller's transaction to roll back). ``bulk``: True to do it, False not
    to, None to do it when the tables written are empty. PostgreSQL only; yields whether it is done.
    Must run inside the import's transaction."""
    if connection.vendor != "postgresql" or bulk is False:
        yield False
        return
    with connection.cursor() as cursor:
        if bulk is None and not tables_are_empty(cursor):
            yield False
            return
        cursor.execute(f"LOCK TABLE {', '.join(_quote(t) for t in TABLES)} IN ACCESS EXCLUSIVE MODE")
        indexes, foreign_keys = _indexes(cursor), _foreign_keys(cursor)
        _drop(cursor, indexes, foreign_keys)
    yield True
    with connection.cursor() as cursor:
        _restore(cursor, indexes, foreign_keys)

"""A hot query compiled to SQL once, then run with new values: the ORM's work without the ORM's per-call cost.

Building and compiling a queryset costs more than running it: the token lookup behind every API request took
~0.75 ms of CPU in the ORM (building the query, compiling it to SQL, ``.first()``'s ordering) against ~0.09 ms
to run the SQL on PostgreSQL (bench/profile_reads.py, docs/benchmarks.md). The SQL of a query whose shape never
changes is the same at every call but for its values, so ``Precompiled`` compiles it once per database
connection and thread, remembers where each value goes, and at each call runs that SQL with the call's values
and builds the model instances (and the ``select_related`` ones) exactly as the ORM's own iterator does.

A ``values_list()`` queryset is precompiled too: its rows come back as tuples, with no model instance made (the
cabinet's lists, where making instances and prefetching cost more than the queries). ``PrecompiledIn`` runs a
query over a list of ids (``__in``), compiled once per length of the list; ``PrecompiledPages`` a list's
first rows, compiled once per ordering and page size.

Only what compiles to the same SQL whatever the values may be precompiled: scalar ``str`` or ``int`` values
compared as given (``filter(digest=...)``, once or several times), no ``__in`` lists, no prefetches. Each value
is found in the compiled parameters by a sentinel that no real value can equal; a shape where a sentinel does not
come out whole as a parameter (a value the ORM rewrites, an ``__in`` list) is refused when first compiled, not
guessed at.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators

M = TypeVar("M", bound=Model)

logger = logging.getLogger(__name__)

# Sentinels: a string no token, number or code holds (NUL is refused by PostgreSQL in text), and integers far
# outside any primary key.
_STRING_SENTINEL = "\x00precompiled:{}"
_INT_SENTINEL_BASE = -7_919_000_000_000


@dataclass(frozen=True)
class _Compiled:
    sql: str
    name: str  # of its prepared statement (PostgreSQL)
    prepare: str | None  # PREPARE <name> AS <sql>, and EXECUTE <name>(%s, ...); None: never prepared
    execute: str
    slots: tuple[str | None, ...]  # per parameter: the value's name, or None for a constant of the query
    constants: tuple[Any, ...]
    db: str
    model: type[Model] | None  # None: a ``values_list()`` query, whose rows are returned as tuples
    init_list: tuple[str, ...]
    model_slice: slice
    populators: tuple[Any, ...]
    compiler: Any
    converters: dict[int, Any]


class Precompiled(Generic[M]):
    """``build(**values)`` → a queryset of fixed shape; ``precompiled(**values)`` → its rows as model instances.

    ``parameters`` names each value and its type (``str`` or ``int``)."""

    def __init__(self, build: Callable[..., QuerySet[M]], **parameters: type) -> None:
        for name, kind in parameters.items():
            if kind not in (str, int):
                raise TypeError(f"{name}: only str and int values can be precompiled, not {kind.__name__}")
        self._build = build
        self._parameters = parameters
        self._local = threading.local()

    def __call__(self, **values: Any) -> list[M]:
        if values.keys() != self._parameters.keys():
            raise TypeError(f"expected the values {sorted(self._parameters)}, got {sorted(values)}")
        for name, kind in self._parameters.items():
            if type(values[name]) is not kind:
                raise TypeError(f"{name}: expected {kind.__name__}, got {type(values[name]).__name__}")
        compiled = self._compiled()
        params = [
            values[slot] if slot is not None else constant
            for slot, constant in zip(compiled.slots, compiled.constants, strict=True)
        ]
        connection = connections[compiled.db]
        with connection.cursor() as cursor:
            cursor.execute(_statement(connection, cursor, compiled), params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        if compiled.model is None:
            return [tuple(row[compiled.model_slice]) for row in rows]
        found = []
        for row in rows:
            obj = compiled.model.from_db(compiled.db, compiled.init_list, row[compiled.model_slice])
            for populator in compiled.populators:
                populator.populate(row, obj)
            found.append(obj)
        return found

    def first(self, **values: Any) -> M | None:
        """The first row, or None (put the ordering, if one matters, in the query itself)."""
        found = self(**values)
        return found[0] if found else None

    def _compiled(self) -> _Compiled:
        # One compilation per thread: a compiler belongs to its thread's connection (Django's connections are
        # per thread), and the cache is then never shared between threads.
        compiled = getattr(self._local, "compiled", None)
        if compiled is None:
            compiled = self._local.compiled = self._compile()
        return compiled

    def _compile(self) -> _Compiled:
        sentinels: dict[Any, str] = {}
        for index, (name, kind) in enumerate(self._parameters.items()):
            sentinels[_STRING_SENTINEL.format(name) if kind is str else _INT_SENTINEL_BASE - index] = name
        by_name = {name: sentinel for sentinel, name in sentinels.items()}
        queryset = self._build(**by_name)
        values = queryset._iterable_class is ValuesListIterable
        if (
            queryset._iterable_class not in (ModelIterable, ValuesListIterable)
            or queryset._prefetch_related_lookups
            or queryset._known_related_objects
            or (queryset.query.annotation_select and not _annotations_last(queryset))
            or queryset.query.extra_select
        ):
            raise ValueError(
                "only a plain queryset of model instances (select_related at most) or a values_list() of "
                "fields is precompiled"
            )
        db = queryset.db
        compiler = queryset.query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        slots = tuple(sentinels.get(p) if isinstance(p, str | int) else None for p in params)
        for name in self._parameters:
            if name not in slots:
                raise ValueError(
                    f"{name}: not a parameter of the compiled SQL; this query cannot be precompiled"
                )
        for slot, param in zip(slots, params, strict=True):
            if slot is None and isinstance(param, str) and "\x00precompiled:" in param:
                # A value the ORM rewrote (``__startswith`` → 'x%'): it cannot be put back at each call.
                raise ValueError(
                    "a value is rewritten by the ORM in the compiled SQL; this query cannot be precompiled"
                )
        select = compiler.select
        if values:  # a values_list(): its columns, as tuples
            model, init_list, model_slice, populators = None, (), slice(0, compiler.col_count), ()
        else:
            klass_info = compiler.klass_info
            fields = klass_info["select_fields"]
            start, end = fields[0], fields[-1] + 1
            model = klass_info["model"]
            init_list = tuple(f[0].target.attname for f in select[start:end])
            model_slice = slice(start, end)
            populators = tuple(get_related_populators(klass_info, select, db))
        return _Compiled(
            sql=sql,
            **_prepared_forms(sql, len(params), connections[db].vendor),
            slots=slots,
            constants=tuple(None if slot is not None else p for slot, p in zip(slots, params, strict=True)),
            db=db,
            model=model,
            init_list=init_list,
            model_slice=model_slice,
            populators=populators,
            compiler=compiler,
            converters=compiler.get_converters([s[0] for s in select[: compiler.col_count]]),
        )


def _annotations_last(queryset: QuerySet[Any]) -> bool:
    """A ``values_list()`` whose annotations (a subquery, say) come after its fields, in the order of the SQL's
    columns, so that its rows need no reordering (as ``ValuesListIterable`` would otherwise do)."""
    if queryset._iterable_class is not ValuesListIterable or not queryset._fields:
        return False
    query = queryset.query
    names = [*query.values_select, *query.annotation_select]
    return list(queryset._fields) == names


# --- prepared statements (PostgreSQL) --------------------------------------------------------------------------
# PostgreSQL plans each statement it is sent: ~0.2 ms of the server's CPU for a page of the cabinet's list,
# against ~0.1 ms to run it (EXPLAIN ANALYZE, docs/benchmarks.md). A precompiled query is the same SQL at every
# call, so on a connection that has run it before it is prepared once (PREPARE) and then only executed
# (EXECUTE), its plan kept by the server. The backend (config.postgresql) keeps the names prepared on each
# connection and forgets them when it connects afresh; DATABASE_PREPARED_STATEMENTS=off (behind a pooler
# that hands one session's statements to another, such as PgBouncer in transaction mode) turns this off.

PREPARE_ON_USE = 2  # the second run of a statement on a connection prepares it: a one-off query is not
_names = itertools.count(1)
_PLACEHOLDER = re.compile(r"%%|%s")


def _prepared_forms(sql: str, count: int, vendor: str) -> dict[str, Any]:
    name = f"precompiled_{next(_names)}"
    if vendor != "postgresql" or "%" in _PLACEHOLDER.sub("", sql):
        return {"name": name, "prepare": None, "execute": sql}
    numbers = itertools.count(1)
    numbered = _PLACEHOLDER.sub(lambda m: "%%" if m.group() == "%%" else f"${next(numbers)}", sql)
    arguments = f"({', '.join(['%s'] * count)})" if count else ""
    # PREPARE is sent without parameters: psycopg2 would read its "%%" as a parameter marker only when given
    # parameters, so the literal "%" signs are written back as one.
    return {
        "name": name,
        "prepare": f"PREPARE {name} AS {numbered.replace('%%', '%')}",
        "execute": f"EXECUTE {name}{arguments}",
    }


def _statement(connection: Any, cursor: Any, compiled: _Compiled) -> str:
    """The SQL to send for ``compiled`` on this connection: EXECUTE once it is prepared there."""
    prepared = getattr(connection, "prepared_statements", None)
    if prepared is None or compiled.prepare is None:
        return compiled.sql
    state = prepared.get(compiled.name, 0)
    if state is True:
        return compiled.execute
    if state is False or state + 1 < PREPARE_ON_USE:
        if state is not False:
            prepared[compiled.name] = state + 1
        return compiled.sql
    done = _prepare(connection, cursor.cursor, compiled.prepare)
    if done is None:  # not tried: the transaction had already failed
        return compiled.sql
    if not done:
        logger.warning("query %s could not be prepared; it is sent as SQL", compiled.name)
        prepared[compiled.name] = False
        return compiled.sql
    prepared[compiled.name] = True
    return compiled.execute


def _prepare(connection: Any, raw: Any, prepare: str) -> bool | None:
    """PREPARE, on the driver's own cursor: the statement is the server's housekeeping, not one of the
    request's queries (Django's query log and ``CaptureQueriesContext`` do not count it). Within a transaction,
    in a savepoint of its own, so that a statement PostgreSQL refuses to prepare leaves the transaction usable.
    True when prepared, False when PostgreSQL refused it, None when it could not be tried."""
    in_transaction = not connection.get_autocommit()
    try:
        if in_transaction:
            raw.execute("SAVEPOINT precompiled_prepare")
        try:
            raw.execute(prepare)
        except connection.Database.Error:
            if in_transaction:
                raw.execute("ROLLBACK TO SAVEPOINT precompiled_prepare")
                raw.execute("RELEASE SAVEPOINT precompiled_prepare")
            return False
        if in_transaction:
            raw.execute("RELEASE SAVEPOINT precompiled_prepare")
    except connection.Database.Error:  # the transaction had already failed: the query itself will say so
        return None
    return True


class PrecompiledIn:
    """``build(ids, **values)`` → a queryset filtering on ``ids`` (a list of primary keys, ``__in``);
    ``precompiled_in(ids, **values)`` → its rows, from SQL compiled once per number of ids (at most
    ``max_ids`` shapes kept; a longer list runs the queryset as the ORM does)."""

    def __init__(
        self, build: Callable[..., QuerySet[Any]], *, max_ids: int = 200, **parameters: type
    ) -> None:
        self._build = build
        self._parameters = parameters
        self._max_ids = max_ids
        self._by_count: dict[int, Precompiled[Any]] = {}
        self._lock = threading.Lock()

    def __call__(self, ids: list[int], **values: Any) -> list[Any]:
        count = len(ids)
        if not count:
            return []
        if count > self._max_ids:  # a rare long list: compiled afresh rather than kept
            return list(self._build(list(ids), **values))
        precompiled = _shape(self._by_count, self._lock, count, lambda: self._compile_for(count))
        return precompiled(**{f"id{i}": int(pk) for i, pk in enumerate(ids)}, **values)

    def _compile_for(self, count: int) -> Precompiled[Any]:
        names = [f"id{i}" for i in range(count)]

        def build(**given: Any) -> QuerySet[Any]:
            return self._build([given[name] for name in names], **{k: given[k] for k in self._parameters})

        return Precompiled(build, **dict.fromkeys(names, int), **self._parameters)


class PrecompiledPages:
    """``build(**values)`` → a list's queryset; ``pages.rows(ordering, limit, **values)`` → its first ``limit``
    rows in that ordering, from one ``Precompiled`` per ordering and limit (page sizes are bounded:
    ``KeysetPagination.max_page_size``)."""

    def __init__(self, build: Callable[..., QuerySet[Any]], **parameters: type) -> None:
        self._build = build
        self._parameters = parameters
        self._shapes: dict[tuple[tuple[str, ...], int], Precompiled[Any]] = {}
        self._lock = threading.Lock()

    def rows(self, ordering: tuple[str, ...], limit: int, **values: Any) -> list[Any]:
        key = (tuple(ordering), limit)
        precompiled = _shape(
            self._shapes,
            self._lock,
            key,
            lambda: Precompiled(lambda **v: self._build(**v).order_by(*key[0])[: key[1]], **self._parameters),
        )
        return precompiled(**values)


def _shape(
    cache: dict[Any, Precompiled[Any]], lock: threading.Lock, key: Any, make: Callable[[], Any]
) -> Any:
    """The ``Precompiled`` kept for this shape, made once (two threads asking at once get the same one)."""
    precompiled = cache.get(key)
    if precompiled is None:
        with lock:
            precompiled = cache.get(key)
            if precompiled is None:
                precompiled = cache[key] = make()
    return precompiled

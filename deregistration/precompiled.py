"""A hot query compiled to SQL once, then run with new values: the ORM's work without the ORM's per-call cost.

Building and compiling a queryset costs more than running it: the token lookup behind every API request took
~0.75 ms of CPU in the ORM (building the query, compiling it to SQL, ``.first()``'s ordering) against ~0.09 ms
to run the SQL on PostgreSQL (bench/profile_reads.py, docs/benchmarks.md). The SQL of a query whose shape never
changes is the same at every call but for its values, so ``Precompiled`` compiles it once per database
connection and thread, remembers where each value goes, and at each call runs that SQL with the call's values
and builds the model instances (and the ``select_related`` ones) exactly as the ORM's own iterator does.

Only what compiles to the same SQL whatever the values may be precompiled: scalar ``str`` or ``int`` values
compared as given (``filter(digest=...)``, once or several times), no ``__in`` lists, no prefetches. Each value
is found in the compiled parameters by a sentinel that no real value can equal; a shape where a sentinel does not
come out whole as a parameter (a value the ORM rewrites, an ``__in`` list) is refused when first compiled, not
guessed at.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, Prefetch, QuerySet, prefetch_related_objects
from django.db.models.constants import LOOKUP_SEP
from django.db.models.fields.related_descriptors import ReverseManyToOneDescriptor
from django.db.models.query import ModelIterable, get_related_populators

M = TypeVar("M", bound=Model)

# Sentinels: a string no token, number or code holds (NUL is refused by PostgreSQL in text), and integers far
# outside any primary key.
_STRING_SENTINEL = "\x00precompiled:{}"
_INT_SENTINEL_BASE = -7_919_000_000_000


@dataclass(frozen=True)
class _Compiled:
    sql: str
    slots: tuple[str | None, ...]  # per parameter: the value's name, or None for a constant of the query
    constants: tuple[Any, ...]
    db: str
    model: type[Model]
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
        with connections[compiled.db].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
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
        if (
            queryset._iterable_class is not ModelIterable
            or queryset._prefetch_related_lookups
            or queryset._known_related_objects
            or queryset.query.annotation_select
            or queryset.query.extra_select
        ):
            raise ValueError(
                "only a plain queryset of model instances (select_related at most) is precompiled"
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
        klass_info, select = compiler.klass_info, compiler.select
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Compiled(
            sql=sql,
            slots=slots,
            constants=tuple(None if slot is not None else p for slot, p in zip(slots, params, strict=True)),
            db=db,
            model=klass_info["model"],
            init_list=tuple(f[0].target.attname for f in select[start:end]),
            model_slice=slice(start, end),
            populators=tuple(get_related_populators(klass_info, select, db)),
            compiler=compiler,
            converters=compiler.get_converters([s[0] for s in select[: compiler.col_count]]),
        )


class PrecompiledFirstPages(Generic[M]):
    """The first pages of a list of one shape (``KeysetPagination`` without a cursor), precompiled per ordering
    and page size; ``build(**values)`` is the list's queryset without its prefetches, ``prefetches()`` makes
    them afresh for each page (a ``Prefetch`` keeps hints of the rows it last served). The prefetches of reverse
    foreign keys are precompiled too, per number of rows on the page (``application_id IN (%s, ...)``)."""

    def __init__(
        self, build: Callable[..., QuerySet[M]], prefetches: Callable[[], list[Any]], **parameters: type
    ) -> None:
        self._build = build
        self._prefetches = prefetches
        self._parameters = parameters
        self._shapes: dict[tuple[tuple[str, ...], int], Precompiled[M]] = {}
        self._related: dict[tuple[str, int], Precompiled[Any]] = {}
        self._lock = threading.Lock()

    def page(self, ordering: tuple[str, ...], limit: int, **values: Any) -> list[M]:
        """The first ``limit`` rows in this ordering, their prefetches done."""
        key = (tuple(ordering), limit)
        precompiled = self._shapes.get(key)
        if precompiled is None:
            with self._lock:  # one Precompiled per shape; page sizes are bounded (max_page_size)
                precompiled = self._shapes.setdefault(
                    key,
                    Precompiled(lambda **v: self._build(**v).order_by(*key[0])[: key[1]], **self._parameters),
                )
        rows = precompiled(**values)
        if rows:
            for lookup in self._prefetches():
                self._prefetch(rows, lookup)
        return rows

    def _prefetch(self, rows: list[M], lookup: Prefetch) -> None:
        """What ``prefetch_related_objects`` does for a reverse foreign key (``Prefetch("subjects", queryset=...)``),
        with the related rows' query precompiled for this many rows; any other lookup is left to Django."""
        model = type(rows[0])
        descriptor = getattr(model, lookup.prefetch_through, None)
        if (
            not isinstance(descriptor, ReverseManyToOneDescriptor)
            or lookup.queryset is None
            or lookup.to_attr
            or LOOKUP_SEP in lookup.prefetch_through
        ):
            prefetch_related_objects(rows, lookup)
            return
        field, accessor = descriptor.field, lookup.prefetch_through
        key = (accessor, len(rows))
        precompiled = self._related.get(key)
        if precompiled is None:
            names = [f"pk{i}" for i in range(len(rows))]

            def build(**pks: int) -> QuerySet:
                fresh = next(p for p in self._prefetches() if p.prefetch_through == accessor)
                return fresh.queryset.filter(**{f"{field.attname}__in": [pks[name] for name in names]})

            with self._lock:
                precompiled = self._related.setdefault(key, Precompiled(build, **dict.fromkeys(names, int)))
        related = precompiled(**{f"pk{i}": row.pk for i, row in enumerate(rows)})
        by_parent: dict[Any, list[Model]] = {}
        for obj in related:
            by_parent.setdefault(getattr(obj, field.attname), []).append(obj)
        cache_name = field.remote_field.cache_name
        for row in rows:
            found = by_parent.get(row.pk, [])
            for obj in found:
                field.set_cached_value(
                    obj, row
                )  # each related row knows its parent, as Django's prefetch does
            queryset = getattr(row, accessor)._apply_rel_filters(lookup.queryset)
            queryset._result_cache = found
            queryset._prefetch_done = True
            row.__dict__.setdefault("_prefetched_objects_cache", {})[cache_name] = queryset

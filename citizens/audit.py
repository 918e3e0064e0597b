"""The audit trail of reads and writes of personal data.

Writes: ``audit_log(actor=..., action=..., target=...)``, called by a service next to the change.
Reads that are actions of their own (a slip's download): ``audit_read(...)``, the same row, written with the
request's other audit rows in one INSERT at the end of a successful answer.

Reads: ``reads_note(who, objects, listing=...)``, called wherever staff are shown persons' data. Every note made
while a request is served is collected on the request's context and written by ``ReadAuditMiddleware`` as ONE
``AuditEvent`` when the answer is a success (2xx) and the reader is staff (citizens reading their own cases are
not logged). Outside a request (a shell, a command) a note is written at once. The row holds:

- ``actor`` and ``at``: who and when;
- ``action``: ``<model>.view`` for one object, ``<model>.list`` for a list (the first model noted);
- ``object_type``/``object_id``: that model and, for one object, its primary key;
- ``details["page"]``: the URL name of the page or API endpoint (never the path: a path may hold an IIN);
- ``details["persons"]``: the primary keys of the persons whose data was shown;
- ``details["objects"]``: the primary keys of every object shown, by model;
- for a list, ``details["rows"]`` (how many rows the page showed) and ``details["query"]`` (its query string).

Never a name or an IIN in clear: an IIN in the query is replaced by ``iin:<digest>``, a keyed HMAC of it
(``iin_digest``; the key derives from ``SECRET_KEY``), so an auditor can ask "who searched for this IIN?" by
computing its digest, while the log itself does not disclose it.

How a page uses it:

- Admin pages: subclass ``citizens.admin_base.ServiceOnlyAdmin`` (or mix in ``AuditedReadsAdmin``): list pages,
  detail pages, history pages, inlines and autocomplete answers are noted automatically.
- API lists: ``ApiView.paginated`` notes each page. API details: the selectors that return one object to staff
  (``application_get``, ``slip_get``) note it.
- Any other view showing persons' data to staff: ``reads_note(request, [obj, ...])`` for one object and what
  it shows, ``reads_note(request, page_rows, listing=True)`` for a list page.

Which persons an object shows is read from the object itself, without extra queries: a ``Person``; any
foreign key to a person (``person_id``, ``applicant_id``, ``co_owner_id``...); any ``iin`` or ``*_iin`` field
(resolved to persons in one query when the row is written); and the same, one level down, in the related
objects already loaded with it (``select_related``, ``prefetch_related``), and, for one object's page (not a
list), in the parents it points to that name persons themselves (a slip's subject, say).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

from .models import AuditEvent, Person

logger = logging.getLogger(__name__)

_TWELVE_DIGITS = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
_MAX_QUERY_VALUE = 100


def audit_log(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    **details: str | int | bool | None,
) -> AuditEvent:
    """Record that ``actor`` did ``action`` to ``target``. Pass primitives only, never names or IINs.
    Inside ``audit_batched()`` the row is written at the end of the block, with the block's other rows."""
    event = _event(actor, action, target, object_type, object_id, details)
    batch = _batch.get()
    if batch is None:
        event.save()
    else:
        batch.append(event)
    return event


_batch: contextvars.ContextVar[list[AuditEvent] | None] = contextvars.ContextVar("audit_batch", default=None)


@contextlib.contextmanager
def audit_batched() -> Iterator[None]:
    """Write the ``audit_log`` rows of the block in ONE insert at its end, in their order, each with the time
    it was logged; a block that raises writes none (its transaction is rolled back anyway). Inside the
    transaction of the changes they record only."""
    if _batch.get() is not None:  # an outer block writes them
        yield
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit rows are batched inside the transaction of the changes they record")
    batch: list[AuditEvent] = []
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    AuditEvent.objects.bulk_create(batch)


def audit_read(
    *, actor: Any, action: str, target: models.Model | None = None, **details: str | int | bool | None
) -> AuditEvent:
    """Record a read that changes nothing (a download, say) as ``audit_log`` does; within a request, the row
    joins the request's other audit rows, written by ``ReadAuditMiddleware`` in ONE insert when the answer is a
    success (a failed answer showed nothing). Outside a request it is written at once."""
    event = _event(actor, action, target, "", "", details)
    log = _current.get()
    if log is None:
        event.save()
    else:
        log.events.append(event)
    return event


def _event(
    actor: Any,
    action: str,
    target: models.Model | None,
    object_type: str,
    object_id: str | int,
    details: dict[str, Any],
) -> AuditEvent:
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or target.pk
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent(
        actor=user, action=action, object_type=object_type, object_id=str(object_id), details=details
    )


def iin_digest(iin: str) -> str:
    """How an IIN appears in the audit log: ``iin:`` and 16 hex digits of a keyed HMAC (SECRET_KEY)."""
    return "iin:" + salted_hmac("citizens.audit.iin", iin).hexdigest()[:16]


def mask_iins(text: str) -> str:
    """``text`` with every 12-digit number replaced by its ``iin_digest``."""
    return _TWELVE_DIGITS.sub(lambda match: iin_digest(match.group()), text)


# --- reads --------------------------------------------------------------------------------------------------


@dataclass
class ReadLog:
    """The persons' data one request showed, gathered by ``reads_note`` and written once."""

    actor: Any = None
    primary: tuple[str, Any] | None = None
    listing: bool = False
    rows: int = 0
    query: dict[str, str] = field(default_factory=dict)
    objects: dict[str, set[str]] = field(default_factory=dict)
    person_ids: set[int] = field(default_factory=set)
    iins: set[str] = field(default_factory=set)
    events: list[AuditEvent] = field(default_factory=list)  # audit_read's rows, written with the read's

    def add(self, obj: models.Model, *, follow: bool) -> None:
        label = obj._meta.label_lower
        if self.primary is None:
            self.primary = (label, obj.pk)
        self.objects.setdefault(label, set()).add(str(obj.pk))
        _collect_persons(obj, self.person_ids, self.iins, depth=1, follow=follow)

    def event(self, page: str) -> AuditEvent | None:
        """The audit row for what was noted, or None when nothing was or the reader is not staff."""
        if self.primary is None or not getattr(self.actor, "is_staff", False) or not self.actor.is_active:
            return None
        persons = set(self.person_ids)
        if self.iins:
            persons.update(Person.objects.filter(iin__in=sorted(self.iins)).values_list("pk", flat=True))
        label, pk = self.primary
        details: dict[str, Any] = {
            "page": page,
            "persons": sorted(persons),
            "objects": {name: sorted(ids, key=_numeric_first) for name, ids in sorted(self.objects.items())},
        }
        if self.listing:
            details["rows"] = self.rows
            details["query"] = self.query
        verb = "list" if self.listing else "view"
        return AuditEvent(
            actor=self.actor,
            action=f"{label.split('.')[1]}.{verb}",
            object_type=label,
            object_id="" if self.listing else str(pk),
            details=details,
        )


_current: contextvars.ContextVar[ReadLog | None] = contextvars.ContextVar("citizens_read_log", default=None)


def reads_note(
    who: Any,
    objects: Iterable[models.Model],
    *,
    listing: bool = False,
    model: type[models.Model] | None = None,
) -> None:
    """Note that ``who`` (a request or a user) was shown ``objects``: one object and what it brings along, or,
    with ``listing=True``, the rows of a list page (counted, with the request's query string; an empty page
    of a queryset, or of the ``model`` given, is noted too: a search that found nothing).

    Within a request, the notes are written as one audit row at the end (``ReadAuditMiddleware``); outside one,
    at once. Only staff readers are logged.
    """
    request = who if isinstance(who, HttpRequest) or hasattr(who, "_request") else None
    actor = getattr(who, "user", None) if request is not None else who
    if getattr(actor, "is_authenticated", False) and not actor.is_staff:
        return  # only staff reads are logged: a citizen's list is not walked for persons it would not log
    model = model or getattr(objects, "model", None)
    objects = list(objects)
    log = _current.get()
    immediate = log is None
    if immediate:
        log = ReadLog()
    if log.actor is None and getattr(actor, "is_authenticated", False):
        log.actor = actor
    if listing:
        if log.primary is None:
            log.listing = True
            if model is not None:
                log.primary = (model._meta.label_lower, "")
        log.rows += len(objects)
        if request is not None:
            log.query = _masked_query(request.GET)
    for obj in objects:
        log.add(obj, follow=not listing)
    if immediate:
        _write(log, page="")


def _write(log: ReadLog, *, page: str) -> None:
    event = log.event(page)
    if event is not None:
        event.save()


class ReadAuditMiddleware:
    """Collects the ``reads_note`` calls made while a request is served; writes them as one audit row when the
    answer is a success. Place it after ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        log = ReadLog()
        token = _current.set(log)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if 200 <= response.status_code < 300 and (log.primary is not None or log.events):
            if log.actor is None:
                log.actor = getattr(request, "user", None)
            match = getattr(request, "resolver_match", None)
            read = log.event(match.view_name if match else "") if log.primary is not None else None
            # One INSERT for every audit row of the request (bulk_create is one statement for a few rows).
            AuditEvent.objects.bulk_create([*log.events, *([read] if read is not None else [])])
        return response


# --- which persons an object shows --------------------------------------------------------------------------


def _collect_persons(
    obj: models.Model, person_ids: set[int], iins: set[str], *, depth: int, follow: bool = False
) -> None:
    if isinstance(obj, Person):
        person_ids.add(obj.pk)
        return
    for model_field in obj._meta.concrete_fields:
        if model_field.is_relation and model_field.related_model is Person:
            value = getattr(obj, model_field.attname)
            if value is not None:
                person_ids.add(value)
        elif _is_iin_field(model_field):
            value = getattr(obj, model_field.attname)
            if value:
                iins.add(value)
    if depth == 0:
        return
    for related in _related(obj, follow=follow):
        _collect_persons(related, person_ids, iins, depth=depth - 1)


def _related(obj: models.Model, *, follow: bool) -> Iterable[models.Model]:
    """The related objects already in memory with ``obj``; with ``follow`` (one object's page, not a list),
    also the parents not yet loaded that name persons themselves (one query each, which the page makes anyway)."""
    cache = obj._state.fields_cache
    for model_field in obj._meta.concrete_fields:
        if not model_field.many_to_one and not model_field.one_to_one:
            continue
        if model_field.name in cache:
            related = cache[model_field.name]
        elif (
            follow
            and getattr(obj, model_field.attname) is not None
            and _names_persons(model_field.related_model)
        ):
            related = getattr(obj, model_field.name)
        else:
            continue
        if isinstance(related, models.Model):
            yield related
    for related in getattr(obj, "_prefetched_objects_cache", {}).values():
        for item in related:
            if isinstance(item, models.Model):
                yield item


def _is_iin_field(model_field: Any) -> bool:
    return isinstance(model_field, models.CharField) and (
        model_field.name == "iin" or model_field.name.endswith("_iin")
    )


def _names_persons(model: type[models.Model]) -> bool:
    """Whether a row of ``model`` names persons by itself: a foreign key to a person or an IIN field."""
    return model is not Person and any(
        (f.is_relation and f.related_model is Person) or _is_iin_field(f) for f in model._meta.concrete_fields
    )


def _masked_query(params: Any) -> dict[str, str]:
    query = {}
    for key in sorted(params.keys()):
        values = params.getlist(key) if hasattr(params, "getlist") else [params[key]]
        query[mask_iins(str(key))[:_MAX_QUERY_VALUE]] = mask_iins(",".join(map(str, values)))[
            :_MAX_QUERY_VALUE
        ]
    return query


def _numeric_first(value: str) -> tuple[int, int | str]:
    return (0, int(value)) if value.isdigit() else (1, value)

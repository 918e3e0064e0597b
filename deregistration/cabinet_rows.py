"""The first pages of a citizen's two lists in the API, read as plain rows: their own cases
(``GET /api/v1/applications/``) and the dwellings they own (``GET /api/v1/dwellings/``).

The model path (instances, ``prefetch_related``, DRF's serializer fields) cost ~0.4 ms of CPU for each case on a
page, so a page of 20 took ~5x an empty one (bench/profile_reads.py, docs/benchmarks.md). Here each page is three
queries of ``values_list()`` compiled once (``deregistration.precompiled``), whose tuples become small row
objects; ``deregistration.api.presenters`` writes them in the serializers' shape, and a test holds the two paths
to the same answer. What a row needs decided is still decided where it always was: a lapsed consent window by
the service (``consents_lapse``), whether the portal can name a resident by ``rules.portal_resident_refusal``.

Only the first page of an unfiltered list comes this way (``RowsFirst``, ``KeysetPagination``); the next pages
and every filtered or staff list go through the model path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from citizens.models import Ownership, Registration, full_name
from citizens.selectors import owned_dwellings

from . import rules
from .constants import OPEN_STATUSES
from .models import Application, ApplicationSubject, Consent
from .precompiled import PrecompiledIn, PrecompiledPages


@dataclass(frozen=True)
class RowsFirst:
    """A list whose first page is read as rows (``first_page(ordering, limit)``), and whose queryset, for the
    pages after it, is built only when one is asked for (``rest()``): building it, with its joins and
    prefetches, cost as much CPU as reading the first page."""

    model: type
    first_page: Callable[..., list[Any]]
    rest: Callable[[], QuerySet[Any]]


# --- a citizen's cases -------------------------------------------------------------------------------------

_APPLICATION_FIELDS = (
    "id",
    "number",
    "case_type",
    "channel",
    "status",
    "submitted_at",
    "deadline_at",
    "completed_at",
    "consent_expires_at",
    "issue_slip",
    "applicant__iin",
    "dwelling__address_code",
    "rejection_ground",
    "rejection_reason_code",
    "rejection_comment",
)


@dataclass(slots=True)
class SubjectRow:
    iin: str
    full_name: str
    outcome: str
    registry_record_id: int | None
    slip_number: str | None
    slip_status: str


@dataclass(slots=True)
class ConsentRow:
    co_owner_iin: str
    decision: str
    decided_at: dt.datetime | None
    given: str


@dataclass(slots=True)
class ApplicationRow:
    id: int
    number: str
    case_type: str
    channel: str
    status: str
    submitted_at: dt.datetime
    deadline_at: dt.datetime | None
    completed_at: dt.datetime | None
    consent_expires_at: dt.datetime | None
    issue_slip: bool
    applicant_iin: str
    address_code: str
    rejection_ground: str
    rejection_reason_code: str
    rejection_comment: str
    subjects: list[SubjectRow] = field(default_factory=list)
    consents: list[ConsentRow] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.id

    def consent_window_passed(self, now: dt.datetime) -> bool:
        # The model's own test (Application.consent_window_passed), on the row's two fields.
        return Application.consent_window_passed(self, now)  # type: ignore[arg-type]


_subjects_of = PrecompiledIn(
    lambda ids: (
        ApplicationSubject.objects.filter(application_id__in=ids)
        .order_by("application_id", "position", "id")
        .values_list(
            "application_id",
            "person__iin",
            "person__last_name",
            "person__first_name",
            "person__patronymic",
            "outcome",
            "registry_record_id",
            "slip__number",
            "slip_status",
        )
    )
)
_consents_of = PrecompiledIn(
    lambda ids: (
        Consent.objects.filter(application_id__in=ids)
        .order_by("application_id", "id")
        .values_list("application_id", "co_owner__iin", "decision", "decided_at", "given")
    )
)


_applications_of = PrecompiledPages(
    lambda person_id: Application.objects.filter(applicant_id=person_id).values_list(*_APPLICATION_FIELDS),
    person_id=int,
)


def applications_first_page(ordering: tuple[str, ...], limit: int, *, person_id: int) -> list[ApplicationRow]:
    """The first ``limit`` cases the citizen applied for, in this ordering, with their subjects and consents.

    A read is a touch: a case on the page whose consent window has passed is refused first (by the service),
    and the page read again, as ``selectors.applications_shown`` does for the model path."""
    from .selectors import lapse_due_among  # selectors hands these pages out: imported when first read

    rows = _application_rows(ordering, limit, person_id)
    if lapse_due_among(rows):
        rows = _application_rows(ordering, limit, person_id)
    return rows


def _application_rows(ordering: tuple[str, ...], limit: int, person_id: int) -> list[ApplicationRow]:
    rows = [ApplicationRow(*values) for values in _applications_of.rows(ordering, limit, person_id=person_id)]
    if not rows:
        return rows
    by_id = {row.id: row for row in rows}
    ids = list(by_id)
    for (
        application_id,
        iin,
        last,
        first,
        patronymic,
        outcome,
        record_id,
        slip_number,
        slip_status,
    ) in _subjects_of(ids):
        by_id[application_id].subjects.append(
            SubjectRow(iin, full_name(last, first, patronymic), outcome, record_id, slip_number, slip_status)
        )
    for application_id, iin, decision, decided_at, given in _consents_of(ids):
        by_id[application_id].consents.append(ConsentRow(iin, decision, decided_at, given))
    return rows


# --- the dwellings a citizen owns --------------------------------------------------------------------------

_DWELLING_FIELDS = (
    "id",
    "address_code",
    "kato",
    "region",
    "region_ru",
    "district",
    "district_ru",
    "locality",
    "locality_ru",
    "street",
    "street_ru",
    "building",
    "block",
    "apartment",
)


@dataclass(slots=True)
class ResidentRow:
    iin: str
    full_name: str
    kind: str
    registered_on: dt.date
    refusal: rules.PortalRefusal | None

    @property
    def portal_can_deregister(self) -> bool:
        return self.refusal is None


@dataclass(slots=True)
class DwellingRow:
    id: int
    address_code: str
    kato: str
    region: str
    region_ru: str
    district: str
    district_ru: str
    locality: str
    locality_ru: str
    street: str
    street_ru: str
    building: str
    block: str
    apartment: str
    owners: list[str] = field(default_factory=list)
    residents: list[ResidentRow] = field(default_factory=list)

    def address_line(self, language: str = "kk") -> str:
        # The model's own formatting (Dwelling.address_line), on the row's fields.
        from citizens.models import Dwelling

        return Dwelling.address_line(self, language)  # type: ignore[arg-type]


_dwellings_of = PrecompiledPages(
    lambda person_id: owned_dwellings(person_id).values_list(*_DWELLING_FIELDS), person_id=int
)
_owners_of = PrecompiledIn(
    lambda ids: (
        Ownership.objects.filter(dwelling_id__in=ids, until__isnull=True)
        .order_by("dwelling_id", "id")
        .values_list("dwelling_id", "person__iin")
    )
)
# The order of citizens.selectors.dwelling_prefetches' active registrations; with each, the number of a case
# still being decided that asks to end it (selectors.open_cases_by_registration; the rules allow one at most).
_residents_of = PrecompiledIn(
    lambda ids: (
        Registration.objects.active()
        .filter(dwelling_id__in=ids)
        .annotate(
            open_case=Subquery(
                ApplicationSubject.objects.filter(
                    registration_id=OuterRef("pk"), application__status__in=list(OPEN_STATUSES)
                ).values("application__number")[:1]
            )
        )
        .order_by("dwelling_id", "person__last_name", "person__first_name", "person__iin", "id")
        .values_list(
            "dwelling_id",
            "person_id",
            "person__iin",
            "person__last_name",
            "person__first_name",
            "person__patronymic",
            "person__category",
            "kind",
            "registered_on",
            "open_case",
        )
    )
)


def dwellings_first_page(ordering: tuple[str, ...], limit: int, *, person_id: int) -> list[DwellingRow]:
    """The first ``limit`` dwellings the citizen owns now, in this ordering, each with its current owners and
    its residents, every resident with ``rules.portal_resident_refusal``'s verdict for this owner (as
    ``selectors.with_residents`` gives the model path)."""
    rows = [DwellingRow(*values) for values in _dwellings_of.rows(ordering, limit, person_id=person_id)]
    if not rows:
        return rows
    by_id = {row.id: row for row in rows}
    ids = list(by_id)
    for dwelling_id, iin in _owners_of(ids):
        by_id[dwelling_id].owners.append(iin)
    for (
        dwelling_id,
        resident_id,
        iin,
        last,
        first,
        patronymic,
        category,
        kind,
        since,
        open_case,
    ) in _residents_of(ids):
        by_id[dwelling_id].residents.append(
            ResidentRow(
                iin,
                full_name(last, first, patronymic),
                kind,
                since,
                rules.portal_resident_refusal(
                    category=category,
                    is_applicant=resident_id == person_id,
                    kind=kind,
                    open_case_number=open_case or "",
                ),
            )
        )
    return rows

"""The register's consistency, checked across tables (``manage.py check_register``).

Each check is one set-based query (anti-joins through ``NOT EXISTS``, one aggregate), so that it runs in seconds
over millions of rows; only the slips' files are read one by one, streamed in chunks. A problem names ids only:
never an IIN, a name or an address.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from citizens.constants import RegistrationKind
from citizens.models import Registration

from .constants import SlipStatus, Status, SubjectOutcome
from .models import Application, ApplicationSubject, DepartureSlip, RegistryRecord

# How many ids a problem lists (the count is always complete).
SHOWN_IDS = 50
_CHUNK = 2000


@dataclass
class Problem:
    """One kind of inconsistency: its code, what the ids are, how many rows, and the first ids."""

    code: str
    what: str
    count: int
    ids: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        more = f" (first {len(self.ids)})" if self.count > len(self.ids) else ""
        return f"{self.code}: {self.count} {self.what}{more}: {', '.join(map(str, self.ids))}"


def _problem(code: str, what: str, queryset: QuerySet) -> Problem | None:
    ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:SHOWN_IDS])
    if not ids:
        return None
    count = len(ids) if len(ids) < SHOWN_IDS else queryset.count()
    return Problem(code, what, count, ids)


def _ended_by_the_service() -> QuerySet[Registration]:
    """Permanent registrations this service ended: the ones a case names (imported history has no case)."""
    return Registration.objects.filter(kind=RegistrationKind.PERMANENT, ended_on__isnull=False).exclude(
        ended_by_application=""
    )


def registration_checks() -> Iterator[Problem | None]:
    record_of_registration = RegistryRecord.objects.filter(registration_id=OuterRef("pk"))
    yield _problem(
        "registration_without_record",
        "ended registration(s) with no ХҚТ ТП АЖ record",
        _ended_by_the_service().filter(~Exists(record_of_registration)),
    )
    completed_case = Application.objects.filter(
        number=OuterRef("ended_by_application"), status=Status.COMPLETED
    )
    yield _problem(
        "registration_ended_by_open_case",
        "registration(s) ended by a case that is not completed",
        _ended_by_the_service().filter(~Exists(completed_case)),
    )
    doubled = (
        RegistryRecord.objects.values("registration_id")
        .annotate(records=Count("id"))
        .filter(records__gt=1)
        .values("registration_id")
    )
    yield _problem(
        "registration_with_many_records",
        "registration(s) with more than one ХҚТ ТП АЖ record",
        Registration.objects.filter(pk__in=doubled),
    )
    its_registration = _ended_by_the_service().filter(
        pk=OuterRef("registration_id"), ended_by_application=OuterRef("application_number")
    )
    yield _problem(
        "record_without_ended_registration",
        "ХҚТ ТП АЖ record(s) whose registration is missing, active or ended by another case",
        RegistryRecord.objects.filter(~Exists(its_registration)),
    )


def case_checks() -> Iterator[Problem | None]:
    # A subject of a completed case is deregistered, through a record of this case for its own registration.
    its_record = RegistryRecord.objects.filter(
        pk=OuterRef("registry_record_id"),
        registration_id=OuterRef("registration_id"),
        application_number=OuterRef("application__number"),
    )
    undone_subject = ApplicationSubject.objects.filter(application=OuterRef("pk")).filter(
        ~Q(outcome=SubjectOutcome.DEREGISTERED) | ~Exists(its_record)
    )
    yield _problem(
        "completed_case_without_records",
        "completed case(s) with a person not deregistered or without their record",
        Application.objects.filter(status=Status.COMPLETED).filter(
            Q(Exists(undone_subject)) | Q(completed_at__isnull=True)
        ),
    )
    touched_subject = ApplicationSubject.objects.filter(application=OuterRef("pk")).filter(
        Q(outcome=SubjectOutcome.DEREGISTERED) | Q(registry_record__isnull=False)
    )
    yield _problem(
        "open_case_with_records",
        "case(s) not completed with a person deregistered or a record",
        Application.objects.exclude(status=Status.COMPLETED).filter(Exists(touched_subject)),
    )


def slip_checks() -> Iterator[Problem | None]:
    yield _problem(
        "issued_slip_missing",
        "person(s) in a case whose slip is marked issued with no slip",
        ApplicationSubject.objects.filter(slip_status=SlipStatus.ISSUED, slip__isnull=True),
    )
    yield _problem(
        "slip_not_marked_issued",
        "slip(s) of a person whose slip is not marked issued",
        DepartureSlip.objects.exclude(subject__slip_status=SlipStatus.ISSUED),
    )


def _stored_digest(storage, name: str) -> tuple[str, int] | None:
    try:
        stored = storage.open(name, "rb")
    except (FileNotFoundError, ValueError, OSError):
        return None
    digest, size = hashlib.sha256(), 0
    with stored:
        for chunk in stored.chunks():
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def slip_file_checks() -> Iterator[Problem | None]:
    """Every issued slip's bytes are stored, with the SHA-256 and size recorded at issue (read in chunks)."""
    from .slips import slip_storage

    storage = slip_storage()
    missing: list[int] = []
    altered: list[int] = []
    rows = DepartureSlip.objects.order_by("pk").values_list("pk", "file_name", "sha256", "size")
    for pk, name, sha256, size in rows.iterator(chunk_size=_CHUNK):
        stored = _stored_digest(storage, name)
        if stored is None:
            missing.append(pk)
        elif stored != (sha256, size):
            altered.append(pk)
    for code, what, ids in (
        ("slip_file_missing", "issued slip(s) whose file is missing", missing),
        ("slip_file_altered", "issued slip(s) whose file differs from its SHA-256", altered),
    ):
        if ids:
            yield Problem(code, what, len(ids), ids[:SHOWN_IDS])


def register_problems(*, files: bool = True) -> list[Problem]:
    """Every inconsistency between registrations, the ХҚТ ТП АЖ register, cases and slips; empty when none."""
    checks = [registration_checks(), case_checks(), slip_checks()]
    if files:
        checks.append(slip_file_checks())
    return [problem for check in checks for problem in check if problem is not None]

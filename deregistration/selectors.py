"""Reads of cases, notifications, consents, register records and slips, each limited to what the actor may see.

What an actor may not see is not found: the API answers 404, never 403, so numbers and IINs cannot be probed.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import Count, Exists, ExpressionWrapper, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from citizens import selectors as register
from citizens.audit import reads_note
from citizens.models import Dwelling, Person, Registration

from . import cabinet_rows, rules
from .constants import OPEN_STATUSES, QueueScope, Role, Status
from .errors import NotFound
from .models import (
    Application,
    ApplicationSubject,
    Consent,
    DepartureSlip,
    Notification,
    RegistryRecord,
)
from .precompiled import Precompiled
from .roles import is_staff_role, role_of
from .rules import ROLE_CHANNELS


def _person_id(actor: Any) -> int | None:
    if role_of(actor) != Role.CITIZEN:
        return None
    return actor.person.pk


def _lapse_due_consents() -> None:
    """A sweep of every case whose consent window has passed (the back-office queue, status-filtered lists)."""
    from .services import consents_lapse  # the service layer owns the lapse

    consents_lapse()


def _lapse_shown(application_ids: Sequence[int]) -> None:
    from .services import consents_lapse  # the service layer owns the lapse

    consents_lapse(application_ids=application_ids)


def applications_shown(*, actor: Any, applications: Sequence[Application]) -> list[Application]:
    """The cases of a page as they stand now: a read is a touch, so those among them whose consent window has
    passed are refused first and read again. No query at all when none is due: the lists no longer sweep
    every case on each read (``manage.py lapse_consents`` does, on a schedule), yet never show a lapsed window
    as still waiting."""
    due = _due_among(applications)
    if not due:
        return list(applications)
    _lapse_shown(due)
    fresh = applications_visible_to(actor=actor).in_bulk(due)
    return [fresh.get(a.pk, a) for a in applications]


def _due_among(applications: Iterable[Any]) -> list[int]:
    now = timezone.now()
    return [a.pk for a in applications if a.consent_window_passed(now)]


def lapse_due_among(applications: Sequence[Any]) -> bool:
    """Refuse (by the service) those of the cases shown whose consent window has passed, as
    ``applications_shown`` does; True when one was, and the page must be read again. The cases may be rows
    (``cabinet_rows``) with ``pk`` and ``consent_window_passed``."""
    due = _due_among(applications)
    if due:
        _lapse_shown(due)
    return bool(due)


def consents_shown(*, actor: Any, consents: Sequence[Consent]) -> list[Consent]:
    """The consent requests of a page as they stand now (as ``applications_shown``, for a co-owner's list)."""
    now = timezone.now()
    due = [c.application_id for c in consents if c.application.consent_window_passed(now)]
    if not due:
        return list(consents)
    _lapse_shown(due)
    fresh = consents_for(actor=actor).in_bulk([c.pk for c in consents if c.application_id in due])
    return [fresh.get(c.pk, c) for c in consents]


def applications_visible_to(
    *, actor: Any, status: str = "", case_type: str = "", iin: str = "", slip_status: str = ""
) -> QuerySet[Application]:
    """Staff see every case; a citizen sees the cases they applied for. ``iin`` matches the applicant or a
    subject; ``slip_status`` (e.g. ``failed``: slips for staff to issue again) any subject's slip."""
    return _visible(
        _applications(), actor=actor, status=status, case_type=case_type, iin=iin, slip_status=slip_status
    )


def _visible(
    queryset: QuerySet[Application], *, actor: Any, status: str, case_type: str, iin: str, slip_status: str
) -> QuerySet[Application]:
    if status:
        queryset = queryset.filter(status=status)
    if case_type:
        queryset = queryset.filter(case_type=case_type)
    if iin:
        queryset = applications_naming(queryset, iin=iin)
    if slip_status:
        queryset = applications_with_slip_status(queryset, slip_status=slip_status)
    role = role_of(actor)
    if is_staff_role(role):
        return queryset
    if role == Role.CITIZEN:
        return _of_applicant(queryset, actor.person.pk)
    return queryset.none()


def _of_applicant(queryset: QuerySet[Application], person_id: int) -> QuerySet[Application]:
    """A citizen's cases: those they applied for."""
    return queryset.filter(applicant_id=person_id)


def _applications() -> QuerySet[Application]:
    return Application.objects.select_related("applicant", "dwelling").prefetch_related(
        Prefetch(
            "subjects",
            queryset=ApplicationSubject.objects.select_related("person", "slip", "registry_record").order_by(
                "position"
            ),
        ),
        Prefetch("consents", queryset=Consent.objects.select_related("co_owner").order_by("id")),
    )


def applications_naming(queryset: QuerySet[Application], *, iin: str) -> QuerySet[Application]:
    """The cases of ``queryset`` whose applicant or one of whose subjects has this IIN (exact). The person and
    their cases are looked up first on their indexes: an ``OR`` with a subquery would scan every case."""
    person_ids = list(Person.objects.filter(iin=iin).values_list("pk", flat=True))
    named = list(
        ApplicationSubject.objects.filter(person_id__in=person_ids).values_list("application_id", flat=True)
    )
    return queryset.filter(Q(applicant_id__in=person_ids) | Q(pk__in=named))


def applications_with_slip_status(
    queryset: QuerySet[Application], *, slip_status: str
) -> QuerySet[Application]:
    """The cases of ``queryset`` with a person whose slip is in this state (``failed``: to issue again)."""
    slips = ApplicationSubject.objects.filter(application=OuterRef("pk"), slip_status=slip_status)
    return queryset.filter(Exists(slips))


def applications_list(*, actor: Any, **filters: str) -> QuerySet[Application]:
    """The cases a list shows (``applications_visible_to``); pass the page through ``applications_shown``.

    Filtered by status (waiting, refused), the list could hold or miss a case whose window has just passed:
    every due case is refused first then, as before."""
    if filters.get("status") in (Status.AWAITING_CONSENT, Status.REJECTED):
        _lapse_due_consents()
    wanted = {"status": "", "case_type": "", "iin": "", "slip_status": "", **filters}
    return _visible(_listed(), actor=actor, **wanted).prefetch_related(*_list_prefetches())


def applications_listed(*, actor: Any, **filters: str) -> QuerySet[Application] | cabinet_rows.RowsFirst:
    """``applications_list`` for the API's pages: a citizen's own cases, unfiltered (the cabinet's list), have
    their first page read as rows (``cabinet_rows``)."""
    if not any(filters.values()) and role_of(actor) == Role.CITIZEN:
        return cabinet_rows.RowsFirst(
            model=Application,
            first_page=partial(cabinet_rows.applications_first_page, person_id=actor.person.pk),
            rest=partial(applications_list, actor=actor),
        )
    return applications_list(actor=actor, **filters)


def _listed() -> QuerySet[Application]:
    """The cases as a list shows them, without prefetches (``_list_prefetches``): no signed document (kilobytes of
    XML each) and no register record are read."""
    return Application.objects.select_related("applicant", "dwelling").defer("signed_request")


def _list_prefetches() -> list[Prefetch]:
    return [
        Prefetch(
            "subjects",
            queryset=ApplicationSubject.objects.select_related("person", "slip").order_by("position"),
        ),
        Prefetch(
            "consents",
            queryset=Consent.objects.select_related("co_owner").defer("signed_document").order_by("id"),
        ),
    ]


def application_get(*, actor: Any, number: str) -> Application:
    """One case the actor may see, with the consent window checked first (a read is a touch). Noted as read
    (``citizens.audit``: logged for staff)."""
    application = applications_visible_to(actor=actor).filter(number=number).first()
    if application is None:
        raise NotFound("not_found", _("No such application."))
    from .services import lapse_if_due  # the service layer owns the lapse

    if lapse_if_due(application):
        application = applications_visible_to(actor=actor).get(pk=application.pk)
    reads_note(actor, [application])
    return application


def application_subject_get(*, application: Application, iin: str) -> ApplicationSubject:
    """The subject of a case (one the actor may see) with this IIN; NotFound when the case names none."""
    for subject in application.subjects.all():
        if subject.person.iin == iin:
            return subject
    raise NotFound("not_found", _("This application names no such person."))


def notifications_for(*, actor: Any) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=actor)
        .select_related("application")
        .order_by("-created_at", "-id")
    )


def notification_get(*, actor: Any, notification_id: int) -> Notification:
    notification = notifications_for(actor=actor).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound("not_found", _("No such notification."))
    return notification


def consents_for(*, actor: Any) -> QuerySet[Consent]:
    """The consent requests addressed to the citizen."""
    person_id = _person_id(actor)
    if person_id is None:
        return Consent.objects.none()
    return (
        Consent.objects.filter(co_owner_id=person_id)
        .select_related("application__applicant", "application__dwelling")
        .prefetch_related(
            Prefetch("application__subjects", queryset=ApplicationSubject.objects.select_related("person"))
        )
        .order_by("-expires_at", "-id")
    )


def consents_list(*, actor: Any) -> QuerySet[Consent]:
    """The consent requests a cabinet lists; pass the page through ``consents_shown``."""
    return consents_for(actor=actor)


def consent_get(*, actor: Any, consent_id: int) -> Consent:
    consent = consents_for(actor=actor).filter(pk=consent_id).first()
    if consent is None:
        raise NotFound("not_found", _("No such consent request."))
    return consent


def registry_records(*, actor: Any, iin: str | None = None) -> QuerySet[RegistryRecord]:
    if not is_staff_role(role_of(actor)):
        return RegistryRecord.objects.none()
    queryset = RegistryRecord.objects.order_by("-recorded_at", "-id")
    return queryset.filter(iin=iin) if iin else queryset


def slips_visible_to(*, actor: Any) -> QuerySet[DepartureSlip]:
    """Staff see every slip; a citizen sees the slips of the cases they applied for and their own."""
    if is_staff_role(role_of(actor)):
        return _slips()
    person_id = _person_id(actor)
    if person_id is None:
        return _slips().none()
    return _slips_of_person(person_id)


def _slips() -> QuerySet[DepartureSlip]:
    return DepartureSlip.objects.select_related("subject__person", "subject__application__applicant")


def _slips_of_person(person_id: int) -> QuerySet[DepartureSlip]:
    """A citizen's slips: their own, and those of the cases they applied for."""
    return _slips().filter(Q(subject__person_id=person_id) | Q(subject__application__applicant_id=person_id))


# ``slip_get`` behind every download: ``slips_visible_to(...).filter(number=...)`` compiled once (the ORM spent
# ~5x longer building it than PostgreSQL running it; ``deregistration.precompiled``). Numbers are unique.
_slip_by_number = Precompiled(lambda number: _slips().filter(number=number), number=str)
_slip_of_person_by_number = Precompiled(
    lambda number, person_id: _slips_of_person(person_id).filter(number=number), number=str, person_id=int
)


def slip_get(*, actor: Any, number: str) -> DepartureSlip:
    """One slip the actor may see, noted as read (logged for staff; downloads are logged by ``slips.slip_pdf``)."""
    if is_staff_role(role_of(actor)):
        slip = _slip_by_number.first(number=number)
    else:
        person_id = _person_id(actor)
        slip = (
            None if person_id is None else _slip_of_person_by_number.first(number=number, person_id=person_id)
        )
    if slip is None:
        raise NotFound("not_found", _("No such departure slip."))
    reads_note(actor, [slip])
    return slip


# --- The owner's dwellings and who may be named there -------------------------------------------------------


def open_cases_by_registration(*, registration_ids: Iterable[int]) -> dict[int, str]:
    """For each registration that a case still being decided asks to end, that case's number (one query)."""
    rows = ApplicationSubject.objects.filter(
        registration_id__in=list(registration_ids), application__status__in=OPEN_STATUSES
    ).values_list("registration_id", "application__number")
    return dict(rows)


@dataclass(frozen=True)
class Resident:
    """A registration at an owner's dwelling, and whether the owner can name its holder on the portal."""

    registration: Registration
    refusal: rules.PortalRefusal | None

    @property
    def person(self) -> Person:
        return self.registration.person

    @property
    def iin(self) -> str:
        return self.registration.person.iin

    @property
    def full_name(self) -> str:
        return self.registration.person.full_name

    @property
    def kind(self) -> str:
        return self.registration.kind

    @property
    def registered_on(self) -> dt.date:
        return self.registration.registered_on

    @property
    def portal_can_deregister(self) -> bool:
        return self.refusal is None


def dwellings_owned(*, actor: Any) -> Any:
    """The dwellings the citizen owns now, with their owners and active registrations prefetched."""
    person_id = _person_id(actor)
    if person_id is None:
        return Dwelling.objects.none()
    return register.dwellings_owned_by(person=actor.person)


def dwellings_listed(*, actor: Any) -> Any:
    """``dwellings_owned`` for the API's pages (``GET /api/v1/dwellings/``): the first page read as rows, with
    their residents (``cabinet_rows``)."""
    person_id = _person_id(actor)
    if person_id is None:
        return Dwelling.objects.none()
    return cabinet_rows.RowsFirst(
        model=Dwelling,
        first_page=partial(cabinet_rows.dwellings_first_page, person_id=person_id),
        rest=partial(dwellings_owned, actor=actor),
    )


def dwelling_owned(*, actor: Any, address_code: str) -> Dwelling:
    """One dwelling the citizen owns now, with its residents (``with_residents``); NotFound otherwise."""
    dwelling = dwellings_owned(actor=actor).filter(address_code=address_code).first()
    if dwelling is None:
        raise NotFound("not_found", _("You do not own a dwelling with this address code."))
    return with_residents(dwellings=[dwelling], actor=actor)[0]


def with_residents(*, dwellings: Sequence[Dwelling], actor: Any) -> Sequence[Dwelling]:
    """Give each dwelling (from ``dwellings_owned``) ``residents``: its active registrations, each with
    ``rules.portal_resident_refusal``'s verdict for this owner. One query for all the dwellings."""
    person_id = _person_id(actor)
    registrations = [r for dwelling in dwellings for r in dwelling.active_registrations]
    open_cases = open_cases_by_registration(registration_ids=[r.pk for r in registrations])
    for dwelling in dwellings:
        dwelling.residents = [
            Resident(
                registration=registration,
                refusal=rules.portal_resident_refusal(
                    category=registration.person.category,
                    is_applicant=registration.person_id == person_id,
                    kind=registration.kind,
                    open_case_number=open_cases.get(registration.pk, ""),
                ),
            )
            for registration in dwelling.active_registrations
        ]
    return dwellings


def application_submitted_with(*, actor: Any, idempotency_key: str) -> Application:
    """The case the actor submitted with this idempotency key (the portal's draft key)."""
    application = (
        applications_visible_to(actor=actor)
        .filter(submitted_by=actor, idempotency_key=idempotency_key)
        .first()
    )
    if application is None:
        raise NotFound("not_found", _("No such application."))
    return application


def deregistration_notice(*, actor: Any) -> Registration | None:
    """The citizen's permanent registration that this service ended, while they have registered nowhere
    since: the cabinet reminds them to register at their new address. None otherwise."""
    person_id = _person_id(actor)
    if person_id is None:
        return None
    latest = register.latest_permanent_registration(person=actor.person)
    if latest is None or latest.ended_on is None:
        return None
    return latest if latest.end_reason in set(rules.END_REASON_FOR_CASE.values()) else None


# --- The back-office ------------------------------------------------------------------------------------------

# Open cases: the oldest deadline first (cases still waiting for consents, with no term yet, after them, by the
# time their co-owners must answer); every case: the newest first.
QUEUE_ORDERING: dict[str, tuple[Any, ...]] = {
    QueueScope.MINE: (
        F("deadline_at").asc(nulls_last=True),
        F("consent_expires_at").asc(nulls_last=True),
        "submitted_at",
        "id",
    ),
    QueueScope.ALL: ("-submitted_at", "-id"),
}
QUEUE_ORDERING[QueueScope.OPEN] = QUEUE_ORDERING[QueueScope.MINE]


def applications_queue(*, actor: Any, scope: str = QueueScope.MINE) -> QuerySet[Application]:
    """The back-office's list of cases, each with its applicant and dwelling in the same query.

    ``mine``: the open cases of the channels the actor's role serves (a supervisor serves none and sees every
    open case); ``open``: every open case; ``all``: every case. A list is a touch: cases whose consent window
    has passed are refused first. Staff only; anyone else sees nothing.
    """
    role = role_of(actor)
    if not is_staff_role(role):
        return Application.objects.none()
    _lapse_due_consents()
    queryset = Application.objects.select_related("applicant", "dwelling")
    if scope != QueueScope.ALL:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    channels = ROLE_CHANNELS[role]
    if scope == QueueScope.MINE and channels:
        queryset = queryset.filter(channel__in=sorted(channels))
    return queryset.order_by(*QUEUE_ORDERING.get(scope, QUEUE_ORDERING[QueueScope.MINE]))


# --- A case's history -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    """One step in a case's life: when, by whom, to which part of the case, and what changed."""

    at: dt.datetime
    actor: str
    part: str
    event: str
    changes: tuple[Change, ...] = ()


# What each part's history shows; the rest (keys, fingerprints, signed documents) says nothing to a reader.
_HISTORY_FIELDS = {
    Application: (
        "status",
        "consent_expires_at",
        "deadline_at",
        "completed_at",
        "processed_by",
        "rejection_ground",
        "rejection_reason_code",
        "rejection_comment",
    ),
    ApplicationSubject: ("outcome", "registry_record"),
    Consent: ("decision", "decided_at"),
}


def _shown(model: type[models.Model], name: str, value: Any, users: dict[int, str]) -> str:
    if value in (None, ""):
        return "—"
    field = model._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%d.%m.%Y %H:%M:%S}"
    if name == "processed_by":
        return users.get(value, str(value))
    if name == "registry_record":
        return _("ХҚТ ТП АЖ record %(id)s") % {"id": value}
    return str(value)


def _who(user: Any) -> str:
    return user.get_username() if user is not None else str(_("the service"))


def application_history(*, application: Application) -> list[HistoryEntry]:
    """Every change to a case, its persons and its co-owners' consents, and every slip issued, oldest first,
    each with who made it (a staff member, the applicant or co-owner on the portal, or the service itself)."""
    names = {s.pk: s.person.full_name for s in application.subjects.all()}
    co_owners = {c.pk: c.co_owner.full_name for c in application.consents.all()}
    versions = [
        (Application, _("case"), Application.history.filter(id=application.pk)),
        (ApplicationSubject, None, ApplicationSubject.history.filter(application_id=application.pk)),
        (Consent, None, Consent.history.filter(application_id=application.pk)),
    ]
    rows = []
    processed_by: set[int] = set()
    for model, part, history in versions:
        for version in history.select_related("history_user").order_by("history_date", "history_id"):
            rows.append((model, part, version))
            if model is Application and version.processed_by_id:
                processed_by.add(version.processed_by_id)
    users = dict(get_user_model().objects.filter(pk__in=processed_by).values_list("pk", "username"))
    entries = []
    previous: dict[tuple[type, int], Any] = {}
    for model, part, version in rows:
        key = (model, version.id)
        label = part or (
            _("person: %(name)s") % {"name": names.get(version.id, "")}
            if model is ApplicationSubject
            else _("co-owner's consent: %(name)s") % {"name": co_owners.get(version.id, "")}
        )
        fields = _HISTORY_FIELDS[model]
        before = previous.get(key)
        if before is None:
            event = _("created")
            changes = tuple(
                Change(model._meta.get_field(f).verbose_name, "", _shown(model, f, _value(version, f), users))
                for f in fields
                if _value(version, f) not in (None, "")
            )
        else:
            event = _("changed")
            changes = tuple(
                Change(
                    model._meta.get_field(f).verbose_name,
                    _shown(model, f, _value(before, f), users),
                    _shown(model, f, _value(version, f), users),
                )
                for f in fields
                if _value(before, f) != _value(version, f)
            )
        previous[key] = version
        if before is None or changes:
            entries.append(
                HistoryEntry(version.history_date, _who(version.history_user), str(label), event, changes)
            )
    slips = DepartureSlip.objects.filter(subject__application=application).select_related(
        "issued_by", "subject"
    )
    for slip in slips:
        entries.append(
            HistoryEntry(
                slip.issued_at,
                _who(slip.issued_by),
                _("person: %(name)s") % {"name": names.get(slip.subject_id, "")},
                _("departure slip %(number)s issued") % {"number": slip.number},
            )
        )
    return sorted(entries, key=lambda e: e.at)


def _value(version: Any, name: str) -> Any:
    field = version._meta.get_field(name)
    return getattr(version, field.attname)


def application_reads(*, application: Application, limit: int = 200) -> list[Any]:
    """Who opened this case's pages (staff reads, from the audit log), newest first; at most ``limit``."""
    from citizens.models import AuditEvent

    return list(
        AuditEvent.objects.filter(
            object_type=Application._meta.label_lower, object_id=str(application.pk), action__endswith=".view"
        )
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )


# --- The supervisor's dashboard: aggregates, each one query ---------------------------------------------------


class _Median(models.Aggregate):
    """PostgreSQL's median (``percentile_cont(0.5)``) of an interval."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = models.DurationField()


@dataclass(frozen=True)
class TermStats:
    """How the cases completed in a period kept the term: how many, how many within it, the median time."""

    completed: int
    within_term: int
    median: dt.timedelta | None

    @property
    def share_within_term(self) -> float | None:
        return self.within_term / self.completed if self.completed else None


def dashboard_cases_per_day(*, since: dt.date, until: dt.date) -> list[dict[str, Any]]:
    """Cases submitted per day (Almaty time) from ``since`` to ``until``, by kind of case and channel:
    ``[{"day", "case_type", "channel", "cases"}]``."""
    start, end = _day_bounds(since, until)
    return list(
        Application.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        .annotate(day=TruncDate("submitted_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "case_type", "channel")
        .annotate(cases=Count("id"))
        .order_by("day", "case_type", "channel")
    )


def dashboard_term(*, since: dt.date, until: dt.date) -> dict[str, TermStats]:
    """For the cases completed from ``since`` to ``until``, per channel and in all (key ""): how many, how many
    within the 30-minute term (by their deadline), and the median time from the start of the term (submission,
    or the last co-owner's consent) to completion."""
    start, end = _day_bounds(since, until)
    completed = Application.objects.filter(
        status=Status.COMPLETED, completed_at__gte=start, completed_at__lt=end, deadline_at__isnull=False
    )
    term = dt.timedelta(minutes=settings.SERVICE_TERM_MINUTES)
    late_by = ExpressionWrapper(F("completed_at") - F("deadline_at"), output_field=models.DurationField())
    counts = {
        row["channel"]: row
        for row in completed.values("channel").annotate(
            completed=Count("id"), within_term=Count("id", filter=Q(completed_at__lte=F("deadline_at")))
        )
    }
    medians: dict[str, dt.timedelta | None] = {}
    if connection.vendor == "postgresql":
        for row in completed.values("channel").annotate(median=_Median(late_by)):
            medians[row["channel"]] = row["median"] + term if row["median"] is not None else None
        overall = completed.aggregate(median=_Median(late_by))["median"]
        medians[""] = overall + term if overall is not None else None
    else:  # SQLite (development): the same median, computed here
        by_channel: dict[str, list[dt.timedelta]] = {}
        for channel, late in completed.annotate(late_by=late_by).values_list("channel", "late_by"):
            by_channel.setdefault(channel, []).append(late + term)
        for channel, durations in by_channel.items():
            medians[channel] = statistics.median(durations)
        every = [d for durations in by_channel.values() for d in durations]
        medians[""] = statistics.median(every) if every else None
    stats = {
        channel: TermStats(row["completed"], row["within_term"], medians.get(channel))
        for channel, row in counts.items()
    }
    stats[""] = TermStats(
        sum(s.completed for s in stats.values()), sum(s.within_term for s in stats.values()), medians.get("")
    )
    return stats


def dashboard_open_by_region(*, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The cases open now per region (KATO prefix), with how many of them are past their deadline:
    ``[{"region", "open", "overdue"}]``, the most overdue first."""
    now = now or timezone.now()
    return list(
        Application.objects.filter(status__in=OPEN_STATUSES)
        .annotate(region=Substr("dwelling__kato", 1, 2))
        .values("region")
        .annotate(
            open=Count("id"),
            # Overdue as rules.deadline_state has it: a running term whose deadline has passed.
            overdue=Count("id", filter=Q(status=Status.SUBMITTED, deadline_at__lte=now)),
        )
        .order_by("-overdue", "-open", "region")
    )


def _day_bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end

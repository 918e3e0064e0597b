"""Reads of cases, notifications, consents, register records and slips, each limited to what the actor may see.

What an actor may not see is not found: the API answers 404, never 403, so numbers and IINs cannot be probed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from citizens.audit import audit_log

from .constants import OPEN_STATUSES, QueueScope, Role
from .errors import NotFound
from .models import (
    Application,
    ApplicationSubject,
    Consent,
    DepartureSlip,
    Notification,
    RegistryRecord,
)
from .roles import is_staff_role, role_of
from .rules import ROLE_CHANNELS


def _person_id(actor: Any) -> int | None:
    if role_of(actor) != Role.CITIZEN:
        return None
    return actor.person.pk


def _is_staff(actor: Any) -> bool:
    return is_staff_role(role_of(actor))


def _lapse_due_consents() -> None:
    """A list is a touch too: cases whose consent window has passed are refused before they are shown."""
    from .services import consents_lapse  # the service layer owns the lapse

    consents_lapse()


def applications_visible_to(
    *, actor: Any, status: str = "", case_type: str = "", iin: str = ""
) -> QuerySet[Application]:
    """Staff see every case; a citizen sees the cases they applied for. ``iin`` matches the applicant or a
    subject."""
    queryset = Application.objects.select_related("applicant", "dwelling").prefetch_related(
        Prefetch(
            "subjects",
            queryset=ApplicationSubject.objects.select_related("person", "slip", "registry_record").order_by(
                "position"
            ),
        ),
        Prefetch("consents", queryset=Consent.objects.select_related("co_owner").order_by("id")),
    )
    if status:
        queryset = queryset.filter(status=status)
    if case_type:
        queryset = queryset.filter(case_type=case_type)
    if iin:
        queryset = applications_naming(queryset, iin=iin)
    role = role_of(actor)
    if is_staff_role(role):
        return queryset
    if role == Role.CITIZEN:
        return queryset.filter(applicant_id=actor.person.pk)
    return queryset.none()


def applications_naming(queryset: QuerySet[Application], *, iin: str) -> QuerySet[Application]:
    """The cases of ``queryset`` whose applicant or one of whose subjects has this IIN (exact, on the index)."""
    named = ApplicationSubject.objects.filter(application=OuterRef("pk"), person__iin=iin)
    return queryset.filter(Q(applicant__iin=iin) | Exists(named))


def applications_list(*, actor: Any, **filters: str) -> QuerySet[Application]:
    """The cases a list shows: ``applications_visible_to``, after refusing those whose consent window passed."""
    _lapse_due_consents()
    return applications_visible_to(actor=actor, **filters)


def applications_seen(*, actor: Any, applications: Sequence[Application], filtered_by_iin: bool) -> None:
    """Log that a staff member saw a page of cases (and so their applicants' and subjects' data)."""
    if _is_staff(actor) and applications:
        audit_log(
            actor=actor,
            action="application.list",
            object_type=Application._meta.label_lower,
            applications=",".join(str(a.pk) for a in applications),
            filtered_by_iin=filtered_by_iin,
        )


def application_get(*, actor: Any, number: str) -> Application:
    """One case the actor may see, with the consent window checked first (a read is a touch). A staff read
    is logged."""
    application = applications_visible_to(actor=actor).filter(number=number).first()
    if application is None:
        raise NotFound("not_found", _("No such application."))
    from .services import lapse_if_due  # the service layer owns the lapse

    if lapse_if_due(application):
        application = applications_visible_to(actor=actor).get(pk=application.pk)
    if _is_staff(actor):
        audit_log(actor=actor, action="application.view", target=application)
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
    """The consent requests a cabinet lists, lapsed ones already shown as lapsed."""
    _lapse_due_consents()
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


def registry_records_seen(*, actor: Any, records: Sequence[RegistryRecord], filtered_by_iin: bool) -> None:
    """Log that a staff member read a page of ХҚТ ТП АЖ records."""
    audit_log(
        actor=actor,
        action="registry_record.list",
        object_type=RegistryRecord._meta.label_lower,
        records=",".join(str(r.pk) for r in records),
        filtered_by_iin=filtered_by_iin,
    )


def slips_visible_to(*, actor: Any) -> QuerySet[DepartureSlip]:
    """Staff see every slip; a citizen sees the slips of the cases they applied for and their own."""
    queryset = DepartureSlip.objects.select_related("subject__person", "subject__application__applicant")
    role = role_of(actor)
    if is_staff_role(role):
        return queryset
    person_id = _person_id(actor)
    if person_id is None:
        return queryset.none()
    return queryset.filter(Q(subject__person_id=person_id) | Q(subject__application__applicant_id=person_id))


def slip_get(*, actor: Any, number: str) -> DepartureSlip:
    """One slip the actor may see; a staff read is logged (downloads are logged by ``slips.slip_pdf``)."""
    slip = slips_visible_to(actor=actor).filter(number=number).first()
    if slip is None:
        raise NotFound("not_found", _("No such departure slip."))
    if _is_staff(actor):
        audit_log(actor=actor, action="slip.view", target=slip)
    return slip


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


def applications_in_region(queryset: QuerySet[Application], *, region: str) -> QuerySet[Application]:
    """The cases of ``queryset`` at a dwelling in ``region`` (a KATO prefix, ``citizens.regions``)."""
    return queryset.filter(dwelling__kato__startswith=region)

"""Reads of cases, notifications, consents, register records and slips, each limited to what the actor may see.

What an actor may not see is not found: the API answers 404, never 403, so numbers and IINs cannot be probed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from citizens import selectors as register
from citizens.audit import reads_note
from citizens.models import Dwelling, Person, Registration

from . import rules
from .constants import Role, Status
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


def _person_id(actor: Any) -> int | None:
    if role_of(actor) != Role.CITIZEN:
        return None
    return actor.person.pk


def _lapse_due_consents() -> None:
    """A list is a touch too: cases whose consent window has passed are refused before they are shown."""
    from .services import consents_lapse  # the service layer owns the lapse

    consents_lapse()


def applications_visible_to(
    *, actor: Any, status: str = "", case_type: str = "", iin: str = "", slip_status: str = ""
) -> QuerySet[Application]:
    """Staff see every case; a citizen sees the cases they applied for. ``iin`` matches the applicant or a
    subject; ``slip_status`` (e.g. ``failed``: slips for staff to issue again) any subject's slip."""
    queryset = Application.objects.select_related("applicant", "dwelling").prefetch_related(
        Prefetch(
            "subjects",
            queryset=ApplicationSubject.objects.select_related("person", "slip").order_by("position"),
        ),
        Prefetch("consents", queryset=Consent.objects.select_related("co_owner").order_by("id")),
    )
    if status:
        queryset = queryset.filter(status=status)
    if case_type:
        queryset = queryset.filter(case_type=case_type)
    if iin:
        named = ApplicationSubject.objects.filter(application=OuterRef("pk"), person__iin=iin)
        queryset = queryset.filter(Q(applicant__iin=iin) | Exists(named))
    if slip_status:
        slips = ApplicationSubject.objects.filter(application=OuterRef("pk"), slip_status=slip_status)
        queryset = queryset.filter(Exists(slips))
    role = role_of(actor)
    if is_staff_role(role):
        return queryset
    if role == Role.CITIZEN:
        return queryset.filter(applicant_id=actor.person.pk)
    return queryset.none()


def applications_list(*, actor: Any, **filters: str) -> QuerySet[Application]:
    """The cases a list shows: ``applications_visible_to``, after refusing those whose consent window passed."""
    _lapse_due_consents()
    return applications_visible_to(actor=actor, **filters)


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
    """One slip the actor may see, noted as read (logged for staff; downloads are logged by ``slips.slip_pdf``)."""
    slip = slips_visible_to(actor=actor).filter(number=number).first()
    if slip is None:
        raise NotFound("not_found", _("No such departure slip."))
    reads_note(actor, [slip])
    return slip


# --- The owner's dwellings and who may be named there -------------------------------------------------------

OPEN_STATUSES = (Status.AWAITING_CONSENT, Status.SUBMITTED)


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

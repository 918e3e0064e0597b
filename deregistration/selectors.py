"""Reads of cases, notifications, consents, register records and slips, each limited to what the actor may see.

What an actor may not see is not found: the API answers 404, never 403, so numbers and IINs cannot be probed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from .constants import Role
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


def applications_visible_to(*, actor: Any) -> QuerySet[Application]:
    """Staff see every case; a citizen sees the cases they applied for."""
    queryset = Application.objects.select_related("applicant", "dwelling").prefetch_related(
        Prefetch(
            "subjects",
            queryset=ApplicationSubject.objects.select_related("person", "slip").order_by("position"),
        ),
        Prefetch("consents", queryset=Consent.objects.select_related("co_owner").order_by("id")),
    )
    role = role_of(actor)
    if is_staff_role(role):
        return queryset
    if role == Role.CITIZEN:
        return queryset.filter(applicant_id=actor.person.pk)
    return queryset.none()


def application_get(*, actor: Any, number: str) -> Application:
    """One case the actor may see, with the consent window checked first (a read is a touch)."""
    application = applications_visible_to(actor=actor).filter(number=number).first()
    if application is None:
        raise NotFound("not_found", _("No such application."))
    from .services import lapse_if_due  # the service layer owns the lapse

    if lapse_if_due(application):
        application = applications_visible_to(actor=actor).get(pk=application.pk)
    return application


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
    slip = slips_visible_to(actor=actor).filter(number=number).first()
    if slip is None:
        raise NotFound("not_found", _("No such departure slip."))
    return slip

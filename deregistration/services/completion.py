"""Completion and rejection: a case ends in the register (ХҚТ ТП АЖ), with its notifications and slips, or is
refused on a ground of art. 19, by an operator or by the lapse of its co-owners' consent window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from citizens.audit import audit_log
from citizens.models import Registration
from citizens.services import registration_end, registrations_lock_active
from config.faults import fault_point

from .. import rules
from ..constants import (
    CaseType,
    Channel,
    ConsentDecision,
    DocumentType,
    NotificationKind,
    RefusalGround,
    Role,
    SlipStatus,
    Status,
    SubjectOutcome,
)
from ..errors import Conflict, NotAllowed
from ..models import Application, ApplicationSubject
from ..notifications import notify
from ..register_chain import registry_record_append
from ..roles import role_of
from .common import _account_of, _history_user, _invalid


def check_can_act(actor: Any, application: Application) -> None:
    """Staff act only on the channels of their role; ``None`` is the service itself (the portal's automation)."""
    if actor is None:
        return
    role = role_of(actor)
    if (
        role is None
        or application.channel not in {c.value for c in rules.ROLE_CHANNELS[role]}
        or role == Role.CITIZEN
    ):
        raise NotAllowed(rules.ROLE_NOT_ALLOWED, _("Your role does not allow you to act on this case."))


def _basis(application: Application) -> str:
    """The legal basis document, on one line, for the register."""
    # A portal case carries no documents (its basis is the signed request): no query for them.
    documents = (
        {} if application.channel == Channel.PORTAL else {d.type: d for d in application.documents.all()}
    )
    if application.case_type == CaseType.EMIGRATION and (
        cert := documents.get(DocumentType.POLICE_EMIGRATION_CERTIFICATE)
    ):
        return (
            f"Police certificate No. {cert.number} of {cert.issued_on:%Y-%m-%d} ({cert.issued_by}), "
            f"permission to leave for permanent residence in {cert.country}"
        )
    if application.case_type == CaseType.COURT_DECISION and (
        decision := documents.get(DocumentType.COURT_DECISION)
    ):
        return (
            f"Decision of {decision.court} of {decision.decided_on:%Y-%m-%d}, case No. {decision.case_number}, "
            f"in force since {decision.in_force_on:%Y-%m-%d}"
        )
    owner = application.applicant
    via = (
        "signed with EDS on the portal"
        if application.channel == Channel.PORTAL
        else "at the State Corporation"
    )
    return f"Owner's application No. {application.number} by {owner.full_name} (IIN {owner.iin}), {via}"


def application_complete(*, actor: Any, application: Application) -> Application:
    """Deregister every subject of a submitted case: end each registration, write its ХҚТ ТП АЖ record, tell the
    applicant (and each deregistered person with a portal account), all in one transaction.

    Actor: staff whose role serves the case's channel, or None for the portal's automatic completion.
    Conflict (409) when the case is not open for completion or a subject was deregistered meanwhile: two
    operators on one case, or two cases naming one person, give exactly one deregistration.
    """
    lapse_if_due(application)
    check_can_act(actor, application)
    try:
        with transaction.atomic():
            application = _complete_locked(actor=actor, application_id=application.pk)
    except IntegrityError as exc:
        # The register's unique index caught a race the locks could not (SQLite has no row locks).
        raise Conflict(
            rules.ALREADY_DEREGISTERED, _("A person of this case has already been deregistered.")
        ) from exc
    _issue_slips(actor=actor, application=application)
    return application


def case_locked(application_id: int) -> Application:
    """The case, locked with its applicant and its dwelling (``SELECT … FOR UPDATE``), its applicant's account
    loaded: the first lock any completion takes. Then come the registrations (``registrations_lock_active``)
    and the register's head; every completion takes them in this order, so none waits for another in a
    cycle."""
    return (
        Application.objects.select_for_update(of=("self", "applicant", "dwelling"))
        .select_related("applicant__account", "dwelling")
        .get(pk=application_id)
    )


def _complete_locked(*, actor: Any, application_id: int) -> Application:
    application = case_locked(application_id)
    if application.status == Status.COMPLETED:
        raise Conflict(rules.ALREADY_COMPLETED, _("This case has already been completed."))
    if application.status == Status.REJECTED:
        raise Conflict(rules.ALREADY_REJECTED, _("This case has been refused and cannot be completed."))
    if application.status == Status.AWAITING_CONSENT:
        raise Conflict(rules.AWAITING_CONSENT, _("This case is waiting for the co-owners' consent."))
    subjects = list(application.subjects.select_related("person").order_by("position"))
    return _deregister_subjects(actor=actor, application=application, subjects=subjects)


def _deregister_subjects(
    *,
    actor: Any,
    application: Application,
    subjects: list[ApplicationSubject],
    locked: dict[int, Registration] | None = None,
) -> Application:
    """The completion itself, on a submitted case whose row the caller's transaction holds: lock the subjects'
    registrations, end them, write their register records, tell the people concerned.

    ``application`` comes with its applicant (and the applicant's account) and dwelling loaded, ``subjects``
    with their persons, in order. Conflict ``already_deregistered`` is raised before anything is written, so
    the caller's transaction stays usable for the refusal that follows it (``complete_stored``).
    ``locked``: the subjects' registrations, locked by the caller already (``registrations_lock_active``)."""
    if locked is None:
        locked = registrations_lock_active(registration_ids=[s.registration_id for s in subjects])
    for subject in subjects:
        if locked[subject.registration_id].ended_on is not None:
            raise Conflict(
                rules.ALREADY_DEREGISTERED,
                _("The person with IIN %(iin)s has already been deregistered from this address.")
                % {"iin": subject.person.iin},
            )
    now = timezone.now()
    today = timezone.localdate(now)
    dwelling = application.dwelling
    reason = rules.END_REASON_FOR_CASE[application.case_type]
    basis = _basis(application)
    operator = actor.get_username() if actor is not None else ""
    address = dwelling.address_line()
    for subject in subjects:
        registration = registration_end(
            registration=locked[subject.registration_id],
            ended_on=today,
            reason=reason,
            application_number=application.number,
        )
        person = subject.person
        record = registry_record_append(
            iin=person.iin,
            last_name=person.last_name,
            first_name=person.first_name,
            patronymic=person.patronymic,
            address_code=dwelling.address_code,
            kato=dwelling.kato,
            address=address,
            case_type=application.case_type,
            reason=reason,
            basis=basis,
            application_number=application.number,
            registration_id=registration.pk,
            registered_on=registration.registered_on,
            effective_date=registration.ended_on,
            channel=application.channel,
            operator=operator,
        )
        fault_point("register_written")  # the fault tests' kill point; inert outside config.settings.faults
        subject.outcome = SubjectOutcome.DEREGISTERED
        subject.registry_record = record
        subject.slip_status = SlipStatus.PENDING if application.issue_slip else SlipStatus.NOT_REQUESTED
        _history_user(subject, actor)
        subject.save(update_fields=["outcome", "registry_record", "slip_status"])
    application.status = Status.COMPLETED
    application.completed_at = now
    application.decided_at = now
    application.processed_by = actor
    _history_user(application, actor)
    application.save(update_fields=["status", "completed_at", "decided_at", "processed_by"])

    names = ", ".join(s.person.full_name for s in subjects)
    notify(
        recipient=_account_of(application.applicant),
        kind=NotificationKind.APPLICATION_COMPLETED,
        application=application,
        number=application.number,
        address=address,
        names=names,
        case_type=application.case_type,
    )
    for subject in subjects:
        if subject.person_id != application.applicant_id:
            notify(
                recipient=_account_of(subject.person),
                kind=NotificationKind.YOU_WERE_DEREGISTERED,
                application=application,
                number=application.number,
                address=address,
                date=today.isoformat(),
            )
    audit_log(actor=actor, action="application.complete", target=application, subjects=len(subjects))
    return application


def _complete_automatically(application: Application) -> Application:
    """The portal's own completion of a case that passed every check: no operator. If the register changed
    under it meanwhile (another case deregistered a subject first), the case is refused with that reason."""
    try:
        return application_complete(actor=None, application=application)
    except Conflict as conflict:
        if conflict.code != rules.ALREADY_DEREGISTERED:
            raise
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=application.pk)
            if locked.is_open:
                _refuse_deregistered_meanwhile(application=locked, conflict=conflict)
        application.refresh_from_db()
        return application


def _refuse_deregistered_meanwhile(*, application: Application, conflict: Conflict) -> None:
    """The portal's refusal of a case whose subject another case deregistered first (between the checks and
    the lock): the person is no longer registered here, and the conflict's message says who."""
    _reject_locked(
        application=application,
        actor=None,
        ground=RefusalGround.REQUIREMENTS_NOT_MET,
        reason_code=rules.NOT_REGISTERED_HERE,
        comment=conflict.message,
    )


def complete_stored(
    *, application: Application, subjects: list[ApplicationSubject], locked: dict[int, Registration]
) -> Application:
    """The portal's own completion of a case stored a moment ago in the caller's transaction
    (``application_submit``): the same completion as the operators' (``_deregister_subjects``), without a
    second transaction and without reading back the rows just written. No one else sees the case before the
    commit; a crash before it leaves neither the case nor its nonce, and the same signed request can be sent
    again. ``_store_application`` has taken the operators' locks in their order (``case_locked``, then the
    registrations: ``locked``).

    If a subject's registration ended since the checks (another case deregistered them first), the case is
    refused with that reason in the same transaction, as ``_complete_automatically`` does. The caller issues
    the slips after the commit (``_issue_slips``)."""
    try:
        return _deregister_subjects(actor=None, application=application, subjects=subjects, locked=locked)
    except Conflict as conflict:
        if conflict.code != rules.ALREADY_DEREGISTERED:
            raise
        _refuse_deregistered_meanwhile(application=application, conflict=conflict)
        return application


def _issue_slips(*, actor: Any, application: Application) -> None:
    """Have the departure slips the case calls for made (its subjects whose slip is ``pending``): by a task
    worker after the commit when a broker is configured, else here. A failure never undoes the
    deregistration: the subject's ``slip_status`` says ``failed`` and staff issue it again (``slip_issue``)."""
    if application.status != Status.COMPLETED or not application.issue_slip:
        return
    from ..slips import slips_issue_later  # the PDF machinery loads only when a slip is issued

    pending = application.subjects.filter(slip_status=SlipStatus.PENDING).values_list("pk", flat=True)
    slips_issue_later(actor=actor, subject_ids=list(pending))


# --- Rejection ----------------------------------------------------------------------------------------------


def _reject_locked(
    *, application: Application, actor: Any, ground: str, reason_code: str, comment: str
) -> None:
    now = timezone.now()
    application.status = Status.REJECTED
    application.rejection_ground = ground
    application.rejection_reason_code = reason_code
    application.rejection_comment = comment
    application.decided_at = now
    application.processed_by = actor
    _history_user(application, actor)
    application.save(
        update_fields=[
            "status",
            "rejection_ground",
            "rejection_reason_code",
            "rejection_comment",
            "decided_at",
            "processed_by",
        ]
    )
    for subject in application.subjects.all():
        subject.outcome = SubjectOutcome.REFUSED
        _history_user(subject, actor)
        subject.save(update_fields=["outcome"])
    for consent in application.consents.filter(decision=ConsentDecision.PENDING):
        consent.decision = ConsentDecision.LAPSED
        consent.decided_at = now
        _history_user(consent, actor)
        consent.save(update_fields=["decision", "decided_at"])
    reason = comment or str(RefusalGround(ground).label)
    notify(
        recipient=_account_of(application.applicant),
        kind=NotificationKind.APPLICATION_REJECTED,
        application=application,
        number=application.number,
        reason=reason,
        reason_code=reason_code,
    )
    audit_log(actor=actor, action="application.reject", target=application, reason_code=reason_code)


def application_reject(
    *, actor: Any, application: Application, ground: str = "", reason_code: str, comment: str = ""
) -> Application:
    """Refuse an open case, stating its legal ground (art. 19) and a precise reason code.

    Actor: staff whose role serves the case's channel. Conflict (409) when the case is no longer open.
    """
    errors: dict[str, list[ValidationError]] = {}
    if reason_code not in rules.OPERATOR_REJECTION_REASONS:
        errors["reason_code"] = [
            ValidationError(_("Choose one of the reason codes."), code=rules.INVALID_INPUT)
        ]
    ground = ground or (rules.ground_for(reason_code) if not errors else "")
    if ground not in RefusalGround.values:
        errors["ground"] = [
            ValidationError(_("Choose one of the grounds of article 19."), code=rules.INVALID_INPUT)
        ]
    comment = (comment or "").strip()
    if reason_code in rules.REASONS_NEEDING_COMMENT and not comment:
        errors["comment"] = [ValidationError(_("Explain the reason in the comment."), code="required")]
    if errors:
        raise _invalid(errors)
    lapse_if_due(application)
    check_can_act(actor, application)
    with transaction.atomic():
        locked = Application.objects.select_for_update().select_related("applicant").get(pk=application.pk)
        if not locked.is_open:
            code = rules.ALREADY_COMPLETED if locked.status == Status.COMPLETED else rules.ALREADY_REJECTED
            raise Conflict(code, _("This case has already been decided."))
        _reject_locked(
            application=locked, actor=actor, ground=ground, reason_code=reason_code, comment=comment
        )
    return locked


# --- Lapse: a case whose co-owners did not all answer in time is refused ----------------------------------


def lapse_if_due(application: Application) -> bool:
    """The check "whenever the case is touched": a case whose consent window has passed is refused now.

    Returns whether it lapsed (the instance is refreshed then).
    """
    if application.consent_window_passed(timezone.now()):
        lapsed = consents_lapse(application_ids=[application.pk])
        application.refresh_from_db()
        return bool(lapsed)
    return False


def consents_lapse(*, now: dt.datetime | None = None, application_ids: Iterable[int] | None = None) -> int:
    """Refuse every case whose co-owners did not all answer within the consent window; returns how many.

    Run on a schedule (``manage.py lapse_consents``) and on every touch of a case. Safe to run from
    several processes at once: each case is locked, and one already being handled is skipped.
    """
    now = now or timezone.now()
    due = Application.objects.filter(status=Status.AWAITING_CONSENT, consent_expires_at__lte=now)
    if application_ids is not None:
        due = due.filter(pk__in=list(application_ids))
    lapsed = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            application = (
                Application.objects.select_for_update(skip_locked=True)
                .select_related("applicant")
                .filter(pk=pk, status=Status.AWAITING_CONSENT, consent_expires_at__lte=now)
                .first()
            )
            if application is None:
                continue
            _reject_locked(
                application=application,
                actor=None,
                ground=RefusalGround.REQUIREMENTS_NOT_MET,
                reason_code=rules.CO_OWNER_CONSENT_LAPSED,
                comment=_("Not every co-owner answered within the consent window."),
            )
            lapsed += 1
    return lapsed

"""Co-owners' consent: a co-owner's answer, signed in the cabinet; the last approval completes the case, a decline
refuses it (the lapse of the window is in ``completion``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from citizens.audit import audit_log

from .. import eds, rules
from ..constants import (
    Channel,
    ConsentDecision,
    ConsentGiven,
    RefusalGround,
    Role,
    Status,
)
from ..errors import Conflict, NotFound
from ..models import (
    Application,
    Consent,
    UsedNonce,
)
from ..roles import role_of
from .common import _history_user, _invalid
from .completion import _complete_automatically, _reject_locked, lapse_if_due
from .submission import _verified_signature


def consent_decide(
    *, actor: Any, consent: Consent, decision: str, signed_consent: str | bytes | None
) -> Consent:
    """A co-owner approves or declines an owner's application, with a consent signed by their own EDS.

    A decline refuses the case; the last approval starts its 30-minute term (and completes a portal case).
    NotFound when the consent is not addressed to the actor; Conflict when it was answered or lapsed.
    """
    person = getattr(actor, "person", None) if role_of(actor) == Role.CITIZEN else None
    if person is None or consent.co_owner_id != person.pk:
        raise NotFound("not_found", _("No such consent request."))
    if decision not in (ConsentDecision.APPROVED, ConsentDecision.DECLINED):
        raise _invalid({"decision": [ValidationError(_("Approve or decline."), code=rules.INVALID_INPUT)]})
    application = consent.application
    lapse_if_due(application)
    signed = _verified_signature(
        field="signed_consent",
        document=signed_consent,
        missing=_("Sign your answer with your EDS."),
        verify=eds.verify_signed_consent,
        check=lambda signed: eds.check_consent_matches(
            signed,
            application_number=application.number,
            co_owner_iin=person.iin,
            decision="approve" if decision == ConsentDecision.APPROVED else "decline",
        ),
    )

    try:
        with transaction.atomic():
            locked_app = (
                Application.objects.select_for_update()
                .select_related("applicant", "dwelling")
                .get(pk=application.pk)
            )
            locked = Consent.objects.select_for_update().get(pk=consent.pk)
            if locked.decision != ConsentDecision.PENDING:
                raise Conflict(
                    rules.CONSENT_ALREADY_GIVEN,
                    _("This consent request has already been answered or has lapsed."),
                )
            if locked_app.status != Status.AWAITING_CONSENT:
                raise Conflict(rules.ALREADY_REJECTED, _("This application no longer waits for consent."))
            with transaction.atomic():
                UsedNonce.objects.create(nonce=signed.nonce, signer_iin=signed.signer_iin)
            now = timezone.now()
            locked.decision = decision
            locked.decided_at = now
            locked.given = ConsentGiven.PORTAL
            locked.signed_document = (
                signed_consent.decode() if isinstance(signed_consent, bytes) else signed_consent
            )
            _history_user(locked, actor)
            locked.save(update_fields=["decision", "decided_at", "given", "signed_document"])
            audit_log(actor=actor, action=f"consent.{decision}", target=locked)
            if decision == ConsentDecision.DECLINED:
                _reject_locked(
                    application=locked_app,
                    actor=None,
                    ground=RefusalGround.REQUIREMENTS_NOT_MET,
                    reason_code=rules.CO_OWNER_DECLINED,
                    comment=_("A co-owner of the dwelling declined the application."),
                )
            elif not locked_app.consents.exclude(decision=ConsentDecision.APPROVED).exists():
                # The 30-minute term runs from the moment the last consent arrives.
                locked_app.status = Status.SUBMITTED
                locked_app.deadline_at = now + timedelta(minutes=settings.SERVICE_TERM_MINUTES)
                _history_user(locked_app, actor)
                locked_app.save(update_fields=["status", "deadline_at"])
    except IntegrityError as exc:
        raise Conflict(
            eds.NONCE_REPLAYED, _("This signed consent has already been used."), field="signed_consent"
        ) from exc
    if locked_app.channel == Channel.PORTAL and locked_app.status == Status.SUBMITTED:
        _complete_automatically(locked_app)
    locked.refresh_from_db()
    return locked

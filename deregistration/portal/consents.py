"""``/cabinet/consents/<id>/``: a co-owner approves or declines an owner's application with their EDS.

The co-owner first chooses an answer; the next page shows the consent XML of that answer (DESIGN.md) to sign
in one of the three ways (``signing``). The signed ``decision`` must be the one chosen: the service checks.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from deregistration import eds, selectors, services
from deregistration.constants import ConsentDecision
from deregistration.errors import ServiceError

from .access import citizen_required
from .access import posted as _posted
from .drafts import PendingSignature
from .forms import DecisionForm
from .signing import ConsentSignForm, obtain_signature, sign_context, xml_download

SESSION_KEY = "portal_consent_signatures"
# The answer as the URL and the signed document say it, and as the service stores it.
DECISIONS = {eds.DECISION_APPROVE: ConsentDecision.APPROVED, eds.DECISION_DECLINE: ConsentDecision.DECLINED}
VERBS = {stored: verb for verb, stored in DECISIONS.items()}


def _consent_xml(request: HttpRequest, consent, verb: str, *, renew: bool = False) -> bytes:
    """The consent document of this answer, with a time and nonce kept in the session while it is signed."""
    pending = request.session.get(SESSION_KEY, {})
    key = f"{consent.pk}:{verb}"
    signature = PendingSignature(**pending.get(key, {})) if not renew else PendingSignature()
    if not signature.current(timezone.now()):
        signature.renew(timezone.now())
    pending = {k: v for k, v in pending.items() if k.split(":")[0] == str(consent.pk)} | {
        key: {"requested_at": signature.requested_at, "nonce": signature.nonce}
    }
    request.session[SESSION_KEY] = pending
    return eds.build_consent_xml(
        application_number=consent.application.number,
        co_owner_iin=request.user.person.iin,
        decision=verb,
        requested_at=signature.requested_at_datetime,
        nonce=signature.nonce,
    )


def _context(consent) -> dict:
    application = consent.application
    return {
        "consent": consent,
        "application": application,
        "address": application.dwelling.address_line(get_language() or "kk"),
        "named": [s.person for s in application.subjects.all()],
    }


@citizen_required
@require_http_methods(["GET", "POST"])
def consent_detail(request: HttpRequest, consent_id: int) -> HttpResponse:
    """The request: whose application, which dwelling, whom it names, by when; and the choice of answer."""
    consent = selectors.consent_get(actor=request.user, consent_id=consent_id)
    services.lapse_if_due(consent.application)
    consent.refresh_from_db(fields=["decision", "decided_at"])
    form = DecisionForm(_posted(request))
    if request.method == "POST" and consent.decision == ConsentDecision.PENDING and form.is_valid():
        verb = VERBS[form.cleaned_data["decision"]]
        return redirect("portal:consent-sign", consent_id=consent.pk, decision=verb)
    return render(request, "portal/consent_detail.html", {**_context(consent), "form": form})


def _consent_to_answer(request: HttpRequest, consent_id: int, decision: str):
    if decision not in DECISIONS:
        raise Http404("No such answer.")
    return selectors.consent_get(actor=request.user, consent_id=consent_id)


@citizen_required
@require_http_methods(["GET", "POST"])
def consent_sign(request: HttpRequest, consent_id: int, decision: str) -> HttpResponse:
    consent = _consent_to_answer(request, consent_id, decision)
    if consent.decision != ConsentDecision.PENDING:
        return redirect("portal:consent", consent_id=consent.pk)
    xml = _consent_xml(request, consent, decision)
    form = ConsentSignForm()
    if request.method == "POST":
        signature = obtain_signature(request, ConsentSignForm, xml=xml, iin=request.user.person.iin)
        form = signature.form
        if signature.signed is not None:
            try:
                services.consent_decide(
                    actor=request.user,
                    consent=consent,
                    decision=DECISIONS[decision],
                    signed_consent=signature.signed,
                )
            except (ValidationError, ServiceError) as error:
                form.service_error(error, document_field="signed_consent")
                if {eds.REQUEST_STALE, eds.NONCE_REPLAYED} & set(form.codes):
                    xml = _consent_xml(request, consent, decision, renew=True)
            else:
                messages.success(
                    request,
                    _("You approved the application. Thank you.")
                    if decision == eds.DECISION_APPROVE
                    else _("You declined the application. It has been refused."),
                )
                return redirect("portal:consent", consent_id=consent.pk)
    return render(
        request,
        "portal/consent_sign.html",
        {
            **_context(consent),
            "decision": decision,
            "approving": decision == eds.DECISION_APPROVE,
            **sign_context(
                xml=xml,
                form=form,
                download_url=reverse("portal:consent-xml", args=[consent.pk, decision]),
                locale=get_language() or "kk",
            ),
        },
    )


@citizen_required
@require_GET
def consent_xml(request: HttpRequest, consent_id: int, decision: str) -> HttpResponse:
    consent = _consent_to_answer(request, consent_id, decision)
    if consent.decision != ConsentDecision.PENDING:
        return redirect("portal:consent", consent_id=consent.pk)
    return xml_download(
        _consent_xml(request, consent, decision), f"consent-{consent.application.number}-{decision}.xml"
    )

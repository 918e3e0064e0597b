"""``/apply/``: the owner's application, one step a page, each working without JavaScript.

choose a dwelling → tick who does not live there → review → sign → result. The draft lives in the session
(``drafts``); a submitted draft shows its result from any step, so the back button does no harm.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from deregistration import eds, rules, selectors, services
from deregistration.constants import CaseType, Channel
from deregistration.errors import Conflict, ServiceError

from . import presentation
from .access import citizen_required
from .access import posted as _posted
from .drafts import Draft, PendingSignature, draft_get, draft_new, draft_save
from .forms import DwellingForm, ResidentsForm, ReviewForm
from .signing import SignForm, obtain_signature, sign_context, xml_download

STEPS = ("dwelling", "residents", "review", "sign")
# EDS refusals after which the page offers a freshly dated request to sign.
RENEW_AFTER = {eds.REQUEST_STALE, eds.NONCE_REPLAYED}


def _step_url(draft: Draft, step: str) -> str:
    return reverse(f"portal:apply-{step}", args=[draft.id])


def _first_missing_step(draft: Draft) -> str | None:
    """The earliest step the draft still lacks, or None when it is ready to sign."""
    if draft.submitted:
        return "result"
    if not draft.address_code:
        return "dwelling"
    if not draft.subjects:
        return "residents"
    if not draft.confirmed:
        return "review"
    return None


def _guard(draft: Draft, step: str) -> HttpResponse | None:
    """A step opened out of order (a submitted draft, or one that lacks an earlier step) goes where it can."""
    missing = _first_missing_step(draft)
    if missing == "result":
        return redirect(_step_url(draft, "result"))
    order = [*STEPS, None]
    if order.index(missing) < order.index(step):
        return redirect(_step_url(draft, missing))
    return None


def _page(request: HttpRequest, template: str, draft: Draft | None, step: str, **context) -> HttpResponse:
    context.update(draft=draft, step=step, steps=STEPS, step_number=STEPS.index(step) + 1)
    return render(request, template, context)


@citizen_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Step 1 of a new draft: which of the citizen's dwellings."""
    return _dwelling_step(request, draft=None)


@citizen_required
@require_http_methods(["GET", "POST"])
def dwelling(request: HttpRequest, draft_id: str) -> HttpResponse:
    """Step 1 again, for a draft already started (from "Back" or "Change")."""
    draft = draft_get(request.session, draft_id)
    return _guard(draft, "dwelling") or _dwelling_step(request, draft=draft)


def _dwelling_step(request: HttpRequest, *, draft: Draft | None) -> HttpResponse:
    dwellings = list(selectors.dwellings_owned(actor=request.user).prefetch_related(None))  # addresses only
    initial = {"address_code": draft.address_code} if draft else {}
    if len(dwellings) == 1 and not initial:
        initial = {"address_code": dwellings[0].address_code}
    form = DwellingForm(_posted(request), dwellings=dwellings, initial=initial)
    if request.method == "POST" and form.is_valid():
        address_code = form.cleaned_data["address_code"]
        if draft is None:
            draft = draft_new(request.session, address_code=address_code)
        elif draft.address_code != address_code:
            draft.address_code, draft.subjects, draft.confirmed = address_code, [], False
            draft_save(request.session, draft)
        return redirect(_step_url(draft, "residents"))
    return _page(request, "portal/apply_dwelling.html", draft, "dwelling", form=form, dwellings=dwellings)


@citizen_required
@require_http_methods(["GET", "POST"])
def residents(request: HttpRequest, draft_id: str) -> HttpResponse:
    """Step 2: everyone registered there; those the portal can take are tickable, the others say why not."""
    draft = draft_get(request.session, draft_id)
    if redirected := _guard(draft, "residents"):
        return redirected
    place = selectors.dwelling_owned(actor=request.user, address_code=draft.address_code)
    form = ResidentsForm(
        _posted(request),
        residents=place.residents,
        initial={"subjects": draft.subjects, "issue_slip": draft.issue_slip},
    )
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["subjects"])
        subjects = [r.iin for r in place.residents if r.iin in chosen]  # in the order shown
        if subjects != draft.subjects or form.cleaned_data["issue_slip"] != draft.issue_slip:
            draft.subjects, draft.issue_slip, draft.confirmed = (
                subjects,
                form.cleaned_data["issue_slip"],
                False,
            )
            draft_save(request.session, draft)
        return redirect(_step_url(draft, "review"))
    selected = set(form["subjects"].value() or [])
    tickable = iter(range(len(place.residents)))
    rows = [(r, f"id_subjects_{next(tickable)}" if r.portal_can_deregister else "") for r in place.residents]
    return _page(
        request,
        "portal/apply_residents.html",
        draft,
        "residents",
        form=form,
        place=place,
        rows=rows,
        selected=selected,
        address=place.address_line(get_language() or "kk"),
        any_tickable=any(r.portal_can_deregister for r in place.residents),
    )


def _named(place, draft: Draft) -> list[selectors.Resident]:
    by_iin = {r.iin: r for r in place.residents}
    return [by_iin[iin] for iin in draft.subjects if iin in by_iin]


@citizen_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, draft_id: str) -> HttpResponse:
    """Step 3: what will be signed, and who else must consent."""
    draft = draft_get(request.session, draft_id)
    if redirected := _guard(draft, "review"):
        return redirected
    place = selectors.dwelling_owned(actor=request.user, address_code=draft.address_code)
    form = ReviewForm(_posted(request), initial={"confirm": draft.confirmed})
    if request.method == "POST" and form.is_valid():
        draft.confirmed = True
        draft_save(request.session, draft)
        return redirect(_step_url(draft, "sign"))
    co_owners = [o.person for o in place.current_ownerships if o.person_id != request.user.person.pk]
    return _page(
        request,
        "portal/apply_review.html",
        draft,
        "review",
        form=form,
        place=place,
        named=_named(place, draft),
        co_owners=co_owners,
        address=place.address_line(get_language() or "kk"),
    )


def _request_xml(request: HttpRequest, draft: Draft) -> bytes:
    signature = draft.signature_document()
    draft_save(request.session, draft)
    return eds.build_request_xml(
        applicant_iin=request.user.person.iin,
        address_code=draft.address_code,
        subjects=draft.subjects,
        requested_at=signature.requested_at_datetime,
        nonce=signature.nonce,
    )


@citizen_required
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, draft_id: str) -> HttpResponse:
    """Step 4: the request XML, signed in one of three ways, sent to the service with the draft's key."""
    draft = draft_get(request.session, draft_id)
    if redirected := _guard(draft, "sign"):
        return redirected
    place = selectors.dwelling_owned(actor=request.user, address_code=draft.address_code)
    xml = _request_xml(request, draft)
    if request.method != "POST":
        form = SignForm()
    else:
        signature = obtain_signature(request, SignForm, xml=xml, iin=request.user.person.iin)
        form = signature.form
        if signature.signed is not None:
            try:
                result = services.application_submit(
                    actor=request.user,
                    case_type=CaseType.OWNER_APPLICATION,
                    channel=Channel.PORTAL,
                    address_code=draft.address_code,
                    applicant_iin=request.user.person.iin,
                    subjects=draft.subjects,
                    signed_request=signature.signed,
                    issue_slip=draft.issue_slip,
                    idempotency_key=draft.idempotency_key,
                )
            except (ValidationError, ServiceError) as error:
                if isinstance(error, Conflict) and error.code == rules.IDEMPOTENCY_KEY_REUSED:
                    # Sent already with another signature (a second tab): the first application stands.
                    application = selectors.application_submitted_with(
                        actor=request.user, idempotency_key=draft.idempotency_key
                    )
                    return _submitted(request, draft, application.number)
                form.service_error(error, document_field="signed_request")
                if RENEW_AFTER & set(form.codes):
                    draft.signature = PendingSignature()  # a fresh time and nonce to sign
                    xml = _request_xml(request, draft)
            else:
                return _submitted(request, draft, result.application.number)
    return _page(
        request,
        "portal/apply_sign.html",
        draft,
        "sign",
        place=place,
        named=_named(place, draft),
        address=place.address_line(get_language() or "kk"),
        **sign_context(
            xml=xml,
            form=form,
            download_url=reverse("portal:apply-request-xml", args=[draft.id]),
            locale=get_language() or "kk",
        ),
    )


def _submitted(request: HttpRequest, draft: Draft, number: str) -> HttpResponse:
    draft.application_number = number
    draft_save(request.session, draft)
    return redirect(_step_url(draft, "result"))


@citizen_required
@require_GET
def request_xml(request: HttpRequest, draft_id: str) -> HttpResponse:
    """The request to sign, as a file, for any signing tool; the same document the sign page shows."""
    draft = draft_get(request.session, draft_id)
    if _first_missing_step(draft) is not None:
        return redirect(_step_url(draft, _first_missing_step(draft)))
    return xml_download(_request_xml(request, draft), f"deregistration-request-{draft.id}.xml")


@citizen_required
@require_GET
def result(request: HttpRequest, draft_id: str) -> HttpResponse:
    """The outcome of the submitted draft: completed at once, waiting for co-owners, or refused."""
    draft = draft_get(request.session, draft_id)
    if not draft.submitted:
        return redirect(_step_url(draft, _first_missing_step(draft) or "sign"))
    application = selectors.application_get(actor=request.user, number=draft.application_number)
    return render(
        request,
        "portal/apply_result.html",
        {
            "application": application,
            "tracker": presentation.tracker(application),
            "clock": presentation.clock(application),
            "subjects": presentation.subjects(application),
            "next_step": presentation.next_step(application),
            "address": application.dwelling.address_line(get_language() or "kk"),
        },
    )

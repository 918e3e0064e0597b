"""``/cabinet/``: the signed-in citizen's notifications, applications, slips, consent requests and property.

Lists show a fixed number of the newest rows (the full lists are paged), so each page costs the same number of
queries however many rows there are. Opening a notification marks it read; listing them changes nothing.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from deregistration import selectors, services
from deregistration.constants import ConsentDecision
from deregistration.slips import slip_pdf

from . import presentation
from .access import citizen_required

RECENT = 5  # rows of each list on the cabinet's first page
PAGE = 20  # rows of a full list's page
PROPERTY_PAGE = 10  # dwellings of a page of "my property" (each lists its residents)


def _language() -> str:
    return get_language() or "kk"


def _application_rows(applications) -> list[dict]:
    return [
        {
            "application": a,
            "tracker": presentation.tracker(a),
            "clock": presentation.clock(a),
            "address": a.dwelling.address_line(_language()),
        }
        for a in applications
    ]


@citizen_required
@require_GET
def cabinet(request: HttpRequest) -> HttpResponse:
    actor = request.user
    notifications = selectors.notifications_for(actor=actor)
    applications = selectors.applications_shown(
        actor=actor, applications=selectors.applications_list(actor=actor)[:RECENT]
    )
    consents = selectors.consents_shown(actor=actor, consents=selectors.consents_list(actor=actor)[:RECENT])
    owned = list(
        selectors.dwellings_owned(actor=actor)[: RECENT + 1]
    )  # one more tells whether there are more
    property_ = selectors.with_residents(dwellings=owned[:RECENT], actor=actor)
    notice = selectors.deregistration_notice(actor=actor)
    return render(
        request,
        "portal/cabinet.html",
        {
            "notifications": list(notifications[:RECENT]),
            "unread": notifications.filter(read_at__isnull=True).count(),
            "applications": _application_rows(applications),
            "consents": consents,
            "pending_consents": [c for c in consents if c.decision == ConsentDecision.PENDING],
            "slips": list(selectors.slips_visible_to(actor=actor).order_by("-issued_at", "-id")[:RECENT]),
            "dwellings": [(d, d.address_line(_language())) for d in property_],
            "notice": notice,
            "notice_address": notice.dwelling.address_line(_language()) if notice else "",
            "more_property": len(owned) > RECENT,
        },
    )


@citizen_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_for(actor=request.user), PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/notification_list.html", {"page": page})


@citizen_required
@require_GET
def notification_detail(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Opening a notification is reading it: it is marked read (once; the first time is kept)."""
    notification = selectors.notification_get(actor=request.user, notification_id=notification_id)
    notification = services.notification_mark_read(actor=request.user, notification=notification)
    return render(request, "portal/notification_detail.html", {"notification": notification})


@citizen_required
@require_GET
def property_list(request: HttpRequest) -> HttpResponse:
    """Every dwelling the citizen owns, a page at a time, with who is registered there."""
    page = Paginator(selectors.dwellings_owned(actor=request.user), PROPERTY_PAGE).get_page(
        request.GET.get("page")
    )
    dwellings = selectors.with_residents(dwellings=list(page.object_list), actor=request.user)
    return render(
        request,
        "portal/property_list.html",
        {"page": page, "dwellings": [(d, d.address_line(_language())) for d in dwellings]},
    )


@citizen_required
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.applications_list(actor=request.user), PAGE).get_page(request.GET.get("page"))
    shown = selectors.applications_shown(actor=request.user, applications=page.object_list)
    return render(request, "portal/application_list.html", {"page": page, "rows": _application_rows(shown)})


@citizen_required
@require_GET
def application_detail(request: HttpRequest, number: str) -> HttpResponse:
    application = selectors.application_get(actor=request.user, number=number)
    return render(
        request,
        "portal/application_detail.html",
        {
            "application": application,
            "tracker": presentation.tracker(application),
            "clock": presentation.clock(application),
            "subjects": presentation.subjects(application),
            "next_step": presentation.next_step(application),
            "address": application.dwelling.address_line(_language()),
        },
    )


@citizen_required
@require_GET
def slip_download(request: HttpRequest, number: str) -> HttpResponse:
    """The departure slip as issued (the applicant's or the person's own); each download is logged."""
    slip = selectors.slip_get(actor=request.user, number=number)
    document = slip_pdf(actor=request.user, slip=slip)
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"{slip.number}.pdf")
    return response

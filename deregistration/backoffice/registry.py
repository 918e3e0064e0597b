"""The ХҚТ ТП АЖ register records and the departure slips, as the back-office reads them; a slip opens as the
stored PDF in the browser, through the same permission-checked selector and read as the API's download."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from citizens.admin_base import ServiceOnlyAdmin
from citizens.admin_lists import BigListMixin

from .. import selectors
from ..errors import NotFound, Unavailable
from ..models import DepartureSlip, RegistryRecord


@admin.register(RegistryRecord)
class RegistryRecordAdmin(BigListMixin, ServiceOnlyAdmin):
    list_display = ["recorded_at", "iin", "full_name", "address_code", "case_type", "application_number"]
    list_filter = ["case_type", "channel"]
    search_fields = ["iin__exact", "application_number__exact"]
    search_help_text = _("The full 12-digit IIN or the application's number.")
    fields = [
        "iin",
        ("last_name", "first_name", "patronymic"),
        ("address_code", "kato"),
        "address",
        ("case_type", "reason", "channel"),
        "basis",
        "application_number",
        ("registered_on", "effective_date"),
        ("recorded_at", "operator"),
    ]

    @admin.display(description=_("full name"))
    def full_name(self, obj: RegistryRecord) -> str:
        return obj.full_name


@admin.register(DepartureSlip)
class DepartureSlipAdmin(BigListMixin, ServiceOnlyAdmin):
    list_display = ["number", "issued_at", "person", "application", "open_pdf"]
    list_select_related = ["subject__person", "subject__application"]
    search_fields = ["number__exact"]
    search_help_text = _("The slip's full number.")
    fields = ["number", "person", "application", "issued_at", "issued_by", "sha256", "size", "open_pdf"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("subject__person", "subject__application", "issued_by")
        )

    @admin.display(description=_("person deregistered"))
    def person(self, obj: DepartureSlip) -> str:
        person = obj.subject.person
        return f"{person.full_name} ({person.iin})"

    @admin.display(description=_("application"))
    def application(self, obj: DepartureSlip) -> str:
        application = obj.subject.application
        url = reverse("admin:deregistration_application_change", args=[application.pk])
        return format_html('<a href="{}">{}</a>', url, application.number)

    @admin.display(description=_("PDF"))
    def open_pdf(self, obj: DepartureSlip) -> str:
        url = reverse("admin:deregistration_departureslip_pdf", args=[obj.number])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("Open the slip"))

    def get_urls(self):
        return [
            path(
                "pdf/<str:number>/",
                self.admin_site.admin_view(self.pdf_view),
                name="deregistration_departureslip_pdf",
            ),
            *super().get_urls(),
        ]

    def pdf_view(self, request, number: str) -> HttpResponse:
        """The slip exactly as issued and stored, shown in the browser for printing. Each opening is logged."""
        from ..slips import slip_pdf

        try:
            slip = selectors.slip_get(actor=request.user, number=number)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        try:
            document = slip_pdf(actor=request.user, slip=slip)
        except Unavailable as exc:
            messages.error(request, exc.message)
            return redirect("admin:deregistration_application_change", slip.subject.application_id)
        response = HttpResponse(document, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(False, f"{slip.number}.pdf")
        response["Content-Length"] = str(len(document))
        response["Cache-Control"] = "no-store"
        return response

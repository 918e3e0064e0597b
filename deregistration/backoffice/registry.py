"""The ХҚТ ТП АЖ register records and the departure slips, as the back-office reads them; a slip opens as the
stored PDF in the browser, through the same permission-checked selector and read as the API's download."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from citizens.admin_base import ServiceOnlyAdmin
from citizens.admin_lists import BigListMixin
from citizens.audit import reads_note

from .. import selectors
from ..errors import NotFound, Unavailable
from ..models import DepartureSlip, DocumentScan, RegistryRecord
from ..scans import EXTENSIONS, scan_read


def inline_file(content: bytes, content_type: str, name: str) -> HttpResponse:
    """Stored bytes shown in the browser (to read or print), never cached, their type never guessed."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(False, name)
    response["Content-Length"] = str(len(content))
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


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
        ("seq", "prev_hash", "hash"),
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
    fields = [
        "number",
        "person",
        "application",
        "issued_at",
        "issued_by",
        "sha256",
        "size",
        "open_pdf",
        "download",
    ]
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

    @admin.display(description=_("download"))
    def download(self, obj: DepartureSlip) -> str:
        """The API's permission-checked download of the same stored bytes, saved as a file."""
        url = reverse("api:slip-pdf", args=[obj.number])
        return format_html('<a href="{}" download>{}</a>', url, _("Download the PDF"))

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
        return inline_file(document, "application/pdf", f"{slip.number}.pdf")


@admin.register(DocumentScan)
class DocumentScanAdmin(BigListMixin, ServiceOnlyAdmin):
    """Scans attached at the desk: listed with their case; each opens through ``file_view`` (logged)."""

    list_display = ["uploaded_at", "application", "document", "content_type", "size", "open_file"]
    list_select_related = ["application", "document"]
    fields = [
        "application",
        "document",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
        "open_file",
    ]
    readonly_fields = fields
    ordering = ["-id"]

    @admin.display(description=_("application"))
    def application(self, obj: DocumentScan) -> str:
        url = reverse("admin:deregistration_application_change", args=[obj.application_id])
        return format_html('<a href="{}">{}</a>', url, obj.application.number)

    @admin.display(description=_("scan"))
    def open_file(self, obj: DocumentScan) -> str:
        url = reverse("admin:deregistration_documentscan_file", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("Open the scan"))

    def get_urls(self):
        return [
            path(
                "<int:scan_id>/file/",
                self.admin_site.admin_view(self.file_view),
                name="deregistration_documentscan_file",
            ),
            *super().get_urls(),
        ]

    def file_view(self, request, scan_id: int) -> HttpResponse:
        """The scan as attached, for whoever may read the case; each opening is an audited read."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        scan = DocumentScan.objects.select_related("application", "document").filter(pk=scan_id).first()
        if scan is None:
            raise Http404
        try:
            content = scan_read(scan=scan)
        except Unavailable as exc:
            messages.error(request, exc.message)
            return redirect("admin:deregistration_application_change", scan.application_id)
        reads_note(request, [scan])
        name = f"{scan.application.number}-{scan.pk}{EXTENSIONS[scan.content_type]}"
        return inline_file(content, scan.content_type, name)

"""The back-office's read views of cases and of the ХҚТ ТП АЖ register (actions come with the back-office).

Every page is read-only and audited (citizens.admin_base): a case changes only through the services."""

from django.contrib import admin

from citizens.admin_base import ReadOnlyInline, ServiceOnlyAdmin, ServiceOnlyHistoryAdmin

from .models import (
    Application,
    ApplicationDocument,
    ApplicationSubject,
    Consent,
    DepartureSlip,
    RegistryRecord,
)


class SubjectInline(ReadOnlyInline):
    model = ApplicationSubject
    fields = ["person", "outcome", "registry_record"]
    readonly_fields = fields


class DocumentInline(ReadOnlyInline):
    model = ApplicationDocument
    fields = ["type", "number", "issued_on", "issued_by", "holder_iin", "court", "case_number", "in_force_on"]
    readonly_fields = fields


class ConsentInline(ReadOnlyInline):
    model = Consent
    fields = ["co_owner", "decision", "expires_at", "decided_at"]
    readonly_fields = fields


@admin.register(Application)
class ApplicationAdmin(ServiceOnlyHistoryAdmin):
    list_display = ["number", "case_type", "channel", "status", "submitted_at", "deadline_at", "completed_at"]
    list_filter = ["status", "case_type", "channel"]
    search_fields = ["number__exact", "applicant__iin__exact"]
    list_select_related = ["applicant"]
    show_full_result_count = False
    inlines = [SubjectInline, DocumentInline, ConsentInline]
    readonly_fields = [f.name for f in Application._meta.fields if f.name != "signed_request"]
    exclude = ["signed_request"]


@admin.register(RegistryRecord)
class RegistryRecordAdmin(ServiceOnlyAdmin):
    list_display = [
        "recorded_at",
        "iin",
        "last_name",
        "first_name",
        "address_code",
        "case_type",
        "application_number",
    ]
    list_filter = ["case_type", "channel"]
    search_fields = ["iin__exact", "application_number__exact"]
    show_full_result_count = False


@admin.register(DepartureSlip)
class DepartureSlipAdmin(ServiceOnlyAdmin):
    list_display = ["number", "issued_at", "subject"]
    list_select_related = ["subject"]
    search_fields = ["number__exact"]
    show_full_result_count = False
    exclude = ["verification_code"]

"""The back-office's read views of cases and of the ХҚТ ТП АЖ register (actions come with the back-office)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from citizens.admin import AuditedReadMixin

from .models import (
    Application,
    ApplicationDocument,
    ApplicationSubject,
    Consent,
    DepartureSlip,
    RegistryRecord,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
class ApplicationAdmin(AuditedReadMixin, SimpleHistoryAdmin):
    list_display = ["number", "case_type", "channel", "status", "submitted_at", "deadline_at", "completed_at"]
    list_filter = ["status", "case_type", "channel"]
    search_fields = ["number__exact", "applicant__iin__exact"]
    list_select_related = ["applicant"]
    show_full_result_count = False
    inlines = [SubjectInline, DocumentInline, ConsentInline]
    readonly_fields = [f.name for f in Application._meta.fields if f.name != "signed_request"]
    exclude = ["signed_request"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RegistryRecord)
class RegistryRecordAdmin(AuditedReadMixin, admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DepartureSlip)
class DepartureSlipAdmin(admin.ModelAdmin):
    list_display = ["number", "issued_at", "subject"]
    search_fields = ["number__exact"]
    show_full_result_count = False
    exclude = ["verification_code"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

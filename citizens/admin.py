"""The back-office views of the population register. Every staff read of a person is audit-logged."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .audit import audit_log
from .models import AuditEvent, Dwelling, Ownership, Person, Registration


class AuditedReadMixin:
    """Log each opening of a record's page: who looked at whose data, and when (never the data itself)."""

    audit_action = "view"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and getattr(response, "status_code", 200) == 200:
            obj = self.get_object(request, object_id)
            if obj is not None:
                audit_log(
                    actor=request.user,
                    action=f"{self.model._meta.model_name}.{self.audit_action}",
                    target=obj,
                    via="admin",
                )
        return response


class OwnershipInline(admin.TabularInline):
    model = Ownership
    extra = 0
    autocomplete_fields = ["person"]


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    fields = ["person", "kind", "registered_on", "valid_until", "ended_on", "end_reason"]
    readonly_fields = ["ended_on", "end_reason"]
    autocomplete_fields = ["person"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")


@admin.register(Person)
class PersonAdmin(AuditedReadMixin, admin.ModelAdmin):
    list_display = ["iin", "last_name", "first_name", "patronymic", "birth_date", "category"]
    list_filter = ["category", "sex"]
    # Exact match only: an IIN is looked up whole, through its unique index (NOTES.md: iexact skips it).
    search_fields = ["iin__exact"]
    search_help_text = _("Search by the full 12-digit IIN.")
    show_full_result_count = False
    readonly_fields = ["account", "created_at", "updated_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "iin",
                    ("last_name", "first_name", "patronymic"),
                    ("birth_date", "birth_place", "sex"),
                ]
            },
        ),
        (_("Status"), {"fields": [("citizenship", "category")]}),
        (
            _("Identity document"),
            {"fields": [("document_type", "document_number"), ("document_issued_on", "document_issued_by")]},
        ),
        (_("Record"), {"fields": ["account", "created_at", "updated_at"]}),
    ]


@admin.register(Dwelling)
class DwellingAdmin(AuditedReadMixin, admin.ModelAdmin):
    list_display = ["address_code", "kato", "region", "locality", "street", "building", "apartment"]
    list_filter = ["region"]
    search_fields = ["address_code__exact"]
    search_help_text = _("Search by the full address register code (РКА).")
    show_full_result_count = False
    inlines = [OwnershipInline, RegistrationInline]


@admin.register(Ownership)
class OwnershipAdmin(admin.ModelAdmin):
    list_display = ["dwelling", "person", "share", "since", "until"]
    list_select_related = ["dwelling", "person"]
    search_fields = ["person__iin__exact", "dwelling__address_code__exact"]
    search_help_text = _("Search by the owner's full IIN or the full address code.")
    autocomplete_fields = ["person", "dwelling"]
    show_full_result_count = False


@admin.register(Registration)
class RegistrationAdmin(AuditedReadMixin, admin.ModelAdmin):
    list_display = ["person", "dwelling", "kind", "registered_on", "valid_until", "ended_on", "end_reason"]
    list_filter = ["kind", "end_reason"]
    list_select_related = ["person", "dwelling"]
    search_fields = ["person__iin__exact", "dwelling__address_code__exact"]
    search_help_text = _("Search by the person's full IIN or the full address code.")
    autocomplete_fields = ["person", "dwelling"]
    readonly_fields = ["ended_on", "end_reason", "ended_by_application"]
    show_full_result_count = False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id__exact"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""The back-office views of the population register: read-only, every staff read audit-logged.

Nobody edits the register here, not even the superuser: it is loaded and corrected by ``import_population``
(validated, all or nothing) and ended only by the service's deregistrations (citizens.admin_base).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_base import ReadOnlyInline, ServiceOnlyAdmin
from .models import AuditEvent, Dwelling, Ownership, Person, Registration


class OwnershipInline(ReadOnlyInline):
    model = Ownership
    fields = ["person", "share", "since", "until"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")


class RegistrationInline(ReadOnlyInline):
    model = Registration
    fields = ["person", "kind", "registered_on", "valid_until", "ended_on", "end_reason"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")


@admin.register(Person)
class PersonAdmin(ServiceOnlyAdmin):
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
class DwellingAdmin(ServiceOnlyAdmin):
    list_display = ["address_code", "kato", "region", "locality", "street", "building", "apartment"]
    list_filter = ["region"]
    search_fields = ["address_code__exact"]
    search_help_text = _("Search by the full address register code (РКА).")
    show_full_result_count = False
    inlines = [OwnershipInline, RegistrationInline]


@admin.register(Ownership)
class OwnershipAdmin(ServiceOnlyAdmin):
    list_display = ["dwelling", "person", "share", "since", "until"]
    list_select_related = ["dwelling", "person"]
    search_fields = ["person__iin__exact", "dwelling__address_code__exact"]
    search_help_text = _("Search by the owner's full IIN or the full address code.")
    autocomplete_fields = ["person", "dwelling"]
    show_full_result_count = False


@admin.register(Registration)
class RegistrationAdmin(ServiceOnlyAdmin):
    list_display = ["person", "dwelling", "kind", "registered_on", "valid_until", "ended_on", "end_reason"]
    list_filter = ["kind", "end_reason"]
    list_select_related = ["person", "dwelling"]
    search_fields = ["person__iin__exact", "dwelling__address_code__exact"]
    search_help_text = _("Search by the person's full IIN or the full address code.")
    autocomplete_fields = ["person", "dwelling"]
    readonly_fields = ["ended_on", "end_reason", "ended_by_application"]
    show_full_result_count = False


@admin.register(AuditEvent)
class AuditEventAdmin(ServiceOnlyAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id__exact"]
    show_full_result_count = False

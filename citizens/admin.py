"""The back-office views of the population register: read-only, every staff read audit-logged, fast on millions
of rows.

Nobody edits the register here, not even the superuser: it is loaded and corrected by ``import_population``
(validated, all or nothing) and ended only by the service's deregistrations (citizens.admin_base).

At national scale (25 M persons and registrations) every list is one query per page with its related rows
joined (``BigListMixin``: no ``COUNT(*)``), sorted only by an indexed column, and searched by an exact,
indexed value: the whole IIN (``iin__exact``: ``=`` on the unique index; ``iexact`` would wrap the column in
``UPPER()`` and scan, NOTES.md) or the whole address code. Filters offer fixed choices, never a ``SELECT
DISTINCT`` over the table.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .admin_base import ReadOnlyInline, ServiceOnlyAdmin
from .admin_lists import BigListMixin, RegionFilter
from .audit import reads_note
from .iin import is_valid_iin
from .models import AuditEvent, Dwelling, Ownership, Person, Registration
from .selectors import audit_reads_of, person_get, rows_of_person_or_dwelling


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
class PersonAdmin(BigListMixin, ServiceOnlyAdmin):
    list_display = ["iin", "last_name", "first_name", "patronymic", "birth_date", "category"]
    list_filter = ["category"]
    # Exact match only: an IIN is looked up whole, through its unique index (NOTES.md: iexact skips it).
    search_fields = ["iin__exact"]
    search_help_text = _("Search by the full 12-digit IIN.")
    ordering = ["iin"]  # the unique index: a page is an index range, whatever the size of the register
    sortable_by = ("iin",)
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
class DwellingAdmin(BigListMixin, ServiceOnlyAdmin):
    list_display = ["address_code", "kato", "region", "locality", "street", "building", "apartment"]
    list_filter = [RegionFilter]
    search_fields = ["address_code__exact"]
    search_help_text = _("Search by the full address registration code (РКА).")
    ordering = ["address_code"]
    sortable_by = ("address_code",)
    inlines = [OwnershipInline, RegistrationInline]


class PersonOrAddressSearch:
    """Search a person's rows by the whole IIN or the whole address code, each on its own index: an ``OR``
    of ``person.iin = …`` and ``dwelling.address_code = …`` across two joins would scan the table."""

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return rows_of_person_or_dwelling(queryset, term=term), False


@admin.register(Ownership)
class OwnershipAdmin(PersonOrAddressSearch, BigListMixin, ServiceOnlyAdmin):
    list_display = ["dwelling", "person", "share", "since", "until"]
    list_select_related = ["dwelling", "person"]
    search_fields = ["person__iin__exact", "dwelling__address_code__exact"]
    search_help_text = _("Search by the owner's full IIN or the full address code.")
    autocomplete_fields = ["person", "dwelling"]
    ordering = ["-id"]


@admin.register(Registration)
class RegistrationAdmin(PersonOrAddressSearch, BigListMixin, ServiceOnlyAdmin):
    list_display = ["person", "dwelling", "kind", "registered_on", "valid_until", "ended_on", "end_reason"]
    list_filter = ["kind", "end_reason"]
    list_select_related = ["person", "dwelling"]
    search_fields = ["person__iin__exact", "dwelling__address_code__exact"]
    search_help_text = _("Search by the person's full IIN or the full address code.")
    autocomplete_fields = ["person", "dwelling"]
    readonly_fields = ["ended_on", "end_reason", "ended_by_application"]
    ordering = ["-id"]


class ReadKindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("read", _("Reads of persons' data")), ("write", _("Changes"))]

    def queryset(self, request, queryset):
        reads = r"\.(view|list)$"
        if self.value() == "read":
            return queryset.filter(action__regex=reads)
        if self.value() == "write":
            return queryset.exclude(action__regex=reads)
        return queryset


@admin.register(AuditEvent)
class AuditEventAdmin(BigListMixin, ServiceOnlyAdmin):
    """Who read or changed whose data, and when: the supervisor's log. Search by a person's full IIN to see
    who read that person's data, or by a staff member's username to see what they read."""

    list_display = ["at", "actor", "action", "page", "persons_count", "rows"]
    list_select_related = ["actor"]
    list_filter = [ReadKindFilter]
    search_fields = ["actor__username__exact"]
    search_help_text = _("A person's full 12-digit IIN (who read their data), or a staff member's username.")
    ordering = ["-at", "-id"]
    fields = ["at", "actor", "action", "object_type", "object_id", "page", "query", "rows", "persons"]
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if is_valid_iin(term):
            person = person_get(iin=term)
            if person is None:
                return queryset.none(), False
            return queryset & audit_reads_of(person=person), False
        return super().get_search_results(request, queryset, term)

    @admin.display(description=_("page"))
    def page(self, obj: AuditEvent) -> str:
        return obj.details.get("page", "")

    @admin.display(description=_("rows"))
    def rows(self, obj: AuditEvent) -> str:
        return obj.details.get("rows", "")

    @admin.display(description=_("query"))
    def query(self, obj: AuditEvent) -> str:
        return ", ".join(f"{k}={v}" for k, v in (obj.details.get("query") or {}).items())

    @admin.display(description=_("persons"))
    def persons_count(self, obj: AuditEvent) -> int:
        return len(obj.details.get("persons") or [])

    @admin.display(description=_("persons whose data was shown"))
    def persons(self, obj: AuditEvent) -> str:
        shown = list(Person.objects.filter(pk__in=obj.details.get("persons") or []).order_by("iin"))
        reads_note(None, shown)  # their names are shown here: noted in this request's audit row
        return format_html_join(
            ", ",
            '<a href="{}">{} ({})</a>',
            ((reverse("admin:citizens_person_change", args=[p.pk]), p.full_name, p.iin) for p in shown),
        ) or format_html("—")

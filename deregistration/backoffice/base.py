"""What every back-office page shares: lists that never count millions of rows, pages nobody edits."""

from __future__ import annotations

from django.contrib import admin

from .paginator import NextPagePaginator, page_number_of


def _is_autocomplete(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "autocomplete"


class BigListMixin:
    """A list over a table of millions of rows: one query per page (no ``COUNT(*)``, no facet counts, no
    "show all"), no bulk actions, and sorting only where the admin says it is indexed (``sortable_by``)."""

    paginator = NextPagePaginator
    show_full_result_count = False
    list_max_show_all = 0
    show_facets = admin.ShowFacets.NEVER
    actions = None
    sortable_by: tuple[str, ...] = ()

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        paginator = super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)
        if isinstance(paginator, NextPagePaginator):
            paginator.page_number = page_number_of(request, "page" if _is_autocomplete(request) else "p")
        return paginator


class NoWrites:
    """Never add, change or delete here: these records change only through the services (a back-office
    action that calls one)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoWrites, admin.ModelAdmin):
    """Pages that show records and never change them."""


class ReadOnlyInline(NoWrites, admin.TabularInline):
    """Rows shown under a record, never changed here."""

    extra = 0
    can_delete = False

"""What every back-office list shares: it never counts millions of rows.

Reads are audited and raw writes refused by the portal's admin base classes (``citizens.admin_base``); the
back-office's pages subclass those and add this.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList

from .paginator import NextPagePaginator, page_number_of


def _is_autocomplete(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "autocomplete"


class SortableOnlyChangeList(ChangeList):
    """A list sorted only by the columns its admin declares sortable (``sortable_by``), even when the query
    string asks for another (``?o=3``): sorting millions of rows by an unindexed column takes seconds."""

    def get_ordering_field(self, field_name):
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)


class BigListMixin:
    """A list over a table of millions of rows: one query per page (no ``COUNT(*)``, no facet counts, no
    "show all"), no bulk actions, and sorting only where the admin says it is indexed (``sortable_by``)."""

    paginator = NextPagePaginator
    show_full_result_count = False
    list_max_show_all = 0
    show_facets = admin.ShowFacets.NEVER
    actions = None
    sortable_by: tuple[str, ...] = ()

    def get_changelist(self, request, **kwargs):
        return SortableOnlyChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        paginator = super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)
        if isinstance(paginator, NextPagePaginator):
            paginator.page_number = page_number_of(request, "page" if _is_autocomplete(request) else "p")
        return paginator

"""Admin lists over tables of millions of rows (persons, registrations, cases, register records, the audit log).

Django's admin asks its paginator for ``count`` (a ``COUNT(*)`` of the filtered list, seconds on 25 M rows) before
it fetches a page. ``NextPagePaginator`` fetches the page and one row more in a single query instead: the row
beyond tells whether there is a next page, and ``count`` is only what that shows (the rows up to this page, plus
one when more follow). The admin's "show all" is turned off with it (``list_max_show_all = 0``). On PostgreSQL
an unfiltered list also carries the planner's estimate of the table's size, which costs nothing to read.

``BigListMixin`` puts it on a ``ModelAdmin`` together with the rest: no facet counts, no bulk actions, sorting
only by the columns declared indexed (``sortable_by``, enforced even against a crafted ``?o=``), and
``RegionFilter`` offers regions from a fixed list (KATO prefixes) instead of a ``SELECT DISTINCT`` over the table.
"""

from __future__ import annotations

from functools import cached_property

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connections
from django.utils.translation import gettext_lazy as _

from .regions import REGIONS


class NextPagePaginator(Paginator):
    exact_count = False

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, page_number=1):
        super().__init__(object_list, per_page, 0, allow_empty_first_page)
        # The page about to be shown; set it before the first ``count`` (the admin builds the paginator first).
        self.page_number = page_number

    @property
    def _offset(self) -> int:
        return (self.page_number - 1) * self.per_page

    @cached_property
    def _window(self) -> list:
        """This page's rows and the first row of the next page: one query."""
        return list(self.object_list[self._offset : self._offset + self.per_page + 1])

    @cached_property
    def count(self) -> int:
        return self._offset + len(self._window)

    @property
    def has_next_page(self) -> bool:
        return len(self._window) > self.per_page

    def page(self, number):
        number = self.validate_number(number)
        if number == self.page_number:
            return self._get_page(self._window[: self.per_page], number, self)
        return super().page(number)

    @cached_property
    def estimated_total(self) -> int | None:
        """The planner's estimate of the whole table's rows (PostgreSQL, unfiltered lists only), else None."""
        query = getattr(self.object_list, "query", None)
        if query is None or query.where:
            return None
        connection = connections[self.object_list.db]
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [self.object_list.model._meta.db_table],
            )
            row = cursor.fetchone()
        return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None


def page_number_of(request, parameter: str = "p") -> int:
    """The page the admin's changelist will show (its ``p`` parameter, 1-based)."""
    try:
        return max(int(request.GET.get(parameter, 1)), 1)
    except (TypeError, ValueError):
        return 1


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

    def get_results(self, request):
        super().get_results(request)
        paginator = self.paginator
        if isinstance(paginator, NextPagePaginator) and not self.multi_page and paginator._window:
            # One page holds them all: show the rows the paginator fetched instead of querying them again.
            self.result_list = paginator._window[: paginator.per_page]


class BigListMixin:
    """A list over a table of millions of rows: one query per page (no ``COUNT(*)``, no facet counts, no
    "show all"), no bulk actions, and sorting only where the admin says it is indexed (``sortable_by``)."""

    paginator = NextPagePaginator
    list_per_page = 50
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


class RegionFilter(admin.SimpleListFilter):
    """The region, read from a KATO code (``kato_field``: ``kato`` on a dwelling, ``dwelling__kato`` on what
    belongs to one); the choices are the fixed list of regions, never a ``SELECT DISTINCT`` over the table."""

    title = _("region")
    parameter_name = "region"
    kato_field = "kato"

    def lookups(self, request, model_admin):
        return REGIONS

    def queryset(self, request, queryset):
        if self.value() in dict(REGIONS):
            return queryset.filter(**{f"{self.kato_field}__startswith": self.value()})
        return queryset

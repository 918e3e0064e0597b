"""Every list: ``{"results": [...], "next": URL or null, "previous": URL or null}``, without a COUNT(*).

Keyset ("cursor") pagination from DRF: a page is one query for ``page_size + 1`` rows after the cursor's
position in the view's ordering, so it costs the same on page 1 and page 10,000 of a register with millions of
rows. ``page_size`` is bounded by ``max_page_size``; a cursor that was not made by the API is a 400.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

from deregistration.cabinet_rows import RowsFirst


class KeysetPagination(CursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-id",)

    def paginate_queryset(self, queryset, request, view=None):
        # A selector may hand over a list whose first page is read as plain rows (``cabinet_rows.RowsFirst``): the
        # same query as DRF's ``queryset.order_by(*ordering)[:page_size + 1]``, precompiled, without model
        # instances; ``served_rows`` tells the view to present them (``presenters``), not serialize them.
        self.served_rows = False
        if isinstance(queryset, RowsFirst):
            if self.cursor_query_param in request.query_params:
                return super().paginate_queryset(queryset.rest(), request, view)
            first_page = queryset.first_page
        else:
            return super().paginate_queryset(queryset, request, view)
        self.served_rows = True
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.cursor = None
        results = first_page(self.ordering, self.page_size + 1)
        self.page = results[: self.page_size]
        # As DRF's own first page: no previous page; a next one when a row follows the page.
        self.has_previous = False
        self.has_next = len(results) > len(self.page)
        if self.has_next:
            self.next_position = self._get_position_from_instance(results[-1], self.ordering)
        return self.page

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        return tuple(getattr(view, "ordering", None) or self.ordering)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            cursor = None
            invalid = True
        else:
            invalid = cursor is not None and cursor.position is not None and "\x00" in cursor.position
        if invalid:
            raise ValidationError({self.cursor_query_param: [_("This cursor is not valid.")]}, code="invalid")
        return cursor

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        described = super().get_paginated_response_schema(schema)
        described["required"] = ["results", "next", "previous"]
        return described

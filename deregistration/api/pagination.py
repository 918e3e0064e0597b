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


class KeysetPagination(CursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-id",)

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

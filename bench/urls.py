"""The portal's URLs plus ``/bench/bare/``: a bare Django JSON view, the baseline of ``bench/run.py``."""

import json

from django.db import connections
from django.http import JsonResponse
from django.urls import include, path

_EMPTY_PADDED = json.dumps({"ok": True, "padding": ""})  # as JsonResponse writes it


def bare(request):
    """What Django with the portal's middleware answers when the view does nothing; ``?bytes=N`` pads the JSON
    body to N bytes (at most 1 MB): the same nothing, with as many bytes to send as a list page."""
    size = request.GET.get("bytes", "")
    if size.isdigit() and 0 < int(size) <= 1_000_000:
        return JsonResponse({"ok": True, "padding": "x" * max(0, int(size) - len(_EMPTY_PADDED))})
    return JsonResponse({"ok": True})


class QueryCountMiddleware:
    """Counts the SQL statements of a request (every middleware after it and the view) into a header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counting(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connections["default"].execute_wrapper(counting):
            response = self.get_response(request)
        response["X-Bench-Queries"] = str(count)
        return response


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("config.urls")),
]

handler404 = "deregistration.api.views.page_not_found"
handler500 = "deregistration.api.views.server_error"

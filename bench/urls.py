"""The portal's URLs plus ``/bench/bare/``: a bare Django JSON view, the baseline of ``bench/run.py``."""

from django.db import connections
from django.http import JsonResponse
from django.urls import include, path


def bare(request):
    """What Django with the portal's middleware answers when the view does nothing."""
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

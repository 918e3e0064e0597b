"""The answer when the database is out of reach: ``503 Service Unavailable`` with ``Retry-After``, JSON under
``/api/``, a plain translated page elsewhere, instead of a ``500``.

A database error can surface in a view (``process_exception``) or in a middleware before it (a session or a
user looked up); Django turns the latter into a ``500`` where it happens, so ``got_request_exception`` marks the
request and the outermost middleware replaces that answer. Nothing was half written: each case's change is one
transaction, which the database rolls back when the connection drops.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
_UNAVAILABLE = (OperationalError, InterfaceError)
_MARK = "_database_unavailable"


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    detail = _("The service is temporarily unavailable. Nothing was changed; please try again in a minute.")
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"code": "service_unavailable", "detail": detail, "retry_after": RETRY_AFTER_SECONDS}, status=503
        )
    else:
        # No request context: its processors would ask the database for the user again.
        response = HttpResponse(render_to_string("errors/503.html", {"detail": detail}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    patch_cache_control(response, no_store=True)
    return response


def _mark_request(sender, request=None, **kwargs) -> None:
    import sys

    if request is not None and isinstance(sys.exc_info()[1], _UNAVAILABLE):
        setattr(request, _MARK, True)


got_request_exception.connect(_mark_request, dispatch_uid="config.availability")


class DatabaseUnavailableMiddleware:
    """In ``MIDDLEWARE`` before anything that reads the database: a database error becomes the 503 above."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, _MARK, False):
            return database_unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, _UNAVAILABLE):
            logger.warning("database unavailable: %s answered 503", type(exception).__name__)
            return database_unavailable_response(request)
        return None

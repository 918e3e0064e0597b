"""Security glue shared by every door: the client's address, and the answer to a locked-out sign-in.

- ``client_ip``: the address a request came from. ``X-Forwarded-For`` is written by the client and so is read
  only through the ``TRUSTED_PROXY_COUNT`` proxies in front of the server (0 by default: ``REMOTE_ADDR``).
  django-axes (lockouts) and the API's throttles both use it.
- ``SignInLockoutBackend``: django-axes' backend, first in ``AUTHENTICATION_BACKENDS``: every
  ``authenticate(request, ...)`` (the admin's login, the portal's sign-in page, ``POST /api/v1/auth/token/``) is
  refused while the account or the client address is locked out, and each failure is counted in the database, so
  every server process sees the same count.
- ``lockout_response``: what a locked-out sign-in gets: ``429`` with ``Retry-After``, JSON under ``/api/``, a page
  elsewhere; the same whether the username exists or not.
- ``ApiBodyLimitMiddleware``: a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` under ``/api/`` is answered 413 in
  JSON at once (Django would raise a SuspiciousOperation later: an HTML 400 and an ERROR with a traceback).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _


def client_ip(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or, behind ``TRUSTED_PROXY_COUNT`` proxies, the address the
    outermost trusted proxy saw (the ``TRUSTED_PROXY_COUNT``-th entry of ``X-Forwarded-For`` from the right)."""
    meta = getattr(request, "META", {})
    remote = meta.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    candidate = forwarded[-min(count, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class SignInLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check. An ``authenticate()`` without a request (a shell, the test client's
    ``login()``) has no client to lock out and no attacker behind it: it is let through to the next backend."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def lockout_seconds() -> int:
    cool_off = get_cool_off()
    return int(cool_off.total_seconds()) if cool_off else 0


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: 429 with ``Retry-After``; nothing in it depends on the username tried."""
    seconds = lockout_seconds()
    minutes = max(1, -(-seconds // 60))
    detail = _("Too many failed sign-in attempts. Try again in %(minutes)d minutes.") % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"code": "locked_out", "detail": detail, "retry_after": seconds}, status=429
        )
    else:
        response = render(
            request, "security/lockout.html", {"detail": detail, "minutes": minutes}, status=429
        )
    response["Retry-After"] = str(seconds)
    patch_cache_control(response, private=True, no_store=True)
    return response


class ApiBodyLimitMiddleware:
    """Under ``/api/``, refuse a declared body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` with ``413`` in the API's
    error shape, before anything reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                return JsonResponse(
                    {
                        "code": "request_too_large",
                        "detail": _("The request body is too large (at most %(limit)d bytes).")
                        % {"limit": limit},
                    },
                    status=413,
                )
        return self.get_response(request)

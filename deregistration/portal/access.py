"""Who may open the portal's personal pages, and how those pages are sent."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control

from deregistration.constants import Role
from deregistration.errors import NotFound, Unavailable
from deregistration.roles import role_of


def posted(request: HttpRequest) -> Any:
    """The POST data to bind a form to (an empty POST is still a submission), or None for a GET."""
    return request.POST if request.method == "POST" else None


def personal(response: HttpResponse) -> HttpResponse:
    """A page with personal data: never stored by a browser or a proxy."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


def citizen_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to ``/login/?next=...``; staff and other accounts are told the portal is for
    citizens (403); what a citizen may not see is not found (404)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if role_of(request.user) != Role.CITIZEN:
            return personal(render(request, "portal/not_for_staff.html", status=403))
        try:
            response = view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except Unavailable as exc:
            response = render(request, "portal/unavailable.html", {"message": exc.message}, status=503)
        return personal(response)

    return wrapper

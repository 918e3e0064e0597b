"""The portal's pages: thin doors onto the services and selectors."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from .errors import NotFound
from .slips import normalise_code, slip_by_code


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "deregistration/home.html")


@require_GET
def verify_form(request: HttpRequest) -> HttpResponse:
    """The form to type a slip's verification code; the QR code leads straight to ``verify``."""
    code = request.GET.get("code", "").strip()
    if code:
        return redirect("deregistration:verify", code=normalise_code(code))
    return render(request, "deregistration/slip_verify.html", {"searched": False})


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Whether a departure slip is genuine: its number, date and the person's initials, nothing more."""
    try:
        slip = slip_by_code(code=code)
    except NotFound:
        response = render(
            request, "deregistration/slip_verify.html", {"searched": True, "code": code}, status=404
        )
    else:
        response = render(
            request, "deregistration/slip_verify.html", {"searched": True, "slip": slip, "code": code}
        )
    patch_cache_control(response, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response

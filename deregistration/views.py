"""The portal's pages: thin doors onto the services and selectors."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from .errors import NotFound
from .slips import normalise_code, slip_by_code

MAX_CODE_LENGTH = 64  # a printed code has 24 characters; anything much longer is not one


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "deregistration/home.html")


@require_GET
def verify_form(request: HttpRequest) -> HttpResponse:
    """The form to type a slip's verification code; the QR code leads straight to ``verify``."""
    typed = request.GET.get("code", "").strip()
    if not typed:
        return render(request, "deregistration/slip_verify.html", {"searched": False})
    code = normalise_code(typed)
    if code and len(code) <= MAX_CODE_LENGTH:
        return redirect("deregistration:verify", code=code)
    # Nothing that could be a code (only dashes, say): the same answer as a code never issued.
    return render(
        request,
        "deregistration/slip_verify.html",
        {"searched": True, "code": typed[:MAX_CODE_LENGTH]},
        status=404,
    )


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

"""``/login/`` and ``POST /logout/``: Django's sign-in with the IIN as the username, standing in for eGov's.

Authentication goes through ``django.contrib.auth.authenticate(request, ...)`` (the form does it), so the
lockout of repeated failures applies here as everywhere. ``?next=`` is followed only when it stays on this
site (Django's ``url_has_allowed_host_and_scheme``). Staff are sent to the back-office.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse

from deregistration.constants import Role
from deregistration.roles import is_staff_role, role_of

from .access import personal
from .forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        role = role_of(self.request.user)
        if is_staff_role(role):
            return reverse("admin:index")
        if role != Role.CITIZEN:
            return reverse("portal:not-for-you")
        # LoginView's own: ?next= if it is on this site (url_has_allowed_host_and_scheme), else the cabinet.
        return self.get_redirect_url() or reverse("portal:cabinet")

    def get(self, request, *args, **kwargs):
        return personal(super().get(request, *args, **kwargs))


class LogoutView(auth_views.LogoutView):
    """POST only (Django's own); back to the start page."""

    next_page = "/"

"""Who may call an endpoint at all, by role. Whether they may see or act on one case is the selectors' and the
services' business (404 for what they may not see, 403 for what their role may not do)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from deregistration import rules
from deregistration.constants import Role
from deregistration.roles import is_staff_role, role_of


class IsCitizen(BasePermission):
    """The personal cabinet: a person's portal account."""

    message = _("This is a citizen's personal cabinet; staff accounts have none.")
    code = rules.ROLE_NOT_ALLOWED

    def has_permission(self, request, view) -> bool:
        return role_of(request.user) == Role.CITIZEN


class IsStaff(BasePermission):
    """Staff of any role (operators, migration officers, supervisors, administrators)."""

    message = _("Only staff may read this.")
    code = rules.ROLE_NOT_ALLOWED

    def has_permission(self, request, view) -> bool:
        return is_staff_role(role_of(request.user))

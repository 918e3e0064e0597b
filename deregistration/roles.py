"""Staff roles as Django groups, with the permissions each needs; and how a user's role is read."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .constants import Role

STAFF_ROLES = (Role.OPERATOR, Role.MIGRATION, Role.SUPERVISOR)

_READ = [
    "citizens.view_person",
    "citizens.view_dwelling",
    "citizens.view_ownership",
    "citizens.view_registration",
    "deregistration.view_application",
    "deregistration.view_applicationsubject",
    "deregistration.view_applicationdocument",
    "deregistration.view_consent",
    "deregistration.view_registryrecord",
    "deregistration.view_departureslip",
]
_PROCESS = ["deregistration.add_application", "deregistration.change_application"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OPERATOR: [*_READ, *_PROCESS, "deregistration.act_state_corporation"],
    Role.MIGRATION: [*_READ, *_PROCESS, "deregistration.act_service_provider"],
    Role.SUPERVISOR: [*_READ, "citizens.view_auditevent"],
}


@transaction.atomic
def ensure_role_groups() -> dict[str, Group]:
    """Create or update one group per staff role with exactly the role's permissions."""
    groups = {}
    for role in STAFF_ROLES:
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = []
        for dotted in ROLE_PERMISSIONS[role]:
            app_label, codename = dotted.split(".")
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
        groups[role] = group
    return groups


def role_of(user: Any) -> Role | None:
    """The user's role: admin, a staff role from their group, citizen (a person's account), or None."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cached = getattr(user, "_dereg_role", False)
    if cached is not False:
        return cached
    role: Role | None = None
    if user.is_superuser:
        role = Role.ADMIN
    elif user.is_staff:
        names = set(user.groups.values_list("name", flat=True))
        role = next((r for r in STAFF_ROLES if r.value in names), None)
    else:
        from citizens.models import Person

        role = Role.CITIZEN if Person.objects.filter(account_id=user.pk).exists() else None
    user._dereg_role = role
    return role


def is_staff_role(role: Role | None) -> bool:
    return role in (Role.OPERATOR, Role.MIGRATION, Role.SUPERVISOR, Role.ADMIN)

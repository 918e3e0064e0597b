"""Staff roles as Django groups, with the permissions each needs; and how a user's role is read."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction

from .constants import Role

STAFF_ROLES = (Role.OPERATOR, Role.MIGRATION, Role.SUPERVISOR)

# What every staff member reads: the population register (to identify the person across the desk), every case,
# its parts, the ХҚТ ТП АЖ records and the slips. Reading never lets anyone change anything.
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
    "deregistration.view_documentscan",
]
# Taking cases at the desk: open a case (intake) and act on it (complete, reject, issue a slip). Which cases a
# role may act on is the service's check (``rules.ROLE_CHANNELS``); the "act_*" permissions name it for the admin.
_PROCESS = ["deregistration.add_application", "deregistration.change_application"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Citizens' cases at the State Corporation (and the portal's, when one needs a hand).
    Role.OPERATOR: [*_READ, *_PROCESS, "deregistration.act_state_corporation"],
    # Foreigners', stateless persons' and refugees' cases (the service provider).
    Role.MIGRATION: [*_READ, *_PROCESS, "deregistration.act_service_provider"],
    # Reads everything, including who read whose data, and the dashboard; changes nothing.
    Role.SUPERVISOR: [*_READ, "citizens.view_auditevent", "deregistration.view_dashboard"],
}


@transaction.atomic
def ensure_role_groups() -> dict[str, Group]:
    """Create or update one group per staff role with exactly the role's permissions."""
    wanted: dict[str, set[str]] = {role: set(ROLE_PERMISSIONS[role]) for role in STAFF_ROLES}
    every = set().union(*wanted.values())
    found = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").filter(
            content_type__app_label__in={d.split(".")[0] for d in every},
            codename__in={d.split(".")[1] for d in every},
        )
    }
    missing = every - set(found)
    if missing:
        raise Permission.DoesNotExist(f"permissions not migrated yet: {', '.join(sorted(missing))}")
    groups = {}
    for role in STAFF_ROLES:
        group, _created = Group.objects.get_or_create(name=role.value)
        group.permissions.set([found[dotted] for dotted in sorted(wanted[role])])
        groups[role] = group
    return groups


def sync_role_groups(sender: Any, **kwargs: Any) -> None:
    """After ``migrate``: keep the role groups' permissions what ``ROLE_PERMISSIONS`` says (a new permission
    reaches existing accounts without re-creating them). Skipped while the permissions are not all there."""
    try:
        ensure_role_groups()
    except Permission.DoesNotExist:
        return


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
        # The person itself rather than an EXISTS: the caller reads ``user.person`` next (cached on the user, or
        # already joined by the API token's query), so one query answers both.
        try:
            user.person  # noqa: B018
        except ObjectDoesNotExist:
            role = None
        else:
            role = Role.CITIZEN
    user._dereg_role = role
    return role


def is_staff_role(role: Role | None) -> bool:
    return role in (Role.OPERATOR, Role.MIGRATION, Role.SUPERVISOR, Role.ADMIN)

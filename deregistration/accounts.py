"""Staff accounts: one role group each (see roles.py)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .constants import Role
from .roles import STAFF_ROLES, ensure_role_groups


@transaction.atomic
def staff_account_create(*, username: str, role: str, password: str, validate: bool = True):
    """Create or update a staff account in exactly one role group; staff see the back-office (admin)."""
    if role not in {r.value for r in STAFF_ROLES}:
        raise ValidationError(
            {"role": ValidationError(_("Choose operator, migration or supervisor."), code="invalid")}
        )
    if username.isdigit():
        raise ValidationError(
            {"username": ValidationError(_("Staff usernames must not look like an IIN."), code="invalid")}
        )
    groups = ensure_role_groups()
    User = get_user_model()
    user = User.objects.filter(username=username).first() or User(username=username)
    if validate:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.error_list}) from exc
    user.is_staff = True
    user.set_password(password)
    user.save()
    user.groups.set([groups[Role(role)]])
    return user

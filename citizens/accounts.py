"""Portal and staff accounts: a citizen's username is their IIN; staff belong to one role group."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Person


@transaction.atomic
def citizen_account_create(*, iin: str, password: str, validate: bool = True):
    """Create (or reset the password of) the portal account of a person in the register."""
    person = Person.objects.select_for_update().filter(iin=iin).first()
    if person is None:
        raise ValidationError(
            {"iin": ValidationError(_("No person with this IIN in the register."), code="unknown_person")}
        )
    User = get_user_model()
    user = person.account or User.objects.filter(username=iin).first() or User(username=iin)
    if user.is_staff or user.is_superuser:
        raise ValidationError(
            {"iin": ValidationError(_("A staff account already uses this name."), code="staff")}
        )
    if validate:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.error_list}) from exc
    user.first_name = person.first_name
    user.last_name = person.last_name
    user.set_password(password)
    user.save()
    if person.account_id != user.pk:
        person.account = user
        person.save(update_fields=["account"])
    return user

"""The forms of the portal's pages. They check the shape of what was sent and offer only what the selectors
say may be chosen; whether the case may go ahead is the service's decision."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from citizens.models import Dwelling
from deregistration.constants import ConsentDecision
from deregistration.selectors import Resident


class BoundedUsername:
    """Django's ``AuthenticationForm`` sets the username field's ``max_length`` after building it, so no
    validator checks it: a username of any length reached ``authenticate()`` and django-axes's record of the
    failure (a ``varchar(255)`` column: a 500 on PostgreSQL). Here the length is checked like any field's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class LoginForm(BoundedUsername, AuthenticationForm):
    """Django's sign-in with the IIN as the username: the stand-in for eGov's sign-in."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("IIN")
        self.fields["username"].help_text = _("12 digits. Staff: your back-office username.")
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "inputmode": "numeric", "spellcheck": "false", "autofocus": True}
        )
        self.fields["password"].label = _("Password")
        self.error_messages = {
            **self.error_messages,
            "invalid_login": _("The IIN or the password is wrong. Check both and try again."),
        }


class DwellingForm(forms.Form):
    """Step 1: one of the dwellings the citizen owns."""

    address_code = forms.ChoiceField(
        label=_("Which dwelling?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the dwelling the persons are registered at."),
            "invalid_choice": _("Choose one of the dwellings you own."),
        },
    )

    def __init__(self, *args: Any, dwellings: Sequence[Dwelling], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = get_language() or "kk"
        self.fields["address_code"].choices = [(d.address_code, d.address_line(language)) for d in dwellings]


class ResidentsForm(forms.Form):
    """Step 2: who does not live there, among the residents the portal can deregister."""

    subjects = forms.MultipleChoiceField(
        label=_("Who does not live at this address?"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick at least one person who does not live at your address."),
            "invalid_choice": _(
                "%(value)s cannot be deregistered on the portal. Tick only persons from the list."
            ),
        },
    )
    issue_slip = forms.BooleanField(
        label=_("Issue a departure slip for each person deregistered"),
        required=False,
        help_text=_("A PDF you can download from your personal cabinet, if a slip is needed somewhere."),
    )

    def __init__(self, *args: Any, residents: Sequence[Resident], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.residents = residents
        self.fields["subjects"].choices = [(r.iin, r.full_name) for r in residents if r.portal_can_deregister]


class ReviewForm(forms.Form):
    """Step 3: the owner confirms what they are about to sign."""

    confirm = forms.BooleanField(
        label=_("I confirm that the persons named do not live at my address."),
        error_messages={"required": _("Confirm that the persons you named do not live at your address.")},
    )


class DecisionForm(forms.Form):
    """A co-owner's answer, before signing it."""

    decision = forms.ChoiceField(
        label=_("Your answer"),
        widget=forms.RadioSelect,
        choices=[
            (ConsentDecision.APPROVED.value, _("I approve: deregister these persons")),
            (ConsentDecision.DECLINED.value, _("I decline: the application will be refused")),
        ],
        error_messages={"required": _("Choose whether you approve or decline the application.")},
    )

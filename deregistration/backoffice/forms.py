"""The back-office's forms. They parse what the operator typed; the services judge it, and their errors are put
back beside the fields they name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from citizens.constants import IdentityDocumentType
from citizens.iin import iin_error

from .. import rules
from ..constants import CaseType, CounterDecision, RefusalGround


def attach_errors(
    form: forms.Form,
    error: ValidationError,
    *,
    field_for: Callable[[str], str | None] | Mapping[str, str] | None = None,
) -> None:
    """Put a service's ``ValidationError`` on ``form``: each ``{key: [...]}`` beside the form field it names
    (``field_for`` maps a service key such as ``documents[2].number`` to a form field), the rest at the top."""
    if callable(field_for):
        lookup = field_for
    else:
        mapping = dict(field_for or {})

        def lookup(key: str) -> str | None:
            return mapping.get(key, key)

    items = error.error_dict.items() if hasattr(error, "error_dict") else [(None, error.error_list)]
    for key, problems in items:
        name = lookup(key) if key not in (None, "__all__") else None
        target = name if name in form.fields else None
        for problem in problems:
            form.add_error(target, problem)


class RejectForm(forms.Form):
    """A refusal: the reason from the list, its legal ground (art. 19; it follows from the reason when left
    empty) and a comment (required where the reason asks for one)."""

    reason_code = forms.ChoiceField(label=_("Reason"))
    ground = forms.ChoiceField(label=_("Legal ground"), required=False)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason_code"].choices = [("", "—"), *rules.OPERATOR_REJECTION_REASON_CHOICES]
        self.fields["ground"].choices = [("", _("— follows from the reason —")), *RefusalGround.choices]
        labels = dict(rules.OPERATOR_REJECTION_REASON_CHOICES)
        needing = ", ".join(str(labels[code]) for code in sorted(rules.REASONS_NEEDING_COMMENT))
        self.fields["comment"].help_text = _("Required for: %(reasons)s.") % {"reasons": needing}


# --- Walk-in intake ---------------------------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class IdentifyForm(forms.Form):
    """The first step of a walk-in case: which kind of case, and who applies (the exact IIN)."""

    case_type = forms.ChoiceField(
        label=_("Kind of case"),
        choices=CaseType.choices,
        initial=CaseType.OWNER_APPLICATION,
        widget=forms.RadioSelect,
    )
    applicant_iin = forms.CharField(
        label=_("Applicant's IIN"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "autofocus": True}),
    )

    def clean_applicant_iin(self) -> str:
        value = self.cleaned_data["applicant_iin"].strip()
        if (problem := iin_error(value)) is not None:
            raise problem
        return value


def _text(label: Any, **options: Any) -> forms.CharField:
    # No length or format checks here: the service checks every value and names it (``documents[2].number``),
    # so that the operator sees every error of the screen at once.
    return forms.CharField(label=label, required=False, strip=True, **options)


def _date(label: Any) -> forms.CharField:
    return _text(label, widget=DateInput)


# The fields a document of the checklist may carry (``rules.DOCUMENT_SPECS`` says which it must), as form fields.
_DOCUMENT_FIELDS: dict[str, Callable[[], forms.Field]] = {
    "number": lambda: _text(_("number")),
    "issued_on": lambda: _date(_("issued on")),
    "issued_by": lambda: _text(_("issued by")),
    "country": lambda: _text(
        _("country of destination"),
        help_text=_("ISO 3166-1 alpha-3 code, e.g. DEU."),
        widget=forms.TextInput(attrs={"size": 4, "autocomplete": "off"}),
    ),
    "court": lambda: _text(_("court")),
    "case_number": lambda: _text(_("case number")),
    "decided_on": lambda: _date(_("decided on")),
    "in_force_on": lambda: _date(_("entered into force on")),
    "document_type": lambda: forms.ChoiceField(
        label=_("document handed over"), required=False, choices=[("", "—"), *IdentityDocumentType.choices]
    ),
}


class DocumentForm(forms.Form):
    """One document of the checklist: the fields its type carries, and a scan. What is required is the service's
    to say (``rules.DOCUMENT_SPECS``); the form only parses."""

    def __init__(self, *args, fields: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        for name in fields:
            self.fields[name] = _DOCUMENT_FIELDS[name]()
        self.fields["scan"] = forms.FileField(
            label=_("scan (PDF, JPEG or PNG)"),
            required=False,
            widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
        )

    def payload(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "scan" and value}


# A co-owner's consent at the counter: the service's keys and the form's fields.
CONSENT_FIELDS = {
    "identity_document": {
        "type": "id_type",
        "number": "id_number",
        "issued_on": "id_issued_on",
        "issued_by": "id_issued_by",
    },
    "notarised": {"number": "notarised_number", "issued_on": "notarised_on", "issued_by": "notarised_by"},
}


class CounterConsentForm(forms.Form):
    """A co-owner's answer given at the counter (in person, or by a notarised consent), with the co-owner's
    identity document; or nothing here, and the co-owner answers in their personal cabinet."""

    decision = forms.ChoiceField(
        label=_("Answer"),
        required=False,
        widget=forms.RadioSelect,
        choices=[("", _("Answers in their personal cabinet")), *CounterDecision.choices],
    )
    id_type = forms.ChoiceField(
        label=_("identity document"), required=False, choices=[("", "—"), *IdentityDocumentType.choices]
    )
    id_number = _text(_("document number"))
    id_issued_on = _date(_("issued on"))
    id_issued_by = _text(_("issued by"))
    notarised_number = _text(_("notarised consent number"))
    notarised_on = _date(_("notarised consent dated"))
    notarised_by = _text(_("notary"))

    def payload(self, co_owner_iin: str) -> dict[str, Any] | None:
        """The consent as the service takes it, or None when the co-owner answers in their cabinet."""
        data = self.cleaned_data
        if not data.get("decision"):
            return None

        def part(name: str) -> dict[str, Any]:
            return {key: value for key, field in CONSENT_FIELDS[name].items() if (value := data.get(field))}

        notarised = part("notarised")
        return {
            "co_owner_iin": co_owner_iin,
            "decision": data["decision"],
            "identity_document": part("identity_document"),
            "notarised": notarised or None,
        }


class PersonsField(forms.MultipleChoiceField):
    """The persons ticked, by IIN. Whether each may be named is the service's answer (``subjects[i]``), shown
    on that person's row: the form does not refuse a person who left the list since the screen was shown."""

    def valid_value(self, value: str) -> bool:
        return True


class IntakeForm(forms.Form):
    """The second step: the persons to deregister and whether to issue their slips. The documents and the
    co-owners' answers are forms of their own (``DocumentForm``, ``CounterConsentForm``)."""

    subjects = forms.MultipleChoiceField(
        label=_("Persons to deregister"), required=False, widget=forms.CheckboxSelectMultiple
    )
    issue_slip = forms.BooleanField(label=_("Issue the departure slips"), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, subject_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subjects"].choices = subject_choices

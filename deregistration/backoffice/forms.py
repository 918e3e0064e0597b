"""The back-office's forms. They parse what the operator typed; the services judge it, and their errors are put
back beside the fields they name."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .. import rules
from ..constants import RefusalGround


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
        order = list(rules.REASON_LABELS)
        reasons = sorted(
            rules.OPERATOR_REJECTION_REASONS, key=lambda c: (order.index(c) if c in order else len(order), c)
        )
        self.fields["reason_code"].choices = [
            ("", "—"),
            *((c, rules.REASON_LABELS.get(c, c)) for c in reasons),
        ]
        self.fields["ground"].choices = [("", _("— follows from the reason —")), *RefusalGround.choices]
        needing = ", ".join(str(rules.REASON_LABELS[code]) for code in sorted(rules.REASONS_NEEDING_COMMENT))
        self.fields["comment"].help_text = _("Required for: %(reasons)s.") % {"reasons": needing}

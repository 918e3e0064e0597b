"""Small helpers for the portal's templates."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.forms.widgets import ChoiceWidget

register = template.Library()


@register.filter
def field_anchor(field: BoundField) -> str:
    """The id an error summary links to: the field's input, or the first option of a set of choices."""
    widget = field.field.widget
    if isinstance(widget, ChoiceWidget) and getattr(widget, "input_type", "") in ("radio", "checkbox"):
        return f"{field.auto_id}_0"
    return field.id_for_label or field.auto_id


@register.filter
def notification_title(notification) -> str:
    from deregistration.notifications import notification_title as title

    return title(notification)


@register.filter
def notification_body(notification) -> str:
    from deregistration.notifications import notification_body as body

    return body(notification)

"""Template tags of the back-office: the top of one's own queue, on the admin's start page."""

from __future__ import annotations

from typing import Any

from django import template

from citizens.audit import reads_note

from .. import selectors
from ..backoffice.queue import CASE_TYPE_SHORT, term_of

register = template.Library()

QUEUE_TOP = 8


@register.inclusion_tag("admin/deregistration/includes/my_queue.html", takes_context=True)
def my_queue(context: dict[str, Any]) -> dict[str, Any]:
    """The first cases of the user's own queue (the oldest deadline first), each with its term."""
    request = context["request"]
    cases = list(selectors.applications_queue(actor=request.user)[:QUEUE_TOP])
    reads_note(request, cases, listing=True)
    return {
        "rows": [{"case": c, "kind": CASE_TYPE_SHORT[c.case_type], "term": term_of(c)} for c in cases],
        "more": len(cases) == QUEUE_TOP,
    }

"""Text in Kazakh and Russian at once, from the translation catalogues (the departure slip is bilingual).

``{% in_language _("Departure slip") "ru" %}`` gives one language's translation; ``{% bilingual _("Slip
number") %}`` gives both, Kazakh first, one per line (for a ``white-space: pre-line`` cell). The ``_("...")``
form is what ``makemessages`` extracts from a template tag's arguments, so every wording of the slip lives in the
catalogues.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from deregistration.pdf import SLIP_LANGUAGES
from deregistration.pdf import in_language as _in_language

register = template.Library()


@register.simple_tag
def in_language(text, language: str) -> str:
    return _in_language(text, language)


@register.simple_tag
def bilingual(text) -> str:
    """Kazakh, a line break, Russian: one text for the cell (``white-space: pre-line``), not two boxes. WeasyPrint
    lays out each box and line at a cost; one text per label cell made the slip ~15 % cheaper to render
    (bench/bench_slip.py, docs/benchmarks.md)."""
    return format_html(
        "\n".join(["{}"] * len(SLIP_LANGUAGES)),
        *(_in_language(text, language) for language in SLIP_LANGUAGES),
    )

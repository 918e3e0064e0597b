"""Text in Kazakh and Russian at once, from the translation catalogues (the departure slip is bilingual).

``{% in_language _("Departure slip") "ru" %}`` gives one language's translation; ``{% bilingual _("Slip
number") %}`` gives both, Kazakh first, each in its own ``<span class="l">``. The ``_("...")`` form is what
``makemessages`` extracts from a template tag's arguments, so every wording of the slip lives in the catalogues.
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
def bilingual(text, css_class: str = "l") -> str:
    return format_html(
        "".join(['<span class="{}" lang="{}">{}</span>'] * len(SLIP_LANGUAGES)),
        *(
            part
            for language in SLIP_LANGUAGES
            for part in (css_class, language, _in_language(text, language))
        ),
    )

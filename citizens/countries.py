"""Countries by ISO 3166-1 alpha-3 code, with their Kazakh and Russian names, from pycountry.

pycountry ships the ISO 3166-1 list of the Debian iso-codes project and its gettext catalogues (``iso3166-1``),
Kazakh and Russian among them: every one of the 249 countries has a Kazakh and a Russian name in pycountry 26.2,
and 173 have an official name ("Испания Патшалығы", "Королевство Испания"), which a document prefers. Where a
catalogue lacks a name (an older or newer release may), the Kazakh name falls back to the Russian one and the
Russian to the English one, so that a document never shows a bare code for a real country.

``XXX`` (stateless, used for citizenship) is not an ISO 3166-1 code; its names come from the project's catalogues.
"""

from __future__ import annotations

import gettext
from functools import lru_cache

import pycountry
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .constants import STATELESS

# What the citizenship cell says of a stateless person (the catalogues' wording: «азаматтығы жоқ», «без гражданства»).
STATELESS_CITIZENSHIP = pgettext_lazy("citizenship", "stateless")
INVALID_COUNTRY = "invalid_country"


@lru_cache(maxsize=4)
def _catalogue(language: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)


@lru_cache(maxsize=1)
def _alpha_3_codes() -> frozenset[str]:
    return frozenset(country.alpha_3 for country in pycountry.countries)


def is_country_code(code: object) -> bool:
    """Whether ``code`` is an ISO 3166-1 alpha-3 code of a country (upper case, as documents carry it)."""
    # A set of the codes: pycountry's own lookup costs ~10 µs, which the population import pays per person.
    return isinstance(code, str) and code in _alpha_3_codes()


def _translated(english: str, language: str) -> str | None:
    translated = _catalogue(language).gettext(english)
    return translated if translated != english or language == "en" else None


def country_name(code: str, language: str) -> str:
    """The country's name in ``language`` (kk, ru or en): its official name where it has one, else its short
    name; a name the language's catalogue lacks falls back to Russian (for Kazakh), then to English. An unknown
    code is shown as itself."""
    if code == STATELESS:
        with translation.override(language):
            return str(STATELESS_CITIZENSHIP)
    country = pycountry.countries.get(alpha_3=code) if isinstance(code, str) else None
    if country is None:
        return code
    english = [name for name in (getattr(country, "official_name", None), country.name) if name]
    for fallback in {"kk": ("kk", "ru", "en"), "ru": ("ru", "en"), "en": ("en",)}[language]:
        for name in english:
            if (translated := _translated(name, fallback)) is not None:
                return translated
    return english[0]


def country_names(code: str) -> tuple[str, str]:
    """(Kazakh, Russian) names of the country, as the bilingual slip prints them."""
    return country_name(code, "kk"), country_name(code, "ru")


def validate_citizenship(value: object) -> None:
    """Django validator: an ISO 3166-1 alpha-3 country code, or XXX for a stateless person."""
    if value != STATELESS and not is_country_code(value):
        raise ValidationError(
            _("Give the citizenship as an ISO 3166-1 alpha-3 code (KAZ), or XXX for a stateless person."),
            code=INVALID_COUNTRY,
        )

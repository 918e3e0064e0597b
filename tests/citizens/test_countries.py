"""Country names from pycountry's ISO 3166-1 data and its Kazakh and Russian catalogues."""

import gettext

import pycountry
import pytest
from django.core.exceptions import ValidationError

from citizens import countries


def test_spain_has_its_kazakh_and_russian_names():
    # Spain was not in the hand-written list the slip used before: it printed "ESP".
    assert countries.country_names("ESP") == ("Испания Патшалығы", "Королевство Испания")
    assert countries.country_name("ESP", "en") == "Kingdom of Spain"


@pytest.mark.parametrize(
    ("code", "kazakh", "russian"),
    [
        ("KAZ", "Қазақстан Республикасы", "Республика Казахстан"),
        ("DEU", "Германия Федеративтік Республикасы", "Федеративная Республика Германия"),
        ("RUS", "Ресей", "Российская Федерация"),  # no official name in ISO 3166-1: the short one
        ("XXX", "азаматтығы жоқ", "без гражданства"),
    ],
)
def test_names_of_countries_the_service_meets_most(code, kazakh, russian):
    assert countries.country_names(code) == (kazakh, russian)


def test_every_iso_country_has_a_kazakh_and_a_russian_name_not_its_code():
    cyrillic = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі")
    for country in pycountry.countries:
        kazakh, russian = countries.country_names(country.alpha_3)
        assert set(kazakh.lower()) & cyrillic, (country.alpha_3, kazakh)
        assert set(russian.lower()) & cyrillic, (country.alpha_3, russian)


def test_a_name_missing_in_kazakh_falls_back_to_russian_then_english(monkeypatch):
    real = countries._catalogue

    def without(language):
        return gettext.NullTranslations() if language in missing else real(language)

    monkeypatch.setattr(countries, "_catalogue", without)
    missing = {"kk"}
    assert countries.country_name("ESP", "kk") == "Королевство Испания"
    missing = {"kk", "ru"}
    assert countries.country_name("ESP", "kk") == "Kingdom of Spain"
    assert countries.country_name("ESP", "ru") == "Kingdom of Spain"


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("ESP", True),
        ("KAZ", True),
        ("ABC", False),
        ("esp", False),
        ("XXX", False),
        ("ES", False),
        (None, False),
        ("ЕSP", False),
    ],
)
def test_only_iso_3166_alpha_3_codes_are_countries(code, valid):
    assert countries.is_country_code(code) is valid


def test_an_unknown_code_is_shown_as_itself():
    assert countries.country_names("ABC") == ("ABC", "ABC")


def test_citizenship_is_an_iso_code_or_stateless():
    countries.validate_citizenship("ESP")
    countries.validate_citizenship("XXX")
    with pytest.raises(ValidationError) as excinfo:
        countries.validate_citizenship("ABC")
    assert excinfo.value.code == "invalid_country"

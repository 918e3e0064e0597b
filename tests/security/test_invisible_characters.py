"""Issue 9, item 10: control and bidirectional-override characters are refused in every name and address field,
at import (naming the record and the field) and in forms."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.forms import modelform_factory

from citizens.models import Dwelling, Person
from citizens.population import DOCUMENT_FIELDS, DWELLING_FIELDS
from citizens.text import validate_plain_text
from devtools.demo import demo_population

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "Нұрлан" would print as "налрұН"
INVISIBLE = [
    RLO,
    "\u202a",
    "\u2066",
    "\u2069",
    "\u200b",
    "\u200f",
    "\u00ad",
    "\x07",
    "\x1b",
    "\u2028",
    "\ue000",
]
PERSON_TEXT = ["last_name", "first_name", "patronymic", "birth_place"]
DOCUMENT_TEXT = ["number", "issued_by"]
DWELLING_TEXT = [name for name in DWELLING_FIELDS if name != "kato"]  # the KATO code has its own format


def import_file(tmp_path, data):
    path = tmp_path / "population.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    call_command("import_population", str(path))


def test_the_reported_attack_a_reversed_first_name_is_refused_by_the_import(tmp_path):
    data = demo_population()
    person = data["persons"][3]
    person["first_name"] = RLO + person["first_name"]
    with pytest.raises(CommandError) as refused:
        import_file(tmp_path, data)
    message = str(refused.value)
    assert f"persons[3] (IIN {person['iin']}): first_name: Contains the invisible character U+202E" in message
    assert "RIGHT-TO-LEFT OVERRIDE" in message
    assert not Person.objects.exists()  # all or nothing


@pytest.mark.parametrize("field", PERSON_TEXT + [f"document.{name}" for name in DOCUMENT_TEXT])
def test_every_person_text_field_is_checked(tmp_path, field):
    data = demo_population()
    record = data["persons"][0]
    holder, name = (record["document"], field.split(".")[1]) if "." in field else (record, field)
    holder[name] = "Ә" + "\u2066" + "б"
    with pytest.raises(CommandError, match=rf"persons\[0\] \(IIN {record['iin']}\): {field}: .*U\+2066"):
        import_file(tmp_path, data)


@pytest.mark.parametrize("field", DWELLING_TEXT)
def test_every_address_field_is_checked(tmp_path, field):
    data = demo_population()
    record = data["dwellings"][2]
    record[field] = "1" + "\x1b"
    pattern = rf"dwellings\[2\] \(address code {record['address_code']}\): {field}: .*U\+001B"
    with pytest.raises(CommandError, match=pattern):
        import_file(tmp_path, data)
    assert not Dwelling.objects.exists()


@pytest.mark.parametrize("character", INVISIBLE)
def test_each_kind_of_invisible_character_is_refused_in_a_form(character):
    form_class = modelform_factory(Person, fields=["last_name", "first_name", "patronymic"])
    form = form_class(data={"last_name": "Ахметов", "first_name": f"Нұр{character}лан", "patronymic": ""})
    assert not form.is_valid()
    assert list(form.errors) == ["first_name"]
    assert form.errors.as_data()["first_name"][0].code == "control_character"
    assert "position 4" in form.errors["first_name"][0]


@pytest.mark.parametrize(
    "text",
    ["Әбілқайыров", "Ғабдуллин-Үсенова", "О'Коннор", "Иванов Петр", "ул. Абай, 10/2", "Алматы қ.", "№ 45"],
)
def test_names_and_addresses_people_write_pass(text):
    validate_plain_text(text)


def test_every_text_field_of_the_register_has_the_validator():
    fields = {f.name: f for f in [*Person._meta.fields, *Dwelling._meta.fields]}
    expected = PERSON_TEXT + [DOCUMENT_FIELDS[name] for name in DOCUMENT_TEXT] + DWELLING_TEXT
    for name in expected:
        assert validate_plain_text in fields[name].validators, name

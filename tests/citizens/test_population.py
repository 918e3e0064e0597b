import copy
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from citizens.models import Dwelling, Ownership, Person, Registration
from citizens.population import PopulationImportError, population_import
from devtools.demo import demo_population

pytestmark = pytest.mark.django_db

GOOD = {
    "persons": [
        {
            "iin": "800315300018",
            "last_name": "Ахметов",
            "first_name": "Нұрлан",
            "patronymic": "Серікұлы",
            "birth_date": "1980-03-15",
            "sex": "M",
            "citizenship": "KAZ",
            "category": "citizen",
            "document": {
                "type": "id_card",
                "number": "045612378",
                "issued_on": "2021-05-04",
                "issued_by": "ІІМ",
            },
        },
        {
            "iin": "850722400028",
            "last_name": "Сәрсенбаева",
            "first_name": "Әйгерім",
            "patronymic": "",
            "birth_date": "1985-07-22",
            "sex": "F",
            "citizenship": "KAZ",
            "category": "citizen",
            "document": {
                "type": "id_card",
                "number": "045612379",
                "issued_on": "2020-01-10",
                "issued_by": "ІІМ",
            },
        },
    ],
    "dwellings": [
        {
            "address_code": "0201400012345678",
            "kato": "751110000",
            "region": "Алматы қаласы",
            "locality": "Алматы",
            "street": "Абай даңғылы",
            "building": "10",
            "apartment": "25",
            "owners": ["800315300018"],
        },
    ],
    "registrations": [
        {
            "iin": "800315300018",
            "address_code": "0201400012345678",
            "kind": "permanent",
            "registered_on": "2015-06-01",
        },
        {
            "iin": "850722400028",
            "address_code": "0201400012345678",
            "kind": "permanent",
            "registered_on": "2019-02-11",
        },
    ],
}


def table_state():
    """Everything the import can write, row by row, including the update timestamps."""
    return (
        list(Person.objects.order_by("pk").values()),
        list(Dwelling.objects.order_by("pk").values()),
        list(Ownership.objects.order_by("pk").values()),
        list(Registration.objects.order_by("pk").values()),
    )


def write(tmp_path, data, name="population.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_import_loads_the_file():
    summary = population_import(data=GOOD)
    assert summary.created == {"persons": 2, "dwellings": 1, "ownerships": 1, "registrations": 2}
    owner = Person.objects.get(iin="800315300018")
    assert owner.full_name == "Ахметов Нұрлан Серікұлы"
    assert owner.document_number == "045612378"
    assert Dwelling.objects.get().owners.get() == owner


def test_second_import_of_the_same_file_changes_nothing(tmp_path):
    path = write(tmp_path, demo_population())
    call_command("import_population", str(path))
    before = table_state()
    call_command("import_population", str(path))
    assert table_state() == before


def test_one_bad_iin_deep_inside_loads_nothing_and_names_the_record_and_field(tmp_path):
    data = demo_population()
    bad_index = 47
    data["persons"][bad_index]["iin"] = data["persons"][bad_index]["iin"][:11] + str(
        (int(data["persons"][bad_index]["iin"][11]) + 1) % 10
    )
    bad_iin = data["persons"][bad_index]["iin"]
    with pytest.raises(CommandError) as excinfo:
        call_command("import_population", str(write(tmp_path, data)))
    message = str(excinfo.value)
    assert f"persons[{bad_index}] (IIN {bad_iin}): iin:" in message
    assert "check digit" in message
    assert Person.objects.count() == 0
    assert Dwelling.objects.count() == 0
    assert Registration.objects.count() == 0


def test_an_import_never_reopens_an_ended_registration():
    population_import(data=GOOD)
    registration = Registration.objects.get(person__iin="850722400028")
    Registration.objects.filter(pk=registration.pk).update(
        ended_on="2026-01-05", end_reason="owner_application"
    )
    population_import(data=GOOD)
    registration.refresh_from_db()
    assert registration.ended_on is not None
    assert Registration.objects.filter(person__iin="850722400028").count() == 1


def test_an_import_updates_a_changed_person_only():
    population_import(data=GOOD)
    untouched = Person.objects.get(iin="850722400028").updated_at
    changed = copy.deepcopy(GOOD)
    changed["persons"][0]["document"]["number"] = "099999999"
    summary = population_import(data=changed)
    assert summary.updated["persons"] == 1
    assert Person.objects.get(iin="800315300018").document_number == "099999999"
    assert Person.objects.get(iin="850722400028").updated_at == untouched


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["persons"][1].update(birth_date="22.07.1985"),
            "persons[1] (IIN 850722400028): birth_date:",
        ),
        (lambda d: d["persons"][1].update(category="refugee"), "persons[1] (IIN 850722400028): record:"),
        (
            lambda d: d["persons"][0]["document"].update(type="driving_licence"),
            "persons[0] (IIN 800315300018): document.type:",
        ),
        (
            lambda d: d["dwellings"][0].update(kato="7511"),
            "dwellings[0] (address code 0201400012345678): kato:",
        ),
        (
            lambda d: d["dwellings"][0].update(owners=["800315300019"]),
            "dwellings[0] (address code 0201400012345678): owners[0]:",
        ),
        (
            lambda d: d["registrations"][1].update(address_code="0299999999999999"),
            "registrations[1] (IIN 850722400028): address_code:",
        ),
        (
            lambda d: d["registrations"][1].update(kind="forever"),
            "registrations[1] (IIN 850722400028): kind:",
        ),
        (
            lambda d: d["persons"].append(copy.deepcopy(d["persons"][0])),
            "persons[2] (IIN 800315300018): iin:",
        ),
        (
            # Three capital letters, but no country of ISO 3166-1.
            lambda d: d["persons"][1].update(citizenship="ABC", category="foreign_resident"),
            "persons[1] (IIN 850722400028): citizenship:",
        ),
    ],
)
def test_each_bad_field_is_named_and_nothing_is_loaded(mutate, expected):
    data = copy.deepcopy(GOOD)
    mutate(data)
    with pytest.raises(PopulationImportError) as excinfo:
        population_import(data=data)
    assert any(str(e).startswith(expected) for e in excinfo.value.errors), excinfo.value.errors
    assert Person.objects.count() == 0


def test_a_second_active_permanent_registration_in_the_file_is_refused_with_its_record():
    data = copy.deepcopy(GOOD)
    data["dwellings"].append({**data["dwellings"][0], "address_code": "0201400012345679"})
    data["registrations"].append(
        {
            "iin": "850722400028",
            "address_code": "0201400012345679",
            "kind": "permanent",
            "registered_on": "2020-01-01",
        }
    )
    with pytest.raises(PopulationImportError) as excinfo:
        population_import(data=data)
    assert str(excinfo.value.errors[0]).startswith("registrations[2] (IIN 850722400028): kind:")
    assert Registration.objects.count() == 0


def test_the_command_refuses_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_population", str(path))

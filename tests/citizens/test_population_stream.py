"""The population import at scale: one streaming pass in any section order, set-based merges, the constraints'
Python forms checked against the database's."""

import copy
import datetime as dt
import io
import itertools
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from citizens.constants import KAZAKHSTAN, STATELESS, RecipientCategory, RegistrationKind
from citizens.models import Dwelling, Ownership, Person, Registration
from citizens.population import PopulationImportError, population_import
from citizens.population_checks import (
    HANDLED_IN_SQL,
    IMPLIED_BY_FIELD_CHECKS,
    MIRRORED_MODELS,
    violated_constraints,
)
from tests.citizens.test_population import GOOD, table_state, write

pytestmark = pytest.mark.django_db


def test_a_file_with_its_sections_in_another_order_loads_the_same(tmp_path):
    reordered = {key: GOOD[key] for key in ("registrations", "dwellings", "persons")}
    err = io.StringIO()
    call_command("import_population", str(write(tmp_path, reordered)), stdout=io.StringIO(), stderr=err)
    assert "100.0%" in err.getvalue()  # the progress bar, by bytes of the file
    assert Registration.objects.filter(dwelling__address_code="0201400012345678").count() == 2
    state = table_state()
    population_import(data=GOOD)
    assert table_state() == state


def test_each_finished_section_is_merged_while_the_next_ones_are_read(monkeypatch):
    """The persons are checked and merged as soon as their section ends, the dwellings as soon as theirs does
    (on PostgreSQL on the writer thread, while the reading goes on): both before the first registration is read."""
    from citizens import population

    events = []
    queue_step, registration = population._Importer.queue_step, population._Importer.registration

    def queued(self, section):
        events.append(("merge", section))
        return queue_step(self, section)

    def read(self, index, record):
        events.append(("read", "registration"))
        return registration(self, index, record)

    monkeypatch.setattr(population._Importer, "queue_step", queued)
    monkeypatch.setattr(population._Importer, "registration", read)
    population_import(data=GOOD)
    assert events[:3] == [("merge", "persons"), ("merge", "dwellings"), ("read", "registration")]
    assert Registration.objects.filter(dwelling__address_code="0201400012345678").count() == 2


def test_a_section_given_twice_is_merged_whole_and_a_key_in_both_halves_is_named(tmp_path):
    """A JSON object may repeat a key; the reader gives both arrays. Persons read after their section's early
    merge are checked against the whole section and merged too."""
    first, second = GOOD["persons"][:1], GOOD["persons"][1:]
    members = [
        ("persons", first),
        ("dwellings", GOOD["dwellings"]),
        ("persons", second),
        ("registrations", GOOD["registrations"]),
    ]
    text = "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in members) + "}"
    path = tmp_path / "twice.json"
    path.write_text(text, encoding="utf-8")
    call_command("import_population", str(path), "--no-progress", stdout=io.StringIO())
    assert sorted(Person.objects.values_list("iin", flat=True)) == sorted(p["iin"] for p in GOOD["persons"])

    again = [("persons", first), ("dwellings", GOOD["dwellings"]), ("persons", [*second, first[0]])]
    text = "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in again) + "}"
    path.write_text(text, encoding="utf-8")
    state = table_state()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_population", str(path), "--no-progress", stdout=io.StringIO())
    assert f"persons[{len(GOOD['persons'])}] (IIN {first[0]['iin']})" in str(excinfo.value)
    assert table_state() == state


def test_dwellings_given_twice_are_merged_whole_with_their_owners(tmp_path):
    data = copy.deepcopy(GOOD)
    second = copy.deepcopy(data["dwellings"][0])
    second.update(address_code="0201400012345679", apartment="13", owners=[data["persons"][1]["iin"]])
    data["dwellings"].append(second)
    members = [
        ("persons", data["persons"]),
        ("dwellings", data["dwellings"][:1]),
        (
            "registrations",
            data["registrations"][:1],
        ),  # a section between the two halves (an empty one gives none)
        ("dwellings", data["dwellings"][1:]),
        ("registrations", data["registrations"][1:]),
    ]
    text = "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in members) + "}"
    path = tmp_path / "twice.json"
    path.write_text(text, encoding="utf-8")
    call_command("import_population", str(path), "--no-progress", stdout=io.StringIO())
    state = table_state()
    population_import(data=data)  # the same population in one piece changes nothing
    assert table_state() == state
    assert Dwelling.objects.count() == 2
    assert sorted(Ownership.objects.values_list("dwelling__address_code", "person__iin")) == sorted(
        (d["address_code"], iin) for d in data["dwellings"] for iin in d["owners"]
    )


def test_a_file_cut_short_is_not_json_and_loads_nothing(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(GOOD, ensure_ascii=False)[:-40], encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_population", str(path), "--no-progress")
    assert Person.objects.count() == 0


def test_a_new_active_permanent_registration_against_the_register_names_the_registered_address():
    population_import(data=GOOD)
    data = copy.deepcopy(GOOD)
    data["dwellings"] = [{**GOOD["dwellings"][0], "address_code": "0201400012345679"}]
    data["registrations"] = [
        {
            "iin": "800315300018",
            "address_code": "0201400012345679",
            "kind": "permanent",
            "registered_on": "2024-01-01",
        }
    ]
    with pytest.raises(PopulationImportError) as excinfo:
        population_import(data=data)
    [error] = excinfo.value.errors
    assert str(error).startswith("registrations[0] (IIN 800315300018): kind:")
    assert "0201400012345678" in error.reason
    assert not Dwelling.objects.filter(address_code="0201400012345679").exists()


def test_a_second_import_ends_an_owner_no_longer_listed_and_adds_the_new_one_with_shares():
    population_import(data=GOOD)
    data = copy.deepcopy(GOOD)
    data["dwellings"][0]["owners"] = [{"iin": "850722400028", "share": "0.5"}]
    summary = population_import(data=data)
    assert summary.created["ownerships"] == 1
    assert summary.updated["ownerships"] == 1
    current = Ownership.objects.get(until__isnull=True)
    assert (current.person.iin, current.share) == ("850722400028", pytest.approx(0.5))
    assert Ownership.objects.get(person__iin="800315300018").until is not None
    data["dwellings"][0]["owners"] = [{"iin": "850722400028", "share": "1"}]
    assert population_import(data=data).updated["ownerships"] == 1
    assert float(Ownership.objects.get(until__isnull=True).share) == 1.0


def test_a_registration_naming_nobody_is_refused_even_with_characters_copy_would_misread():
    data = copy.deepcopy(GOOD)
    data["registrations"][0]["iin"] = "8003\t15300018"
    data["dwellings"][0]["owners"] = ["80031530001\\"]
    with pytest.raises(PopulationImportError) as excinfo:
        population_import(data=data)
    shown = [str(e) for e in excinfo.value.errors]
    assert any(s.startswith("dwellings[0] (address code 0201400012345678): owners[0]:") for s in shown)
    assert any(s.startswith("registrations[0]") and ": iin:" in s for s in shown)
    assert Person.objects.count() == 0


def _person(category, citizenship):
    return Person(
        iin="800315300018",
        last_name="А",
        first_name="Б",
        birth_date=dt.date(1980, 1, 1),
        sex="M",
        citizenship=citizenship,
        category=category,
        document_type="id_card",
        document_number="1",
        document_issued_on=dt.date(2020, 1, 1),
        document_issued_by="ІІМ",
    )


def _django_refuses(model, instance, name):
    constraint = next(c for c in model._meta.constraints if c.name == name)
    try:
        constraint.validate(model, instance)
    except ValidationError:
        return True
    return False


def test_every_constraint_has_its_python_form_or_is_implied():
    for model, predicates in MIRRORED_MODELS.items():
        for constraint in model._meta.constraints:
            assert constraint.name in {*predicates, *IMPLIED_BY_FIELD_CHECKS, *HANDLED_IN_SQL}, (
                constraint.name
            )


@pytest.mark.parametrize("category", RecipientCategory.values)
@pytest.mark.parametrize("citizenship", [KAZAKHSTAN, STATELESS, "RUS"])
def test_the_python_form_of_category_and_citizenship_agrees_with_the_database(category, citizenship):
    person = _person(category, citizenship)
    predicates = MIRRORED_MODELS[Person]
    python_refuses = bool(
        violated_constraints(predicates, {"category": category, "citizenship": citizenship})
    )
    assert python_refuses == _django_refuses(Person, person, "person_category_matches_citizenship")


def test_the_python_forms_of_the_registration_constraints_agree_with_the_database():
    population_import(data=GOOD)
    person, dwelling = Person.objects.first(), Dwelling.objects.first()
    day, later = dt.date(2020, 1, 1), dt.date(2021, 1, 1)
    predicates = MIRRORED_MODELS[Registration]
    for kind, ended_on, end_reason, valid_until in itertools.product(
        RegistrationKind.values, [None, day, later, dt.date(2019, 1, 1)], ["", "death"], [None, later]
    ):
        values = {
            "kind": kind,
            "registered_on": day,
            "ended_on": ended_on,
            "end_reason": end_reason,
            "valid_until": valid_until,
        }
        registration = Registration(person=person, dwelling=dwelling, **values)
        for name, predicate in predicates.items():
            assert (not predicate(values)) == _django_refuses(Registration, registration, name), (
                name,
                values,
            )


def test_a_dwelling_twice_in_the_file_is_named_and_nothing_is_loaded():
    data = copy.deepcopy(GOOD)
    data["dwellings"].append(copy.deepcopy(data["dwellings"][0]))
    with pytest.raises(PopulationImportError) as excinfo:
        population_import(data=data)
    assert [str(e).split(":")[0] for e in excinfo.value.errors] == [
        "dwellings[1] (address code 0201400012345678)"
    ]
    assert Dwelling.objects.count() == 0


def test_a_generated_population_file_loads_and_a_second_load_changes_nothing(tmp_path):
    from devtools.population_file import write_population_file

    path = tmp_path / "population.json"
    write_population_file(path, persons=120)
    call_command("import_population", str(path), "--no-progress", stdout=io.StringIO())
    assert Person.objects.count() == 120
    before = table_state()
    out = io.StringIO()
    call_command("import_population", str(path), "--no-progress", stdout=out)
    assert "Nothing to change" in out.getvalue()
    assert table_state() == before


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
def test_the_reader_gives_every_record_whatever_the_read_size(monkeypatch, chunk):
    from citizens import population_reader

    monkeypatch.setattr(population_reader, "CHUNK", chunk)
    data = {
        **copy.deepcopy(GOOD),
        "comment": {"nested": [1, 2.5e3, 'ü\\"x']},
        "counts": [12345678901234567890],
    }
    raw = json.dumps(data, ensure_ascii=False, indent=1).encode()
    members = list(population_reader.read_members(io.BytesIO(raw)))
    expected = [(key, record) for key, value in data.items() if isinstance(value, list) for record in value]
    assert [m for m in members if m[1] is not population_reader.NOT_A_LIST] == expected
    assert ("comment", population_reader.NOT_A_LIST) in members

"""The bulk load (citizens/population_bulk.py): indexes and foreign keys set aside and built again, all or nothing."""

import copy
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from citizens.models import Person, Registration
from citizens.population import PopulationImportError, population_import
from citizens.population_bulk import TABLES

from .test_population import GOOD, table_state

pytestmark = pytest.mark.django_db


def schema():
    """The indexes and constraints of the tables an import writes, as the catalog defines them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid), x.indisunique, x.indisprimary, "
            "x.indisvalid FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = ANY (%s) ORDER BY 1, 2",
            [list(TABLES)],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT t.relname, c.conname, c.contype, pg_get_constraintdef(c.oid), c.condeferrable, "
            "c.condeferred, c.convalidated, i.relname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "LEFT JOIN pg_class i ON i.oid = c.conindid "
            "WHERE t.relname = ANY (%s) OR c.confrelid IN (SELECT oid FROM pg_class WHERE relname = ANY (%s)) "
            "ORDER BY 1, 2",
            [list(TABLES), list(TABLES)],
        )
        return indexes, cursor.fetchall()


@pytest.mark.postgres
def test_a_first_load_sets_the_indexes_aside_and_leaves_the_schema_as_it_was():
    before = schema()
    assert len(before[0]) >= 15  # the catalog is read, not empty
    assert any(row[2] == "f" for row in before[1])
    summary = population_import(data=GOOD)
    assert summary.bulk
    assert summary.created == {"persons": 2, "dwellings": 1, "ownerships": 1, "registrations": 2}
    assert schema() == before
    assert Registration.objects.filter(person__iin="850722400028", dwelling__address_code="0201400012345678")


@pytest.mark.postgres
def test_a_second_load_keeps_the_indexes_unless_asked():
    population_import(data=GOOD)
    before, rows = schema(), table_state()
    assert not population_import(data=GOOD).bulk
    changed = copy.deepcopy(GOOD)
    changed["persons"][0]["last_name"] = "Ахметова"
    summary = population_import(data=changed, bulk=True)
    assert summary.bulk
    assert summary.updated["persons"] == 1
    assert schema() == before
    assert Person.objects.get(iin="800315300018").last_name == "Ахметова"
    assert len(table_state()[3]) == len(rows[3])


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["persons"].append(copy.deepcopy(d["persons"][0])),
            "persons[2] (IIN 800315300018): iin: This IIN appears twice in the file.",
        ),
        (
            lambda d: d["registrations"].append(
                {**d["registrations"][0], "address_code": "0201400099999999"}
            ),
            "registrations[2] (IIN 800315300018): address_code: No dwelling with this address code.",
        ),
        (
            lambda d: d["registrations"].append({**d["registrations"][0], "registered_on": "2020-01-01"}),
            "registrations[2] (IIN 800315300018): kind: This person already has an active permanent registration",
        ),
    ],
)
def test_a_refused_bulk_load_names_the_record_and_leaves_schema_and_data_as_they_were(mutate, expected):
    before = schema()
    data = copy.deepcopy(GOOD)
    mutate(data)
    with pytest.raises(PopulationImportError) as excinfo:
        population_import(data=data, bulk=True)
    assert expected in str(excinfo.value)
    assert schema() == before
    assert table_state() == ([], [], [], [])


def test_sqlite_never_sets_anything_aside():
    summary = population_import(data=GOOD)
    assert summary.bulk == (connection.vendor == "postgresql")


@pytest.mark.postgres
@pytest.mark.parametrize(("flag", "bulk"), [([], True), (["--no-bulk"], False)])
def test_the_command_sets_the_indexes_aside_unless_told_not_to(tmp_path, flag, bulk):
    path = tmp_path / "population.json"
    path.write_text(json.dumps(GOOD, ensure_ascii=False), encoding="utf-8")
    with CaptureQueriesContext(connection) as queries:
        call_command("import_population", str(path), "--no-progress", *flag, stdout=io.StringIO())
    dropped = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DROP INDEX")]
    assert bool(dropped) is bulk
    assert Registration.objects.count() == 2

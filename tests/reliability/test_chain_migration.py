"""The migration that makes the register a hash chain chains the records already written, in the order of their
ids, and leaves the register append-only in the database."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from deregistration.register_chain import GENESIS, chain_breaks
from tests.deregistration.test_migrations import at  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_records_written_before_the_chain_are_chained_in_order(at):  # noqa: F811
    apps = at([("deregistration", "0008_address_registration_code_wording")])
    Record = apps.get_model("deregistration", "RegistryRecord")
    for number in range(3):
        Record.objects.create(
            iin=f"85072240002{number}",
            last_name="Сәрсенбаева",
            first_name="Әйгерім",
            address_code="0201400012345678",
            kato="751110000",
            address="Алматы, Абай даңғылы, 10",
            case_type="owner_application",
            reason="owner_application",
            basis="Owner's application",
            application_number=f"DR-{number}",
            registration_id=100 + number,
            registered_on=dt.date(2015, 6, 1),
            effective_date=dt.date(2026, 1, 5),
            channel="state_corporation",
        )
    ids = list(Record.objects.order_by("id").values_list("id", flat=True))
    apps = at(MigrationExecutor(connection).loader.graph.leaf_nodes())
    Record = apps.get_model("deregistration", "RegistryRecord")
    rows = list(Record.objects.order_by("seq").values_list("id", "seq", "prev_hash", "hash"))
    assert [(row[0], row[1]) for row in rows] == list(zip(ids, [1, 2, 3], strict=True))
    assert rows[0][2] == GENESIS
    assert rows[1][2] == rows[0][3]
    assert list(chain_breaks()) == []
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE deregistration_registryrecord SET basis = 'forged'")

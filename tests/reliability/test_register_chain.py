"""The ХҚТ ТП АЖ register is a hash chain: written with each deregistration, and ``verify_register`` names the
right record when someone with database rights changes, removes or inserts one behind the triggers' back."""

import io
import itertools

import pytest
from django.core.management import CommandError, call_command

from deregistration.models import ApplicationSubject, RegistryChainHead, RegistryRecord
from deregistration.register_chain import (
    CHAINED_FIELDS,
    CHANGED,
    END,
    GENESIS,
    OUT_OF_ORDER,
    REMOVED,
    chain_breaks,
    record_hash,
)
from tests.conftest import walk_in_case
from tests.reliability.tampering import REGISTER, raw

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(household, operator):
    """Four records: the tenant and the child in one case, two other residents in a second case."""
    walk_in_case(operator, household, complete=True, subjects=[household.tenant, household.child])
    from tests.factories import PersonFactory, RegistrationFactory

    others = [PersonFactory() for _ in range(2)]
    for person in others:
        RegistrationFactory(person=person, dwelling=household.dwelling)
    walk_in_case(operator, household, complete=True, subjects=others)
    return list(RegistryRecord.objects.order_by("seq"))


def verify_register() -> tuple[str, bool]:
    out = io.StringIO()
    try:
        call_command("verify_register", "--chunk-size", "2", stdout=out)
    except CommandError:
        return out.getvalue(), False
    return out.getvalue(), True


def breaks():
    return [(b.kind, b.seq, b.record_id) for b in chain_breaks(chunk_size=3)]


def test_each_record_carries_the_hash_of_the_one_before(records):
    assert [r.seq for r in records] == [1, 2, 3, 4]
    assert records[0].prev_hash == GENESIS
    for before, record in itertools.pairwise(records):
        assert record.prev_hash == before.hash
    head = RegistryChainHead.objects.get()
    assert (head.seq, head.hash) == (4, records[-1].hash)
    output, ok = verify_register()
    assert ok, output
    assert "intact" in output


def test_verify_register_shows_its_progress_on_stderr(records):
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_register", "--chunk-size", "2", stdout=out, stderr=err)
    assert "100.0%" in err.getvalue()
    assert "4/4" in err.getvalue()
    quiet = io.StringIO()
    call_command("verify_register", "--no-progress", stdout=io.StringIO(), stderr=quiet)
    assert quiet.getvalue() == ""


def test_a_chunk_size_below_one_is_refused_naming_the_option(records):
    with pytest.raises(CommandError, match="--chunk-size must be at least 1"):
        call_command("verify_register", "--chunk-size", "0", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_hash_is_computed_from_plain_values(records):
    """What a COPY-based load does: the same function over the row's plain values gives the stored hash."""
    row = RegistryRecord.objects.filter(seq=2).values(*CHAINED_FIELDS, "prev_hash", "hash").get()
    plain = {name: row[name] for name in CHAINED_FIELDS}
    assert record_hash(plain, row["prev_hash"]) == row["hash"]
    assert record_hash({**plain, "operator": "someone"}, row["prev_hash"]) != row["hash"]
    assert record_hash(plain, GENESIS) != row["hash"]


def test_a_changed_record_is_named(records):
    raw(f"UPDATE {REGISTER} SET basis = 'forged' WHERE seq = 2")
    assert breaks() == [(CHANGED, 2, records[1].pk)]
    output, ok = verify_register()
    assert not ok
    assert output.startswith(f"First break: changed at seq 2 (record id {records[1].pk})"), output


def test_a_changed_record_whose_hash_was_recomputed_breaks_the_link_to_the_next(records):
    forged = {name: getattr(records[1], name) for name in CHAINED_FIELDS} | {"effective_date": "2020-01-01"}
    raw(
        f"UPDATE {REGISTER} SET effective_date = %s, hash = %s WHERE seq = 2",
        ["2020-01-01", record_hash(forged, records[1].prev_hash)],
    )
    assert breaks() == [(OUT_OF_ORDER, 3, records[2].pk)]


def test_a_removed_record_is_named_at_the_next_one(records):
    ApplicationSubject.objects.update(registry_record=None)
    raw(f"DELETE FROM {REGISTER} WHERE seq = 2")
    assert breaks() == [(REMOVED, 3, records[2].pk)]


def test_records_removed_from_the_end_are_found_by_the_head(records):
    ApplicationSubject.objects.update(registry_record=None)
    raw(f"DELETE FROM {REGISTER} WHERE seq >= 3")
    assert breaks() == [(END, 4, None)]


def test_a_record_inserted_out_of_order_is_named(records):
    """A forged record appended after the last, chained to the first record instead, with a correct own hash."""
    values = {name: getattr(records[2], name) for name in CHAINED_FIELDS} | {
        "seq": 5,
        "registration_id": 10**9,
    }
    columns = [*CHAINED_FIELDS, "prev_hash", "hash"]
    row = [values[name] for name in CHAINED_FIELDS] + [records[0].hash, record_hash(values, records[0].hash)]
    placeholders = ", ".join(["%s"] * len(columns))
    raw(f"INSERT INTO {REGISTER} ({', '.join(columns)}) VALUES ({placeholders})", row)
    forged = RegistryRecord.objects.get(seq=5)
    assert breaks() == [(OUT_OF_ORDER, 5, forged.pk), (END, 4, None)]


def test_two_records_swapped_are_named(records):
    raw(f"UPDATE {REGISTER} SET seq = 100 WHERE seq = 2")
    raw(f"UPDATE {REGISTER} SET seq = 2 WHERE seq = 3")
    raw(f"UPDATE {REGISTER} SET seq = 3 WHERE seq = 100")
    found = breaks()
    assert found[0] == (OUT_OF_ORDER, 2, records[2].pk)
    assert (CHANGED, 2, records[2].pk) in found  # its own seq is covered by its hash


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_completions_at_once_chain_one_after_the_other(household, operator):
    from deregistration.models import Application
    from deregistration.services import application_complete
    from tests.conftest import Household, run_at_once
    from tests.factories import DwellingFactory, OwnershipFactory, PersonFactory, RegistrationFactory

    walk_in_case(operator, household, complete=True)  # the chain has a head and a first record
    cases = []
    for _ in range(8):  # eight owners, each at their own dwelling: nothing but the chain is shared
        home = Household(DwellingFactory(), PersonFactory(), PersonFactory(), None)
        OwnershipFactory(dwelling=home.dwelling, person=home.owner)
        for person in (home.owner, home.tenant):
            RegistrationFactory(person=person, dwelling=home.dwelling)
        cases.append(walk_in_case(operator, home).pk)

    def complete(pk):
        return lambda: application_complete(actor=operator, application=Application.objects.get(pk=pk))

    outcomes = run_at_once(*(complete(pk) for pk in cases))
    assert all(isinstance(o, Application) for o in outcomes), outcomes
    assert list(RegistryRecord.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 10))
    assert list(chain_breaks()) == []
    assert RegistryChainHead.objects.get().seq == 9


def test_the_hash_follows_the_format_docs_service_md_gives_to_outside_verifiers(records):
    """Recomputed here without the project's function, from the rule as documented."""
    import datetime as dt
    import hashlib
    import json

    record = records[1]
    document = {name: getattr(record, name) for name in CHAINED_FIELDS}
    document.update(
        registered_on=record.registered_on.isoformat(),
        effective_date=record.effective_date.isoformat(),
        recorded_at=record.recorded_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
        prev_hash=record.prev_hash,
    )
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == record.hash

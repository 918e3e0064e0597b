"""``deregistration.precompiled``'s rows as tuples (``values_list()``), its queries over lists of ids
(``PrecompiledIn``), and its prepared statements on PostgreSQL (``_prepared_forms``, ``_statement``, the
connection's ``prepared_statements`` kept by ``config.postgresql``)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from citizens.models import Person
from deregistration import precompiled as precompiled_module
from deregistration.precompiled import PREPARE_ON_USE, Precompiled, PrecompiledIn, _prepared_forms
from deregistration.tokens import ApiToken, _digest, api_token_issue
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements: PostgreSQL"
)


def _person_by_iin(iin):
    return Person.objects.filter(iin=iin).values_list("id", "iin", "last_name", "patronymic", "birth_date")


def _prepared_on_server() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def _name(precompiled) -> str:
    return precompiled._compiled().name


# --- values_list() -------------------------------------------------------------------------------------------


def test_a_values_list_gives_the_orms_tuples():
    person = PersonFactory(last_name="Ким", patronymic="", birth_date=dt.date(1979, 2, 28))
    PersonFactory()  # another, not found
    precompiled = Precompiled(_person_by_iin, iin=str)
    found = precompiled(iin=person.iin)
    assert found == [(person.pk, person.iin, "Ким", "", dt.date(1979, 2, 28))]
    assert found == list(_person_by_iin(person.iin))
    assert all(type(row) is tuple for row in found)
    assert precompiled._compiled().model is None
    assert precompiled(iin="000000000000") == []
    assert precompiled.first(iin=person.iin) == found[0]


def test_a_values_list_converts_an_aware_datetime_and_follows_relations():
    user = UserFactory(username="tuples")
    token = api_token_issue(user=user)
    api_token_issue(user=UserFactory())
    precompiled = Precompiled(
        lambda digest: ApiToken.objects.filter(digest=digest).values_list(
            "id", "expires_at", "user__username"
        ),
        digest=str,
    )
    [(pk, expires_at, username)] = precompiled(digest=_digest(token))
    expected = ApiToken.objects.get(digest=_digest(token))
    assert (pk, username) == (expected.pk, "tuples")
    # On SQLite a datetime comes back as text: the field's converters make it the aware datetime the ORM gives.
    assert isinstance(expires_at, dt.datetime)
    assert expires_at.tzinfo is not None
    assert expires_at == expected.expires_at
    assert [(pk, expires_at, username)] == list(
        ApiToken.objects.filter(digest=_digest(token)).values_list("id", "expires_at", "user__username")
    )


def test_a_values_list_is_read_again_with_new_values():
    first, second = PersonFactory(), PersonFactory()
    precompiled = Precompiled(_person_by_iin, iin=str)
    assert [row[1] for row in precompiled(iin=first.iin)] == [first.iin]
    assert [row[1] for row in precompiled(iin=second.iin)] == [second.iin]
    assert [row[1] for row in precompiled(iin=first.iin)] == [first.iin]


# --- PrecompiledIn -------------------------------------------------------------------------------------------


def _people(ids, category="citizen"):
    return (
        Person.objects.filter(pk__in=ids, category=category)
        .order_by("pk")
        .values_list("pk", "iin", "category")
    )


@pytest.mark.parametrize("max_ids", [2, 200])
def test_a_list_of_ids_gives_the_querysets_rows(max_ids):
    people = PersonFactory.create_batch(5)
    foreigner = PersonFactory(
        category="foreign_resident", citizenship="UZB", document_type="residence_permit"
    )
    precompiled_in = PrecompiledIn(_people, max_ids=max_ids)
    for ids in (
        [people[2].pk],
        [people[0].pk, people[4].pk],
        [people[3].pk, people[1].pk, foreigner.pk],  # more than 2: the queryset itself when max_ids=2
        [p.pk for p in people] + [foreigner.pk, 10**9],
    ):
        found = precompiled_in(ids)
        assert found == list(_people(ids))
        assert len(found) == len([i for i in ids if i in {p.pk for p in people}])
    assert precompiled_in([]) == []
    if max_ids == 2:  # only the shapes of at most max_ids ids were compiled and kept
        assert set(precompiled_in._by_count) == {1, 2}
    else:
        assert set(precompiled_in._by_count) == {1, 2, 3, 7}


def test_a_list_of_ids_with_values_of_its_own():
    citizen = PersonFactory()
    foreigner = PersonFactory(
        category="foreign_resident", citizenship="UZB", document_type="residence_permit"
    )
    precompiled_in = PrecompiledIn(_people, max_ids=2, category=str)
    ids = [citizen.pk, foreigner.pk]
    assert precompiled_in(ids, category="citizen") == [(citizen.pk, citizen.iin, "citizen")]
    assert precompiled_in(ids, category="foreign_resident") == [
        (foreigner.pk, foreigner.iin, "foreign_resident")
    ]
    assert precompiled_in([*ids, 10**9], category="foreign_resident") == list(
        _people([*ids, 10**9], category="foreign_resident")
    )


def test_a_list_of_ids_in_one_query():
    people = PersonFactory.create_batch(3)
    precompiled_in = PrecompiledIn(_people)
    with CaptureQueriesContext(connection) as first:
        assert len(precompiled_in([p.pk for p in people])) == 3
    precompiled_in([people[0].pk, people[1].pk, people[1].pk])  # prepared here on PostgreSQL
    with CaptureQueriesContext(connection) as third:
        assert len(precompiled_in([p.pk for p in reversed(people)])) == 3
    assert len(first) == len(third) == 1


# --- the prepared forms of a statement ------------------------------------------------------------------------


def test_the_prepared_forms_number_the_placeholders_and_keep_a_literal_percent():
    sql = "SELECT a FROM t WHERE x = %s AND y LIKE '%%ab' AND z IN (%s, %s)"
    forms = _prepared_forms(sql, 3, "postgresql")
    name = forms["name"]
    assert name.startswith("precompiled_")
    assert (
        forms["prepare"]
        == f"PREPARE {name} AS SELECT a FROM t WHERE x = $1 AND y LIKE '%ab' AND z IN ($2, $3)"
    )
    assert forms["execute"] == f"EXECUTE {name}(%s, %s, %s)"


def test_the_prepared_forms_of_a_statement_without_values():
    forms = _prepared_forms("SELECT 1 WHERE 'a%%' LIKE 'a%%'", 0, "postgresql")
    assert forms["prepare"] == f"PREPARE {forms['name']} AS SELECT 1 WHERE 'a%' LIKE 'a%'"
    assert forms["execute"] == f"EXECUTE {forms['name']}"


def test_each_statement_has_a_name_of_its_own():
    names = {_prepared_forms("SELECT %s", 1, "postgresql")["name"] for _ in range(3)}
    assert len(names) == 3


@pytest.mark.parametrize("vendor", ["sqlite", "mysql"])
def test_no_prepared_form_but_on_postgresql(vendor):
    sql = "SELECT a FROM t WHERE x = %s"
    forms = _prepared_forms(sql, 1, vendor)
    assert forms["prepare"] is None
    assert forms["execute"] == sql


def test_no_prepared_form_for_a_lone_percent_sign():
    sql = "SELECT a % 2 FROM t WHERE x = %s"
    forms = _prepared_forms(sql, 1, "postgresql")
    assert (forms["prepare"], forms["execute"]) == (None, sql)


def test_a_precompiled_query_on_sqlite_is_never_prepared():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's case")
    person = PersonFactory()
    precompiled = Precompiled(_person_by_iin, iin=str)
    for _ in range(PREPARE_ON_USE + 1):
        with CaptureQueriesContext(connection) as queries:
            assert precompiled(iin=person.iin)[0][1] == person.iin
        assert not any(q["sql"].startswith(("PREPARE", "EXECUTE")) for q in queries.captured_queries)
    assert precompiled._compiled().prepare is None
    assert getattr(connection, "prepared_statements", None) is None


# --- prepared statements on PostgreSQL -----------------------------------------------------------------------


def _kinds(sqls):
    """The first word of each statement Django sent (the captured SQL has its values in it), without those that
    prepare a statement (whether the PREPARE and its savepoint go through Django's cursor is not ours to test)."""
    housekeeping = ("SAVEPOINT", "PREPARE", "RELEASE", "ROLLBACK")
    return [sql.split(" ")[0] for sql in sqls if not sql.startswith(housekeeping)]


def _prepared_text(name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE name = %s", [name])
        return [text for (text,) in cursor.fetchall()]


def _refusals(caplog, name):
    return [r for r in caplog.records if "could not be prepared" in r.getMessage() and name in r.getMessage()]


def _runs(precompiled, times, **values):
    """The answers of ``times`` calls, with the SQL each sent."""
    answers = []
    for _ in range(times):
        with CaptureQueriesContext(connection) as queries:
            answers.append(precompiled(**values))
        answers[-1] = (answers[-1], [q["sql"] for q in queries.captured_queries])
    return answers


@postgresql_only
def test_a_statement_is_prepared_on_its_second_run_then_executed():
    person = PersonFactory(patronymic="")
    precompiled = Precompiled(_person_by_iin, iin=str)
    name = _name(precompiled)
    assert PREPARE_ON_USE == 2
    (first, first_sql), (second, second_sql), (third, third_sql) = _runs(precompiled, 3, iin=person.iin)
    assert first == second == third == list(_person_by_iin(person.iin))
    assert first[0][1] == person.iin
    assert _kinds(first_sql) == ["SELECT"]  # a one-off query is sent as SQL
    # The second run prepares it, then executes it; so does every run after it.
    assert _kinds(second_sql) == ["EXECUTE"]
    assert _kinds(third_sql) == ["EXECUTE"]
    assert third_sql[-1].startswith(f"EXECUTE {name}(")
    assert connection.prepared_statements[name] is True
    assert name in _prepared_on_server()
    assert _prepared_text(name) == [precompiled._compiled().prepare]
    assert precompiled._compiled().prepare.startswith(f"PREPARE {name} AS SELECT")
    assert "$1" in precompiled._compiled().prepare
    # Another value, executed by the prepared statement.
    other = PersonFactory()
    assert precompiled(iin=other.iin) == list(_person_by_iin(other.iin))
    assert precompiled(iin="000000000000") == []


@postgresql_only
def test_a_prepared_statement_keeps_a_literal_percent_sign():
    matching = PersonFactory(last_name="Ахметов")
    precompiled = Precompiled(
        lambda iin: (
            Person.objects.filter(iin=iin)
            .extra(where=["citizens_person.last_name NOT LIKE '%%zzz%%'"])
            .values_list("iin", "last_name")
        ),
        iin=str,
    )
    assert "%%" in precompiled._compiled().sql
    assert "%%" not in precompiled._compiled().prepare
    runs = _runs(precompiled, 3, iin=matching.iin)
    assert [answer for answer, _sql in runs] == [[(matching.iin, "Ахметов")]] * 3
    assert _kinds(runs[-1][1]) == ["EXECUTE"]
    assert connection.prepared_statements[_name(precompiled)] is True
    assert "NOT LIKE '%zzz%'" in _prepared_text(_name(precompiled))[0]
    # A name that the literal excludes is still excluded by the prepared statement.
    excluded = PersonFactory(last_name="Azzzov")
    assert precompiled(iin=excluded.iin) == []


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_starts_with_no_statement_prepared():
    person = PersonFactory()
    precompiled = Precompiled(_person_by_iin, iin=str)
    name = _name(precompiled)
    before = [precompiled(iin=person.iin) for _ in range(PREPARE_ON_USE + 1)]
    assert connection.prepared_statements[name] is True
    assert name in _prepared_on_server()

    connection.close()
    connection.ensure_connection()
    assert connection.prepared_statements == {}
    assert name not in _prepared_on_server()
    # Sent as SQL again (not EXECUTE of a statement the new session never had), then prepared again.
    (after, after_sql), (again, _sql) = _runs(precompiled, 2, iin=person.iin)
    assert after == again == before[0] == before[-1]
    assert _kinds(after_sql) == ["SELECT"]
    assert connection.prepared_statements[name] is True
    assert name in _prepared_on_server()

    connection.close()  # the call itself connects afresh
    assert precompiled(iin=person.iin) == before[0]
    assert connection.prepared_statements == {name: 1}


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_prepared_statements_turned_off(settings):
    person = PersonFactory()
    precompiled = Precompiled(_person_by_iin, iin=str)
    name = _name(precompiled)
    settings.DATABASE_PREPARED_STATEMENTS = False
    connection.close()
    try:
        answers = _runs(precompiled, PREPARE_ON_USE + 2, iin=person.iin)
        assert connection.prepared_statements is None
        assert all(answer == list(_person_by_iin(person.iin)) for answer, _sql in answers)
        assert all(_kinds(sql) == ["SELECT"] for _answer, sql in answers)
        assert not {n for n in _prepared_on_server() if n.startswith("precompiled_")}
        assert name not in _prepared_on_server()
    finally:
        settings.DATABASE_PREPARED_STATEMENTS = True
        connection.close()
    connection.ensure_connection()
    assert connection.prepared_statements == {}


def _unpreparable():
    """A query PostgreSQL refuses to PREPARE ("could not determine data type of parameter $2": nothing tells the
    type of the constant's $2), yet answers as SQL (where the value is a literal)."""
    return Precompiled(
        lambda iin: (
            Person.objects.filter(iin=iin).extra(where=["%s IS NOT NULL"], params=["x"]).values_list("iin")
        ),
        iin=str,
    )


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_statement_postgresql_will_not_prepare_is_sent_as_sql_and_the_transaction_goes_on(caplog):
    person = PersonFactory()
    precompiled = _unpreparable()
    name = _name(precompiled)
    assert precompiled._compiled().prepare is not None  # it will be tried
    expected = [(person.iin,)]
    with transaction.atomic():
        Person.objects.filter(pk=person.pk).update(first_name="Әлия")  # a write before, kept
        (first, _sql), (second, second_sql) = _runs(precompiled, 2, iin=person.iin)
        assert first == second == expected
        assert _kinds(second_sql) == ["SELECT"]  # the plain SQL answered
        assert len(_refusals(caplog, name)) == 1  # PREPARE was tried, and failed
        assert connection.prepared_statements[name] is False
        # The transaction is still usable: a query after it, and a write.
        assert Person.objects.filter(pk=person.pk, first_name="Әлия").count() == 1
        Person.objects.filter(pk=person.pk).update(patronymic="Бекұлы")
        # Never tried again.
        (third, third_sql), (fourth, fourth_sql) = _runs(precompiled, 2, iin=person.iin)
        assert third == fourth == expected
        assert _kinds(third_sql) == _kinds(fourth_sql) == ["SELECT"]
        assert len(_refusals(caplog, name)) == 1
    assert Person.objects.filter(pk=person.pk).values_list("first_name", "patronymic").get() == (
        "Әлия",
        "Бекұлы",
    )
    assert connection.prepared_statements[name] is False
    assert name not in _prepared_on_server()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_statement_postgresql_will_not_prepare_outside_a_transaction(caplog):
    person = PersonFactory()
    precompiled = _unpreparable()
    name = _name(precompiled)
    assert connection.get_autocommit()
    answers = _runs(precompiled, PREPARE_ON_USE + 2, iin=person.iin)
    assert [answer for answer, _sql in answers] == [[(person.iin,)]] * (PREPARE_ON_USE + 2)
    assert all(_kinds(sql) == ["SELECT"] for _answer, sql in answers)
    assert connection.prepared_statements[name] is False
    assert len(_refusals(caplog, name)) == 1
    assert Person.objects.count() == 1
    assert connection.get_autocommit()
    assert not connection.in_atomic_block


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_an_invalid_prepare_falls_back_inside_a_transaction(caplog):
    person = PersonFactory()
    precompiled = Precompiled(_person_by_iin, iin=str)
    compiled = precompiled._compiled()
    precompiled._local.compiled = dataclasses.replace(compiled, prepare=f"PREPARE {compiled.name} AS SELEC 1")
    with transaction.atomic():
        answers = _runs(precompiled, PREPARE_ON_USE + 2, iin=person.iin)
        assert [answer for answer, _sql in answers] == [list(_person_by_iin(person.iin))] * (
            PREPARE_ON_USE + 2
        )
        assert all(_kinds(sql) == ["SELECT"] for _answer, sql in answers)
        assert connection.prepared_statements[compiled.name] is False
        assert len(_refusals(caplog, compiled.name)) == 1
        assert Person.objects.count() == 1
    assert compiled.name not in _prepared_on_server()


@postgresql_only
def test_two_precompiled_queries_are_prepared_apart():
    person = PersonFactory()
    by_iin = Precompiled(_person_by_iin, iin=str)
    by_pk = Precompiled(lambda pk: Person.objects.filter(pk=pk).values_list("iin"), pk=int)
    for _ in range(PREPARE_ON_USE + 1):
        assert by_iin(iin=person.iin)[0][0] == person.pk
        assert by_pk(pk=person.pk) == [(person.iin,)]
    assert _name(by_iin) != _name(by_pk)
    assert {_name(by_iin), _name(by_pk)} <= _prepared_on_server()
    assert precompiled_module.PREPARE_ON_USE == PREPARE_ON_USE


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_statement_due_in_a_failed_transaction_is_prepared_later(caplog):
    person = PersonFactory()
    precompiled = Precompiled(_person_by_iin, iin=str)
    name = _name(precompiled)
    precompiled(iin=person.iin)  # its first run: the next one prepares it
    with transaction.atomic():
        with connection.cursor() as cursor, contextlib.suppress(DatabaseError):
            cursor.execute("SELECT 1/0")  # the transaction fails, and the error is swallowed
        # PostgreSQL refuses every statement now: PREPARE cannot be tried, and the query itself fails.
        with pytest.raises(DatabaseError):
            precompiled(iin=person.iin)
        transaction.set_rollback(True)
    assert connection.prepared_statements[name] == PREPARE_ON_USE - 1  # not marked as refused
    assert not _refusals(caplog, name)
    assert precompiled(iin=person.iin) == list(_person_by_iin(person.iin))
    assert connection.prepared_statements[name] is True
    assert name in _prepared_on_server()

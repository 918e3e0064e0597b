"""``deregistration.precompiled``: the same instances as the ORM's, one query, and shapes it cannot run refused."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from citizens.models import Person
from deregistration.precompiled import Precompiled
from deregistration.tokens import ApiToken, _digest, api_token_issue
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def _by_digest(digest):
    return ApiToken.objects.select_related("user", "user__person").filter(digest=digest)


def test_the_same_rows_and_related_objects_as_the_orm_in_one_query():
    person = PersonFactory(account=UserFactory())
    token = api_token_issue(user=person.account)
    api_token_issue(user=UserFactory())  # another account's token, not found
    precompiled = Precompiled(_by_digest, digest=str)
    with CaptureQueriesContext(connection) as queries:
        found = precompiled.first(digest=_digest(token))
        # The account and its person came with the token: reading them costs no query.
        assert found.user.person.iin == person.iin
    assert len(queries) == 1
    expected = _by_digest(_digest(token)).get()
    assert [(f.pk, f.digest, f.expires_at, f.user_id) for f in [found]] == [
        (expected.pk, expected.digest, expected.expires_at, expected.user_id)
    ]
    assert found._state.adding is False
    assert found._state.db == "default"


def test_a_second_call_runs_the_same_sql_with_new_values():
    first, second = UserFactory(), UserFactory()
    tokens = [api_token_issue(user=first), api_token_issue(user=second)]
    precompiled = Precompiled(_by_digest, digest=str)
    assert [precompiled.first(digest=_digest(t)).user_id for t in tokens] == [first.pk, second.pk]
    assert precompiled.first(digest=_digest("unknown")) is None


def test_a_missing_person_is_none_not_a_query():
    user = UserFactory()  # staff-like account: no person
    token = api_token_issue(user=user)
    found = Precompiled(_by_digest, digest=str).first(digest=_digest(token))
    with CaptureQueriesContext(connection) as queries:
        assert not hasattr(found.user, "person")
    assert len(queries) == 0


def test_int_values_and_constants_of_the_query():
    people = PersonFactory.create_batch(3)
    precompiled = Precompiled(
        lambda pk: (
            Person.objects.filter(pk__gte=pk, category="citizen").exclude(iin="000000000000").order_by("pk")
        ),
        pk=int,
    )
    assert [p.pk for p in precompiled(pk=people[1].pk)] == [people[1].pk, people[2].pk]


def test_each_thread_compiles_for_its_own_connection():
    precompiled = Precompiled(_by_digest, digest=str)
    precompiled(digest="x")
    compilers = [precompiled._local.compiled.compiler]

    def other() -> None:
        try:
            precompiled._compiled()
            compilers.append(precompiled._local.compiled.compiler)
        finally:
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert len(compilers) == 2
    assert compilers[0] is not compilers[1]
    assert compilers[0].connection is not compilers[1].connection


def test_a_value_used_twice():
    person, other = PersonFactory(), PersonFactory()
    precompiled = Precompiled(
        lambda iin: Person.objects.filter(iin=iin) | Person.objects.filter(document_number=iin), iin=str
    )
    assert [p.pk for p in precompiled(iin=person.iin)] == [person.pk]
    assert [p.pk for p in precompiled(iin=other.document_number)] == [other.pk]


def test_values_of_the_wrong_name_or_type_are_refused():
    precompiled = Precompiled(_by_digest, digest=str)
    with pytest.raises(TypeError):
        precompiled(digest=1)
    with pytest.raises(TypeError):
        precompiled(other="x")
    with pytest.raises(TypeError):
        Precompiled(_by_digest, digest=float)


@pytest.mark.parametrize(
    "build",
    [
        lambda iin: Person.objects.filter(iin__in=[iin, "1"]).values("pk"),  # not model instances
        lambda iin: Person.objects.prefetch_related("registrations").filter(iin=iin),
        lambda iin: Person.objects.filter(iin=iin) | Person.objects.filter(last_name__startswith=iin),
        lambda iin: Person.objects.filter(iin__startswith=iin),  # the ORM rewrites the value (LIKE 'x%')
    ],
)
def test_a_shape_that_cannot_be_precompiled_is_refused(build):
    with pytest.raises(ValueError, match="precompiled"):
        Precompiled(build, iin=str)(iin="800101300011")

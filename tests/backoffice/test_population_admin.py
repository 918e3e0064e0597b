"""The population register's pages at national scale: exact, indexed search; no COUNT(*); bounded queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import DwellingFactory, PersonFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

LISTS = [
    "/admin/citizens/person/",
    "/admin/citizens/dwelling/",
    "/admin/citizens/registration/",
    "/admin/citizens/ownership/",
    "/admin/deregistration/registryrecord/",
    "/admin/deregistration/departureslip/",
    "/admin/citizens/auditevent/",
]


def sql_of(queries) -> list[str]:
    return [q["sql"].upper() for q in queries.captured_queries]


@pytest.mark.parametrize("url", LISTS)
def test_no_list_counts_its_rows(as_role, url):
    RegistrationFactory.create_batch(3)
    with CaptureQueriesContext(connection) as queries:
        response = as_role("admin").get(url)
    assert response.status_code == 200
    assert not [q for q in sql_of(queries) if "COUNT(" in q]
    assert not [q for q in sql_of(queries) if "SELECT DISTINCT" in q]


def test_the_person_list_costs_the_same_for_5_and_60_persons(as_role, django_assert_max_num_queries):
    client = as_role("supervisor")
    RegistrationFactory.create_batch(5)
    with CaptureQueriesContext(connection) as few:
        client.get("/admin/citizens/person/")
    RegistrationFactory.create_batch(55)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/admin/citizens/person/").content.decode()
    assert 'rel="next"' in page  # 60 persons: more than a page, found without counting them


def test_the_registration_list_joins_its_persons_and_dwellings(as_role, django_assert_max_num_queries):
    client = as_role("supervisor")
    RegistrationFactory.create_batch(3)
    with CaptureQueriesContext(connection) as few:
        client.get("/admin/citizens/registration/")
    RegistrationFactory.create_batch(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/admin/citizens/registration/")


def test_a_person_is_found_by_the_exact_iin_on_its_index(as_role):
    wanted, other = PersonFactory(), PersonFactory()
    client = as_role("operator")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/admin/citizens/person/", {"q": wanted.iin}).content.decode()
    assert wanted.last_name in page
    assert other.iin not in page
    search = next(q for q in sql_of(queries) if "CITIZENS_PERSON" in q and wanted.iin in q)
    assert f'"CITIZENS_PERSON"."IIN" = \'{wanted.iin}\'' in search
    assert "UPPER(" not in search
    assert "LIKE" not in search


def test_a_crafted_sort_on_an_unindexed_column_is_ignored(as_role):
    PersonFactory.create_batch(2)
    with CaptureQueriesContext(connection) as queries:
        assert as_role("supervisor").get("/admin/citizens/person/", {"o": "2"}).status_code == 200
    listing = next(q for q in sql_of(queries) if 'FROM "CITIZENS_PERSON"' in q and "LIMIT" in q)
    assert 'ORDER BY "CITIZENS_PERSON"."IIN"' in listing
    assert '"LAST_NAME" ASC' not in listing.split("ORDER BY")[1]


def test_dwellings_filter_by_region_from_the_kato_code(as_role):
    astana = DwellingFactory(kato="711410000", street="Тұран даңғылы")
    almaty = DwellingFactory(kato="751110000", street="Абай даңғылы")
    page = as_role("operator").get("/admin/citizens/dwelling/", {"region": "71"}).content.decode()
    assert astana.address_code in page
    assert almaty.address_code not in page

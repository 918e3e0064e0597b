"""Lists cost a fixed number of queries, however many rows they show (no N+1, no COUNT(*))."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import citizen_account
from tests.factories import PersonFactory

from .conftest import API, client_for, new_home, walk_in

pytestmark = pytest.mark.django_db

# The queries each list takes, authentication and role included, for 1 row and for 5:
# token+user (and a citizen's person, joined), [a staff member's role groups], the page, its prefetches,
# [the staff read's audit row, and for register records the persons their IINs name]. No sweep of lapsed
# consents: only the rows shown are checked, in memory (test_hot_paths.py).
LIMITS = {
    "applications (staff)": 6,
    "applications (citizen)": 4,
    "dwellings": 4,  # token, page, owners, residents (each with the open case naming them)
    "notifications": 2,
    "consents": 3,
    "registry-records": 5,
}


class Scene:
    """A citizen who owns and co-owns dwellings, and an operator; ``add(name)`` adds one row to a list."""

    def __init__(self, operator):
        self.operator = operator
        self.owner = PersonFactory()
        self.co_owner = PersonFactory()
        self.users = {
            "staff": operator,
            "owner": citizen_account(self.owner),
            "co_owner": citizen_account(self.co_owner),
        }

    def add(self, name):
        if name.startswith("applications"):
            walk_in(self.operator, new_home(owner=self.owner))
        elif name == "dwellings":
            new_home(owner=self.owner)
        elif name in ("notifications", "registry-records"):
            walk_in(self.operator, new_home(owner=self.owner), complete=True)
        elif name == "consents":
            walk_in(self.operator, new_home(co_owned=True, co_owner=self.co_owner))

    def request(self, name):
        who, path = {
            "applications (staff)": ("staff", "/applications/"),
            "applications (citizen)": ("owner", "/applications/"),
            "dwellings": ("owner", "/dwellings/"),
            "notifications": ("owner", "/notifications/"),
            "consents": ("co_owner", "/consents/"),
            "registry-records": ("staff", "/registry-records/"),
        }[name]
        return client_for(self.users[who]), API + path


def rows_and_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(response.json()["results"]), len(queries.captured_queries)


@pytest.mark.parametrize("name", list(LIMITS))
def test_a_list_takes_the_same_queries_for_one_row_and_for_five(
    name, operator, django_assert_max_num_queries
):
    scene = Scene(operator)
    scene.add(name)
    client, url = scene.request(name)
    with django_assert_max_num_queries(LIMITS[name]):
        assert len(client.get(url).json()["results"]) == 1
    _rows, queries_for_one = rows_and_queries(client, url)
    for _more in range(4):
        scene.add(name)
    with django_assert_max_num_queries(LIMITS[name]):
        assert len(client.get(url).json()["results"]) == 5
    _rows, queries_for_five = rows_and_queries(client, url)
    assert queries_for_five == queries_for_one == LIMITS[name]

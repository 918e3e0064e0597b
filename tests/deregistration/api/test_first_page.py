"""The cabinet's lists (one's own cases, one's dwellings): their first pages precompiled and read as rows
(``deregistration.cabinet_rows``), the same answer as DRF's keyset pagination gives, page after page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.pagination import CursorPagination

from deregistration import cabinet_rows, selectors
from deregistration.api.pagination import KeysetPagination
from tests.conftest import citizen_account
from tests.factories import PersonFactory

from .conftest import API, client_for, new_home, walk_in

pytestmark = pytest.mark.django_db


def serializer_path(monkeypatch):
    """From here on, every page is read by DRF's own keyset pagination and written by the serializers."""

    def drf_paginate(self, queryset, request, view=None):
        if isinstance(queryset, cabinet_rows.RowsFirst):
            queryset = queryset.rest()
        return CursorPagination.paginate_queryset(self, queryset, request, view)

    monkeypatch.setattr(KeysetPagination, "paginate_queryset", drf_paginate)


def _pages(client, url):
    pages = []
    while url:
        answer = client.get(url)
        assert answer.status_code == 200
        pages.append(answer.json())
        url = answer.json()["next"]
    return pages


@pytest.mark.parametrize(("cases", "page_size"), [(0, 2), (1, 2), (5, 2), (4, 2), (3, 20)])
def test_the_same_pages_as_drf_gives(operator, monkeypatch, cases, page_size):
    monkeypatch.setattr(cabinet_rows._applications_of, "_shapes", {})
    monkeypatch.setattr(cabinet_rows._subjects_of, "_by_count", {})
    monkeypatch.setattr(cabinet_rows._consents_of, "_by_count", {})
    owner = PersonFactory()
    for i in range(cases):
        walk_in(operator, new_home(owner=owner), complete=i % 2 == 0)
    client = client_for(citizen_account(owner))
    url = f"{API}/applications/?page_size={page_size}"
    precompiled = _pages(client, url)
    # The view's ordering, and one row more than the page: served by the precompiled first pages.
    assert (("-submitted_at", "-id"), page_size + 1) in cabinet_rows._applications_of._shapes
    if cases:  # and its subjects and consents, by a query precompiled for the rows of the first page
        rows = min(cases, page_size + 1)  # the row after the page too, as DRF's query fetches it
        assert rows in cabinet_rows._subjects_of._by_count
        assert rows in cabinet_rows._consents_of._by_count
    serializer_path(monkeypatch)
    assert _pages(client, url) == precompiled
    assert sum(len(p["results"]) for p in precompiled) == cases


def test_the_first_page_takes_the_queries_it_took(operator):
    owner = PersonFactory()
    walk_in(operator, new_home(owner=owner))
    client = client_for(citizen_account(owner))
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(f"{API}/applications/")
    assert len(answer.json()["results"]) == 1
    assert len(queries) == 4  # token and person, the page, its subjects, its consents


def test_only_a_citizens_unfiltered_list_is_precompiled(operator):
    owner = PersonFactory()
    citizen = citizen_account(owner)
    assert isinstance(selectors.applications_listed(actor=citizen), cabinet_rows.RowsFirst)
    assert not isinstance(
        selectors.applications_listed(actor=citizen, status="completed"), cabinet_rows.RowsFirst
    )
    assert not isinstance(selectors.applications_listed(actor=operator), cabinet_rows.RowsFirst)


def test_another_citizens_cases_are_never_on_the_page(operator):
    mine, theirs = PersonFactory(), PersonFactory()
    walk_in(operator, new_home(owner=mine))
    walk_in(operator, new_home(owner=theirs))
    numbers = {
        who: [
            a["number"]
            for a in client_for(citizen_account(who)).get(f"{API}/applications/").json()["results"]
        ]
        for who in (mine, theirs)
    }
    assert len(numbers[mine]) == 1
    assert len(numbers[theirs]) == 1
    assert numbers[mine] != numbers[theirs]


@pytest.mark.parametrize(("dwellings", "page_size"), [(0, 2), (1, 2), (3, 2), (4, 2)])
def test_the_dwellings_pages_are_those_drf_gives(monkeypatch, dwellings, page_size):
    monkeypatch.setattr(cabinet_rows._dwellings_of, "_shapes", {})
    owner = PersonFactory()
    for _ in range(dwellings):
        new_home(owner=owner, co_owned=True)
    client = client_for(citizen_account(owner))
    url = f"{API}/dwellings/?page_size={page_size}"
    precompiled = _pages(client, url)
    assert ((("address_code",), page_size + 1)) in cabinet_rows._dwellings_of._shapes
    serializer_path(monkeypatch)
    assert _pages(client, url) == precompiled
    assert sum(len(p["results"]) for p in precompiled) == dwellings
    assert all(len(d["owners"]) == 2 and d["residents"] for p in precompiled for d in p["results"])


@pytest.mark.parametrize("url", [f"{API}/applications/", f"{API}/dwellings/"])
def test_a_citizens_bad_cursor_or_page_size_is_refused_and_changes_nothing(operator, url):
    owner = PersonFactory()
    walk_in(operator, new_home(owner=owner))
    client = client_for(citizen_account(owner))
    before = client.get(url).json()
    assert before["results"]  # one case, one dwelling
    response = client.get(f"{url}?cursor=not-a-cursor", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["cursor"]
    assert response.json()["errors"]["cursor"][0]["message"] != "This cursor is not valid."  # in Russian
    # A page size that is not one falls back to the default page, read as rows all the same.
    assert client.get(f"{url}?page_size=abc").json() == before
    assert client.get(url).json() == before

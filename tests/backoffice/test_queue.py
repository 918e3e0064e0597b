"""The queue: open cases, the oldest deadline first, the time each has left, filters, and no counting."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deregistration.models import Application
from deregistration.rules import NEAR_DEADLINE
from tests.conftest import walk_in_case

from .conftest import citizens_case, make_household

pytestmark = pytest.mark.django_db

QUEUE = "/admin/deregistration/application/"


def numbers_in(page: str) -> list[str]:
    return re.findall(r"DR-\d{8}-[A-Z0-9]{6}", page)


def deadline_in(application, minutes: float) -> None:
    Application.objects.filter(pk=application.pk).update(
        deadline_at=timezone.now() + dt.timedelta(minutes=minutes)
    )


def test_open_cases_come_oldest_deadline_first_with_overdue_and_near_marked(as_role, operator):
    late, soon, calm = (citizens_case(operator) for _ in range(3))
    deadline_in(late, -5)
    deadline_in(soon, NEAR_DEADLINE.total_seconds() / 60 - 2)
    deadline_in(calm, 25)
    done = citizens_case(operator, complete=True)
    page = as_role("operator").get(QUEUE).content.decode()
    listed = list(dict.fromkeys(numbers_in(page)))
    assert listed == [late.number, soon.number, calm.number]
    assert done.number not in page
    rows = {n: page[page.index(n) : page.index("</tr>", page.index(n))] for n in listed}
    assert "term-overdue" in rows[late.number]
    assert "overdue by" in rows[late.number]
    assert "term-near" in rows[soon.number]
    assert "term-on_time" in rows[calm.number]
    assert "left" in rows[calm.number]


def test_every_case_is_one_click_away_newest_first(as_role, operator):
    first = citizens_case(operator, complete=True)
    second = citizens_case(operator)
    page = as_role("operator").get(QUEUE, {"queue": "all"}).content.decode()
    assert list(dict.fromkeys(numbers_in(page))) == [second.number, first.number]


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("status", "completed"),
        ("case_type", "emigration"),
        ("channel", "state_corporation"),
        ("region", "35"),
    ],
)
def test_the_queue_filters_by_status_case_type_channel_and_region(as_role, operator, parameter, value):
    almaty = citizens_case(operator)
    karaganda_home = make_household(region_kato="351010000")
    karaganda = walk_in_case(operator, karaganda_home, complete=True)
    emigration_home = make_household()
    leaving = walk_in_case(
        operator,
        emigration_home,
        case_type="emigration",
        applicant=emigration_home.tenant,
        subjects=[emigration_home.tenant],
    )
    page = as_role("operator").get(QUEUE, {"queue": "all", parameter: value}).content.decode()
    shown = set(numbers_in(page))
    expected = {
        "status": {karaganda.number},
        "case_type": {leaving.number},
        "channel": {almaty.number, karaganda.number, leaving.number},
        "region": {karaganda.number},
    }[parameter]
    assert shown == expected


def test_search_finds_a_case_by_its_number_or_an_exact_iin(as_role, operator):
    case = citizens_case(operator)
    other = citizens_case(operator)
    client = as_role("operator")
    by_number = numbers_in(client.get(QUEUE, {"q": case.number}).content.decode())
    assert set(by_number) == {case.number}
    subject_iin = case.subjects.get().person.iin
    by_iin = numbers_in(client.get(QUEUE, {"q": subject_iin, "queue": "all"}).content.decode())
    assert set(by_iin) == {case.number}
    partial = numbers_in(client.get(QUEUE, {"q": subject_iin[:8], "queue": "all"}).content.decode())
    assert partial == []
    assert other.number not in by_iin


def test_the_queue_never_counts_and_pages_with_next_only(as_role, operator, settings):
    for _ in range(4):
        citizens_case(operator)
    client = as_role("operator")
    from deregistration.backoffice.case import CaseAdmin

    per_page = CaseAdmin.list_per_page
    CaseAdmin.list_per_page = 3
    try:
        with CaptureQueriesContext(connection) as queries:
            first = client.get(QUEUE).content.decode()
        second = client.get(QUEUE, {"p": 2}).content.decode()
    finally:
        CaseAdmin.list_per_page = per_page
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(numbers_in(first)) == 3
    assert 'rel="next"' in first
    assert len(numbers_in(second)) == 1
    assert 'rel="next"' not in second
    assert 'rel="prev"' in second


def test_the_queue_costs_the_same_number_of_queries_for_3_and_40_cases(
    as_role, operator, django_assert_max_num_queries
):
    client = as_role("operator")
    for _ in range(3):
        citizens_case(operator)
    with CaptureQueriesContext(connection) as few:
        client.get(QUEUE)
    for _ in range(37):
        citizens_case(operator)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(QUEUE).content.decode()
    assert len(set(numbers_in(page))) == 40


def test_the_cases_whose_slip_failed_are_one_filter_away(as_role, operator, settings):
    fine = citizens_case(operator, complete=True, issue_slip=True)
    settings.SLIP_SEAL_KEY = "/nonexistent/seal.key.pem"
    failed = citizens_case(operator, complete=True, issue_slip=True)
    page = as_role("operator").get(QUEUE, {"queue": "all", "slip": "failed"}).content.decode()
    assert set(numbers_in(page)) == {failed.number}
    assert fine.number not in page

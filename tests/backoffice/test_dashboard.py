"""The supervisor's dashboard: the numbers, the chart, and who may see it."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deregistration.backoffice.charts import stacked_bars
from deregistration.models import Application
from tests.conftest import walk_in_case

from .conftest import citizens_case, make_household

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/deregistration/application/dashboard/"


def completed_after(case, minutes: int, *, day_offset: int = 0) -> None:
    """Move a completed case so that it took ``minutes`` from the start of its term (``day_offset`` days ago)."""
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) - dt.timedelta(
        days=day_offset
    )
    Application.objects.filter(pk=case.pk).update(
        submitted_at=start,
        deadline_at=start + dt.timedelta(minutes=30),
        completed_at=start + dt.timedelta(minutes=minutes),
    )


def cell(page: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}">([^<]*)<', page).group(1).strip()


@pytest.mark.parametrize(
    ("role", "status"), [("operator", 403), ("migration", 403), ("supervisor", 200), ("admin", 200)]
)
def test_only_supervisors_see_the_dashboard(as_role, role, status):
    assert as_role(role).get(DASHBOARD).status_code == status


def test_the_dashboard_counts_the_term_the_median_and_the_open_cases_by_region(as_role, operator):
    for minutes in (5, 10, 40):
        completed_after(citizens_case(operator, complete=True), minutes)
    late = walk_in_case(operator, make_household(region_kato="351010000"))
    Application.objects.filter(pk=late.pk).update(deadline_at=timezone.now() - dt.timedelta(minutes=3))
    citizens_case(operator)  # open, on time, in Almaty
    page = as_role("supervisor").get(DASHBOARD).content.decode()
    assert cell(page, "kpi-open") == "2"
    assert cell(page, "kpi-overdue") == "1"
    assert cell(page, "kpi-share") == "66.7 %"
    assert cell(page, "kpi-median") == "10:00"
    regions = page[page.index('id="regions"') :]
    regions = regions[: regions.index("</table>")]
    assert regions.index("Karaganda region") < regions.index("Almaty")  # the overdue region first
    assert re.search(r"Karaganda region</a></th><td>1</td><td class=\"bad\">1</td>", regions)
    assert re.search(r"Almaty</a></th><td>1</td><td>0</td>", regions)


def test_cases_per_day_by_kind_and_channel_in_a_table_and_a_chart(as_role, operator):
    completed_after(citizens_case(operator, complete=True), 5, day_offset=2)
    citizens_case(operator)
    page = as_role("supervisor").get(DASHBOARD, {"days": 7}).content.decode()
    days = page[page.index('id="days"') :]
    today = timezone.localdate()
    two_days_ago = today - dt.timedelta(days=2)
    # owner's application, leaving, court | portal, State Corporation, migration | all
    assert (
        f"{two_days_ago:%d.%m.%Y}</th><td>1</td><td>0</td><td>0</td><td>0</td><td>1</td><td>0</td><td>1</td>"
        in days
    )
    assert (
        f"{today:%d.%m.%Y}</th><td>1</td><td>0</td><td>0</td><td>0</td><td>1</td><td>0</td><td>1</td>" in days
    )
    assert days.count("<tr>") == 1 + 7
    start = page.index('id="chart-by-type"')
    chart = page[start : page.index("</svg>", start)]
    assert chart.count('<rect class="series-0"') == 2 + 1  # two bars and the legend's swatch


def test_the_chart_scales_bars_to_their_numbers():
    svg = stacked_bars(
        chart_id="c",
        title="t",
        columns=[("a", "A"), ("b", "B")],
        series=[("x", "X"), ("y", "Y")],
        values={("a", "x"): 2, ("a", "y"): 2, ("b", "x"): 1},
    )
    heights = [
        float(h)
        for h in re.findall(
            r'<rect class="series-\d" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"><title>', svg
        )
    ]
    assert len(heights) == 3
    assert heights[0] == pytest.approx(heights[1])
    assert heights[0] == pytest.approx(2 * heights[2])
    assert "<script" not in svg


def test_the_dashboard_costs_the_same_queries_for_few_and_many_cases(
    as_role, operator, django_assert_max_num_queries
):
    client = as_role("supervisor")
    citizens_case(operator, complete=True)
    with CaptureQueriesContext(connection) as few:
        client.get(DASHBOARD)
    for _ in range(10):
        citizens_case(operator, complete=True)
        citizens_case(operator)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(DASHBOARD)

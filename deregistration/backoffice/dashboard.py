"""The supervisor's dashboard: cases per day by kind and channel, how the term was kept, open and overdue cases
by region. The numbers are the selectors' aggregates; this module only lays them out (tables and SVG charts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from citizens.regions import REGION_NAMES

from .. import selectors
from ..constants import CaseType, Channel
from .charts import stacked_bars
from .queue import CASE_TYPE_SHORT, CHANNEL_SHORT

PERIODS = (7, 14, 30)
DEFAULT_PERIOD = 14


def _period(request) -> int:
    try:
        days = int(request.GET.get("days", DEFAULT_PERIOD))
    except (TypeError, ValueError):
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def _duration(value: dt.timedelta | None) -> str:
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    return f"{seconds // 60}:{seconds % 60:02d}"


def dashboard_view(model_admin: Any, request) -> TemplateResponse:
    if not request.user.has_perm("deregistration.view_dashboard"):
        raise PermissionDenied
    days = _period(request)
    until = timezone.localdate()
    since = until - dt.timedelta(days=days - 1)
    dates = [since + dt.timedelta(days=n) for n in range(days)]
    columns = [(d.isoformat(), f"{d:%d.%m}") for d in dates]

    by_type: dict[tuple[str, str], int] = {}
    by_channel: dict[tuple[str, str], int] = {}
    for row in selectors.dashboard_cases_per_day(since=since, until=until):
        day = row["day"].isoformat()
        by_type[(day, row["case_type"])] = by_type.get((day, row["case_type"]), 0) + row["cases"]
        by_channel[(day, row["channel"])] = by_channel.get((day, row["channel"]), 0) + row["cases"]
    type_series = [(c.value, str(CASE_TYPE_SHORT[c])) for c in CaseType]
    channel_series = [(c.value, str(CHANNEL_SHORT[c])) for c in Channel]
    table = [
        {
            "day": d,
            "types": [by_type.get((d.isoformat(), key), 0) for key, _label in type_series],
            "channels": [by_channel.get((d.isoformat(), key), 0) for key, _label in channel_series],
        }
        for d in dates
    ]
    for row in table:
        row["total"] = sum(row["types"])

    term = selectors.dashboard_term(since=since, until=until)
    term_rows = [
        {
            "label": str(CHANNEL_SHORT[Channel(key)]) if key else _("All channels"),
            "completed": stats.completed,
            "share": None if stats.share_within_term is None else round(100 * stats.share_within_term, 1),
            "median": _duration(stats.median),
        }
        for key, stats in sorted(term.items(), key=lambda item: (item[0] == "", item[0]))
    ]
    regions = [
        {**row, "name": REGION_NAMES.get(row["region"], _("Unknown region"))}
        for row in selectors.dashboard_open_by_region()
    ]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Dashboard"),
        "days": days,
        "periods": PERIODS,
        "since": since,
        "until": until,
        "chart_by_type": stacked_bars(
            chart_id="chart-by-type",
            title=_("Cases per day by kind of case"),
            columns=columns,
            series=type_series,
            values=by_type,
        ),
        "chart_by_channel": stacked_bars(
            chart_id="chart-by-channel",
            title=_("Cases per day by channel"),
            columns=columns,
            series=channel_series,
            values=by_channel,
        ),
        "type_labels": [label for _key, label in type_series],
        "channel_labels": [label for _key, label in channel_series],
        "table": table,
        "term_rows": term_rows,
        "regions": regions,
        "open_total": sum(r["open"] for r in regions),
        "overdue_total": sum(r["overdue"] for r in regions),
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/deregistration/application/dashboard.html", context)

"""Charts drawn on the server as SVG: no script, no library, no CDN; the colours live in backoffice.css."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _nice_ceiling(value: int) -> int:
    """The top of the axis: 1, 2 or 5 times a power of ten, at least ``value`` (and at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def stacked_bars(
    *,
    chart_id: str,
    title: str,
    columns: Sequence[tuple[str, str]],
    series: Sequence[tuple[str, str]],
    values: Mapping[tuple[str, str], int],
    width: int = 760,
    height: int = 260,
) -> SafeString:
    """A stacked bar chart: one bar per column (``(key, label)``), one coloured segment per series
    (``(key, label)``, coloured by the CSS class ``series-<n>``), ``values[(column, series)]`` high. Each
    segment carries a ``<title>`` with its number; the legend names the series."""
    left, right, top, bottom = 44, 8, 12, 34
    legend_height = 22
    plot_width = width - left - right
    plot_height = height - top - bottom - legend_height
    totals = [sum(values.get((column, key), 0) for key, _label in series) for column, _ in columns]
    ceiling = _nice_ceiling(max(totals, default=0))
    slot = plot_width / max(len(columns), 1)
    bar = max(slot * 0.7, 2)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" aria-labelledby="{escape(chart_id)}-title">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
    ]
    steps = next(n for n in (4, 5, 2, 1) if ceiling % n == 0)  # whole numbers on the axis
    for tick in range(steps + 1):
        y = top + plot_height - plot_height * tick / steps
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{ceiling * tick // steps}</text>'
        )
    every = max(1, math.ceil(len(columns) / 16))  # no more than 16 labels under the bars
    for index, (column, label) in enumerate(columns):
        x = left + slot * index + (slot - bar) / 2
        y = top + plot_height
        for number, (key, series_label) in enumerate(series):
            count = values.get((column, key), 0)
            if not count:
                continue
            h = plot_height * count / ceiling
            y -= h
            parts.append(
                f'<rect class="series-{number}" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}">'
                f"<title>{escape(label)}: {escape(series_label)} — {count}</title></rect>"
            )
        if index % every == 0:
            parts.append(
                f'<text class="axis" x="{x + bar / 2:.1f}" y="{top + plot_height + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    x = left
    legend_y = height - 8
    for number, (_key, series_label) in enumerate(series):
        parts.append(f'<rect class="series-{number}" x="{x}" y="{legend_y - 10}" width="12" height="12"/>')
        parts.append(f'<text class="legend" x="{x + 16}" y="{legend_y}">{escape(series_label)}</text>')
        x += 24 + 7 * len(str(series_label))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped; numbers are formatted here

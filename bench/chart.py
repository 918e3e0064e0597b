"""An SVG chart of ``bench/run.py``'s ratios: one horizontal bar per request row, its req/s as a share of its
baseline's, on a common axis, with the issue's target for the row marked on the bar's track.

Hand-written SVG text (no plotting library), built by a pure function so that it can be tested:

    svg = ratio_chart([ChartRow("GET /api/v1/dwellings/ (20 dwellings x 2)", 0.42, 0.30)], title="…")

A bar is green when it reaches its target and amber when not, and the ratio with "met" / "not met" is written
beside it as well: the colour is never the only sign. With a ``compare_ratio`` (``run.py --compare``) each row
has two bars, the compared code's (paler) above this checkout's, and a legend says which is which.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape as _escape

# The targets, by the start of the row's label in ``bench/run.py``: the row's req/s as a share of its
# baseline's (portal cases and the lists against the bare JSON view, the slip against the same file static).
TARGETS: dict[str, float] = {
    "portal case": 0.10,
    "GET /api/v1/applications/": 0.30,
    "GET /api/v1/dwellings/": 0.30,
    "stored slip download": 0.50,
}
# What a target means when the number alone does not say it, shown beside the target's marker.
TARGET_NOTES: dict[str, str] = {
    "stored slip download": "within 2× a static file",
}

MET = "#2e7d32"  # green
NOT_MET = "#e69500"  # amber

WIDTH = 800
LEFT = 20  # the bars' tracks run from LEFT to PLOT_RIGHT
PLOT_RIGHT = 585
TEXT_X = 597  # the ratio and "met" / "not met", beside each bar
BAR = 18  # a bar's height, one bar per row
PAIRED_BAR = 14  # a bar's height, two bars per row
GAP = 4  # between two bars of a row, and around the bars in their track
FONT = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"


@dataclass(frozen=True)
class ChartRow:
    label: str
    ratio: float  # this checkout's req/s ÷ its baseline's
    target: float
    compare_ratio: float | None = None  # the compared code's (``--compare``)


def target_for(label: str) -> float | None:
    """The target of a row of ``bench/run.py`` by its label; None for rows without one (memory, EDS)."""
    for prefix in sorted(TARGETS, key=len, reverse=True):
        if label.startswith(prefix):
            return TARGETS[prefix]
    return None


def _note_for(label: str) -> str:
    for prefix in sorted(TARGET_NOTES, key=len, reverse=True):
        if label.startswith(prefix):
            return TARGET_NOTES[prefix]
    return ""


def _text(value: object) -> str:
    return _escape(str(value))


def _attr(value: object) -> str:
    return _escape(str(value), {'"': "&quot;"})


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def axis_scale(rows: list[ChartRow]) -> tuple[float, float]:
    """The axis's end and its tick step: at least 0.6, past every ratio and target, on a round step."""
    largest = max(
        [0.6]
        + [row.target for row in rows]
        + [row.ratio for row in rows if _finite(row.ratio)]
        + [row.compare_ratio for row in rows if _finite(row.compare_ratio)]
    )
    for base in (1, 10, 100, 1000, 10_000, 100_000):
        for step in (0.1 * base, 0.2 * base, 0.25 * base, 0.5 * base):
            if largest / step <= 8:
                return round(math.ceil(largest / step - 1e-9) * step, 6), step
    return largest, largest / 4


def _label_x(center: float, text: str, size: float, left: float, right: float) -> tuple[float, str]:
    """Where a text centred on ``center`` goes (x, text-anchor) so that it stays between left and right."""
    half = len(text) * size * 0.3
    if center - half < left:
        return left, "start"
    if center + half > right:
        return right, "end"
    return center, "middle"


def ratio_chart(
    rows: list[ChartRow],
    *,
    title: str,
    subtitle: str = "",
    compare_label: str = "the compared code",
    this_label: str = "this checkout",
) -> str:
    """The chart as an SVG document (UTF-8 text), 800 px wide. Bars are ``<rect class="bar …">`` with
    ``data-row`` (the row's index) and ``data-series`` (``this`` or ``compare``); the words beside them are
    ``<text class="verdict">`` with the same attributes."""
    paired = any(row.compare_ratio is not None for row in rows)
    axis_end, step = axis_scale(rows)
    scale = (PLOT_RIGHT - LEFT) / axis_end

    def x(value: float) -> float:
        return LEFT + min(max(value, 0.0), axis_end) * scale

    out: list[str] = []
    top = 30
    out.append(f'<text x="{LEFT}" y="{top}" class="title">{_text(title)}</text>')
    if subtitle:
        top += 20
        out.append(f'<text x="{LEFT}" y="{top}" class="small">{_text(subtitle)}</text>')

    # The legend: the colours and the marker, and with --compare which bar is which.
    top += 24
    swatch = top - 10
    out.append(
        f'<rect x="{LEFT}" y="{swatch}" width="14" height="12" fill="{MET}"/>'
        f'<text x="{LEFT + 20}" y="{top}" class="small">met: reaches the target</text>'
        f'<rect x="{LEFT + 190}" y="{swatch}" width="14" height="12" fill="{NOT_MET}"/>'
        f'<text x="{LEFT + 210}" y="{top}" class="small">not met</text>'
        f'<line x1="{LEFT + 285}" y1="{swatch - 2}" x2="{LEFT + 285}" y2="{swatch + 14}" class="marker"/>'
        f'<text x="{LEFT + 293}" y="{top}" class="small">the issue\'s target for the row</text>'
    )
    if paired:
        top += 20
        swatch = top - 10
        out.append(
            f'<rect x="{LEFT}" y="{swatch}" width="14" height="12" fill="#777" fill-opacity="0.4" '
            f'stroke="#777" stroke-width="1.5"/>'
            f'<text x="{LEFT + 20}" y="{top}" class="small">upper bar, "compared": {_text(compare_label)}</text>'
        )
        top += 18
        swatch = top - 10
        out.append(
            f'<rect x="{LEFT}" y="{swatch}" width="14" height="12" fill="#777"/>'
            f'<text x="{LEFT + 20}" y="{top}" class="small">lower bar, "this": {_text(this_label)}</text>'
        )
    top += 22

    track_height = (2 * PAIRED_BAR + GAP if paired else BAR) + 2 * GAP
    block = 18 + track_height + 18 + 12
    rows_top = top
    axis_y = rows_top + block * len(rows) + 4

    # Grid lines behind everything, one per tick.
    ticks = [round(i * step, 6) for i in range(round(axis_end / step) + 1)]
    for tick in ticks:
        out.append(
            f'<line x1="{x(tick):.1f}" y1="{rows_top}" x2="{x(tick):.1f}" y2="{axis_y}" class="grid"/>'
        )

    for index, row in enumerate(rows):
        y = rows_top + index * block
        out.append(f'<text x="{LEFT}" y="{y + 13}" class="label">{_text(row.label)}</text>')
        track = y + 18
        out.append(
            f'<rect x="{LEFT}" y="{track}" width="{PLOT_RIGHT - LEFT}" height="{track_height}" class="track"/>'
        )
        bars = [("compare", row.compare_ratio), ("this", row.ratio)] if paired else [("this", row.ratio)]
        bar_height = PAIRED_BAR if paired else BAR
        for number, (series, ratio) in enumerate(bars):
            bar_y = track + GAP + number * (bar_height + GAP)
            tag = {"compare": "compared: ", "this": "this: "}[series] if paired else ""
            if not _finite(ratio):
                words = f"{tag}no figure"
                colour = "#999"
                width = 0.0
            else:
                met = ratio >= row.target
                words = f"{tag}{ratio:.3f}× {'met' if met else 'not met'}"
                colour = MET if met else NOT_MET
                width = x(ratio) - LEFT
            look = (
                f'fill="{colour}" fill-opacity="0.4" stroke="{colour}" stroke-width="1.5"'
                if series == "compare"
                else f'fill="{colour}"'
            )
            verdict = "none" if not _finite(ratio) else ("met" if ratio >= row.target else "not-met")
            out.append(
                f'<rect class="bar {verdict}" data-row="{index}" data-series="{series}" x="{LEFT}" '
                f'y="{bar_y}" width="{width:.2f}" height="{bar_height}" {look}/>'
            )
            out.append(
                f'<text class="verdict" data-row="{index}" data-series="{series}" x="{TEXT_X}" '
                f'y="{bar_y + bar_height / 2 + 4:.1f}">{_text(words)}</text>'
            )
        marker = x(row.target)
        out.append(
            f'<line class="marker" data-row="{index}" x1="{marker:.1f}" y1="{track - 3}" x2="{marker:.1f}" '
            f'y2="{track + track_height + 3}"/>'
        )
        note = _note_for(row.label)
        caption = f"target {row.target:.2f}" + (f" ({note})" if note else "")
        cx, anchor = _label_x(marker, caption, 11, LEFT, PLOT_RIGHT)
        out.append(
            f'<text class="target" x="{cx:.1f}" y="{track + track_height + 15}" '
            f'text-anchor="{anchor}">{_text(caption)}</text>'
        )

    if not rows:
        out.append(f'<text x="{LEFT}" y="{rows_top + 14}" class="label">no rows with a target</text>')

    # The ratio axis.
    out.append(f'<line x1="{LEFT}" y1="{axis_y}" x2="{PLOT_RIGHT}" y2="{axis_y}" class="axis"/>')
    for tick in ticks:
        out.append(
            f'<line x1="{x(tick):.1f}" y1="{axis_y}" x2="{x(tick):.1f}" y2="{axis_y + 5}" class="axis"/>'
            f'<text x="{x(tick):.1f}" y="{axis_y + 18}" text-anchor="middle" class="small">'
            f"{_number(tick)}</text>"
        )
    out.append(
        f'<text x="{(LEFT + PLOT_RIGHT) / 2:.1f}" y="{axis_y + 38}" text-anchor="middle" class="axis-title">'
        "ratio: the row's req/s ÷ its baseline's req/s (1 = as fast as the baseline)</text>"
    )
    height = axis_y + 52

    css = (
        f"text {{ font-family: {FONT}; fill: #1a1a1a; }} "
        ".title { font-size: 17px; font-weight: bold; } "
        ".small { font-size: 12px; fill: #333; } "
        ".label { font-size: 13px; } "
        ".verdict { font-size: 12px; } "
        ".target { font-size: 11px; fill: #333; } "
        ".axis-title { font-size: 12px; } "
        ".track { fill: #f0f0f0; } "
        ".grid { stroke: #dddddd; stroke-width: 1; } "
        ".axis { stroke: #333; stroke-width: 1; } "
        ".marker { stroke: #1a1a1a; stroke-width: 2.5; }"
    )
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{_attr(title)}">',
            f"<title>{_text(title)}</title>",
            f"<style>{css}</style>",
            f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
            *out,
            "</svg>",
            "",
        ]
    )

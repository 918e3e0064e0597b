"""``bench/chart.py``: the SVG chart of ``bench/run.py --chart``, parsed back with ElementTree (one bar per row,
two with ``--compare``; met / not met in colour and in words; bars proportional to the ratios; text escaped)."""

import math
import xml.etree.ElementTree as ET

import pytest

from bench.chart import LEFT, MET, NOT_MET, PLOT_RIGHT, ChartRow, axis_scale, ratio_chart, target_for
from bench.run import Result, Row, chart_rows

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    # bytes: the XML declaration names its encoding. noqa: the text is our own, made by the test.
    return ET.fromstring(svg.encode("utf-8"))  # noqa: S314


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if "bar" in r.get("class", "").split()]


def bar(root: ET.Element, row: int, series: str = "this") -> ET.Element:
    (found,) = [b for b in bars(root) if b.get("data-row") == str(row) and b.get("data-series") == series]
    return found


def verdict(root: ET.Element, row: int, series: str = "this") -> str:
    (found,) = [
        t
        for t in root.iter(f"{SVG}text")
        if t.get("class") == "verdict" and t.get("data-row") == str(row) and t.get("data-series") == series
    ]
    return "".join(found.itertext())


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


ROWS = [
    ChartRow("portal case signed → completed, 1 client", 0.15, 0.10),
    ChartRow("GET /api/v1/applications/, citizen, 0 rows", 0.05, 0.30),
    ChartRow("stored slip download (vs the file static)", 0.50, 0.50),
]


def test_one_bar_per_row_and_its_label():
    root = parse(ratio_chart(ROWS, title="run"))
    assert sorted((b.get("data-row"), b.get("data-series")) for b in bars(root)) == [
        ("0", "this"),
        ("1", "this"),
        ("2", "this"),
    ]
    for row in ROWS:
        assert row.label in texts(root)
    assert root.get("width") == "800"


def test_two_bars_per_row_with_compare_and_a_legend():
    rows = [ChartRow(r.label, r.ratio, r.target, compare_ratio=r.ratio / 2) for r in ROWS]
    root = parse(ratio_chart(rows, title="run", compare_label="../old-checkout"))
    assert sorted((b.get("data-row"), b.get("data-series")) for b in bars(root)) == [
        (str(row), series) for row in range(3) for series in ("compare", "this")
    ]
    legend = [t for t in texts(root) if "../old-checkout" in t]
    assert len(legend) == 1
    assert any("this checkout" in t for t in texts(root))
    # Each bar of a row on its own line of the track, the compared code's above.
    assert float(bar(root, 0, "compare").get("y")) < float(bar(root, 0, "this").get("y"))


def test_without_compare_no_legend_for_it():
    root = parse(ratio_chart(ROWS, title="run", compare_label="../old-checkout"))
    assert not [t for t in texts(root) if "../old-checkout" in t]


def test_met_in_green_and_in_words_not_met_in_amber_and_in_words():
    root = parse(ratio_chart(ROWS, title="run"))
    assert bar(root, 0).get("fill") == MET
    assert verdict(root, 0).endswith(" met")
    assert "not met" not in verdict(root, 0)
    assert "0.150" in verdict(root, 0)

    assert bar(root, 1).get("fill") == NOT_MET
    assert verdict(root, 1).endswith(" not met")
    assert "0.050" in verdict(root, 1)

    # Exactly on the target: reached.
    assert bar(root, 2).get("fill") == MET
    assert "not met" not in verdict(root, 2)
    assert MET != NOT_MET


def test_compared_bar_judged_on_its_own_ratio():
    rows = [ChartRow("GET /api/v1/dwellings/ (20 dwellings x 2)", 0.35, 0.30, compare_ratio=0.20)]
    root = parse(ratio_chart(rows, title="run"))
    assert bar(root, 0, "this").get("fill") == MET
    assert bar(root, 0, "compare").get("fill") == NOT_MET
    assert verdict(root, 0, "this") == "this: 0.350× met"
    assert verdict(root, 0, "compare") == "compared: 0.200× not met"


def test_labels_and_title_escaped_and_the_document_parses():
    label = 'GET /a?x=1&y=2 <b> "quoted"'
    svg = ratio_chart(
        [ChartRow(label, 0.2, 0.3, compare_ratio=0.1)],
        title="run <today> & tomorrow",
        subtitle="a & b",
        compare_label="../<old>&co",
    )
    assert "<b>" not in svg
    assert "x=1&y" not in svg
    root = parse(svg)
    assert label in texts(root)
    assert "run <today> & tomorrow" in texts(root)
    assert root.find(f"{SVG}title").text == "run <today> & tomorrow"
    assert root.get("aria-label") == "run <today> & tomorrow"
    assert any("../<old>&co" in t for t in texts(root))


def test_bar_lengths_proportional_to_the_ratios_on_one_axis():
    ratios = [0.05, 0.2, 0.45, 1.3]
    rows = [ChartRow(f"row {n}", r, 0.3, compare_ratio=r / 4) for n, r in enumerate(ratios)]
    root = parse(ratio_chart(rows, title="run"))
    pairs = [(float(bar(root, n).get("width")), r) for n, r in enumerate(ratios)]
    pairs += [(float(bar(root, n, "compare").get("width")), r / 4) for n, r in enumerate(ratios)]
    per_unit = pairs[0][0] / pairs[0][1]
    for width, ratio in pairs:
        assert width == pytest.approx(ratio * per_unit, rel=0.01)
    assert {float(b.get("x")) for b in bars(root)} == {LEFT}
    # The largest bar fits the plot, and the axis runs past it.
    assert LEFT + max(w for w, _ in pairs) <= PLOT_RIGHT
    # The target markers on the same axis.
    markers = [m for m in root.iter(f"{SVG}line") if m.get("class") == "marker" and m.get("data-row")]
    assert len(markers) == len(rows)
    for marker in markers:
        assert float(marker.get("x1")) - LEFT == pytest.approx(0.3 * per_unit, rel=0.01)


def test_axis_from_zero_to_at_least_0_6_and_past_the_largest_ratio():
    assert axis_scale([ChartRow("a", 0.05, 0.1)])[0] == pytest.approx(0.6)
    end, step = axis_scale([ChartRow("a", 1.23, 0.1, compare_ratio=0.2)])
    assert 1.23 <= end <= 1.5
    assert end / step <= 8
    assert axis_scale([ChartRow("a", 0.2, 0.1, compare_ratio=2.7)])[0] >= 2.7
    root = parse(ratio_chart([ChartRow("a", 0.05, 0.1)], title="run"))
    assert "0" in texts(root)
    assert "0.6" in texts(root)
    assert any(t.startswith("ratio") for t in texts(root))


def test_a_row_without_a_figure_has_an_empty_bar_and_says_so():
    root = parse(ratio_chart([ChartRow("a", math.nan, 0.1), ChartRow("b", 0.2, 0.1)], title="run"))
    assert float(bar(root, 0).get("width")) == 0
    assert verdict(root, 0) == "no figure"
    assert float(bar(root, 1).get("width")) > 0


def test_targets_of_run_py_rows():
    assert target_for("portal case signed → completed, 1 client") == 0.10
    assert target_for("portal case signed → completed, 4 clients") == 0.10
    assert target_for("GET /api/v1/applications/, citizen, 0 rows") == 0.30
    assert target_for("GET /api/v1/applications/, citizen, 50 (page 20)") == 0.30
    assert target_for("GET /api/v1/dwellings/ (20 dwellings x 2)") == 0.30
    assert target_for("stored slip download (vs the file static)") == 0.50
    assert target_for("worker RSS after 10,000 requests (vs 100), MiB") is None
    assert target_for("EDS verifications/s, one core (vs RSA alone)") is None


def results(*rates: float) -> list[Result]:
    return [Result(done=int(rate * 10), seconds=10.0) for rate in rates]


def test_chart_rows_from_run_py_figures():
    rows = [
        Row("portal case signed → completed, 1 client", lambda: None, "bare, 1 client", 1),
        Row("something without a target", lambda: None, "bare, 1 client", 1),
        Row("stored slip download (vs the file static)", lambda: None, "static"),
    ]
    figures = {
        "this": {rows[0].name: results(30, 20, 10), rows[1].name: results(1), rows[2].name: results(400)},
        "compare": {rows[0].name: results(10), rows[1].name: results(1), rows[2].name: results(100)},
    }
    bases = {
        "this": {"bare, 1 client": results(100, 100, 200), "static": results(1000)},
        "compare": {"bare, 1 client": results(200), "static": results(1000)},
    }
    charted = chart_rows(rows, figures, bases, "compare")
    assert [c.label for c in charted] == [rows[0].name, rows[2].name]
    assert charted[0].ratio == pytest.approx(0.2)  # median 20 / median 100
    assert charted[0].compare_ratio == pytest.approx(0.05)
    assert charted[0].target == 0.10
    assert charted[1].ratio == pytest.approx(0.4)
    assert charted[1].target == 0.50
    assert chart_rows(rows, figures, bases)[0].compare_ratio is None

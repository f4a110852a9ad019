"""Tests for petition.organizer.charts: SVG bar and line charts parsed back as XML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import date, timedelta

import pytest
from markupsafe import Markup

from petition.organizer.charts import (
    CHAR_WIDTH_RATIO,
    FONT_SIZE,
    MAX_LINE_MARKERS,
    bar_chart,
    line_chart,
    nice_ticks,
)

NS = {"svg": "http://www.w3.org/2000/svg"}
Points = Sequence[tuple[date, int]]
Chart = Callable[..., Markup]
START = date(2026, 11, 1)
# Coordinates are rounded to one decimal, so two rounded values differ by at most this.
ROUNDING = 0.1 + 1e-9
NICE_MANTISSAS = {1, 2, 5}


def parse(svg: Markup) -> ET.Element:
    """Parse chart output, failing the test if it is not well-formed XML."""
    return ET.fromstring(str(svg))


def days(*values: int, start: date = START) -> list[tuple[date, int]]:
    """Return consecutive days from start carrying values."""
    return [(start + timedelta(days=offset), value) for offset, value in enumerate(values)]


def bars(root: ET.Element) -> list[ET.Element]:
    """Return the bar rectangles in drawing order."""
    return root.findall(".//svg:rect[@class='chart-bar']", NS)


def gridline_ys(root: ET.Element) -> list[float]:
    """Return the y of each gridline, from the zero line upwards."""
    lines = root.findall(".//svg:line[@class='chart-grid']", NS)
    return [float(line.attrib["y1"]) for line in lines]


def axis_texts(root: ET.Element, axis: str) -> list[str]:
    """Return the label texts of the x or y axis."""
    return [text.text or "" for text in root.findall(f".//svg:g[@class='chart-{axis}-axis']/", NS)]


def value_at(root: ET.Element, y: float, top_value: int) -> float:
    """Return the value that vertical position y stands for on this chart's axis."""
    ys = gridline_ys(root)
    baseline, top = ys[0], ys[-1]
    return (baseline - y) / (baseline - top) * top_value


def is_nice(step: int) -> bool:
    """Return whether step is 1, 2 or 5 times a power of ten."""
    while step % 10 == 0:
        step //= 10
    return step in NICE_MANTISSAS


@pytest.mark.parametrize("chart", [bar_chart, line_chart])
def test_chart_is_accessible_scalable_svg(chart: Chart) -> None:
    root = parse(chart(days(3, 5), title="Growth"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.attrib["role"] == "img"
    assert root.attrib["width"] == "100%"
    assert root.attrib["viewBox"] == "0 0 400 220"
    title_id, desc_id = root.attrib["aria-labelledby"].split()
    assert root.find(f"svg:title[@id='{title_id}']", NS) is not None
    assert root.find(f"svg:desc[@id='{desc_id}']", NS) is not None


def test_bar_chart_draws_one_bar_per_day_and_fills_gaps() -> None:
    points = [(date(2026, 11, 1), 4), (date(2026, 11, 5), 9), (date(2026, 11, 10), 2)]
    root = parse(bar_chart(points, title="Signatures"))
    rects = bars(root)
    assert len(rects) == 10
    tooltips = [rect.findtext("svg:title", namespaces=NS) for rect in rects]
    assert tooltips[0] == "1 Nov 2026: 4 signatures"
    assert tooltips[1] == "2 Nov 2026: 0 signatures"
    assert tooltips[4] == "5 Nov 2026: 9 signatures"
    assert tooltips[9] == "10 Nov 2026: 2 signatures"
    assert [float(rect.attrib["height"]) for rect in rects].count(0.0) == 7


def test_bar_heights_are_proportional_to_values() -> None:
    values = (10, 40, 25, 0, 33)
    root = parse(bar_chart(days(*values), title="Signatures"))
    top_value = nice_ticks(max(values))[-1]
    heights = [float(rect.attrib["height"]) for rect in bars(root)]
    assert heights.index(max(heights)) == values.index(max(values))
    baseline = gridline_ys(root)[0]
    for rect, value in zip(bars(root), values, strict=True):
        assert float(rect.attrib["y"]) + float(rect.attrib["height"]) == pytest.approx(
            baseline, abs=ROUNDING
        )
        bar_top = float(rect.attrib["y"])
        assert value_at(root, bar_top, top_value) == pytest.approx(value, abs=0.1)


def test_bar_chart_sums_duplicate_days_and_ignores_input_order() -> None:
    ordered = days(1, 2, 3)
    shuffled = [ordered[2], ordered[0], (ordered[1][0], 1), (ordered[1][0], 1)]
    assert bar_chart(shuffled, title="T") == bar_chart(ordered, title="T")


def test_line_chart_accumulates_to_the_total() -> None:
    points = [(date(2026, 11, 1), 5), (date(2026, 11, 4), 20), (date(2026, 11, 6), 12)]
    root = parse(line_chart(points, title="Total"))
    polyline = root.find(".//svg:polyline[@class='chart-line']", NS)
    assert polyline is not None
    coordinates = [pair.split(",") for pair in polyline.attrib["points"].split()]
    assert len(coordinates) == 6
    top_value = nice_ticks(37)[-1]
    running = [value_at(root, float(y), top_value) for _, y in coordinates]
    assert running == pytest.approx([5, 5, 5, 25, 25, 37], abs=0.1)
    tooltips = [c.findtext("svg:title", namespaces=NS) for c in root.iter(f"{{{NS['svg']}}}circle")]
    assert tooltips[-1] == "6 Nov 2026: 37 signatures in total"


def test_line_chart_drops_markers_on_long_ranges() -> None:
    root = parse(line_chart(days(*[1] * (MAX_LINE_MARKERS + 1)), title="T"))
    assert root.findall(".//svg:circle", NS) == []
    root = parse(line_chart(days(*[1] * MAX_LINE_MARKERS), title="T"))
    assert len(root.findall(".//svg:circle", NS)) == MAX_LINE_MARKERS


@pytest.mark.parametrize("chart", [bar_chart, line_chart])
def test_title_is_escaped_and_still_parses(chart: Chart) -> None:
    title = 'Stop <script>alert("x")</script> & co\x00'
    svg = chart(days(1, 2), title=title)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "&amp; co" in svg
    root = parse(svg)
    assert root.findtext("svg:title", namespaces=NS) == 'Stop <script>alert("x")</script> & co'


def test_label_is_escaped_in_tooltips_and_summary() -> None:
    root = parse(bar_chart(days(2), title="T", label="<b>letters</b>"))
    assert bars(root)[0].findtext("svg:title", namespaces=NS) == "1 Nov 2026: 2 <b>letters</b>"
    assert "<b>letters</b> in total" in (root.findtext("svg:desc", namespaces=NS) or "")


def test_desc_summarises_range_total_and_best_day() -> None:
    root = parse(bar_chart(days(3, 1200, 0, 7), title="T"))
    assert root.findtext("svg:desc", namespaces=NS) == (
        "From 1 Nov 2026 to 4 Nov 2026 there were 1,210 signatures in total; "
        "the highest day was 2 Nov 2026 with 1,200."
    )


@pytest.mark.parametrize("chart", [bar_chart, line_chart])
def test_empty_input_says_no_signatures_yet(chart: Chart) -> None:
    root = parse(chart([], title="Quiet <campaign>"))
    assert root.attrib["role"] == "img"
    assert root.findtext("svg:title", namespaces=NS) == "Quiet <campaign>"
    assert root.findtext("svg:text", namespaces=NS) == "No signatures yet"
    assert bars(root) == []
    assert root.find(".//svg:polyline", NS) is None


def test_single_point_bar_chart() -> None:
    root = parse(bar_chart([(date(2026, 11, 25), 42)], title="T"))
    (rect,) = bars(root)
    assert rect.findtext("svg:title", namespaces=NS) == "25 Nov 2026: 42 signatures"
    assert axis_texts(root, "x") == ["25 Nov"]
    assert axis_texts(root, "y") == ["0", "20", "40", "60"]
    assert value_at(root, float(rect.attrib["y"]), 60) == pytest.approx(42, abs=0.1)
    # 42 of the 60-high axis on a 180-unit plot.
    assert rect.attrib["height"] == "126"
    assert root.findtext("svg:desc", namespaces=NS) == (
        "On 25 Nov 2026 there were 42 signatures in total; the highest day was 25 Nov 2026 with 42."
    )


def test_single_point_line_chart_shows_a_marker() -> None:
    root = parse(line_chart([(date(2026, 11, 25), 42)], title="T"))
    polyline = root.find(".//svg:polyline", NS)
    assert polyline is not None
    assert len(polyline.attrib["points"].split()) == 1
    assert len(root.findall(".//svg:circle", NS)) == 1


def test_long_range_thins_x_labels_and_keeps_every_bar() -> None:
    points = [(date(2022, 1, 1) + timedelta(days=n), n % 50) for n in range(1500)]
    root = parse(bar_chart(points, title="T"))
    assert len(bars(root)) == 1500
    labels = axis_texts(root, "x")
    assert len(labels) <= 12
    assert labels == ["2022-01-01", "2023-01-20", "2024-02-08", "2026-02-08"]


@pytest.mark.parametrize("length", [1, 2, 3, 5, 7, 9, 13, 31, 60, 61, 100, 365, 400, 1500])
@pytest.mark.parametrize("start", [date(2026, 1, 1), date(2025, 12, 30)])
def test_x_labels_never_overlap_or_leave_the_view(length: int, start: date) -> None:
    root = parse(line_chart(days(*[1] * length, start=start), title="T"))
    texts = root.findall(".//svg:g[@class='chart-x-axis']/svg:text", NS)
    width = max(len(text.text or "") for text in texts) * FONT_SIZE * CHAR_WIDTH_RATIO
    xs = [float(text.attrib["x"]) for text in texts]
    assert xs == sorted(xs)
    assert all(later - earlier >= width for earlier, later in zip(xs, xs[1:], strict=False))
    assert xs[0] - width / 2 >= 0
    assert xs[-1] + width / 2 <= 400


def test_same_year_uses_short_dates_and_multi_year_uses_iso() -> None:
    same_year = parse(bar_chart(days(1, 2, start=date(2026, 11, 25)), title="T"))
    assert axis_texts(same_year, "x") == ["25 Nov", "26 Nov"]
    across = parse(bar_chart(days(1, 2, start=date(2026, 12, 31)), title="T"))
    assert axis_texts(across, "x") == ["2026-12-31", "2027-01-01"]


def test_huge_values_use_compact_ticks_and_separated_tooltips() -> None:
    root = parse(bar_chart(days(1_000_000, 250_000), title="T"))
    assert axis_texts(root, "y") == ["0", "500k", "1M"]
    assert bars(root)[0].findtext("svg:title", namespaces=NS) == "1 Nov 2026: 1,000,000 signatures"
    cumulative = parse(line_chart(days(1_000_000, 250_000), title="T"))
    assert axis_texts(cumulative, "y") == ["0", "500k", "1M", "1.5M"]


@pytest.mark.parametrize(
    ("max_value", "expected"),
    [
        (0, [0, 1, 2]),
        (1, [0, 1, 2]),
        (4, [0, 1, 2, 3, 4]),
        (5, [0, 2, 4, 6]),
        (42, [0, 20, 40, 60]),
        (100, [0, 50, 100]),
        (101, [0, 50, 100, 150]),
        (1_000_000, [0, 500_000, 1_000_000]),
    ],
)
def test_nice_ticks_exact(max_value: int, expected: list[int]) -> None:
    assert nice_ticks(max_value) == expected


@pytest.mark.parametrize("max_value", [0, 1, 3, 7, 9, 11, 99, 999, 1001, 12_345, 987_654_321])
def test_nice_ticks_are_round_and_cover_the_max(max_value: int) -> None:
    ticks = nice_ticks(max_value)
    step = ticks[1]
    assert 3 <= len(ticks) <= 5
    assert ticks == [step * index for index in range(len(ticks))]
    assert is_nice(step)
    assert ticks[-1] >= max_value
    assert ticks[-2] < max_value or len(ticks) == 3


def test_chart_gridlines_match_ticks() -> None:
    root = parse(bar_chart(days(12, 87, 3), title="T"))
    assert nice_ticks(87) == [0, 50, 100]
    assert len(gridline_ys(root)) == 3
    assert axis_texts(root, "y") == ["0", "50", "100"]


@pytest.mark.parametrize("chart", [bar_chart, line_chart])
def test_output_is_deterministic_with_one_decimal_and_no_inline_colours(chart: Chart) -> None:
    points = days(*[n * 37 % 11 for n in range(90)])
    svg = chart(points, title="T")
    assert svg == chart(list(points), title="T")
    root = parse(svg)
    for element in root.iter():
        assert "style" not in element.attrib
        for name in ("fill", "stroke"):
            assert element.attrib.get(name, "none") in {"none", "currentColor"}
        for name in ("x", "y", "x1", "x2", "y1", "y2", "width", "height", "cx", "cy"):
            if name in element.attrib and element is not root:
                assert re.fullmatch(r"\d+(\.\d)?", element.attrib[name])
        for pair in element.attrib.get("points", "").split():
            assert re.fullmatch(r"\d+(\.\d)?,\d+(\.\d)?", pair)


def test_negative_values_are_rejected() -> None:
    with pytest.raises(ValueError, match="negative value -1 for 2026-11-02"):
        bar_chart(days(3, -1), title="T")

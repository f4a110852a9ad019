"""Server-side SVG charts of signatures over time for the organizers' dashboard.

Words, numbers and dates are in the page's language (Flask-Babel); outside a request
(tests, commands) in English.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from petition.i18n import SOURCE_LANGUAGE, format_count

# Drawing units of the viewBox; the SVG itself scales to 100% of its container.
VIEW_WIDTH = 400
VIEW_HEIGHT = 220
# Space around the plot: left for y tick labels, bottom for x labels.
MARGIN_LEFT = 44
MARGIN_RIGHT = 12
MARGIN_TOP = 12
MARGIN_BOTTOM = 28
PLOT_WIDTH = VIEW_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
PLOT_HEIGHT = VIEW_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
BASELINE_Y = MARGIN_TOP + PLOT_HEIGHT
# 13 units stay about 11px tall when the chart shrinks to a 360px phone screen.
FONT_SIZE = 13
# Average glyph width as a share of the font size; labels are measured without a font.
CHAR_WIDTH_RATIO = 0.6
# Minimum empty space between neighbouring x labels, in viewBox units.
LABEL_GAP = 10
# First and last day plus a few in between, whatever the range.
MAX_X_LABELS = 6
# Gridlines, counting the zero line.
MIN_TICKS = 3
MAX_TICKS = 5
# Tick steps are these multiples of a power of ten, so ticks read as round numbers.
NICE_MULTIPLIERS = (1, 2, 5)
# Short units for axis ticks, largest first, so "1.5M" fits the left margin (the same
# letters in every language; only the decimal sign follows the page's language).
COMPACT_UNITS = ((10**9, "B"), (10**6, "M"), (10**3, "k"))
# Share of each day's slot left empty between bars.
BAR_GAP_RATIO = 0.2
# Below this slot width a gap would round away to nothing, so bars touch.
MIN_GAPPED_SLOT = 3.0
# Point markers (with tooltips) only while they stay distinct dots.
MAX_LINE_MARKERS = 60
MARKER_RADIUS = 3
LINE_WIDTH = 2
GRID_OPACITY = 0.25
# Day and abbreviated month (CLDR patterns, as the site writes dates) on the x axis, and
# with the year in tooltips and summaries: "25 Nov", "25 nov.", "25 նոյ"; "25 Nov 2026".
SHORT_DATE = "d MMM"
DATE = "d MMM y"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
# Characters XML 1.0 forbids; campaign titles must not break the document.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class _Plot:
    """Map day indexes and values onto viewBox coordinates."""

    days: int
    top: int

    @property
    def slot(self) -> float:
        """Return the width given to each day."""
        return PLOT_WIDTH / self.days

    def x_center(self, index: int) -> float:
        """Return the horizontal middle of the day at index."""
        return MARGIN_LEFT + self.slot * (index + 0.5)

    def y(self, value: int) -> float:
        """Return the vertical position of value on the axis."""
        return BASELINE_Y - PLOT_HEIGHT * value / self.top


def bar_chart(
    points: Sequence[tuple[date, int]], *, title: str, label: str | None = None
) -> Markup:
    """Render values per day as an SVG bar chart, one bar per day of the range.

    `label` names what is counted (default: signatures, in the page's language).

    :raises ValueError: if a value is negative.
    """
    label = label or _("signatures")
    if not points:
        return _empty_chart("bar", title, label)
    series = _daily_series(points)
    ticks = nice_ticks(max(value for _day, value in series))
    plot = _Plot(days=len(series), top=ticks[-1])
    bars = [_bar(plot, index, day, value, label) for index, (day, value) in enumerate(series)]
    body = [
        *_axes(plot, ticks, series),
        _tag("g", {"fill": "currentColor"}, *bars),
    ]
    return _svg("bar", title, _summary(series, label), body)


def line_chart(
    points: Sequence[tuple[date, int]], *, title: str, label: str | None = None
) -> Markup:
    """Render the running total of values per day as an SVG line chart.

    :raises ValueError: if a value is negative.
    """
    label = label or _("signatures")
    if not points:
        return _empty_chart("line", title, label)
    series = _daily_series(points)
    totals = _running_totals(series)
    ticks = nice_ticks(totals[-1][1])
    plot = _Plot(days=len(series), top=ticks[-1])
    coordinates = " ".join(
        f"{_num(plot.x_center(index))},{_num(plot.y(total))}"
        for index, (_day, total) in enumerate(totals)
    )
    line = _tag(
        "polyline",
        {
            "class": "chart-line",
            "points": coordinates,
            "fill": "none",
            "stroke": "currentColor",
            "stroke-width": LINE_WIDTH,
            "stroke-linejoin": "round",
        },
    )
    body = [*_axes(plot, ticks, series), line, *_markers(plot, totals, label)]
    return _svg("line", title, _summary(series, label), body)


def nice_ticks(max_value: int) -> list[int]:
    """Return 3 to 5 evenly spaced round tick values from 0 that reach max_value."""
    step = _nice_step(max_value)
    intervals = max(math.ceil(max_value / step), MIN_TICKS - 1)
    return [step * index for index in range(intervals + 1)]


def _nice_step(max_value: int) -> int:
    """Return the smallest 1, 2 or 5 × 10^n step that covers max_value in few enough ticks."""
    magnitude = 1
    while True:
        for multiplier in NICE_MULTIPLIERS:
            step = multiplier * magnitude
            if max_value <= step * (MAX_TICKS - 1):
                return step
        magnitude *= 10


def _daily_series(points: Sequence[tuple[date, int]]) -> list[tuple[date, int]]:
    """Return one (day, value) per day from the first to the last, zero where missing.

    :raises ValueError: if a value is negative.
    """
    by_day: dict[date, int] = {}
    for day, value in points:
        if value < 0:
            raise ValueError(f"negative value {value} for {day.isoformat()}")
        by_day[day] = by_day.get(day, 0) + value
    first = min(by_day)
    days = (max(by_day) - first).days + 1
    return [
        (first + timedelta(days=offset), by_day.get(first + timedelta(days=offset), 0))
        for offset in range(days)
    ]


def _running_totals(series: Sequence[tuple[date, int]]) -> list[tuple[date, int]]:
    """Return each day paired with the sum of values up to and including it."""
    total = 0
    totals = []
    for day, value in series:
        total += value
        totals.append((day, total))
    return totals


def _summary(series: Sequence[tuple[date, int]], label: str) -> str:
    """Return one plain sentence with the date range, the total and the highest day."""
    total = sum(value for _day, value in series)
    best_day, best = max(series, key=lambda point: point[1])
    first, last = series[0][0], series[-1][0]
    words = {"total": format_count(total), "label": label, "best_day": _date(best_day),
             "best": format_count(best), "first": _date(first), "last": _date(last)}  # fmt: skip
    if first == last:
        return str(
            _(
                "On %(first)s there were %(total)s %(label)s in total; "
                "the highest day was %(best_day)s with %(best)s.",
                **words,
            )
        )
    return str(
        _(
            "From %(first)s to %(last)s there were %(total)s %(label)s in total; "
            "the highest day was %(best_day)s with %(best)s.",
            **words,
        )
    )


def _axes(plot: _Plot, ticks: Sequence[int], series: Sequence[tuple[date, int]]) -> list[Markup]:
    """Return the gridlines, the y tick labels and the x date labels."""
    gridlines = [
        _tag(
            "line",
            {
                "class": "chart-grid",
                "x1": MARGIN_LEFT,
                "x2": VIEW_WIDTH - MARGIN_RIGHT,
                "y1": _num(plot.y(tick)),
                "y2": _num(plot.y(tick)),
            },
        )
        for tick in ticks
    ]
    # Nudge the labels down by about a third of their height so they centre on the line.
    y_labels = [
        _label(MARGIN_LEFT - LABEL_GAP / 2, plot.y(tick) + FONT_SIZE / 3, _compact(tick))
        for tick in ticks
    ]
    return [
        _tag(
            "g",
            {
                "stroke": "currentColor",
                "stroke-opacity": GRID_OPACITY,
                "shape-rendering": "crispEdges",
            },
            *gridlines,
        ),
        _tag("g", {"class": "chart-y-axis", "text-anchor": "end"}, *y_labels),
        _tag("g", {"class": "chart-x-axis", "text-anchor": "middle"}, *_x_labels(plot, series)),
    ]


def _x_labels(plot: _Plot, series: Sequence[tuple[date, int]]) -> list[Markup]:
    """Return date labels for the first and last day and a few evenly spaced between."""
    same_year = series[0][0].year == series[-1][0].year
    texts = [_short_date(day) if same_year else day.isoformat() for day, _ in series]
    width = max(len(text) for text in texts) * FONT_SIZE * CHAR_WIDTH_RATIO
    labels = []
    for index in _x_label_indices(plot, width):
        # Keep edge labels inside the view rather than letting them be clipped.
        x = min(max(plot.x_center(index), width / 2), VIEW_WIDTH - width / 2)
        labels.append(_label(x, BASELINE_Y + FONT_SIZE + LABEL_GAP / 2, texts[index]))
    return labels


def _x_label_indices(plot: _Plot, label_width: float) -> list[int]:
    """Return the day indexes to label so that labels never overlap."""
    last = plot.days - 1
    if last == 0:
        return [0]
    stride = max(
        math.ceil((label_width + LABEL_GAP) / plot.slot),
        math.ceil(last / (MAX_X_LABELS - 1)),
    )
    # The last label may be pushed left to stay in view, so keep a wider berth before it.
    berth = (1.5 * label_width + LABEL_GAP) / plot.slot
    middle = [index for index in range(stride, last, stride) if last - index >= berth]
    return [0, *middle, last]


def _bar(plot: _Plot, index: int, day: date, value: int, label: str) -> Markup:
    """Return one day's bar with its tooltip."""
    gap = plot.slot * BAR_GAP_RATIO if plot.slot >= MIN_GAPPED_SLOT else 0.0
    top = plot.y(value)
    attributes = {
        "class": "chart-bar",
        "x": _num(MARGIN_LEFT + plot.slot * index + gap / 2),
        "y": _num(top),
        "width": _num(plot.slot - gap),
        "height": _num(BASELINE_Y - top),
    }
    text = _("%(day)s: %(count)s %(label)s", day=_date(day), count=format_count(value), label=label)
    return _tag("rect", attributes, _tooltip(text))


def _markers(plot: _Plot, totals: Sequence[tuple[date, int]], label: str) -> list[Markup]:
    """Return a dot with a tooltip per day, or none when there are too many to tell apart."""
    if len(totals) > MAX_LINE_MARKERS:
        return []
    dots = [
        _tag(
            "circle",
            {
                "class": "chart-line",
                "cx": _num(plot.x_center(index)),
                "cy": _num(plot.y(total)),
                "r": MARKER_RADIUS,
            },
            _tooltip(
                _(
                    "%(day)s: %(count)s %(label)s in total",
                    day=_date(day),
                    count=format_count(total),
                    label=label,
                )
            ),  # fmt: skip
        )
        for index, (day, total) in enumerate(totals)
    ]
    return [_tag("g", {"fill": "currentColor"}, *dots)]


def _empty_chart(kind: str, title: str, label: str) -> Markup:
    """Return a chart frame that says there is no data yet."""
    message = _("No %(label)s yet", label=label)
    text = _tag(
        "text",
        {
            "class": "chart-label",
            "x": VIEW_WIDTH // 2,
            "y": VIEW_HEIGHT // 2,
            "text-anchor": "middle",
            "fill": "currentColor",
        },
        _text(message),
    )
    return _svg(kind, title, f"{message}.", [text])


def _svg(kind: str, title: str, summary: str, body: Sequence[Markup]) -> Markup:
    """Wrap chart parts in an accessible, scalable svg element."""
    chart_id = _chart_id(kind, title, summary, body)
    attributes: dict[str, object] = {
        "xmlns": SVG_NAMESPACE,
        "class": f"chart chart-{kind}",
        "role": "img",
        "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
        "viewBox": f"0 0 {VIEW_WIDTH} {VIEW_HEIGHT}",
        "width": "100%",
        "preserveAspectRatio": "xMidYMid meet",
        "font-family": "sans-serif",
        "font-size": FONT_SIZE,
    }
    heading = _tag("title", {"id": f"{chart_id}-title"}, _text(title))
    description = _tag("desc", {"id": f"{chart_id}-desc"}, _text(summary))
    return _tag("svg", attributes, heading, description, *body)


def _chart_id(kind: str, title: str, summary: str, body: Sequence[Markup]) -> str:
    """Return an element id derived from the content, so output stays deterministic."""
    digest = hashlib.sha256()
    for part in (kind, title, summary, *body):
        digest.update(part.encode())
        # A separator keeps ("ab", "c") and ("a", "bc") apart.
        digest.update(b"\0")
    return f"chart-{kind}-{digest.hexdigest()[:8]}"


def _label(x: float, y: float, text: str) -> Markup:
    """Return an axis label positioned at (x, y)."""
    attributes = {"class": "chart-label", "x": _num(x), "y": _num(y), "fill": "currentColor"}
    return _tag("text", attributes, _text(text))


def _tooltip(text: str) -> Markup:
    """Return a title element that browsers show on hover."""
    return _tag("title", {}, _text(text))


def _tag(name: str, attributes: Mapping[str, object], *children: Markup) -> Markup:
    """Return an element with escaped attribute values and already-escaped children."""
    rendered = "".join(f' {key}="{_text(str(value))}"' for key, value in attributes.items())
    if not children:
        return Markup(f"<{name}{rendered}/>")
    return Markup(f"<{name}{rendered}>") + Markup("").join(children) + Markup(f"</{name}>")


def _text(value: str) -> Markup:
    """Return value escaped for XML, without characters XML cannot carry."""
    return escape(_XML_INVALID.sub("", value))


def _num(value: float) -> str:
    """Return a coordinate rounded to one decimal, without a trailing ".0"."""
    text = f"{value:.1f}".removesuffix(".0")
    # Rounding a tiny negative gives "-0", which would differ from "0" for the same point.
    return "0" if text == "-0" else text


def _compact(value: int) -> str:
    """Return a tick value in short form, such as 500, 1.5k or 2M (1,5k in French)."""
    for factor, suffix in COMPACT_UNITS:
        if value >= factor:
            return format_decimal(round(value / factor, 1), "0.#", locale=_locale()) + suffix
    return str(value)


def _locale() -> Locale | str:
    """The page's language (English outside a request)."""
    return get_locale() or SOURCE_LANGUAGE


def _date(day: date) -> str:
    """Return a day in the page's language: "25 Nov 2026", "25 nov. 2026"."""
    return str(format_date(day, DATE, locale=_locale()))


def _short_date(day: date) -> str:
    """Return a day as "25 Nov"."""
    return str(format_date(day, SHORT_DATE, locale=_locale()))

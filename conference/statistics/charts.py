"""Charts drawn in HTML and CSS: bars and columns are boxes, every word is text laid out like the tables' text.

Why not SVG: WeasyPrint draws the text of an SVG glyph by glyph, without shaping or the bidirectional algorithm, so
Arabic came out backwards and lost its shadda and kasra. Text in HTML goes through Pango and HarfBuzz like the rest of
the page: every script is shaped and ordered right, labels wrap instead of being cut, and a right-to-left page mirrors
the charts by itself. Boxes stay vector in print.

Every chart starts its scale at zero, says what it counts, and shows every value it is given (a day without data is a
column of zero, not a day skipped). Titles and units come translated from the caller.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from html import escape

from conference.core.i18n import DAY, DAY_SHORT, format_day, format_number

PALETTE = ("#123a63", "#2e7d32", "#c2185b", "#f9a825", "#6a1b9a", "#ef6c00", "#1565c0", "#795548")
PLOT_HEIGHT_MM = 38
TRACK = 85  # per cent of the bar's cell the scale spans; the rest holds the value written after the longest bar


def nice_ceiling(value: float) -> int:
    """The round number a scale ends at: the smallest of 1, 2, 2.5, 5 × 10^k not below `value` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return math.ceil(step * power)
    return math.ceil(10 * power)  # pragma: no cover (the loop ends at 10)


def _ticks(top: int) -> list[int | float]:
    half = top / 2
    return [0, int(half) if float(half).is_integer() else half, top]


def _shown(value: int | float) -> str:
    whole = isinstance(value, int) or float(value).is_integer()
    return format_number(round(value) if whole else round(value, 1))


def _scale(top: int, start: str) -> str:
    """The axis under the bars: 0, the middle and the end of the scale, each at its place along the track."""
    marks = "".join(f'<span class="tick" style="{start}: {100 * t / top:.2f}%">{escape(_shown(t))}</span>'
                    for t in _ticks(top))
    return f'<div class="scale">{marks}</div>'


def bar_chart(title: str, items: list[tuple[str, int | float]], *, axis: str = "", unit: str = "",
              rtl: bool = False) -> str:
    """Horizontal bars, one per (label, value), each value written at the end of its bar; `axis` says what the scale
    counts. Labels wrap rather than being cut off."""
    start = "right" if rtl else "left"
    top = nice_ceiling(max((v for _label, v in items), default=0))
    rows = []
    for i, (label, value) in enumerate(items):
        width = TRACK * value / top
        rows.append(
            f'<tr><th scope="row" class="label"><bdi>{escape(label)}</bdi></th>'
            f'<td class="track"><span class="bar" style="width: {width:.2f}%; '
            f'background: {PALETTE[i % len(PALETTE)]}"></span><span class="value">{escape(_shown(value))}{unit}'
            f'</span></td></tr>')
    rows.append(f'<tr class="axis"><td></td><td class="track">{_scale(top, start)}'
                f'<p class="axis-label">{escape(axis)}</p></td></tr>')
    return (f'<figure class="chart bars" aria-label="{escape(title)}"><figcaption>{escape(title)}</figcaption>'
            f'<table class="chart-bars">{"".join(rows)}</table></figure>')


def timeline(title: str, points: dict[str, int], *, axis: str = "", rtl: bool = False) -> str:
    """One column per day (ISO dates as keys, every day given shown, zeros included), a scale from zero on the side.
    Up to three weeks, every day is labelled and carries its value; longer series are labelled by week (Mondays)."""
    start = "right" if rtl else "left"
    if points:
        # Every day from the first to the last: a day missing from `points` is a column of zero, not a day skipped.
        first, last = date.fromisoformat(min(points)), date.fromisoformat(max(points))
        points = {(first + timedelta(days=i)).isoformat(): points.get((first + timedelta(days=i)).isoformat(), 0)
                  for i in range((last - first).days + 1)}
    days = sorted(points)
    if not days:
        return (f'<figure class="chart columns" aria-label="{escape(title)}"><figcaption>{escape(title)}'
                f'</figcaption><p class="no-data">{escape(axis)}: 0</p></figure>')
    top = nice_ceiling(max(points.values()))
    short = len(days) <= 21
    ticks = "".join(f'<span class="tick" style="bottom: {100 * t / top:.2f}%">{escape(_shown(t))}</span>'
                    for t in _ticks(top))
    columns = []
    for day in days:
        n = points[day]
        height = PLOT_HEIGHT_MM * n / top
        value = f'<span class="value">{escape(format_number(n))}</span>' if short else ""
        columns.append(f'<td class="column" title="{escape(format_day(date.fromisoformat(day), DAY))}: {n}">'
                       f'{value}<span class="bar" style="height: {height:.2f}mm"></span></td>')
    labels = []
    if short:
        labels = [f'<td class="day">{escape(format_day(date.fromisoformat(d), DAY_SHORT))}</td>' for d in days]
    else:
        # A label per week, spanning its days: the first (partial) week too, so the columns stay aligned.
        run: list[str] = []
        for d in days:
            if run and date.fromisoformat(d).weekday() == 0:
                labels.append(_week_label(run))
                run = []
            run.append(d)
        labels.append(_week_label(run))
    plot = (f'<tr class="plot"><td class="y-axis"><div class="ticks" style="height: {PLOT_HEIGHT_MM}mm">{ticks}'
            f'</div></td>{"".join(columns)}</tr>')
    x_axis = f'<tr class="x-axis"><td></td>{"".join(labels)}</tr>'
    return (f'<figure class="chart columns" aria-label="{escape(title)}" data-start="{start}">'
            f'<figcaption>{escape(title)}</figcaption><table class="chart-columns{" dense" if not short else ""}">'
            f'{plot}{x_axis}</table><p class="axis-label">{escape(axis)}</p></figure>')


def _week_label(days: list[str]) -> str:
    label = format_day(date.fromisoformat(days[0]), DAY_SHORT) if len(days) >= 4 else ""
    return f'<td class="day" colspan="{len(days)}">{escape(label)}</td>'

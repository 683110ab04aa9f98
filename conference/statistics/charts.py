"""Charts drawn as SVG by the project: vector, so they stay crisp in print, and plain enough to test.

Labels are escaped and written with `direction` left to the renderer, so
names in any script show as they are. Titles come translated from the caller; numbers and dates are written the way
the language of the request writes them.
"""

from __future__ import annotations

from datetime import date
from html import escape

from conference.core.i18n import DAY, DAY_SHORT, _, format_day, format_number

PALETTE = ("#123a63", "#2e7d32", "#c2185b", "#f9a825", "#6a1b9a", "#ef6c00", "#1565c0", "#795548")


def bar_chart(title: str, items: list[tuple[str, int | float]], *, width: int = 600, unit: str = "") -> str:
    """Horizontal bars, one per (label, value), the value written at the end of each bar."""
    items = [(label, value) for label, value in items]
    bar, gap, label_width, top = 18, 8, 250, 28
    height = top + len(items) * (bar + gap) + 8
    peak = max((v for _label, v in items), default=0) or 1
    room = width - label_width - 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
             f'<title>{escape(title)}</title>',
             f'<text x="0" y="16" class="chart-title" font-size="13" font-weight="700">{escape(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = top + i * (bar + gap)
        length = round(room * value / peak, 1)
        whole = isinstance(value, int) or float(value).is_integer()
        shown = f"{format_number(round(value) if whole else round(value, 1))}{unit}"
        parts.append(f'<text x="{label_width - 6}" y="{y + 13}" font-size="11" '
                     f'text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar}" '
                     f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(label)}: {shown}</title></rect>')
        parts.append(f'<text x="{label_width + length + 4}" y="{y + 13}" font-size="11">{shown}</text>')
    parts.append("</svg>")
    return "".join(parts)


def timeline(title: str, points: dict[str, int], *, width: int = 520, height: int = 180) -> str:
    """Columns over days (ISO dates as keys), with the first, peak and last days labelled."""
    days = sorted(points)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">', f'<title>{escape(title)}</title>',
             f'<text x="0" y="16" font-size="13" font-weight="700">{escape(title)}</text>']
    if not days:
        parts.append(f'<text x="0" y="40" font-size="11">{escape(_("No data."))}</text></svg>')
        return "".join(parts)
    top, bottom, left = 28, height - 24, 36
    peak = max(points.values()) or 1
    step = (width - left - 8) / len(days)
    column = max(1.0, step * 0.8)
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{width - 8}" y2="{bottom}" stroke="#888" stroke-width="1"/>')
    parts.append(f'<text x="{left - 4}" y="{top + 8}" font-size="10" text-anchor="end">{format_number(peak)}</text>')
    peak_day = max(days, key=lambda d: points[d])
    for i, day in enumerate(days):
        h = (bottom - top) * points[day] / peak
        x = left + i * step
        parts.append(f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{column:.1f}" height="{h:.1f}" fill="#1565c0">'
                     f'<title>{escape(format_day(date.fromisoformat(day), DAY))}: {format_number(points[day])}</title>'
                     '</rect>')
        if day in (days[0], days[-1], peak_day):
            label = escape(format_day(date.fromisoformat(day), DAY_SHORT))
            parts.append(f'<text x="{x + column / 2:.1f}" y="{bottom + 14}" font-size="10" '
                         f'text-anchor="middle">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)

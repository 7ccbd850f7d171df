"""Small server-side SVG charts: lines over time, horizontal bars, stacked shares.

No JavaScript and no assets fetched at run time: the SVG is part of the page, prints,
scales with the page and carries a <title> for screen readers. Colours come from CSS
classes (web/static/css/quality.css) so the charts follow the site's palette.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

SERIES_CLASSES = ("s0", "s1", "s2", "s3", "s4", "s5")


@dataclass(frozen=True)
class Line:
    label: str
    points: Sequence[tuple[float, float | None]]  # (x, y); None breaks the line


def _nice_max(value: float) -> float:
    """The next 1, 2 or 5 × 10ⁿ above `value`, so axis labels are round numbers."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def line_chart(
    title: str, lines: Sequence[Line], *, unit: str = "", x_max: float | None = None,
    width: int = 640, height: int = 200,
) -> Markup:
    """Lines over time (x in seconds from the start), one colour per participant."""
    left, right, top, bottom = 44, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    ys = [y for line in lines for _, y in line.points if y is not None]
    xs = [x for line in lines for x, _ in line.points]
    y_top = _nice_max(max(ys, default=0.0))
    x_end = x_max or max(xs, default=0.0) or 1.0

    def px(x: float) -> float:
        return left + plot_w * x / x_end

    def py(y: float) -> float:
        return top + plot_h * (1 - y / y_top)

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):  # horizontal grid and y labels
        tick = y_top * i / 4
        y = py(tick)
        parts.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width - right}" '
                     f'y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 4}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{_fmt(tick)}</text>')
    for i in range(5):  # x labels in m:ss
        x = x_end * i / 4
        parts.append(f'<text class="axis" x="{px(x):.1f}" y="{height - 8}" '
                     f'text-anchor="middle">{_minutes(x)}</text>')
    if unit:
        parts.append(f'<text class="axis unit" x="4" y="{top + 8}">{escape(unit)}</text>')
    if not ys:
        parts.append(f'<text class="empty" x="{left + plot_w / 2}" y="{top + plot_h / 2}" '
                     'text-anchor="middle">—</text>')
    for index, line in enumerate(lines):
        css = SERIES_CLASSES[index % len(SERIES_CLASSES)]
        segment: list[str] = []
        segments: list[list[str]] = []
        for x, value in line.points:
            if value is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{px(x):.1f},{py(value):.1f}")
        if segment:
            segments.append(segment)
        for seg in segments:
            if len(seg) == 1:
                cx, cy = seg[0].split(",")
                parts.append(f'<circle class="line {css}" cx="{cx}" cy="{cy}" r="2"/>')
            else:
                parts.append(f'<polyline class="line {css}" points="{" ".join(seg)}">'
                             f"<title>{escape(line.label)}</title></polyline>")
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    title: str, bars: Sequence[tuple[str, float]], *, unit: str = "", width: int = 640,
    css: str = "s0",
) -> Markup:
    """Horizontal bars with their value at the end (counts, minutes, scores)."""
    row, label_w, top = 26, 200, 6
    height = top * 2 + row * max(1, len(bars))
    peak = max((v for _, v in bars), default=0.0) or 1.0
    plot_w = width - label_w - 60
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(bars):
        y = top + i * row
        w = plot_w * value / peak
        parts.append(f'<text class="label" x="{label_w - 6}" y="{y + 17}" '
                     f'text-anchor="end">{escape(label[:32])}</text>')
        parts.append(f'<rect class="bar {css}" x="{label_w}" y="{y + 4}" width="{w:.1f}" '
                     f'height="{row - 8}" rx="3"/>')
        parts.append(f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + 17}">'
                     f"{_fmt(value)}{escape(unit)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bars(
    title: str, rows: Sequence[tuple[str, Sequence[tuple[str, float]]]], *, width: int = 640,
) -> Markup:
    """One bar per row split into shares (e.g. good / fair / poor); each part's class is
    its key, so CSS colours verdicts the same way everywhere."""
    row, label_w, top = 28, 200, 6
    height = top * 2 + row * max(1, len(rows))
    plot_w = width - label_w - 10
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (label, shares) in enumerate(rows):
        y = top + i * row
        total = sum(v for _, v in shares) or 1.0
        parts.append(f'<text class="label" x="{label_w - 6}" y="{y + 18}" '
                     f'text-anchor="end">{escape(label[:32])}</text>')
        x = float(label_w)
        for key, value in shares:
            w = plot_w * value / total
            if w <= 0:
                continue
            parts.append(f'<rect class="part {escape(key)}" x="{x:.1f}" y="{y + 4}" '
                         f'width="{w:.1f}" height="{row - 8}"><title>{escape(key)}: '
                         f"{_fmt(value)}</title></rect>")
            if w > 24:
                parts.append(f'<text class="inbar" x="{x + w / 2:.1f}" y="{y + 18}" '
                             f'text-anchor="middle">{_fmt(value)}</text>')
            x += w
    parts.append("</svg>")
    return Markup("".join(parts))

"""Server-side SVG bar charts for the report page (no scripts, no CDN)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # what is printed at the bar's end ("12", "87.5%")


def bar_chart(title: str, bars: list[Bar], *, maximum: float | None = None,
              width: int = 640) -> Markup:
    """Horizontal bars, one row each, labelled; `maximum` fixes the scale (100 for percents)."""
    row, label_width, pad = 22, 220, 8
    height = pad * 2 + 20 + row * max(len(bars), 1)
    top = max([b.value for b in bars] + [maximum or 0, 1e-9])
    plot = width - label_width - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{pad}" y="{pad + 12}" class="chart-title">{escape(title)}</text>',
    ]
    for i, bar in enumerate(bars):
        y = pad + 20 + i * row
        length = 0 if bar.value <= 0 else max(1.0, plot * bar.value / top)
        parts.append(f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end" '
                     f'class="chart-label">{escape(bar.label[:38])}</text>')
        parts.append(f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 7}" '
                     f'class="chart-bar"><title>{escape(bar.label)}: {escape(bar.text)}</title>'
                     "</rect>")
        parts.append(f'<text x="{label_width + length + 4:.1f}" y="{y + 14}" '
                     f'class="chart-value">{escape(bar.text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))

"""Charts as inline SVG: bars, a heat map and lines, drawn from numbers so that they print sharply,
need no external script or font, and keep the report one self-contained file.

Each function returns an SVG string; every label is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

PALETTE = ("#1f5f8b", "#e07b39", "#3a923a", "#b8396b", "#7a5ea8", "#8c6d31", "#2a9d9d", "#666666")
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Arial, sans-serif"'
LABEL_WIDTH = 230
ROW = 22


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'style="max-width:{width}px" role="img" aria-label="{escape(title)}" {FONT} font-size="12">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _short(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _row_label(label: str, middle: float) -> str:
    """A label right-aligned before the plot, shortened, with the full text as its tooltip."""
    return (
        f'<text x="{LABEL_WIDTH - 6}" y="{middle:.1f}" text-anchor="end" dominant-baseline="middle">'
        f"{escape(_short(label))}<title>{escape(label)}</title></text>"
    )


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _legend(names: Sequence[str], x: int, y: int, right: int) -> tuple[list[str], int]:
    """Colour keys left to right, wrapping before ``right``; returns the parts and the height used."""
    parts, offset, line = [], x, 0
    for index, name in enumerate(names):
        label = _short(name, 40)
        needed = 24 + 7 * len(label)
        if offset + needed > right and offset > x:
            offset, line = x, line + 1
        colour = PALETTE[index % len(PALETTE)]
        top = y + line * 16
        parts.append(f'<rect x="{offset}" y="{top - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{offset + 14}" y="{top}">{escape(label)}<title>{escape(name)}</title></text>')
        offset += needed
    return parts, (line + 1) * 16


def bar_chart(labels: Sequence[str], series: Mapping[str, Sequence[float]], title: str, width: int = 760) -> str:
    """Horizontal bars, one group per label and one bar per series (e.g. this year and last)."""
    names = list(series)
    group = ROW * max(len(names), 1) * 0.6 + 8
    plot = width - LABEL_WIDTH - 50
    body, legend_height = _legend(names, LABEL_WIDTH, 16, width - 10)
    top = 14 + legend_height
    height = int(top + group * len(labels) + 30)
    peak = _nice_max(max((v for values in series.values() for v in values), default=0))
    for tick in range(5):
        x = LABEL_WIDTH + plot * tick / 4
        body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 24}" stroke="#ddd"/>')
        body.append(f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" fill="#555">{peak * tick / 4:g}</text>')
    bar = (group - 8) / max(len(names), 1)
    for row, label in enumerate(labels):
        y = top + row * group
        body.append(_row_label(label, y + group / 2))
        for index, name in enumerate(names):
            value = series[name][row]
            length = plot * value / peak
            colour = PALETTE[index % len(PALETTE)]
            by = y + 4 + index * bar
            body.append(
                f'<rect x="{LABEL_WIDTH}" y="{by:.1f}" width="{length:.1f}" height="{bar - 1:.1f}" fill="{colour}">'
                f"<title>{escape(label)}, {escape(name)}: {value:g}</title></rect>"
            )
            body.append(
                f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{by + bar / 2:.1f}" dominant-baseline="middle" '
                f'font-size="10" fill="#333">{value:g}</text>'
            )
    return _svg(width, height, title, body)


def _heat(value: float) -> str:
    """White to dark blue; NaN grey."""
    if value != value:
        return "#eeeeee"
    level = max(0.0, min(1.0, value))
    start, end = (255, 255, 255), (16, 70, 128)
    red, green, blue = (round(a + (b - a) * level) for a, b in zip(start, end, strict=True))
    return f"rgb({red},{green},{blue})"


def heat_map(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float]],
    title: str,
    *,
    counts: Sequence[Sequence[int]],
    flagged: Sequence[Sequence[bool]],
    small: Sequence[Sequence[bool]],
    scale_max: float | None = None,
) -> str:
    """Rows (themes) by columns (teams), shaded by ``values`` (a share); each cell shows its count.

    A flagged cell (over-represented after correction) gets a thick dark border; a small cell
    (fewer complaints than the minimum) shows its count in italics with an asterisk.
    """
    cell_w, cell_h, top = 64, 22, 120
    width = LABEL_WIDTH + cell_w * len(columns) + 110  # room for the last slanted team name
    height = top + cell_h * len(rows) + 50
    width = max(width, 640)
    peak = scale_max or max((v for row in values for v in row if v == v), default=1.0) or 1.0
    body = []
    for c, column in enumerate(columns):
        x = LABEL_WIDTH + c * cell_w + cell_w / 2
        body.append(
            f'<text transform="translate({x:.1f},{top - 6}) rotate(-40)" font-size="11">'
            f"{escape(_short(column, 22))}<title>{escape(column)}</title></text>"
        )
    for r, row in enumerate(rows):
        y = top + r * cell_h
        body.append(_row_label(row, y + cell_h / 2))
        for c, column in enumerate(columns):
            value, count = values[r][c], counts[r][c]
            x = LABEL_WIDTH + c * cell_w
            share = value / peak if value == value else value
            stroke = ' stroke="#111" stroke-width="3"' if flagged[r][c] else ' stroke="#fff"'
            tip = f"{row} in {column}: {count} complaints ({value:.0%} of the team's)" if value == value else row
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{_heat(share)}"{stroke}>'
                f"<title>{escape(tip)}</title></rect>"
            )
            ink = "#fff" if share == share and share > 0.55 else "#111"
            is_small = small[r][c] and count > 0
            text = f"{count}*" if is_small else str(count)
            style = ' font-style="italic"' if is_small else ""
            body.append(
                f'<text x="{x + cell_w / 2 - 1}" y="{y + cell_h / 2:.1f}" text-anchor="middle" '
                f'dominant-baseline="middle" fill="{ink}" font-size="11"{style}>{text}</text>'
            )
    legend_y = top + cell_h * len(rows) + 18
    for offset, line in enumerate(
        (
            f"Shade: share of the team's complaints (darkest {peak:.0%}).",
            "Thick border: more often than in other teams, beyond chance. * fewer than the minimum cell size.",
        )
    ):
        body.append(f'<text x="10" y="{legend_y + 14 * offset}" font-size="11" fill="#333">{escape(line)}</text>')
    return _svg(width, height, title, body)


def line_chart(x_labels: Sequence[str], series: Mapping[str, Sequence[float]], title: str, width: int = 760) -> str:
    """One line per series across the x labels (financial years), with points and a legend."""
    left, right, bottom = 50, 40, 40
    body, legend_height = _legend(list(series), left, 16, width - 10)
    top = 24 + legend_height
    height = top + 220 + bottom
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max((v for values in series.values() for v in values), default=0))
    for tick in range(5):
        y = top + plot_h * (1 - tick / 4)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>')
        body.append(
            f'<text x="{left - 6}" y="{y:.1f}" text-anchor="end" dominant-baseline="middle" fill="#555">'
            f"{peak * tick / 4:g}</text>"
        )
    step = plot_w / max(len(x_labels) - 1, 1)
    for index, label in enumerate(x_labels):
        x = left + index * step if len(x_labels) > 1 else left + plot_w / 2
        body.append(f'<text x="{x:.1f}" y="{height - 14}" text-anchor="middle" fill="#555">{escape(label)}</text>')
    for index, (name, values) in enumerate(series.items()):
        colour = PALETTE[index % len(PALETTE)]
        points = [
            (left + i * step if len(values) > 1 else left + plot_w / 2, top + plot_h * (1 - v / peak))
            for i, v in enumerate(values)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (x, y), value, label in zip(points, values, x_labels, strict=True):
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(name)}, {escape(label)}: {value:g}</title></circle>"
            )
    return _svg(width, height, title, body)

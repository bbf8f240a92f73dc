"""Charts as inline SVG: bars, a heat map and lines, drawn from numbers so that they print sharply,
need no external script or font, and keep the report one self-contained file.

Each function returns an SVG string; every label is escaped.
"""

from __future__ import annotations

import math
import textwrap
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


CHAR = 6.6  # average width of a 12px character, for sizing labels so that none is cut
WRAP = 36  # characters per line of a row label


def _short(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _lines(label: str, width: int = WRAP) -> list[str]:
    """A label wrapped into lines of at most ``width`` characters (a long word keeps its own line)."""
    return textwrap.wrap(label, width, break_long_words=False, break_on_hyphens=False) or [""]


def _label_width(labels: Sequence[str]) -> int:
    """Room for the longest line of the wrapped labels, at least ``LABEL_WIDTH``."""
    longest = max((len(line) for label in labels for line in _lines(label)), default=0)
    return max(LABEL_WIDTH, int(longest * CHAR) + 12)


def _row_label(label: str, middle: float, right: float = LABEL_WIDTH) -> str:
    """A label right-aligned before the plot, wrapped (never cut), with the full text as its tooltip."""
    lines = _lines(label)
    first = middle - 7 * (len(lines) - 1)
    spans = "".join(
        f'<tspan x="{right - 6:.0f}" y="{first + 14 * index:.1f}">{escape(line)}</tspan>'
        for index, line in enumerate(lines)
    )
    return f'<text text-anchor="end" dominant-baseline="middle">{spans}<title>{escape(label)}</title></text>'


def is_count(value: object) -> bool:
    """A number to draw (not a suppression mark such as "<5", nor missing)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def count_ticks(peak: float) -> tuple[int, int]:
    """The axis maximum and a whole-number step (1, 2, 5, 10, 20, 25, 50...) giving at most five ticks."""
    if peak <= 0:
        return 1, 1
    magnitude = 10 ** max(math.floor(math.log10(peak / 4)), 0) if peak > 4 else 1
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step == int(step) and peak <= 4 * step:
            return int(step * math.ceil(peak / step)), int(step)
    step = int(10 * magnitude)
    return int(step * math.ceil(peak / step)), step


def _legend(names: Sequence[str], x: int, y: int, right: int) -> tuple[list[str], int]:
    """Colour keys left to right, wrapping before ``right``; returns the parts and the height used."""
    parts, offset, line = [], x, 0
    for index, name in enumerate(names):
        needed = 24 + int(CHAR * len(name))
        if offset + needed > right and offset > x:
            offset, line = x, line + 1
        colour = PALETTE[index % len(PALETTE)]
        top = y + line * 16
        parts.append(f'<rect x="{offset}" y="{top - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{offset + 14}" y="{top}">{escape(name)}</text>')
        offset += needed
    return parts, (line + 1) * 16


def bar_chart(labels: Sequence[str], series: Mapping[str, Sequence[float | str]], title: str, width: int = 760) -> str:
    """Horizontal bars, one group per label and one bar per series (e.g. this year and last).

    A value that is a mark ("<5", "[c]": a suppressed count) gets no bar, and the mark as its label.
    The count axis has whole-number ticks and a title; labels wrap rather than being cut.
    """
    names = list(series)
    label_width = _label_width(labels)
    width = max(width, label_width + 420)
    group_min = ROW * max(len(names), 1) * 0.6 + 8
    heights = [max(group_min, 14 * len(_lines(label)) + 8) for label in labels]
    plot = width - label_width - 60
    body, legend_height = _legend(names, label_width, 16, width - 10)
    top = 14 + legend_height
    bottom = top + sum(heights)
    height = int(bottom + 44)
    peak, step = count_ticks(max((float(v) for values in series.values() for v in values if is_count(v)), default=0))
    for tick in range(0, peak + 1, step):
        x = label_width + plot * tick / peak
        body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="#ddd"/>')
        body.append(f'<text x="{x:.1f}" y="{bottom + 14:.1f}" text-anchor="middle" fill="#555">{tick}</text>')
    body.append(
        f'<text x="{label_width + plot / 2:.1f}" y="{height - 6}" text-anchor="middle" fill="#333">Complaints</text>'
    )
    y = float(top)
    for row, label in enumerate(labels):
        group = heights[row]
        bar = (group_min - 8) / max(len(names), 1)
        body.append(_row_label(label, y + group / 2, label_width))
        first = y + (group - bar * len(names)) / 2
        for index, name in enumerate(names):
            value = series[name][row]
            drawn = is_count(value)
            length = plot * float(value) / peak if drawn else 0.0
            text = f"{float(value):g}" if drawn else escape(str(value))
            colour = PALETTE[index % len(PALETTE)]
            by = first + index * bar
            body.append(
                f'<rect x="{label_width}" y="{by:.1f}" width="{length:.1f}" height="{bar - 1:.1f}" fill="{colour}">'
                f"<title>{escape(label)}, {escape(name)}: {text}</title></rect>"
            )
            body.append(
                f'<text x="{label_width + length + 4:.1f}" y="{by + bar / 2:.1f}" dominant-baseline="middle" '
                f'font-size="10" fill="#333">{text}</text>'
            )
        y += group
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
    counts: Sequence[Sequence[int | str]],
    flagged: Sequence[Sequence[bool]],
    legend: str = "",
    scale_max: float | None = None,
) -> str:
    """Rows (themes) by columns (teams), shaded by ``values`` (a share); each cell shows its count.

    A flagged cell (over-represented after correction) gets a thick dark border. A count that is a
    mark ("<5", "[c]": suppressed) is shown as the mark on grey, with no share. ``legend``: a line
    saying what the marks mean. Names are never cut: the label column and the slanted heads widen.
    """
    cell_w, cell_h = 64, 22
    label_width = max(LABEL_WIDTH, int(max((len(row) for row in rows), default=0) * CHAR) + 12)
    longest = max((len(column) for column in columns), default=0) * CHAR
    top = max(120, int(longest * 0.65) + 16)  # sin 40 degrees of the longest slanted team name
    width = max(label_width + cell_w * len(columns) + int(longest * 0.77) + 20, 640)
    height = top + cell_h * len(rows) + 50
    shown_values = [v for r, row in enumerate(values) for c, v in enumerate(row) if v == v and is_count(counts[r][c])]
    peak = scale_max or max(shown_values, default=1.0) or 1.0
    body = []
    for c, column in enumerate(columns):
        x = label_width + c * cell_w + cell_w / 2
        body.append(
            f'<text transform="translate({x:.1f},{top - 6}) rotate(-40)" font-size="11">{escape(column)}</text>'
        )
    for r, row in enumerate(rows):
        y = top + r * cell_h
        body.append(
            f'<text x="{label_width - 6}" y="{y + cell_h / 2:.1f}" text-anchor="end" dominant-baseline="middle">'
            f"{escape(row)}<title>{escape(row)}</title></text>"
        )
        for c, column in enumerate(columns):
            value, count = values[r][c], counts[r][c]
            drawn = is_count(count)
            x = label_width + c * cell_w
            share = value / peak if drawn and value == value else float("nan")
            stroke = ' stroke="#111" stroke-width="3"' if flagged[r][c] and drawn else ' stroke="#fff"'
            text = f"{count:g}" if drawn else escape(str(count))
            tip = f"{row} in {column}: {text} complaints" + (f" ({value:.0%} of the team's)" if share == share else "")
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{_heat(share)}"{stroke}>'
                f"<title>{escape(tip)}</title></rect>"
            )
            ink = "#fff" if share == share and share > 0.55 else "#111"
            style = "" if drawn else ' font-style="italic"'
            body.append(
                f'<text x="{x + cell_w / 2 - 1}" y="{y + cell_h / 2:.1f}" text-anchor="middle" '
                f'dominant-baseline="middle" fill="{ink}" font-size="11"{style}>{text}</text>'
            )
    legend_y = top + cell_h * len(rows) + 18
    lines = [
        f"Shade: share of the team's complaints (darkest {peak:.0%}).",
        "Thick border: more often than in other teams, beyond chance.",
    ]
    if legend:
        lines[1] += " " + legend
    for offset, line in enumerate(lines):
        body.append(f'<text x="10" y="{legend_y + 14 * offset}" font-size="11" fill="#333">{escape(line)}</text>')
    return _svg(width, height, title, body)


def line_chart(
    x_labels: Sequence[str], series: Mapping[str, Sequence[float | str]], title: str, width: int = 760
) -> str:
    """One line per series across the x labels (financial years), with points, a legend, whole-number
    ticks and axis titles. A value that is a mark ("<5": a suppressed count) is not drawn: the line
    breaks there."""
    left, right, bottom = 64, 40, 48
    body, legend_height = _legend(list(series), left, 16, width - 10)
    top = 24 + legend_height
    height = top + 220 + bottom
    plot_w, plot_h = width - left - right, height - top - bottom
    peak, step = count_ticks(max((float(v) for values in series.values() for v in values if is_count(v)), default=0))
    for tick in range(0, peak + 1, step):
        y = top + plot_h * (1 - tick / peak)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>')
        body.append(
            f'<text x="{left - 6}" y="{y:.1f}" text-anchor="end" dominant-baseline="middle" fill="#555">{tick}</text>'
        )
    middle = top + plot_h / 2
    body.append(
        f'<text transform="translate(14,{middle:.1f}) rotate(-90)" text-anchor="middle" fill="#333">Complaints</text>'
    )
    body.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle" fill="#333">Financial year</text>'
    )
    step_x = plot_w / max(len(x_labels) - 1, 1)

    def x_at(index: int) -> float:
        return left + index * step_x if len(x_labels) > 1 else left + plot_w / 2

    for index, label in enumerate(x_labels):
        body.append(
            f'<text x="{x_at(index):.1f}" y="{height - 24}" text-anchor="middle" fill="#555">{escape(label)}</text>'
        )
    for index, (name, values) in enumerate(series.items()):
        colour = PALETTE[index % len(PALETTE)]
        runs: list[list[tuple[float, float]]] = [[]]
        for i, value in enumerate(values):
            if not is_count(value):
                runs.append([])
                continue
            x, y = x_at(i), top + plot_h * (1 - float(value) / peak)
            runs[-1].append((x, y))
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(name)}, {escape(x_labels[i])}: {float(value):g}</title></circle>"
            )
        for run in runs:
            if len(run) >= 2:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
    return _svg(width, height, title, body)

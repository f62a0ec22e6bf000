"""Geometry for the server-rendered SVG charts and the state map (templates/_charts.html draws it).

Pure functions of numbers: no database, no request. Colours are SVG fill attributes (the CSP
forbids inline styles); every chart also gets a data table on its page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from config import ROOT

STANCE_FILLS = {
    "support": "#1b7837",
    "lean_support": "#7fbf7b",
    "undecided": "#e6b422",
    "lean_oppose": "#e08a7e",
    "oppose": "#b2182b",
    "unknown": "#c4c8ce",
}
KIND_FILLS = {
    "meeting": "#08519c",
    "call": "#3182bd",
    "email": "#6baed6",
    "virtual_meeting": "#9ecae1",
    "letter": "#e6b422",
    "event": "#d94801",
    "hearing": "#756bb1",
    "other": "#969696",
}
# Coverage: share of a state's delegation contacted. Bins are [low, high) except the last.
COVERAGE_BINS = [
    (0.0, 0.0, "#f8d3b8", "none"),
    (0.0, 0.25, "#c6dbef", "under 25%"),
    (0.25, 0.5, "#6baed6", "25% to 49%"),
    (0.5, 0.75, "#2171b5", "50% to 74%"),
    (0.75, 1.01, "#08306b", "75% or more"),
]
NO_DATA_FILL = "#e5e7eb"


@dataclass
class Rect:
    """One bar segment of a column chart, with its fill and hover title."""

    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str


@dataclass
class Column:
    """One column of a stacked column chart: its label, place, total and segments."""

    label: str
    x: float
    width: float
    total: int
    rects: list[Rect] = field(default_factory=list)


@dataclass
class ColumnChart:
    """A stacked column chart laid out for an SVG: its columns, gridlines and legend."""

    width: int
    height: int
    plot_top: int
    plot_bottom: int
    columns: list[Column]
    ticks: list[tuple[float, int]]  # (y, value) gridlines
    legend: list[tuple[str, str]]  # (fill, label)


def stacked_bar(
    parts: list[tuple[str, str, int]], fills: dict[str, str], *, width: int = 600, height: int = 28
) -> list[Rect]:
    """One horizontal bar split by share: parts are (key, label, count)."""
    total = sum(n for _k, _l, n in parts)
    rects, x = [], 0.0
    for key, label, n in parts:
        if not n or not total:
            continue
        w = width * n / total
        rects.append(
            Rect(
                round(x, 2),
                0,
                round(w, 2),
                height,
                fills[key],
                f"{label}: {n} of {total} ({percent(n, total)})",
            )
        )
        x += w
    return rects


def stacked_columns(
    series: list[tuple[str, dict[str, int]]],
    keys: list[tuple[str, str]],
    fills: dict[str, str],
    *,
    width: int = 560,
    height: int = 260,
) -> ColumnChart:
    """Columns over time (weeks), each stacked by key: series are (label, {key: count})."""
    top, bottom, left, right = 10, height - 28, 36, 26
    plot_h = bottom - top
    biggest = max([sum(v.get(k, 0) for k, _ in keys) for _, v in series] + [0])
    scale_max, step = nice_scale(biggest)
    n = max(len(series), 1)
    slot = (width - left - right) / n
    bar_w = max(slot * 0.7, 1)
    columns = []
    for i, (label, values) in enumerate(series):
        x = left + i * slot + (slot - bar_w) / 2
        y = float(bottom)
        column = Column(label, round(x, 2), round(bar_w, 2), sum(values.get(k, 0) for k, _ in keys))
        for key, key_label in keys:
            value = values.get(key, 0)
            if not value:
                continue
            h = plot_h * value / scale_max
            y -= h
            column.rects.append(
                Rect(
                    round(x, 2),
                    round(y, 2),
                    round(bar_w, 2),
                    round(h, 2),
                    fills[key],
                    f"{label}: {key_label} {value}",
                )
            )
        columns.append(column)
    ticks = [(round(bottom - plot_h * v / scale_max, 2), v) for v in range(0, scale_max + 1, step)]
    legend = [(fills[k], label) for k, label in keys]
    return ColumnChart(width, height, top, bottom, columns, ticks, legend)


def nice_scale(value: int) -> tuple[int, int]:
    """A round axis (maximum, gridline step) at or above value, with at most 5 steps."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if -(-value // (m * step)) <= 5:
                return max(m * step * -(-value // (m * step)), m * step), m * step
        step *= 10


def percent(n: int, total: int) -> str:
    """n of total as a rounded percentage, e.g. "42%" ("0%" when the total is 0)."""
    return f"{round(100 * n / total)}%" if total else "0%"


# ---- the state map ----


@lru_cache(maxsize=1)
def us_states() -> dict:
    """State code -> {name, fips, d}: built once from us-atlas (crm/reports/build_us_states.py)."""
    return json.loads((ROOT / "static" / "us-states.json").read_text())


def coverage_fill(share: float | None) -> str:
    """The map fill for a share contacted (0 to 1), or the no-data fill for None."""
    if share is None:
        return NO_DATA_FILL
    if share == 0:
        return COVERAGE_BINS[0][2]
    for low, high, fill, _label in COVERAGE_BINS[1:]:
        if low <= share < high:
            return fill
    return COVERAGE_BINS[-1][2]


def coverage_legend() -> list[tuple[str, str]]:
    """(fill, label) for each coverage bin, then for "no members in the directory"."""
    return [(fill, label) for _lo, _hi, fill, label in COVERAGE_BINS] + [
        (NO_DATA_FILL, "no members in the directory")
    ]

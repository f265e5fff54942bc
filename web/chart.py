"""The trends chart and table as view models: every coordinate, label and link is
computed here, so the template only lays out SVG elements.

The chart is drawn on the server as inline SVG: it needs no script, no font and no
other server (the Content-Security-Policy allows none), prints, and shows in the
embedded view. The y axis is the share of all articles in the period, the measure
that can be compared across periods; the table under the chart has the counts too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask_babel import gettext as _

from indexer.api import TrendPoint, TrendResult
from web.state import SearchState
from web.urls import UrlBuilder

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 12, 36
#: Period labels under the x axis, at most.
X_LABELS = 8


@dataclass
class ChartPoint:
    x: float
    y: float
    #: The search for this query in this period.
    url: str
    #: The tooltip and accessible name: query, period, count, total, share.
    label: str


@dataclass
class ChartSeries:
    #: 0-4: the series' colour and marker (CSS classes ``series-N``).
    number: int
    query: str
    #: SVG path data of the line through every period.
    path: str
    #: Points with at least one article (each a link); zero periods are only on the line.
    points: list[ChartPoint]


@dataclass
class Tick:
    position: float
    label: str


@dataclass
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    series: list[ChartSeries]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    #: The text alternative of the whole chart.
    summary: str


@dataclass
class TableCell:
    count: int
    share: str
    url: str


@dataclass
class TableRow:
    period: str
    total: int
    cells: list[TableCell]


def point_state(filters: SearchState, query: str, point: TrendPoint) -> SearchState:
    """The search page for one query in one period: the same filters, the period's
    first and last day as the date range (so its total is the point's count)."""
    return filters.replace(
        text=query, date_from=point.start, date_to=point.end, page=1, sort="relevance"
    )


def _percent(share: float) -> str:
    if share == 0:
        return "0%"
    return f"{share * 100:.2g}%" if share < 0.001 else f"{share * 100:.1f}%"


def _nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above ``value``."""
    if value <= 0:
        return 0.01
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def trend_chart(result: TrendResult, filters: SearchState, urls: UrlBuilder) -> Chart | None:
    """The chart of ``result``: one line a query, share of the period's articles."""
    periods = result.series[0].points if result.series else []
    if not periods:
        return None
    top = _nice_ceiling(max(p.share for s in result.series for p in s.points))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(periods) - 1, 1)

    def x(i: int) -> float:
        return round(LEFT + (i * step if len(periods) > 1 else plot_w / 2), 1)

    def y(share: float) -> float:
        return round(TOP + plot_h * (1 - share / top), 1)

    series = []
    for number, s in enumerate(result.series):
        coords = [(x(i), y(p.share)) for i, p in enumerate(s.points)]
        path = " ".join(f"{'M' if i == 0 else 'L'}{cx},{cy}" for i, (cx, cy) in enumerate(coords))
        points = [
            ChartPoint(
                cx,
                cy,
                urls.search(point_state(filters, s.query, p)),
                _(
                    "%(query)s, %(period)s: %(count)s of %(total)s articles (%(share)s)",
                    query=s.query,
                    period=p.period,
                    count=f"{p.count:,}",
                    total=f"{p.total:,}",
                    share=_percent(p.share),
                ),
            )
            for (cx, cy), p in zip(coords, s.points, strict=True)
            if p.count
        ]
        series.append(ChartSeries(number, s.query, path, points))
    y_ticks = [Tick(y(top * k / 4), _percent(top * k / 4)) for k in range(5)]
    every = max(1, math.ceil(len(periods) / X_LABELS))
    x_ticks = [Tick(x(i), p.period) for i, p in enumerate(periods) if i % every == 0]
    names = ", ".join(s.query for s in result.series)
    summary = _(
        "Share of all articles per period matching %(queries)s, %(first)s to %(last)s; "
        "the table below has the figures.",
        queries=names,
        first=periods[0].period,
        last=periods[-1].period,
    )
    return Chart(WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM, series, y_ticks, x_ticks, summary)


def trend_table(result: TrendResult, filters: SearchState, urls: UrlBuilder) -> list[TableRow]:
    """One row a period: its total, then each query's count (a link) and share."""
    periods = result.series[0].points if result.series else []
    return [
        TableRow(
            period=p.period,
            total=p.total,
            cells=[
                TableCell(
                    s.points[i].count,
                    _percent(s.points[i].share),
                    urls.search(point_state(filters, s.query, s.points[i])),
                )
                for s in result.series
            ],
        )
        for i, p in enumerate(periods)
    ]

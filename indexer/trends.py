"""Attention over time, engine-neutral: checking a trend query, and turning per-day
counts into periods.

Each engine answers one question cheaply, "how many articles per publication day",
for each query and for all articles under the same filters (the Whoosh engine with one
``bincount`` over its day column, Typesense with a facet on its ``day`` field). This
module does the rest once, for both: it groups days into days, ISO weeks, months or
years, fills the periods in between with zeros (a chart needs the gaps), and divides
by the period's total, as Media Cloud does, so a month in which the archive simply
holds more articles does not look like more attention.

The periods run from the first to the last period holding any article under the
filters (clipped to ``date_from``/``date_to``): a query's count in a period is then
exactly the total of the same search filtered to that period's first and last day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from archive.article import nfc
from indexer.api import (
    INTERVALS,
    MAX_PERIODS,
    MAX_TREND_QUERIES,
    TrendPoint,
    TrendQuery,
    TrendResult,
    TrendSeries,
)
from indexer.errors import N_, InvalidRequest

#: The refusal of too many periods, one whole sentence per interval (a translation
#: cannot pluralise "day" by appending an s).
TOO_MANY_PERIODS = {
    "day": N_(
        "more than %(limit)s days between %(first)s and %(last)s: choose a longer "
        "interval or a shorter date range"
    ),
    "week": N_(
        "more than %(limit)s weeks between %(first)s and %(last)s: choose a longer "
        "interval or a shorter date range"
    ),
    "month": N_(
        "more than %(limit)s months between %(first)s and %(last)s: choose a longer "
        "interval or a shorter date range"
    ),
    "year": N_(
        "more than %(limit)s years between %(first)s and %(last)s: choose a longer "
        "interval or a shorter date range"
    ),
}


def check_trend_query(query: TrendQuery) -> list[str]:
    """The queries, normalised; raises InvalidRequest for what cannot be charted."""
    if query.interval not in INTERVALS:
        raise InvalidRequest(
            N_("unknown interval %(interval)s (use one of: %(intervals)s)"),
            interval=repr(query.interval),
            intervals=", ".join(INTERVALS),
        )
    if not query.queries:
        raise InvalidRequest(N_("give at least one query to chart"))
    if len(query.queries) > MAX_TREND_QUERIES:
        raise InvalidRequest(
            N_("%(count)s queries: at most %(limit)s can be compared"),
            count=len(query.queries),
            limit=MAX_TREND_QUERIES,
        )
    texts = [nfc(text or "").strip() for text in query.queries]
    for number, text in enumerate(texts, 1):
        if not text:
            raise InvalidRequest(
                N_("query %(number)s is empty: give words to chart"), number=number
            )
    f = query.filters
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise InvalidRequest(
            N_("the date range starts (%(start)s) after it ends (%(end)s)"),
            start=str(f.date_from),
            end=str(f.date_to),
        )
    return texts


def period_start(day: date, interval: str) -> date:
    """The first day of the period holding ``day``."""
    if interval == "year":
        return date(day.year, 1, 1)
    if interval == "month":
        return date(day.year, day.month, 1)
    if interval == "week":
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    return day


def next_period(start: date, interval: str) -> date:
    """The first day of the period after the one starting on ``start``."""
    if interval == "year":
        return date(start.year + 1, 1, 1)
    if interval == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    if interval == "week":
        return start + timedelta(days=7)
    return start + timedelta(days=1)


def period_label(start: date, interval: str) -> str:
    """``2017``, ``2017-02``, ``2017-W05`` (ISO year and week) or ``2017-02-03``."""
    if interval == "year":
        return f"{start.year:04d}"
    if interval == "month":
        return f"{start.year:04d}-{start.month:02d}"
    if interval == "week":
        year, week, _ = start.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return start.isoformat()


def day_from_number(number: int) -> date | None:
    """``20170203`` -> 2017-02-03; None for 0 (undated) or a number that is no date."""
    try:
        return date(number // 10000, number // 100 % 100, number % 100)
    except ValueError:
        return None


def assemble(
    query: TrendQuery,
    texts: Sequence[str],
    counts: Sequence[Mapping[int, int]],
    totals: Mapping[int, int],
) -> TrendResult:
    """The trend result from per-day counts (``{YYYYMMDD: articles}``): one mapping per
    query, and ``totals`` for all articles under the filters."""
    interval = query.interval
    # Each distinct day's period, worked out once (the queries' days are among the
    # totals' days, as their articles are among all articles under the filters).
    starts: dict[int, date] = {}
    for number in totals:
        day = day_from_number(int(number))
        if day is not None:
            starts[int(number)] = period_start(day, interval)

    def by_period(days: Mapping[int, int]) -> dict[date, int]:
        out: dict[date, int] = {}
        for number, n in days.items():
            start = starts.get(number)
            if start is None:
                day = day_from_number(int(number))
                if day is None:
                    continue
                start = starts[number] = period_start(day, interval)
            out[start] = out.get(start, 0) + n
        return out

    total_by = by_period(totals)
    if not total_by:
        f = query.filters
        if f.date_from or f.date_to or f.dates:
            raise InvalidRequest(
                N_(
                    "no dated article in the archive matches the filters in that period: "
                    "pick dates the archive holds (`archive stats` shows them)"
                )
            )
        return TrendResult(query, [TrendSeries(text, []) for text in texts])
    periods = [
        (
            period_label(start, interval),
            max(start, query.filters.date_from or start),
            min(end, query.filters.date_to or end),
            start,
        )
        for start, end in _periods(min(total_by), max(total_by), interval)
    ]
    series = []
    for text, days in zip(texts, counts, strict=True):
        count_by = by_period(days)
        points = [
            TrendPoint(label, first, last, count_by.get(start, 0), total_by.get(start, 0))
            for label, first, last, start in periods
        ]
        series.append(TrendSeries(text, points))
    return TrendResult(query, series)


def _periods(first: date, last: date, interval: str) -> list[tuple[date, date]]:
    """Every period from the one starting on ``first`` to the one on ``last``, as
    (first day, last day) pairs; refuses more than :data:`MAX_PERIODS`."""
    out: list[tuple[date, date]] = []
    start = first
    while start <= last:
        if len(out) >= MAX_PERIODS:
            raise InvalidRequest(
                TOO_MANY_PERIODS[interval], limit=MAX_PERIODS, first=str(first), last=str(last)
            )
        following = next_period(start, interval)
        out.append((start, following - timedelta(days=1)))
        start = following
    return out

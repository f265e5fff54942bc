"""Attention over time: the period arithmetic, and counts per period against an
independent count of NewsArticles rows (``tests/fixtures/news-articles-trends.csv``,
read here with the ``csv`` module only), on both engines."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from typesense_servers import connection_for, typesense_server  # noqa: F401 - fixture

from indexer import Filters, QueryError, SearchQuery
from indexer.api import TrendQuery
from indexer.backends import index_paths
from indexer.errors import InvalidRequest
from indexer.trends import assemble, next_period, period_label, period_start
from indexer.typesense import TypesenseEngine
from indexer.whoosh import WhooshEngine

FIXTURE = Path(__file__).parent / "fixtures" / "news-articles-trends.csv"


# -- Periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "interval", "label", "start", "following"),
    [
        (date(2017, 2, 7), "day", "2017-02-07", date(2017, 2, 7), date(2017, 2, 8)),
        (date(2017, 2, 7), "week", "2017-W06", date(2017, 2, 6), date(2017, 2, 13)),
        # ISO weeks: 1 January 2017 is a Sunday, in week 52 of 2016.
        (date(2017, 1, 1), "week", "2016-W52", date(2016, 12, 26), date(2017, 1, 2)),
        (date(2017, 12, 31), "month", "2017-12", date(2017, 12, 1), date(2018, 1, 1)),
        (date(2017, 2, 7), "year", "2017", date(2017, 1, 1), date(2018, 1, 1)),
    ],
)
def test_periods(day, interval, label, start, following):
    assert period_start(day, interval) == start
    assert period_label(start, interval) == label
    assert next_period(start, interval) == following


def test_more_periods_than_allowed_are_refused_with_advice():
    query = TrendQuery(["x"], interval="day")
    days = {19900101: 1, 20240101: 2}
    with pytest.raises(InvalidRequest, match="choose a longer interval or a shorter date range"):
        assemble(query, ["x"], [days], days)
    years = assemble(TrendQuery(["x"], interval="year"), ["x"], [days], days)
    points = years.series[0].points
    assert len(points) == 35 and (points[0].count, points[-1].count) == (1, 2)
    assert sum(p.total for p in points) == 3 and points[1].share == 0.0


# -- Both engines, against the CSV counted independently ------------------------------------


def _rows() -> list[dict]:
    with FIXTURE.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _published(row: dict) -> date:
    y, m, d = (int(x) for x in row["publish_date"].split()[0].split("/"))
    return date(y, m, d)


@pytest.fixture(scope="module")
def built(request, tmp_path_factory) -> dict:
    opened: dict = {}

    def get(kind: str):
        if kind not in opened:
            if kind == "typesense":
                server = request.getfixturevalue("typesense_server")
                engine = TypesenseEngine(connection_for([server], collection="trends"))
            else:
                engine = WhooshEngine(tmp_path_factory.mktemp("trends") / "index")
            report = index_paths(engine, [FIXTURE], rebuild=True)
            assert report.added == len(_rows())
            opened[kind] = engine.open()
        return opened[kind]

    yield get
    for archive in opened.values():
        archive.close()


@pytest.fixture(params=["whoosh", "typesense"])
def archive(request, built):
    return built(request.param)


def test_totals_per_month_week_and_day_equal_the_rows_counted_from_the_csv(archive):
    rows = _rows()
    for interval in ("month", "week", "day", "year"):
        result = archive.trends(TrendQuery(["trump"], interval=interval))
        expected = Counter(
            period_label(period_start(_published(r), interval), interval) for r in rows
        )
        points = result.series[0].points
        assert {p.period: p.total for p in points if p.total} == dict(expected), interval
        assert sum(p.total for p in points) == len(rows)
        # Every period from the first to the last, gaps included, in order.
        labels = [p.period for p in points]
        assert labels == sorted(labels) and len(set(labels)) == len(labels)


def test_a_query_counts_per_month_equal_the_rows_that_contain_it(archive):
    """A name: no stemming or stop word differences to model."""
    word = re.compile(r"\bputin\b", re.IGNORECASE)
    rows = _rows()
    expected = Counter(
        period_label(period_start(_published(r), "month"), "month")
        for r in rows
        if word.search(" ".join((r["title"], r["subtitle"], r["text"])))
    )
    assert sum(expected.values()) >= 5
    points = archive.trends(TrendQuery(["putin"], interval="month")).series[0].points
    assert {p.period: p.count for p in points if p.count} == dict(expected)
    for p in points:
        assert p.share == (p.count / p.total if p.total else 0.0)


@pytest.mark.parametrize("interval", ["day", "week", "month"])
def test_a_period_count_is_the_total_of_the_same_search_in_that_period(archive, interval):
    filters = Filters(sites=["abcnews.go.com", "aljazeera.com", "cnn.com"])
    result = archive.trends(TrendQuery(["trump", "russia"], filters, interval))
    for series in result.series:
        checked = 0
        for p in series.points:
            if not p.total or (interval == "day" and checked >= 8):
                continue
            narrowed = Filters(sites=filters.sites, date_from=p.start, date_to=p.end)
            same = archive.search(SearchQuery(series.query, narrowed, facets=False, snippets=False))
            everything = archive.search(SearchQuery("", narrowed, facets=False, snippets=False))
            assert (p.count, p.total) == (same.total, everything.total), (series.query, p)
            checked += 1
        assert checked


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (TrendQuery([]), "at least one query"),
        (TrendQuery(["a", "b", "c", "d", "e", "f"]), "at most 5"),
        (TrendQuery(["trump", "  "]), "query 2 is empty"),
        (TrendQuery(["trump"], interval="fortnight"), "unknown interval 'fortnight'"),
        (
            TrendQuery(["trump"], Filters(date_from=date(1900, 1, 1), date_to=date(1900, 12, 31))),
            "no dated article",
        ),
        (
            TrendQuery(["trump"], Filters(date_from=date(2017, 3, 1), date_to=date(2017, 1, 1))),
            "starts",
        ),
        (TrendQuery(["trump", "foo:bar"]), "foo"),
    ],
)
def test_bad_trend_queries_are_refused_with_a_message(archive, query, message):
    with pytest.raises(QueryError, match=message):
        archive.trends(query)


def test_the_date_range_clips_the_periods(archive):
    filters = Filters(date_from=date(2017, 2, 10), date_to=date(2017, 3, 5))
    points = archive.trends(TrendQuery(["trump"], filters, "month")).series[0].points
    assert [(p.period, p.start, p.end) for p in points] == [
        ("2017-02", date(2017, 2, 10), date(2017, 2, 28)),
        ("2017-03", date(2017, 3, 1), date(2017, 3, 5)),
    ]

"""Facet counts are exact: compared with counts computed independently from the Articles.

The index is built once per session from the real NewsArticles corpus (3,824 rows, one
without text); the expected counts come from the same Articles with plain Python
``Counter``s, applying the documented semantics (OR within a facet, AND across facets,
each facet counted without its own filter, places with all their ancestors).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

import pytest

from archive import Article, read
from archive.places import place_ancestors
from indexer import Filters
from indexer import SearchQuery as _SearchQuery
from indexer.whoosh import index_articles, open_index

#: These tests are about which articles match and how they rank: every query lists every
#: version of a story (story clusters collapse them by default; tests/test_story_clusters.py).
SearchQuery = partial(_SearchQuery, versions="all")

NO_LIMIT = 100_000


@pytest.fixture(scope="session")
def news_articles(corpora: Path) -> list[Article]:
    """NewsArticles as the readers produce them, first copy of each id kept (as the
    indexer does)."""
    csv_path = corpora / "news-articles" / "NewsArticles.csv"
    seen: dict[str, Article] = {}
    for item in read(csv_path):
        if isinstance(item, Article) and item.id not in seen:
            seen[item.id] = item
    return list(seen.values())


@pytest.fixture(scope="session")
def news_archive(tmp_path_factory, news_articles):
    # Shared with test_search.py (same folder): built by whichever runs first.
    index_dir = tmp_path_factory.getbasetemp() / "news-index"
    if not (index_dir / "CURRENT").exists():
        index_articles(index_dir, news_articles)
    archive = open_index(index_dir)
    yield archive
    archive.close()


def test_the_corpus_is_all_there(news_articles, news_archive, corpora: Path):
    import csv

    with (corpora / "news-articles" / "NewsArticles.csv").open(
        encoding="utf-8", errors="replace", newline=""
    ) as f:
        rows = [r for r in csv.DictReader(f) if r["title"].strip() or r["text"].strip()]
    assert len(rows) == 3823  # 3,824 rows, one with neither title nor text
    assert news_archive.stats().articles == len(news_articles) <= len(rows)
    assert len(news_articles) > 3700


# -- The independent model --------------------------------------------------------------


def year(a: Article) -> str | None:
    return f"{a.published.year:04d}" if a.published else None


def month(a: Article) -> str | None:
    return f"{a.published.year:04d}-{a.published.month:02d}" if a.published else None


def ancestors(a: Article) -> set[str]:
    return {p.casefold() for path in a.places for p in place_ancestors(path)}


def drill(values: list[str], sep: str) -> list[str]:
    return [v for v in values if not any(o.startswith(v + sep) for o in values)]


def predicates(filters: Filters) -> dict[str, Callable[[Article], bool]]:
    preds: dict[str, Callable[[Article], bool]] = {}
    if filters.tags:
        wanted = {t.casefold() for t in filters.tags}
        preds["tag"] = lambda a: bool(wanted & {t.casefold() for t in a.tags})
    if filters.places:
        wanted_places = {p.casefold() for p in drill(filters.places, "/")}
        preds["place"] = lambda a: bool(wanted_places & ancestors(a))
    if filters.sites:
        wanted_sites = {s.casefold() for s in filters.sites}
        preds["site"] = lambda a: a.site.casefold() in wanted_sites
    if filters.dates or filters.date_from or filters.date_to:
        chosen = drill(filters.dates, "-")

        def in_dates(a: Article) -> bool:
            if not a.published:
                return False
            day = date(a.published.year, a.published.month, a.published.day)
            if filters.date_from and day < filters.date_from:
                return False
            if filters.date_to and day > filters.date_to:
                return False
            return not chosen or year(a) in chosen or month(a) in chosen

        preds["date"] = in_dates
    return preds


def expected_counts(articles, matched_ids, filters) -> tuple[int, dict[str, Counter]]:
    preds = predicates(filters)
    pool = [a for a in articles if a.id in matched_ids]

    def keep(a: Article, skip: str) -> bool:
        return all(p(a) for name, p in preds.items() if name != skip)

    counts = {name: Counter() for name in ("year", "month", "tag", "place", "site")}
    for a in pool:
        if keep(a, "date") and a.published:
            counts["year"][year(a)] += 1
            counts["month"][month(a)] += 1
        if keep(a, "tag"):
            counts["tag"].update({t.casefold() for t in a.tags})
        if keep(a, "place"):
            counts["place"].update(ancestors(a))
        if keep(a, "site") and a.site:
            counts["site"][a.site.casefold()] += 1
    total = sum(1 for a in pool if keep(a, ""))
    return total, counts


def check(archive, articles, text: str, filters: Filters) -> None:
    """Every count the search returns equals the independent count, and nothing
    with a non-zero count is missing."""
    query = SearchQuery(text=text, filters=filters, facet_limit=NO_LIMIT, snippets=False)
    result = archive.search(query)
    matched = {hit.id for hit in archive.iter_hits(SearchQuery(text=text, snippets=False))}
    total, counts = expected_counts(articles, matched, filters)
    assert result.total == total

    facets = result.facets
    years = [v for v in facets["date"] if len(v.value) == 4]
    assert [v.value for v in years] == sorted(counts["year"])
    assert {v.value: v.count for v in years} == dict(counts["year"])
    open_years = {v[:4] for v in filters.dates}
    months = [v for v in facets["date"] if len(v.value) == 7]
    assert {v.value: v.count for v in months} == {
        m: c for m, c in counts["month"].items() if m[:4] in open_years
    }

    for name in ("tag", "site"):
        got = {v.value.casefold(): v.count for v in facets[name] if v.count}
        assert got == dict(counts[name]), name
        order = [(-v.count, v.label.casefold()) for v in facets[name] if v.count]
        assert order == sorted(order), f"{name} facet not largest first"

    countries = {k: c for k, c in counts["place"].items() if "/" not in k}
    got_countries = {v.value.casefold(): v.count for v in facets["place"] if "/" not in v.value}
    assert {k: c for k, c in got_countries.items() if c} == countries
    open_countries = {p.split("/")[0].casefold() for p in filters.places}
    inner = {
        k: c for k, c in counts["place"].items() if "/" in k and k.split("/")[0] in open_countries
    }
    got_inner = {v.value.casefold(): v.count for v in facets["place"] if "/" in v.value}
    assert {k: c for k, c in got_inner.items() if c} == inner

    selected = {
        "tag": {t.casefold() for t in filters.tags},
        "site": {s.casefold() for s in filters.sites},
        "place": {p.casefold() for p in filters.places},
        "date": set(filters.dates),
    }
    for name, values in facets.items():
        for v in values:
            key = v.value if name == "date" else v.value.casefold()
            assert v.selected == (key in selected[name]), (name, v)


# -- The cases ---------------------------------------------------------------------------


def top(counter: Counter, n: int = 1) -> list[str]:
    return [value for value, _ in counter.most_common(n)]


@pytest.fixture(scope="session")
def corpus_counts(news_articles):
    _total, counts = expected_counts(news_articles, {a.id for a in news_articles}, Filters())
    return counts


def test_browse_counts_are_exact(news_archive, news_articles, corpus_counts):
    assert corpus_counts["tag"] and corpus_counts["place"] and corpus_counts["site"]
    check(news_archive, news_articles, "", Filters())


def test_query_counts_are_exact(news_archive, news_articles):
    check(news_archive, news_articles, "government", Filters())
    check(news_archive, news_articles, '"white house" OR syria', Filters())


def test_each_facet_is_counted_without_its_own_filter(news_archive, news_articles, corpus_counts):
    tags = top(corpus_counts["tag"], 2)
    site = top(corpus_counts["site"])
    country = next(k for k, _ in corpus_counts["place"].most_common() if "/" not in k)
    for filters in (
        Filters(tags=tags[:1]),
        Filters(tags=tags),  # OR within a facet
        Filters(sites=site),
        Filters(places=[country]),
        Filters(dates=["2017"]),
        Filters(tags=tags[:1], dates=["2017"], sites=site),  # AND across facets
        Filters(tags=tags[:1], places=[country], date_from=date(2017, 1, 1)),
    ):
        check(news_archive, news_articles, "", filters)
    check(news_archive, news_articles, "trump", Filters(tags=tags[:1], places=[country]))


def test_drill_down_replaces_a_parent_by_its_selected_child(
    news_archive, news_articles, corpus_counts
):
    country_places = [k for k in corpus_counts["place"] if "/" in k]
    place = max(country_places, key=lambda k: corpus_counts["place"][k])
    country = place.split("/")[0]
    check(news_archive, news_articles, "", Filters(places=[country, place]))
    check(news_archive, news_articles, "", Filters(dates=["2017", "2017-02"]))
    narrowed = news_archive.search(SearchQuery(filters=Filters(dates=["2017", "2017-02"])))
    only_feb = news_archive.search(SearchQuery(filters=Filters(dates=["2017-02"])))
    assert narrowed.total == only_feb.total < news_archive.stats().articles


def test_values_match_case_insensitively_and_keep_their_display_form(news_archive, corpus_counts):
    tag = top(corpus_counts["tag"])[0]
    lower = news_archive.search(SearchQuery(filters=Filters(tags=[tag.lower()])))
    upper = news_archive.search(SearchQuery(filters=Filters(tags=[tag.upper()])))
    assert lower.total == upper.total == corpus_counts["tag"][tag]
    shown = next(v for v in lower.facets["tag"] if v.value.casefold() == tag)
    assert shown.selected and shown.value != shown.value.lower()  # "Politics", not "politics"


def test_labels_of_months_and_places(news_archive, corpus_counts):
    result = news_archive.search(SearchQuery(filters=Filters(dates=["2017"])))
    march = next(v for v in result.facets["date"] if v.value == "2017-03")
    assert march.label == "Mar 2017"
    place = next(k for k in corpus_counts["place"] if "/" in k)
    country = place.split("/")[0]
    result = news_archive.search(SearchQuery(filters=Filters(places=[country])))
    inner = [v for v in result.facets["place"] if "/" in v.value]
    assert inner and all(v.label == v.value.rsplit("/", 1)[1] for v in inner)


def test_an_unknown_filter_value_finds_nothing_but_stays_selected(news_archive):
    result = news_archive.search(SearchQuery(filters=Filters(tags=["No Such Tag"])))
    assert result.total == 0
    assert any(v.selected and v.count == 0 for v in result.facets["tag"])


def test_facet_limit_bounds_the_values(news_archive):
    result = news_archive.search(SearchQuery(facet_limit=3))
    assert len(result.facets["tag"]) == 3

"""The sparse path of a search (few matches: their documents looked up one by one)
answers exactly as the dense path (masks over every document) does: hits, order,
scores, totals, facet counts, stories, continued lists and relaxed queries.

The index is real: the 191 NewsArticles rows of ``tests/fixtures/news-articles-trends.csv``
plus wire copies of a few of them (the same text on another site: one story with
several versions). Each query runs twice on the same open archive, once with every
text query forced sparse and once with every one forced dense.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from indexer import Filters, SearchQuery
from indexer.api import TrendQuery
from indexer.whoosh import index_paths, open_index
from indexer.whoosh import search as whoosh_search
from indexer.whoosh.facets import filter_masks

FIXTURE = Path(__file__).parent / "fixtures" / "news-articles-trends.csv"
#: Rows that get wire copies, and how many each.
COPIES = {0: 2, 3: 1, 10: 1}

QUERIES = [
    "trump",
    "white house",
    '"white house"',
    "president OR congress",
    "trump NOT russia",
    "title:trump",
    "immigration ban court",
    "trump travel ban judge ruling",
    "zzqxv",
    "zzqxv trump",
    "presidnet",
    "trump*",
    "NOT trump",
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sparse-news")
    with FIXTURE.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    copies = [
        {**rows[i], "article_id": f"{rows[i]['article_id']}9{n}", "article_source_link": url}
        for i, count in COPIES.items()
        for n in range(count)
        for url in [f"https://wire{n}.example.com/{rows[i]['article_id']}"]
    ]
    for name, part in (("news", rows), ("copies", copies)):
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(part)
    index_dir = folder / "index"
    index_paths(index_dir, [folder])
    with open_index(index_dir) as opened:
        yield opened


def _variants(archive) -> list[SearchQuery]:
    browse = archive.search(SearchQuery(facets=True))
    tag = browse.facets["tag"][0].value
    place = browse.facets["place"][0].value
    filters = [Filters(), Filters(tags=[tag]), Filters(tags=[tag], places=[place])]
    return [
        SearchQuery(text=text, filters=f, page=page, sort=sort, versions=versions, facets=True)
        for text in QUERIES
        for f in filters
        for page, sort, versions in [
            (1, "relevance", "best"),
            (1, "relevance", "all"),
            (2, "newest", "best"),
            (1, "oldest", "all"),
        ]
    ]


def _answers(archive, queries: list[SearchQuery]) -> list:
    return [
        (archive.search(q), [h.id for h in archive.iter_hits(q)], archive.top_words(q))
        for q in queries
    ]


def test_the_sparse_path_answers_as_the_dense_one(archive, monkeypatch) -> None:
    queries = _variants(archive)
    monkeypatch.setattr(whoosh_search, "SPARSE_FRACTION", 0)  # every text query sparse
    snap = archive._current()
    chosen = archive._select(snap, SearchQuery(text="trump"), scored=True)
    assert chosen.match_ids is not None and chosen.matches is None
    sparse = _answers(archive, queries)
    sparse_trend = archive.trends(TrendQuery(queries=["trump", "white house"]))
    monkeypatch.setattr(whoosh_search, "SPARSE_FRACTION", 10**12)  # none
    chosen = archive._select(snap, SearchQuery(text="trump"), scored=True)
    assert chosen.match_ids is None and chosen.matches is not None
    dense = _answers(archive, queries)
    assert archive.trends(TrendQuery(queries=["trump", "white house"])) == sparse_trend
    # The workload is not trivial: stories, continued and relaxed lists, facets.
    results = [result for result, _ids, _words in dense]
    assert any(r.stories < r.total for r in results)
    assert any(r.relaxed is not None for r in results)
    assert any(h.others for r in results for h in r.hits)
    assert all(r.facets["tag"] for r in results if r.total)
    for query, got, expected in zip(queries, sparse, dense, strict=True):
        assert got == expected, query


def test_filter_masks_are_kept_and_cannot_be_changed(archive) -> None:
    data = archive._current().facets
    tag = archive.search(SearchQuery(facets=True)).facets["tag"][0].value
    first = filter_masks(data, Filters(tags=[tag]))["tag"]
    again = filter_masks(data, Filters(tags=[tag]))["tag"]
    assert first is again
    assert int(first.sum()) == archive.search(SearchQuery(filters=Filters(tags=[tag]))).total
    with pytest.raises(ValueError):
        first[0] = not first[0]


def test_cluster_members_are_the_live_documents_of_the_story(archive) -> None:
    data = archive._current().facets
    assert data.cluster is not None and len(data.cluster.keys) == len(COPIES)
    for code in range(len(data.cluster.keys)):
        expected = np.flatnonzero((data.cluster.codes == code) & data.alive)
        assert data.cluster_members(code).tolist() == expected.tolist()
        assert expected.size == data.cluster_sizes[code]


def test_table_lookups_answer_as_binary_searches(archive, monkeypatch) -> None:
    """Intersections and phrases look rows up in a document-sized table when both
    sides are large (:func:`indexer.whoosh.postings.rows_of`); forced on and off here,
    the answers are the same."""
    from indexer.whoosh import postings

    queries = [
        SearchQuery(text=text, versions="all", facets=True)
        for text in ["trump AND president", "trump NOT russia", "white house", '"white house"']
        + ["title:trump AND body:trump", "NOT trump", "trump travel ban"]
    ]
    monkeypatch.setattr(postings, "_DENSE_LOOKUP_MIN", 0)
    monkeypatch.setattr(postings, "_DENSE_LOOKUP_RATIO", 10**12)
    tables = [archive.search(q) for q in queries]
    monkeypatch.setattr(postings, "_DENSE_LOOKUP_MIN", 10**12)
    searches = [archive.search(q) for q in queries]
    assert all(r.total for r in searches)
    assert tables == searches
    keys = np.array([2, 5, 9], dtype=np.int32)
    for min_size in (0, 10**12):
        monkeypatch.setattr(postings, "_DENSE_LOOKUP_MIN", min_size)
        assert postings.rows_of(keys, np.array([1, 2, 9, 10]), 12).tolist() == [-1, 0, 2, -1]


def test_unions_reuse_their_buffers_and_leave_them_zero(archive) -> None:
    """Dense unions accumulate in two reused document-sized buffers: the answers are
    those of fresh arrays (taken while the buffers are busy), and the buffers are all
    zero again after each search."""
    scoring = archive._current().scoring
    queries = [
        SearchQuery(text=text, versions="all", facets=True)
        for text in ["trump", "president OR congress", "trump NOT russia", "white house"]
    ]
    reused = [archive.search(q) for q in queries]
    assert scoring._scratch is not None
    hit, dense = scoring._scratch
    assert not hit.any() and not dense.any()
    with scoring.scratch_lock:  # busy: every union takes fresh arrays
        fresh = [archive.search(q) for q in queries]
    assert all(r.total for r in fresh)
    assert reused == fresh


@pytest.mark.parametrize("text", ["trump NOT russia", "NOT russia AND trump", "NOT a NOT trump"])
def test_a_not_inside_an_and_answers_as_its_listed_complement(archive, text) -> None:
    """``x AND NOT y`` keeps the NOT as a mask; the documents and scores (the NOT adds
    1.0, in Whoosh's order of the parts) are those of intersecting its full list."""
    from whoosh import query as wq

    from indexer.whoosh import postings

    snap = archive._current()
    q = snap.parse(text).query
    assert isinstance(q, wq.And) and any(isinstance(s, wq.Not) for s in q.subqueries)
    got = postings.evaluate(q, snap.scoring, True)
    listed = [postings.evaluate(s, snap.scoring, True) for s in q.subqueries]
    expected = postings._intersection(listed, True, snap.scoring)
    assert got.ids.size
    assert got.ids.tolist() == expected.ids.tolist()
    assert got.scores is not None and expected.scores is not None
    assert got.scores.tolist() == expected.scores.tolist()


@pytest.mark.parametrize(
    "text",
    ["trump travel ban", "trump (president OR congress)", "immigration ban court NOT russia"],
)
def test_an_and_of_words_answers_as_intersecting_their_unions(archive, text) -> None:
    """Inside an ``AND``, each word's ``OR`` of fields is looked up at the documents the
    rarer parts kept, not united over the archive first: the documents and scores are
    those of intersecting the full unions."""
    from whoosh import query as wq

    from indexer.whoosh import postings

    snap = archive._current()
    q = snap.parse(text).query
    assert isinstance(q, wq.And)
    assert sum(postings._is_word_or(s) for s in q.subqueries) >= 2
    got = postings.evaluate(q, snap.scoring, True)
    listed = [
        postings._complement(s, snap.scoring)
        if isinstance(s, wq.Not)
        else postings.evaluate(s, snap.scoring, True)
        for s in q.subqueries
    ]
    expected = postings._intersection(listed, True, snap.scoring)
    assert got.ids.size
    assert got.ids.tolist() == expected.ids.tolist()
    assert got.scores is not None and expected.scores is not None
    assert got.scores.tolist() == pytest.approx(expected.scores.tolist(), rel=1e-12)
    unscored = postings.evaluate(q, snap.scoring, False)
    assert unscored.ids.tolist() == got.ids.tolist() and unscored.scores is None


def _record_phrase_lookups(monkeypatch) -> list[bool]:
    """Whether each phrase matched from now on is looked for in given documents only
    (True) or over the whole archive."""
    from indexer.whoosh import postings

    restricted: list[bool] = []
    matches = postings._phrase_matches

    def recording(q, index, within=None):
        restricted.append(within is not None)
        return matches(q, index, within)

    monkeypatch.setattr(postings, "_phrase_matches", recording)
    return restricted


def test_proximity_within_the_matches_scores_as_over_the_archive(archive, monkeypatch) -> None:
    """Once a searcher knows how many documents have a proximity pair, the pair is
    matched in the query's matches alone: the documents and bonuses are those of
    matching it over the whole archive, on the first search and on the next."""
    snap = archive._current()
    parsed = snap.parse("white house trump")
    assert parsed.proximity is not None
    snap.scoring.phrase_counts.clear()
    everywhere_docs, everywhere_bonus = whoosh_search._proximity_bonus(snap, parsed)
    assert everywhere_docs.size >= 4
    others = np.setdiff1d(np.arange(snap.scoring.size), everywhere_docs)[:5]
    within = np.union1d(everywhere_docs[::2], others)
    keep = np.isin(everywhere_docs, within)
    restricted = _record_phrase_lookups(monkeypatch)
    for first in (True, False):
        if first:
            snap.scoring.phrase_counts.clear()
        docs, bonus = whoosh_search._proximity_bonus(snap, parsed, within=within)
        assert docs.tolist() == everywhere_docs[keep].tolist()
        assert bonus.tolist() == everywhere_bonus[keep].tolist()
        assert snap.scoring.phrase_counts
    assert True in restricted and False in restricted


@pytest.mark.parametrize(
    "text", ["zzqxv trump travel", "white zzqxv house", "qqxzv trump zzqxv ban"]
)
def test_a_word_in_no_article_relaxes_as_counting_every_word_does(archive, monkeypatch, text):
    """A word no article has leaves the articles with all the others as the top rung:
    found by intersecting those words, the answer (hits, scores, totals, facets, the
    relaxed note) is that of counting every word's articles."""
    quick = []
    relax_past = whoosh_search._relax_past_absent_words

    def recording(*args):
        found = relax_past(*args)
        quick.append(found is not None)
        return found

    queries = [
        SearchQuery(text=text),
        SearchQuery(text=text, sort="newest", versions="all"),
        SearchQuery(text=text, filters=Filters(tags=["Politics"])),
    ]
    monkeypatch.setattr(whoosh_search, "_relax_past_absent_words", recording)
    intersected = [archive.search(q) for q in queries]
    assert quick and all(quick)
    monkeypatch.setattr(whoosh_search, "_relax_past_absent_words", lambda *args: None)
    counted = [archive.search(q) for q in queries]
    assert intersected[0].relaxed is not None and intersected[0].relaxed.absent
    assert intersected[0].total
    assert intersected == counted


def test_a_relaxed_query_scores_its_proximity_pairs_as_over_the_archive(archive, monkeypatch):
    """A relaxed query's few matches are handed to the proximity pairs as the documents
    to look in (once the pairs' counts are known): the answer is that of matching the
    pairs over the whole archive."""
    snap = archive._current()
    query = SearchQuery(text="white house zzqxv")
    snap.scoring.phrase_counts.clear()
    over_the_archive = archive.search(query)
    restricted = _record_phrase_lookups(monkeypatch)
    within_the_matches = archive.search(query)
    assert restricted and all(restricted)
    assert over_the_archive.relaxed is not None and over_the_archive.total
    assert within_the_matches == over_the_archive

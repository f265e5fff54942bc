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


def _blocks_read(monkeypatch) -> list[int]:
    """Where each block of postings decoded from now on starts in its file
    (:func:`indexer.whoosh.postings._read_blocks`)."""
    from indexer.whoosh import postings

    starts: list[int] = []
    read = postings._read_blocks

    def recording(matcher, at):
        starts.extend(at)
        return read(matcher, at)

    monkeypatch.setattr(postings, "_read_blocks", recording)
    return starts


def test_proximity_pairs_read_from_blocks_score_as_from_whole_postings(archive, monkeypatch):
    """A proximity pair is looked for in the given documents by reading just the
    blocks that hold them, kept for the next search; the documents and bonuses are
    those found from the words' whole postings (as a searcher that has them cached
    does), and those of looking in every document, kept to the given ones."""

    snap = archive._current()
    parsed = snap.parse("white house trump")
    assert parsed.proximity is not None
    everywhere_docs, everywhere_bonus = whoosh_search._proximity_bonus(
        snap, parsed, snap.scoring.all_ids()
    )
    assert everywhere_docs.size >= 4
    others = np.setdiff1d(np.arange(snap.scoring.size), everywhere_docs)[:5]
    within = np.union1d(everywhere_docs[::2], others)
    keep = np.isin(everywhere_docs, within)
    snap.scoring._terms.clear()
    snap.scoring._cached = 0
    snap.scoring._blocks.clear()
    read = _blocks_read(monkeypatch)
    answers = [whoosh_search._proximity_bonus(snap, parsed, within)]
    assert read
    read.clear()
    answers.append(whoosh_search._proximity_bonus(snap, parsed, within))
    assert not read, "the blocks were kept"
    snap.scoring._blocks.clear()
    for phrase in parsed.proximity.children():
        for word in phrase.words:
            snap.scoring.term(phrase.fieldname, word.encode(), positions=True)
    answers.append(whoosh_search._proximity_bonus(snap, parsed, within))
    assert not read, "the cached terms' positions were used"
    for docs, bonus in answers:
        assert docs.tolist() == everywhere_docs[keep].tolist()
        assert bonus.tolist() == everywhere_bonus[keep].tolist()


def test_a_pairs_documents_are_counted_or_estimated_from_a_sample(archive, monkeypatch):
    """A proximity pair's document count (its idf) is exact while the documents having
    both words fit in the sample: the count of Whoosh's own phrase matcher. Beyond, it
    is the share of a sample of them having the pair, scaled to all of them."""
    from indexer.whoosh import postings

    snap = archive._current()
    proximity = snap.parse("white house").proximity
    assert proximity is not None
    phrase = next(p for p in proximity.children() if p.fieldname == "body")
    matcher = phrase.matcher(snap.searcher)
    exact = 0
    while matcher.is_active():
        exact += snap.facets.alive[matcher.id()]
        matcher.next()
    white, house = (snap.scoring.term("body", w.encode()).ids for w in phrase.words)
    having = np.intersect1d(white, house)
    assert 10 < exact < having.size, "a pair not in every article having both words"
    snap.scoring.phrase_counts.clear()
    assert postings.phrase_documents(phrase, snap.scoring) == exact
    monkeypatch.setattr(postings, "PHRASE_SAMPLE", having.size // 2)
    snap.scoring.phrase_counts.clear()
    looked_in = []
    matches = postings._phrase_matches

    def recording(q, index, within=None):
        looked_in.append(within.size)
        return matches(q, index, within)

    monkeypatch.setattr(postings, "_phrase_matches", recording)
    estimate = postings.phrase_documents(phrase, snap.scoring)
    assert looked_in == [having.size // 2]
    assert abs(estimate - exact) <= exact / 2
    assert snap.scoring.phrase_counts[("body", tuple(phrase.words), phrase.slop)] == estimate
    # A sample without the pair says it is rare, not absent: ``house white``.
    from whoosh import query as wq

    reverse = wq.Phrase("body", phrase.words[::-1], slop=1)
    monkeypatch.setattr(postings, "PHRASE_SAMPLE", 2)
    sampled = postings._sample(having)
    assert sampled.size == 2 and np.isin(sampled, having).all()
    assert matches(reverse, snap.scoring, sampled) is None, "the sample lacks it"
    assert postings.phrase_documents(reverse, snap.scoring) == round(0.5 * having.size / 2) > 0


def test_a_sample_is_runs_of_neighbours_spread_over_the_documents(monkeypatch) -> None:
    """The documents a pair is counted among, beyond :data:`PHRASE_SAMPLE`: that many,
    sorted and unique, in a run of neighbours in the middle of each third."""
    from indexer.whoosh import postings

    monkeypatch.setattr(postings, "PHRASE_SAMPLE", 250)
    monkeypatch.setattr(postings, "PHRASE_SAMPLE_RUNS", 3)
    docs = np.arange(0, 30_000, 3, dtype=np.int32)
    sample = postings._sample(docs)
    assert sample.size == 250 and sample.dtype == np.int64
    assert (np.diff(sample) > 0).all() and np.isin(sample, docs).all()
    runs = np.split(sample, np.flatnonzero(np.diff(sample) != 3) + 1)
    assert [run.size for run in runs] == [84, 83, 83]
    thirds = np.searchsorted(docs, [run[0] for run in runs]) // (docs.size // 3)
    assert thirds.tolist() == [0, 1, 2]
    for uneven in (251, 257, 1003):
        monkeypatch.setattr(postings, "PHRASE_SAMPLE", uneven)
        assert np.unique(postings._sample(docs)).size == uneven
    few = docs[:100]
    assert postings._sample(few).tolist() == few.tolist()


def test_positions_read_for_some_documents_are_those_of_the_whole_list(
    tmp_path, monkeypatch
) -> None:
    """:meth:`~indexer.whoosh.postings.ScoringIndex.positions_within` decodes only the
    blocks that hold one of the wanted documents: what it returns is the whole list's
    postings and positions of them; with a cache too small to keep a block, the same."""
    import json

    from indexer.whoosh import postings

    rng = np.random.default_rng(3)
    words = ["river", "delta", "harbour", "rice", "flood"]
    with (tmp_path / "many.jsonl").open("w", encoding="utf-8") as out:
        for n in range(700):
            body = " ".join(rng.choice(words, size=int(rng.integers(3, 30))))
            record = {"id": f"a{n}", "title": f"Report {n}", "body": f"river {body}"}
            out.write(json.dumps(record) + "\n")
    index_paths(tmp_path / "index", [tmp_path / "many.jsonl"])
    with open_index(tmp_path / "index") as opened:
        scoring = opened._current().scoring
        for word in (b"river", b"flood"):
            monkeypatch.undo()
            whole = scoring.term("body", word, positions=True)
            assert whole.offsets is not None and whole.positions is not None
            scoring._terms.clear()
            everything = np.arange(scoring.size)
            blocks = 0
            for leafno, (leaf, _offset) in enumerate(scoring.leaves):
                if ("body", word) not in leaf:
                    continue
                maxids, starts = postings._block_table(postings._block_matcher(leaf, "body", word))
                # Reading the postings kept the same table, from the blocks it read.
                kept = scoring._recall(("blocks", leafno, "body", word))
                assert kept is not None
                assert kept[0].tolist() == maxids.tolist() and kept[1].tolist() == starts.tolist()
                blocks += maxids.size
            assert blocks > 3, "the word spans several blocks"
            for cache_bytes in (postings.BLOCK_CACHE_BYTES, 0):
                monkeypatch.setattr(postings, "BLOCK_CACHE_BYTES", cache_bytes)
                scoring._blocks.clear()
                scoring._terms.clear()
                for wanted in (
                    np.sort(rng.choice(everything, size=40, replace=False)),
                    np.array([0, 1, 2, 500]),
                    whole.ids[-3:].astype(np.int64),
                    everything,
                    np.array([], dtype=np.int64),
                ):
                    read = _blocks_read(monkeypatch)
                    got = scoring.positions_within("body", word, wanted)
                    rows = np.flatnonzero(np.isin(whole.ids, wanted))
                    assert got.ids.tolist() == whole.ids[rows].tolist()
                    for i, row in enumerate(rows.tolist()):
                        expected = whole.positions[whole.offsets[row] : whole.offsets[row + 1]]
                        found = got.positions[got.offsets[i] : got.offsets[i + 1]]
                        assert found.tolist() == expected.tolist()
                    assert len(read) <= blocks
                    if wanted.size == 4 and cache_bytes == 0:
                        assert 0 < len(read) < blocks  # blocks between were skipped
                    monkeypatch.undo()
                    monkeypatch.setattr(postings, "BLOCK_CACHE_BYTES", cache_bytes)


def test_only_the_best_scored_matches_gain_the_proximity_bonus(archive, monkeypatch):
    """The bonus is looked for in a query's best-scored matches alone (the window);
    the others keep their words' scores, and the order stays one total order: the
    window ranks first, and page 2 is the next slice of it."""
    monkeypatch.setattr(whoosh_search, "PROXIMITY_WINDOW", 4)
    text = "white house"
    snap = archive._current()
    parsed = snap.parse(text)
    from indexer.whoosh import postings

    base = postings.evaluate(parsed.query, snap.scoring, True)
    assert base.ids.size > 12 and base.scores is not None
    order = np.argsort(-base.scores, kind="stable")
    assert base.scores[order[3]] > base.scores[order[4]], "a tie at the window's edge"
    window = set(base.ids[order[:4]].tolist())
    by_doc = dict(zip(base.ids.tolist(), base.scores.tolist(), strict=True))
    numbers = {}
    for docnum in by_doc:
        numbers[snap.searcher.stored_fields(docnum)["doc"]["id"]] = docnum
    query = SearchQuery(text=text, versions="all", snippets=False)
    ranked = list(archive.iter_hits(query))
    assert len(ranked) == base.ids.size
    assert {numbers[h.id] for h in ranked[:4]} == window
    gained = 0
    for hit in ranked:
        docnum = numbers[hit.id]
        if docnum in window:
            gained += hit.score > by_doc[docnum] + 1e-9
        else:
            assert hit.score == pytest.approx(by_doc[docnum], rel=1e-12)
    assert gained
    pages = [
        archive.search(SearchQuery(text=text, versions="all", page=n, page_size=5)) for n in (1, 2)
    ]
    assert [h.id for p in pages for h in p.hits] == [h.id for h in ranked[:10]]


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

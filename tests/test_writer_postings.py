"""The project's segment writer stores the same postings as Whoosh's own.

indexer.whoosh.writer replaces three parts of Whoosh's SegmentWriter for speed (the field
lengths, the spilled runs of the posting pool, the posting loop with compression for
common words only), and its workers write a new segment whenever their pool is full
(flush by RAM). Searching reads what Whoosh wrote, so every term's postings and
statistics must come out as Whoosh's own writer makes them: spilled, flushed or not.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from whoosh import formats
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from archive import Article, read
from indexer.analysis import (
    DirectPositions,
    english_analyzer,
    is_english,
    plain_analyzer,
    site_analyzer,
)
from indexer.whoosh import index_paths
from indexer.whoosh import writer as project_writer
from indexer.whoosh.layout import Layout
from indexer.whoosh.schema import build_schema, parse_manifest, to_document
from indexer.whoosh.spelling import article_words


@pytest.fixture(scope="module")
def articles(demo: Path) -> list[Article]:
    found = []
    for path in sorted(demo.rglob("*")):
        if path.is_file():
            found.extend(a for a in read(path, root=demo) if isinstance(a, Article))
    assert len(found) > 300
    return found


def write_segment(folder: Path, writer_class, articles: list[Article], **options):
    folder.mkdir()
    ix = whoosh_index.create_in(folder, build_schema())
    writer = writer_class(ix, **options)
    for article in articles:
        # Each its own story: as a worker writes articles with no versions.
        writer.add_document(**to_document(article, "demo", cluster=article.id))
    writer.commit()
    return whoosh_index.open_dir(folder)


def write_flushed(folder: Path, articles: list[Article], limitmb: float):
    """The demo articles written as a worker writes them (:func:`_write_segments`, flush
    by RAM), committed as one index."""
    folder.mkdir()
    ix = whoosh_index.create_in(folder, build_schema())
    chunks = [[(a, "demo") for a in articles[i : i + 50]] for i in range(0, len(articles), 50)]
    written = project_writer._write_segments(ix, iter(chunks), limitmb)
    assert written.words
    segments = written.segments
    writer = SegmentWriter(ix)
    writer._close_segment()
    writer._commit_toc(segments)
    writer._finish()
    return whoosh_index.open_dir(folder), len(segments)


def postings_of(ix) -> dict:
    """Every term's statistics and postings (ids, weights, decoded values)."""
    out = {}
    with ix.reader() as reader:
        for fieldname, text in reader.all_terms():
            info = reader.term_info(fieldname, text)
            stats = (
                info.doc_frequency(),
                info.weight(),
                info.min_length(),
                info.max_length(),
                info.max_weight(),
                info.min_id(),
                info.max_id(),
            )
            matcher = reader.postings(fieldname, text)
            rows = []
            while matcher.is_active():
                rows.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            out[fieldname, text] = (stats, rows)
    return out


@pytest.mark.parametrize("limitmb", [256, 1], ids=["in memory", "spilled runs"])
def test_the_same_postings_as_whooshs_own_writer(tmp_path: Path, articles, limitmb) -> None:
    if limitmb == 1:
        # About 6,000 postings per run: several runs, several chunks per run.
        assert project_writer.RUN_CHUNK < 6_000
    stock = postings_of(write_segment(tmp_path / "stock", SegmentWriter, articles))
    ours_ix = write_segment(
        tmp_path / "ours", project_writer._SegmentWriter, articles, limitmb=limitmb
    )
    ours = postings_of(ours_ix)
    assert ours.keys() == stock.keys()
    different = [key for key in stock if ours[key] != stock[key]]
    assert not different, different[:5]
    # Long posting lists span several blocks: the block boundaries were exercised.
    assert max(len(rows) for _stats, rows in ours.values()) > 128


def test_segments_flushed_by_ram_hold_whooshs_postings(tmp_path: Path, articles) -> None:
    """A worker's pool, when full, becomes a segment: across all of them, every term's
    postings (global document numbers) and statistics are those of Whoosh's one
    segment."""
    stock = postings_of(write_segment(tmp_path / "stock", SegmentWriter, articles))
    ix, count = write_flushed(tmp_path / "ours", articles, limitmb=1)
    assert count >= 3  # several flushes, each at a document's end
    assert sum(s.doc_count() for s in ix._segments()) == len(articles)
    ours = postings_of(ix)
    assert ours.keys() == stock.keys()
    different = [key for key in stock if ours[key] != stock[key]]
    assert not different, different[:5]
    # One segment when the pool never fills: the same as before flushing existed.
    _ix, count = write_flushed(tmp_path / "one", articles, limitmb=256)
    assert count == 1


def test_a_workers_spelling_words_are_those_of_the_articles_text(tmp_path: Path, articles) -> None:
    """The worker collects the words for "did you mean" while it analyses the title and
    body fields: they must be every article's words, as found in its title, subtitle
    and body (:func:`article_words`), each counted once per article."""
    ix = whoosh_index.create_in(tmp_path, build_schema())
    chunks = [[(a, "demo") for a in articles[i : i + 50]] for i in range(0, len(articles), 50)]
    written = project_writer._write_segments(ix, iter(chunks), 1)
    expected: Counter = Counter()
    for article in articles:
        expected.update(article_words(article.title, article.subtitle, article.body))
    assert written.words == expected
    # English articles (the stemmed fields) and others (the plain fields) both.
    assert {is_english(a.language) for a in articles} == {True, False}


def test_workers_flush_by_ram_and_write_no_runs(tmp_path: Path, demo: Path, monkeypatch) -> None:
    """Through the real worker processes: a tiny pool gives many segments, no spilled
    run is ever written, and the index holds Whoosh's postings."""
    monkeypatch.setattr(project_writer, "CHUNK_ARTICLES", 20)
    monkeypatch.setattr(project_writer, "WORKER_LIMIT_MB", 1)
    monkeypatch.setattr(project_writer, "_worker_count", lambda: 2)
    runs: list[str] = []
    monkeypatch.setattr(
        project_writer._PostingPool, "_new_run", lambda self: runs.append("run") or 1 / 0
    )
    report = index_paths(tmp_path / "index", [demo], rebuild=True)
    layout = Layout(tmp_path / "index")
    pointer = layout.read_pointer()
    assert pointer is not None
    ix = whoosh_index.open_dir(layout.generation_dir(pointer.generation))
    assert len(ix._segments()) >= 4
    assert sum(s.doc_count() for s in ix._segments()) == report.articles
    assert not runs
    assert not list(layout.generation_dir(pointer.generation).rglob("*.run"))
    # Whoosh's own writer, given the same articles in the index's order.
    stored = [a for a in _articles_in_order(ix, demo)]
    stock = postings_of(write_segment(tmp_path / "stock", SegmentWriter, stored))
    ours = postings_of(ix)
    assert ours.keys() == stock.keys()
    different = [key for key in stock if ours[key] != stock[key]]
    assert not different, different[:5]


def _articles_in_order(ix, demo: Path) -> list[Article]:
    """The demo's articles in the index's document order."""
    by_id: dict[str, Article] = {}
    for path in sorted(demo.rglob("*")):
        if path.is_file():
            by_id.update((a.id, a) for a in read(path, root=demo) if isinstance(a, Article))
    with ix.reader() as reader:
        column = reader.column_reader("manifest")
        ids = [parse_manifest(column[n])[0] for n in range(reader.doc_count_all())]
    return [by_id[i] for i in ids]


def test_only_common_words_are_compressed(tmp_path: Path, articles) -> None:
    ix = write_segment(tmp_path / "ours", project_writer._SegmentWriter, articles)
    seen = {True: 0, False: 0}
    with ix.reader() as reader:
        for fieldname, text in reader.all_terms():
            info = reader.term_info(fieldname, text)
            if info.is_inlined():
                continue
            matcher = reader.postings(fieldname, text)
            compressed = bool(matcher._compression)
            assert compressed == (info.doc_frequency() >= project_writer.COMPRESS_POSTINGS)
            seen[compressed] += 1
    assert seen[True] and seen[False]


def test_direct_positions_give_whooshs_postings(articles) -> None:
    """DirectPositions analyses without a token stream; Whoosh's Positions format with
    the same analyzer is the reference, term by term, encodings included."""
    direct, reference = DirectPositions(), formats.Positions()
    analyzers = [english_analyzer(), plain_analyzer(), site_analyzer()]
    checked = 0
    for article in articles:
        # Two values in one field (as tags are stored) must leave the same gap.
        texts = [article.title, article.body, "\x1e".join(article.tags + article.places)]
        for text in texts:
            for analyzer in analyzers:
                ours = sorted(direct.word_values(text, analyzer))
                theirs = sorted(reference.word_values(text, analyzer))
                assert ours == theirs, (article.source_path, text[:60])
                checked += len(ours)
    assert checked > 100_000

"""Whole-lexicon term counts for top words: the vectorised read of Whoosh's term
dictionaries must give, for every term, what Whoosh's own ``doc_frequency`` says, over
several segments, deleted documents, other fields and non-ASCII terms; and the hash
must tell apart the terms a real lexicon holds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from indexer.analysis import english_analyzer, plain_analyzer
from indexer.termcounts import TermCounts, hash_terms, hash_texts
from indexer.whoosh.lexicon import _segment_slowly, read_term_counts
from indexer.whoosh.storage import open_mapped_index

FIELDS = {"body": 0, "body_plain": 1}


def _texts(demo: Path) -> list[str]:
    rows = [json.loads(line) for line in (demo / "news-articles.jsonl").open(encoding="utf-8")]
    return [f"{row['headline']}\n{row['content']}" for row in rows]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, demo: Path) -> Path:
    """Real demo articles in four segments (one commit each, never merged), some in the
    plain field with accented words, a few deleted."""
    folder = tmp_path_factory.mktemp("lexicon")
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=english_analyzer()),
        body=fields.TEXT(analyzer=english_analyzer()),
        body_plain=fields.TEXT(analyzer=plain_analyzer()),
    )
    ix = whoosh_index.create_in(str(folder), schema)
    texts = _texts(demo)
    seed = (demo / "seed").rglob("*")
    accented = [p.read_text(encoding="utf-8") for p in seed if p.is_file()]
    assert accented and not all(t.isascii() for t in accented)
    # Words that stay non-ASCII once folded (Cyrillic, Greek, Chinese; hand-made).
    accented[0] += "\nМосква и Санкт-Петербург. Ελλάδα και Αθήνα. 北京 上海"
    for part in range(4):
        writer = ix.writer()
        for i, text in enumerate(texts[part::4]):
            doc_id = f"{part}-{i}"
            title = text.split("\n", 1)[0]
            if i % 5 == 0:
                writer.add_document(id=doc_id, title=title, body_plain=text + accented[0])
            else:
                writer.add_document(id=doc_id, title=title, body=text)
        writer.commit(merge=False)
    writer = ix.writer()
    for doc_id in ("0-1", "1-2", "2-3"):
        writer.delete_by_term("id", doc_id)
    writer.commit(merge=False)
    assert len(ix._segments()) == 4
    return folder


@pytest.mark.parametrize("opened_by", ["mapped", "whoosh"])
def test_every_terms_count_is_whooshs_doc_frequency(index_dir: Path, opened_by: str) -> None:
    """Through the archive's mapped storage (as a snapshot reads) and Whoosh's own."""
    if opened_by == "mapped":
        ix = open_mapped_index(index_dir)
    else:
        ix = whoosh_index.FileIndex(FileStorage(str(index_dir)))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        counts = read_term_counts(reader, FIELDS)
        terms = [(tag, name, text) for name, tag in FIELDS.items() for text in reader.lexicon(name)]
        assert len(counts) == len(terms) > 3000
        assert any(not text.isascii() for _t, _n, text in terms)
        assert max(len(text) for _t, _n, text in terms) > 16  # several 8-byte reads
        got = counts.lookup([(tag, text.decode("utf-8")) for tag, _n, text in terms])
        expected = [searcher.doc_frequency(name, text) for _t, name, text in terms]
        assert got == expected
        # Another field's terms are not counted; unknown terms count 0.
        title_only = {t for t in reader.lexicon("title")} - {t for _g, _n, t in terms}
        assert title_only
        assert counts.lookup([(0, t.decode()) for t in title_only]) == [0] * len(title_only)
        assert counts.lookup([(0, "qqqzzzx"), (1, "qqqzzzx")]) == [0, 0]
        # Whoosh's public term iterator gives the same.
        slow = TermCounts.merge(_segment_slowly(leaf, FIELDS) for leaf, _ in reader.leaf_readers())
        assert np.array_equal(slow.hashes, counts.hashes)
        assert np.array_equal(slow.counts, counts.counts)


def test_terms_below_the_minimum_are_not_kept(index_dir: Path) -> None:
    with open_mapped_index(index_dir).searcher() as searcher:
        reader = searcher.reader()
        every = read_term_counts(reader, FIELDS)
        kept = read_term_counts(reader, FIELDS, minimum=2)
        assert 0 < len(kept) < len(every)
        assert int(kept.counts.min()) == 2
        assert kept.nbytes == 12 * len(kept)


def test_the_hash_tells_terms_and_fields_apart(demo: Path) -> None:
    words = sorted({w for text in _texts(demo) for w in text.lower().split()})
    words += ["đà", "nẵng", "a" * 8, "a" * 9, "a" * 16, "a" * 17, ""]
    hashes = hash_texts([(0, w) for w in words])
    assert len(set(hashes.tolist())) == len(words) > 5000
    other_field = hash_texts([(1, w) for w in words])
    assert not set(hashes.tolist()) & set(other_field.tolist())
    # A term's hash does not depend on the bytes around it.
    data = np.frombuffer(b"xxpresidentyy" + bytes(8), dtype=np.uint8)
    alone = hash_texts([(0, "president")])
    assert hash_terms(data, np.array([2]), np.array([9]), 0).tolist() == alone.tolist()
    with pytest.raises(ValueError, match="slack"):
        hash_terms(data[:14], np.array([2]), np.array([9]), 0)

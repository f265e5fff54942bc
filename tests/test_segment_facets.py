"""Each segment's facet postings, kept in a file beside it (indexer.whoosh.segment_facets).

The demo set is indexed in three runs (adding files, changing one, removing one), so
the index has several segments, deletions and perhaps a merge. After each run:

- every segment has its file, and no file outlives its segment;
- each file holds, for every facet field, exactly the live postings that Whoosh's own
  per-term API (``reader.postings``, which skips deleted documents) gives: the oracle;
- the facet columns a searcher builds from the files equal those it builds from the
  terms, and a missing or damaged file is read from the terms instead.
"""

from __future__ import annotations

import shutil
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from indexer.whoosh import facets, index_paths, segment_facets
from indexer.whoosh.layout import Layout
from indexer.whoosh.storage import open_mapped_index

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"


def _generation(index_dir: Path) -> Path:
    layout = Layout(index_dir)
    pointer = layout.read_pointer()
    assert pointer is not None
    return layout.generation_dir(pointer.generation)


def _oracle(reader, fieldname: str) -> dict[str, list[int]]:
    """``{term: live document numbers}`` by Whoosh's per-term API."""
    out = {}
    for term in reader.lexicon(fieldname):
        ids = sorted(reader.postings(fieldname, term).all_ids())
        if ids:
            out[term.decode("utf-8")] = ids
    return out


def _same_columns(a: facets.FacetData, b: facets.FacetData) -> None:
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "cache":
            continue
        if isinstance(x, (facets.MultiColumn, facets.SingleColumn)):
            for g in fields(x):
                u, v = getattr(x, g.name), getattr(y, g.name)
                if isinstance(u, np.ndarray):
                    np.testing.assert_array_equal(u, v, err_msg=f"{f.name}.{g.name}")
                else:
                    assert u == v, f"{f.name}.{g.name}"
        elif isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=f.name)
        else:
            assert x == y, f.name


def _check(index_dir: Path) -> None:
    directory = _generation(index_dir)
    ix = open_mapped_index(directory)
    try:
        with ix.reader() as reader:
            segment_ids = {leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()}
            files = {p.name[: -len(segment_facets.SUFFIX)] for p in directory.glob("*.npz")}
            assert files == segment_ids
            size = reader.doc_count_all()
            alive = np.zeros(size, dtype=bool)
            alive[list(reader.all_doc_ids())] = True
            stored = segment_facets.read_postings(reader, directory)
            for name in segment_facets.FACET_FIELDS:
                got = {t: ids.tolist() for t, ids in stored[name].live(alive).as_dict().items()}
                assert got == _oracle(reader, name), name
            _same_columns(
                facets.build_facet_data(reader, directory), facets.build_facet_data(reader, None)
            )
    finally:
        ix.close()


@pytest.fixture
def archive_files(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    shutil.copytree(DEMO, folder)
    return folder


def test_files_hold_the_live_postings_run_after_run(tmp_path, archive_files):
    index_dir = tmp_path / "index"
    reuters = archive_files / "reuters"
    held = tmp_path / "held"
    shutil.move(reuters, held)
    index_paths(index_dir, [archive_files])
    _check(index_dir)

    shutil.move(held, reuters)
    markdown = sorted((archive_files / "markdown").glob("*.md"))
    markdown[0].write_text(
        markdown[0].read_text(encoding="utf-8") + "\n\nA paragraph added later.\n",
        encoding="utf-8",
    )
    index_paths(index_dir, [archive_files])
    _check(index_dir)

    for page in sorted((archive_files / "html").glob("*.html"))[:2]:
        page.unlink()
    index_paths(index_dir, [archive_files])
    _check(index_dir)


def test_a_missing_or_damaged_file_is_read_from_the_terms(tmp_path, archive_files):
    index_dir = tmp_path / "index"
    index_paths(index_dir, [archive_files])
    directory = _generation(index_dir)
    ix = open_mapped_index(directory)
    try:
        with ix.reader() as reader:
            expected = facets.build_facet_data(reader, None)
            (first, *_rest) = sorted(directory.glob("*.npz"))
            first.write_bytes(b"not a zip file")
            _same_columns(facets.build_facet_data(reader, directory), expected)
            first.unlink()
            _same_columns(facets.build_facet_data(reader, directory), expected)
    finally:
        ix.close()


def test_clusters_learnt_after_writing_replace_the_segments_own():
    """``with_clusters`` moves the given documents from their own-id term to their
    story's, and the result is what reading such a segment's terms would give."""
    from indexer.whoosh.segment_facets import FieldPostings, with_clusters

    own = FieldPostings(
        np.array([b"a", b"b", b"c", b"d"]),
        np.array([0, 1, 2, 3, 4], dtype=np.int64),
        np.array([0, 1, 2, 3], dtype=np.int32),
    )
    moved = with_clusters(own, np.array([3, 1], dtype=np.int32), np.array([b"a", b"zz"]))
    assert moved.terms.tolist() == [b"a", b"c", b"zz"]
    assert moved.offsets.tolist() == [0, 2, 3, 4]
    assert moved.docs.tolist() == [0, 3, 2, 1]
    assert with_clusters(own, np.zeros(0, dtype=np.int32), np.zeros(0, dtype="S1")) is own

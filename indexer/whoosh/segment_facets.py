"""Each segment's facet postings, read once and kept in a file beside the segment.

Why: a searcher needs every document's day, tags, places, site, language and story
cluster as arrays (:mod:`indexer.whoosh.facets`). Read from Whoosh's term index, that
is a lookup and a postings read per term per segment: 8.6 s to open 100k articles
(97k story-cluster terms, 5 segments), about ten times that at 1M, paid by every
server process at start and again after every change to the index.

A segment never changes once written (deletions live in the TOC), so its facet
postings are read once, by the writer after its commit (:func:`save_missing`), and kept
as ``MAIN_<segment id>.facets.npz`` beside the segment. The name matches Whoosh's
segment-file pattern, so Whoosh's own clean-up deletes the file with its segment. A
searcher loads one file per segment and joins them (:func:`read_postings`); a segment
without one (an index written before this, or a writer killed between its commit and
the save) is read from its terms instead: the same postings, only slower. The index
format does not change, and nothing but NumPy arrays is stored (no pickles).

A segment an indexing worker writes (every one, before the run's story clusters are
known) names each article's own id as its cluster; the clusters the run learns at the
end are kept beside it (``MAIN_<id>.clusters.npz``, :func:`save_clusters`) and read in
their place.

Reading a segment's terms walks its term table in order (one sequential pass, no hash
lookup per term); a term in one or two documents is answered by its term info's first
and last document, so the postings file is opened only for the larger terms.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh.codec import whoosh3

from indexer.whoosh.postings import read_ids

#: The fields :func:`indexer.whoosh.facets.build_facet_data` reads.
FACET_FIELDS = (
    "day",
    "tod",
    "tag_key",
    "tag_label",
    "place_key",
    "place_label",
    "site_key",
    "site_label",
    "lang",
    "cluster",
)
#: Appended to a segment's id: ``MAIN_<id>.facets.npz``.
SUFFIX = ".facets.npz"
#: Appended to a segment's id: the story clusters its writer learnt after writing it
#: (:func:`save_clusters`).
CLUSTERS_SUFFIX = ".clusters.npz"
#: Bumped if what is stored changes; a file of another version is read from the terms.
FORMAT = 1


@dataclass(frozen=True)
class FieldPostings:
    """One field's postings: the documents of term ``i`` are
    ``docs[offsets[i]:offsets[i + 1]]``, deleted ones included (see :meth:`live`).
    Terms are UTF-8 bytes; joined across segments (:func:`join`), a term can appear
    once per segment."""

    terms: np.ndarray  # bytes (dtype "S")
    offsets: np.ndarray  # int64, len(terms) + 1
    docs: np.ndarray  # int32

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)

    def live(self, alive: np.ndarray) -> FieldPostings:
        """Without the deleted documents (a segment's file keeps them: deletions change
        after it is written), and without the terms left with none."""
        kept = alive[self.docs]
        if kept.all():
            return self
        term_of = np.repeat(np.arange(self.terms.size), self.sizes)[kept]
        counts = np.bincount(term_of, minlength=self.terms.size)
        present = counts > 0
        offsets = np.zeros(int(present.sum()) + 1, dtype=np.int64)
        np.cumsum(counts[present], out=offsets[1:])
        return FieldPostings(self.terms[present], offsets, self.docs[kept])

    def as_dict(self) -> dict[str, np.ndarray]:
        """``{term: document numbers}``, a term's parts from each segment joined (for
        fields of few terms: one Python step per term and segment)."""
        parts: dict[bytes, list[np.ndarray]] = {}
        for i, term in enumerate(self.terms.tolist()):
            parts.setdefault(term, []).append(self.docs[self.offsets[i] : self.offsets[i + 1]])
        return {
            term.decode("utf-8"): arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
            for term, arrays in parts.items()
        }


def _empty() -> FieldPostings:
    return FieldPostings(
        np.zeros(0, dtype="S1"), np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32)
    )


def _from_parts(terms: list[bytes], ids: list[np.ndarray]) -> FieldPostings:
    if not terms:
        return _empty()
    offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum([a.size for a in ids], out=offsets[1:])
    docs = np.concatenate(ids).astype(np.int32)
    return FieldPostings(np.array(terms, dtype=bytes), offsets, docs)


def read_field(leaf, fieldname: str) -> FieldPostings:
    """One field's postings in one segment reader, read from its terms."""
    if fieldname not in leaf.schema:
        return _empty()
    terms: list[bytes] = []
    ids: list[np.ndarray] = []
    table = getattr(leaf, "_terms", None)
    if not isinstance(table, whoosh3.W3TermsReader):  # another codec: the generic way
        for term in leaf.lexicon(fieldname):
            found = np.fromiter(leaf.postings(fieldname, term).all_ids(), dtype=np.int32)
            if found.size:
                terms.append(term)
                ids.append(found)
        return _from_parts(terms, ids)
    fieldformat = leaf.schema[fieldname].format
    for (name, term), info in table.items_from(fieldname, b""):
        if name != fieldname:
            break
        df = info.doc_frequency()
        if df == 0:
            continue
        if df <= 2 and info._minid is not None and info._maxid is not None:
            found = np.array([info._minid, info._maxid][:df], dtype=np.int32)
        else:
            matcher = leaf._codec.postings_reader(
                table._postfile, info, fieldformat, term=(fieldname, term)
            )
            found = read_ids(matcher)
        terms.append(term)
        ids.append(found)
    return _from_parts(terms, ids)


def read_segment(leaf) -> dict[str, FieldPostings]:
    """Every facet field's postings in one segment reader."""
    return {name: read_field(leaf, name) for name in FACET_FIELDS}


def path_for(directory: str | os.PathLike, segment_id: str) -> Path:
    return Path(directory) / f"{segment_id}{SUFFIX}"


def save(directory: str | os.PathLike, segment_id: str, postings: dict[str, FieldPostings]) -> None:
    """Write a segment's file atomically (a reader never sees half of one)."""
    arrays: dict[str, np.ndarray] = {"format": np.array([FORMAT])}
    for name, p in postings.items():
        arrays[f"{name}.terms"] = p.terms
        arrays[f"{name}.offsets"] = p.offsets
        arrays[f"{name}.docs"] = p.docs
    _save_npz(path_for(directory, segment_id), arrays, durable=False)


def _save_npz(final: Path, arrays: dict[str, np.ndarray], *, durable: bool) -> None:
    """Write ``arrays`` to ``final`` atomically (a reader never sees half a file);
    ``durable``: on disk before it is named (a file that is part of the index)."""
    temporary = final.with_name(final.name + ".tmp")
    with temporary.open("wb") as f:
        # (savez takes the arrays as keywords; none is named allow_pickle.)
        np.savez(f, **arrays)  # type: ignore[arg-type]
        if durable:
            f.flush()
            os.fsync(f.fileno())
    os.replace(temporary, final)


def load(directory: str | os.PathLike, segment_id: str) -> dict[str, FieldPostings] | None:
    """A segment's file, or None when there is none (or it is unreadable or of another
    format: the caller reads the terms instead)."""
    try:
        with np.load(path_for(directory, segment_id), allow_pickle=False) as npz:
            if int(npz["format"][0]) != FORMAT:
                return None
            return {
                name: FieldPostings(
                    npz[f"{name}.terms"], npz[f"{name}.offsets"], npz[f"{name}.docs"]
                )
                for name in FACET_FIELDS
            }
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def join(parts: list[tuple[FieldPostings, int]]) -> FieldPostings:
    """One field's postings of several segments, each document number moved by its
    segment's offset in the reader."""
    if not parts:
        return _empty()
    if len(parts) == 1 and parts[0][1] == 0:
        return parts[0][0]
    offsets = [np.zeros(1, dtype=np.int64)]
    base = 0
    for p, _offset in parts:
        offsets.append(p.offsets[1:] + base)
        base += int(p.offsets[-1])
    return FieldPostings(
        np.concatenate([p.terms for p, _offset in parts]),
        np.concatenate(offsets),
        np.concatenate([p.docs + np.int32(offset) for p, offset in parts]),
    )


def read_postings(reader, directory: str | os.PathLike | None) -> dict[str, FieldPostings]:
    """Every facet field's postings across a reader's segments: from each segment's
    file in ``directory`` where there is one, else from its terms; with the clusters
    a segment's writer learnt after writing it (:func:`save_clusters`)."""
    by_field: dict[str, list[tuple[FieldPostings, int]]] = {name: [] for name in FACET_FIELDS}
    for leaf, offset in reader.leaf_readers():
        segment = leaf.segment() if hasattr(leaf, "segment") else None
        if directory is None or segment is None:
            stored, learnt = None, None
        else:
            stored = load(directory, segment.segment_id())
            learnt = load_clusters(directory, segment.segment_id())
        postings = stored if stored is not None else read_segment(leaf)
        if learnt is not None:
            postings = {**postings, "cluster": with_clusters(postings["cluster"], *learnt)}
        for name in FACET_FIELDS:
            by_field[name].append((postings[name], offset))
    return {name: join(parts) for name, parts in by_field.items()}


def save_missing(ix, directory: str | os.PathLike) -> int:
    """Write the file of every segment of ``ix`` (an open Whoosh index in
    ``directory``) that has none; how many were written. Called by the writer after
    each commit: only the segments that commit made are read."""
    written = 0
    with ix.reader() as reader:
        for leaf, _offset in reader.leaf_readers():
            segment = leaf.segment()
            if path_for(directory, segment.segment_id()).exists():
                continue
            save(directory, segment.segment_id(), read_segment(leaf))
            written += 1
    return written


# -- Clusters learnt after a segment was written --------------------------------------


def clusters_path_for(directory: str | os.PathLike, segment_id: str) -> Path:
    return Path(directory) / f"{segment_id}{CLUSTERS_SUFFIX}"


def save_clusters(
    directory: str | os.PathLike, segment_id: str, docs: np.ndarray, clusters: list[str]
) -> None:
    """Keep the story clusters of documents ``docs`` of a segment written before they
    were known.

    Why: an indexing worker writes a segment each time its pool is full, and its last
    one when its articles end, all before the run's clusters are known (they depend on
    every article), so its segments name each article's own id as its cluster.
    Writing the articles that turn out to have versions again, with their cluster,
    took 10 of the 49 minutes of a 1M build (bench/RESULTS.md). Instead the writer
    keeps the right clusters here, beside the segment and before the run commits, and
    :func:`read_postings` puts them in place of the segment's own. Unlike the facet
    file this is part of the index, not a cache: a failure to write it fails the run
    (nothing is committed). The name matches Whoosh's segment-file pattern, so the file
    is deleted with its segment; segments are never merged here, so it stays true for
    the segment's life.
    """
    arrays = {
        "format": np.array([FORMAT]),
        "docs": np.asarray(docs, dtype=np.int32),
        "clusters": np.array([c.encode("utf-8") for c in clusters], dtype=bytes),
    }
    _save_npz(clusters_path_for(directory, segment_id), arrays, durable=True)


def load_clusters(
    directory: str | os.PathLike, segment_id: str
) -> tuple[np.ndarray, np.ndarray] | None:
    """``(docs, clusters)`` kept for a segment, or None when it has none. An unreadable
    file counts as none: each of those articles is then its own story until the next
    index run, which finds their clusters wrong and writes them again."""
    try:
        with np.load(clusters_path_for(directory, segment_id), allow_pickle=False) as npz:
            if int(npz["format"][0]) != FORMAT:
                return None
            return npz["docs"], npz["clusters"]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def with_clusters(postings: FieldPostings, docs: np.ndarray, clusters: np.ndarray) -> FieldPostings:
    """A segment's ``cluster`` postings with documents ``docs`` moved to ``clusters``
    (terms in order, each term's documents in order, as read from the terms)."""
    if docs.size == 0:
        return postings
    term_of = np.repeat(np.arange(postings.terms.size), postings.sizes)
    kept = ~np.isin(postings.docs, docs)
    terms = np.concatenate([postings.terms[term_of[kept]], clusters])
    found = np.concatenate([postings.docs[kept], docs.astype(np.int32)])
    order = np.argsort(found, kind="stable")
    order = order[np.argsort(terms[order], kind="stable")]
    terms, found = terms[order], found[order]
    names, starts = np.unique(terms, return_index=True)
    offsets = np.append(starts, terms.size).astype(np.int64)
    return FieldPostings(names, offsets, found.astype(np.int32))

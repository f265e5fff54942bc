"""Matching and BM25F scoring over whole posting lists read as NumPy arrays.

Why: Whoosh's matchers walk the postings one document at a time in Python (``next()``,
``id()``, ``score()`` per document and per query node). A search must visit every match
anyway (the totals and facet counts are exact), so at 100k articles a common word cost
Whoosh's matcher tree 100+ ms. Here each term's postings are read block by block (one
``zlib`` + ``pickle`` call per 128 postings, both in C), turned into arrays, and scored
in one vectorised BM25F expression; ``AND``/``OR``/``NOT`` become sorted-array set
operations. A phrase is checked only on the documents that contain all its words, with
the positions of those documents decoded in bulk.

The scores are Whoosh's own, to floating-point rounding: the same BM25F (B=0.75,
K1=1.2) with the same global idf (``log(N / (df + 1)) + 1``), average field length,
lossy field lengths, boosts, a phrase scored as the sum of its words' scores, ``NOT x``
scoring 1.0, and Whoosh's quirks kept (a one-term wildcard expansion ignores the boost;
a compound query with one child ignores its own boost). A query node this module does
not know raises :class:`Unsupported` and the caller uses Whoosh's matcher instead.
"""

from __future__ import annotations

import itertools
import pickle
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import overload

import numpy as np
from whoosh import columns
from whoosh import query as wq
from whoosh.codec import whoosh3
from whoosh.query import qcore
from whoosh.query.terms import MultiTerm

#: Memory for decoded term postings per open searcher (see :class:`ScoringIndex`).
TERM_CACHE_BYTES = 256 * 2**20
#: Phrases whose document count a searcher remembers (:func:`phrase_documents`).
PHRASE_COUNTS = 4096
#: A phrase's documents are counted among at most this many of those having its words
#: (:func:`phrase_documents`).
PHRASE_SAMPLE = 250
#: ... taken as this many runs of neighbouring documents (:func:`_sample`).
PHRASE_SAMPLE_RUNS = 3
#: Memory for the blocks of postings (positions included) that proximity windows read,
#: per open searcher (:meth:`ScoringIndex.positions_within`).
BLOCK_CACHE_BYTES = 64 * 2**20
#: BM25F parameters: Whoosh's defaults (``scoring.BM25F()``), which the index was
#: searched with before.
B = 0.75
K1 = 1.2

#: Whoosh's lossy field length encoding: byte -> length.
_BYTE_TO_LENGTH = np.asarray(whoosh3.byte_to_length.__self__, dtype=np.float64)
_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_SCORES = np.zeros(0, dtype=np.float64)
#: A union whose parts hold more than 1/this of the documents is added up densely.
_DENSE_FRACTION = 32
#: An intersection step looks the smaller side up in a document-sized table, not by a
#: binary search each, when the larger side has at most this many times its documents
#: (and it has :data:`_DENSE_LOOKUP_MIN` or more): a search each costs about
#: ``log2(larger)`` cache misses, the table one write per larger-side document.
_DENSE_LOOKUP_RATIO = 16
_DENSE_LOOKUP_MIN = 4096
#: Document numbers and positions packed into one sortable key for phrase checks.
_POS_BITS = 32


class Unsupported(Exception):
    """A query node this module does not evaluate; use Whoosh's matcher."""


@dataclass
class Match:
    """Sorted unique document numbers and, when scored, their scores."""

    ids: np.ndarray
    scores: np.ndarray | None

    @property
    def size(self) -> int:
        return int(self.ids.size)

    @classmethod
    def empty(cls, scored: bool) -> Match:
        return cls(_EMPTY_IDS, _EMPTY_SCORES if scored else None)


@dataclass
class _Postings:
    ids: np.ndarray  # int64, global document numbers, ascending
    weights: np.ndarray  # float64, the term frequency (times any index-time boost)
    #: Encoded positions of each posting (Whoosh's ``Positions`` format), when asked.
    values: list[bytes] | None


@dataclass
class TermPostings:
    """A term's postings as a searcher scores them, ready to combine."""

    ids: np.ndarray  # int32 document numbers, ascending
    scores: np.ndarray  # float64 BM25F score of each, boost not applied
    #: Where each posting's positions start in ``positions`` (len(ids) + 1), if read.
    offsets: np.ndarray | None = None
    positions: np.ndarray | None = None  # int32

    @property
    def nbytes(self) -> int:
        if self.offsets is None or self.positions is None:  # read together, or not at all
            return self.ids.nbytes + self.scores.nbytes
        extra = self.offsets.nbytes + self.positions.nbytes
        return self.ids.nbytes + self.scores.nbytes + extra


@dataclass
class _Positions:
    """Some of a term's postings (:meth:`ScoringIndex.positions_within`): where they
    are and the positions in each, without scores."""

    ids: np.ndarray  # int64 document numbers, ascending
    offsets: np.ndarray  # where each posting's positions start (len(ids) + 1)
    positions: np.ndarray  # int32


class ScoringIndex:
    """What scoring needs from one open searcher, read lazily and kept for its life:
    per-field length arrays, the segments with their document offsets, and the
    decoded, scored postings of recently used terms.

    Why a term cache: decoding Whoosh's pickled posting blocks costs about 1 µs per
    posting (the positions of every posting are unpickled with it), which is most of
    a common word's search time. A term's document numbers and BM25F scores never
    change while a searcher is open (idf, average and document lengths are fixed), so
    they are kept, least recently used first out, within ``cache_bytes`` (12 bytes per
    posting). This caches postings, not results: every search still combines, filters
    and counts its own matches. ``cache_bytes=0`` turns it off.
    """

    def __init__(self, searcher, alive: np.ndarray, cache_bytes: int = TERM_CACHE_BYTES):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.schema = searcher.schema
        self.alive = alive
        self.size = int(alive.size)
        self.leaves = list(self.reader.leaf_readers())
        self._lengths: dict[str, np.ndarray] = {}
        self._all: np.ndarray | None = None
        self.cache_bytes = cache_bytes
        self._terms: OrderedDict[tuple[str, bytes], TermPostings] = OrderedDict()
        self._cached = 0
        #: How many documents have each recently scored phrase (:func:`phrase_documents`).
        self.phrase_counts: OrderedDict[tuple, int] = OrderedDict()
        #: Blocks of postings and block tables read for proximity windows.
        self._blocks: OrderedDict[tuple, tuple] = OrderedDict()
        self._block_sizes: dict[tuple, int] = {}
        self._blocks_cached = 0
        #: Document-sized buffers for dense unions (:func:`_union`), all-zero between
        #: uses, and the lock of whoever uses them.
        self._scratch: tuple[np.ndarray, np.ndarray] | None = None
        self.scratch_lock = threading.Lock()

    def scratch(self) -> tuple[np.ndarray, np.ndarray]:
        """A zeroed mask and a zeroed score array over every document, reused; call
        holding :attr:`scratch_lock` and leave them all zero. Why: a fresh 8 MB array
        costs its page faults on every union of a common word at 1M articles."""
        if self._scratch is None:
            self._scratch = (np.zeros(self.size, dtype=bool), np.zeros(self.size))
        return self._scratch

    def term(self, fieldname: str, btext: bytes, positions: bool = False) -> TermPostings:
        """One term's document numbers and BM25F scores (boost not applied), with its
        positions too when ``positions``; from the cache when it is there."""
        key = (fieldname, btext)
        found = self._terms.get(key)
        if found is not None:
            self._terms.move_to_end(key)
            if not positions or found.positions is not None:
                return found
        postings = self.postings(fieldname, btext, values=positions)
        if found is None:
            found = TermPostings(
                postings.ids.astype(np.int32), self.bm25(fieldname, btext, postings)
            )
        else:
            self._cached -= found.nbytes
        if positions:
            assert postings.values is not None  # read with values=positions
            found.offsets, found.positions = _decode_positions(postings.values)
        if found.nbytes <= self.cache_bytes // 4:
            self._terms[key] = found
            self._cached += found.nbytes
            while self._cached > self.cache_bytes and self._terms:
                _key, old = self._terms.popitem(last=False)
                self._cached -= old.nbytes
        return found

    def positions_within(self, fieldname: str, btext: bytes, docs: np.ndarray) -> _Positions:
        """The term's postings of ``docs`` (sorted live document numbers) with their
        positions: from just the blocks whose document range holds one of ``docs``
        (the whole term when the term cache has its positions).

        Why: positions are most of a posting's bytes and unpickling them (about 1 µs a
        posting) most of a phrase's cost. A common word has hundreds of thousands of
        postings at 1M articles, of which a query's best few hundred documents touch a
        few hundred blocks of 128. The blocks read are kept, decoded (:meth:`_keep`),
        so the next page or filter of the same query reads none.
        """
        cached = self._terms.get((fieldname, btext))
        if cached is not None:
            self._terms.move_to_end((fieldname, btext))
            if cached.positions is not None:
                return _positions_of(cached, docs)
            # Its documents are known: read the blocks of those of ``docs`` alone.
            docs = docs[contains(cached.ids, docs)]
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for leafno, (leaf, offset) in enumerate(self.leaves):
            lo, hi = np.searchsorted(docs, (offset, offset + leaf.doc_count_all()))
            if lo == hi or (fieldname, btext) not in leaf:
                continue
            wanted = docs[lo:hi] - offset
            matcher = _block_matcher(leaf, fieldname, btext)
            if isinstance(matcher, whoosh3.W3LeafMatcher):
                table = ("blocks", leafno, fieldname, btext)
                maxids, starts = self._recall(table) or self._keep(table, _block_table(matcher))
                # Each wanted document's block: the first whose last document reaches it.
                blocks = np.unique(np.searchsorted(maxids, wanted))
                keys = [("block", leafno, at) for at in starts[blocks[blocks < maxids.size]]]
                read = [self._recall(key) for key in keys]
                missing = [i for i, block in enumerate(read) if block is None]
                if missing:
                    fresh = _read_blocks(matcher, [keys[i][2] for i in missing])
                    for i, block in zip(missing, fresh, strict=True):
                        read[i] = self._keep(keys[i], block)
            else:  # another codec: all at once
                ids, _weights, values = _read_matcher(matcher, values=True)
                read = [_decoded(ids, values)]
            if read:
                ids, counts, positions = (np.concatenate(part) for part in zip(*read, strict=True))
                ids, counts, positions = _select(ids, counts, positions, wanted)
                parts.append((ids + offset, counts, positions))
        if not parts:
            return _Positions(_EMPTY_IDS, np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32))
        ids, counts, positions = (np.concatenate(part) for part in zip(*parts, strict=True))
        return _Positions(ids, _offsets(counts), positions)

    def _recall(self, key: tuple) -> tuple | None:
        """A block or block table kept by :meth:`_keep`, or None."""
        found = self._blocks.get(key)
        if found is not None:
            self._blocks.move_to_end(key)
        return found

    def _keep(self, key: tuple, arrays: tuple) -> tuple:
        """Keep ``arrays`` (a block or block table) under ``key``, least recently used
        first out, within :data:`BLOCK_CACHE_BYTES`; returns them."""
        size = sum(array.nbytes for array in arrays)
        if size <= BLOCK_CACHE_BYTES // 4:
            self._blocks[key] = arrays
            self._block_sizes[key] = size
            self._blocks_cached += size
            while self._blocks_cached > BLOCK_CACHE_BYTES:
                old, _arrays = self._blocks.popitem(last=False)
                self._blocks_cached -= self._block_sizes.pop(old)
        return arrays

    def all_ids(self) -> np.ndarray:
        """Every live document number."""
        if self._all is None:
            self._all = np.flatnonzero(self.alive).astype(np.int64)
        return self._all

    def lengths(self, fieldname: str) -> np.ndarray:
        """Each document's (lossily stored) length of ``fieldname``, as Whoosh scores it."""
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            lengths = np.zeros(self.size, dtype=np.float64)
            for leaf, offset in self.leaves:
                codes = _length_codes(leaf, fieldname)
                if codes is None:
                    lengths[offset : offset + leaf.doc_count_all()] = 1.0  # Whoosh's default
                else:
                    lengths[offset : offset + codes.size] = _BYTE_TO_LENGTH[codes]
            self._lengths[fieldname] = lengths
        return lengths

    def postings(self, fieldname: str, btext: bytes, values: bool = False) -> _Postings:
        """The postings of one term across all segments."""
        ids_parts: list[np.ndarray] = []
        weight_parts: list[np.ndarray] = []
        value_parts: list[bytes] | None = [] if values else None
        for leafno, (leaf, offset) in enumerate(self.leaves):
            if (fieldname, btext) not in leaf:
                continue
            blocks: list[tuple[int, int]] = []
            matcher = _block_matcher(leaf, fieldname, btext)
            ids, weights, vals = _read_matcher(matcher, values, blocks)
            if blocks:  # the block table, known now (see :meth:`positions_within`)
                starts, counts = zip(*blocks, strict=True)
                table = (ids[np.cumsum(counts) - 1], np.asarray(starts, dtype=np.int64))
                self._keep(("blocks", leafno, fieldname, btext), table)
            if leaf.has_deletions():
                keep = self.alive[ids + offset]
                if not keep.all():
                    ids, weights = ids[keep], weights[keep]
                    if values:
                        vals = list(itertools.compress(vals, keep.tolist()))
            ids_parts.append(ids + offset if offset else ids)
            weight_parts.append(weights)
            if value_parts is not None:
                value_parts.extend(vals)
        if not ids_parts:
            return _Postings(_EMPTY_IDS, _EMPTY_SCORES, value_parts)
        if len(ids_parts) == 1:
            return _Postings(ids_parts[0], weight_parts[0], value_parts)
        return _Postings(np.concatenate(ids_parts), np.concatenate(weight_parts), value_parts)

    def bm25(self, fieldname: str, text, postings: _Postings) -> np.ndarray:
        """Whoosh's BM25F score of each posting (its ``BM25FScorer``)."""
        if not self.schema[fieldname].scorable:
            return postings.weights  # WeightScorer
        idf = self.searcher.idf(fieldname, text)
        avgfl = self.searcher.avg_field_length(fieldname) or 1
        tf = postings.weights
        fl = self.lengths(fieldname)[postings.ids]
        return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))


def _block_matcher(leaf, fieldname: str, btext: bytes):
    """A segment's own postings matcher for one term, deleted documents included (the
    caller drops them with the live mask). Whoosh wraps the matcher of a segment with
    deletions in a ``FilterMatcher``, which :func:`_read_matcher` can only walk one
    posting at a time: a segment with a few deletions searched ten times slower."""
    table = getattr(leaf, "_terms", None)
    if isinstance(table, whoosh3.W3TermsReader):
        return table.matcher(fieldname, btext, leaf.schema[fieldname].format)
    return leaf.postings(fieldname, btext)


def _length_codes(leaf, fieldname: str) -> np.ndarray | None:
    perdoc = getattr(leaf, "_perdoc", None)
    column = f"_{fieldname}_len"
    if perdoc is None or not perdoc.has_column(column):
        return None
    reader = perdoc._cached_reader(column, whoosh3.LENGTHS_COLUMN)
    if isinstance(reader, columns.NumericColumn.Reader) and reader._fixedlen == 1:
        # One byte a document, as written (the documents after the last stored one
        # have the default, 0): read in one slice, not a Python step per document,
        # which took seconds on the first search of a million articles.
        codes = np.zeros(len(reader), dtype=np.uint8)
        stored = reader._dbfile.get(reader._basepos, reader._count)
        codes[: len(stored)] = np.frombuffer(stored, dtype=np.uint8)
        return codes
    return np.fromiter(reader, dtype=np.uint8, count=len(reader))


def _read_matcher(
    matcher, values: bool, blocks: list[tuple[int, int]] | None = None
) -> tuple[np.ndarray, np.ndarray, list[bytes]]:
    """Every posting of a segment's term matcher: ids, weights and encoded values.

    Whoosh's own block reader (``W3LeafMatcher``) is walked block by block, reading its
    decoded block tuple ``(id deltas, weights, values)`` directly, and ``blocks`` (when
    given) gains where each block starts in the postings file and how many postings it
    holds; any other matcher is read the slow, generic way.
    """
    vals: list[bytes] = []
    if not isinstance(matcher, whoosh3.W3LeafMatcher):
        each_id: list[int] = []
        each_weight: list[float] = []
        while matcher.is_active():
            each_id.append(matcher.id())
            each_weight.append(matcher.weight())
            if values:
                vals.append(matcher.value())
            matcher.next()
        return np.asarray(each_id, dtype=np.int64), np.asarray(each_weight, dtype=np.float64), vals
    id_parts: list[tuple] = []
    weight_parts: list = []
    start = matcher._baseoffset
    while matcher.is_active():
        if blocks is not None:
            blocks.append((start, matcher._blocklength))
            start = matcher._nextoffset
        if values:
            if matcher._data is None:
                matcher._read_data()
            deltas, weights, block_values = matcher._data
        else:
            deltas, weights = _ids_and_weights(matcher)
        count = matcher._blocklength
        id_parts.append(deltas)
        if weights is None:
            weight_parts.append(np.ones(count))
        elif isinstance(weights, float):
            weight_parts.append(np.full(count, weights))
        else:
            weight_parts.append(weights)
        if values:
            vals.extend(block_values)
        matcher._next_block()
    # Ids are delta-encoded from 0 across each block (not across blocks).
    counts = [len(d) for d in id_parts]
    flat = np.fromiter(itertools.chain.from_iterable(id_parts), dtype=np.int64, count=sum(counts))
    ids = np.cumsum(flat)
    if len(counts) > 1:
        starts = np.cumsum(counts)[:-1]
        block_base = ids[starts - 1]
        ids -= np.repeat(np.concatenate(([0], block_base)), counts)
    weights = np.concatenate(
        [w if isinstance(w, np.ndarray) else np.asarray(w, dtype=np.float64) for w in weight_parts]
    )
    return ids, weights, vals


def _block_table(matcher) -> tuple[np.ndarray, np.ndarray]:
    """The last document number (the segment's) of each block of a term's postings and
    where each block starts in the postings file, read from the blocks' headers."""
    maxids: list[int] = []
    starts: list[int] = []
    start = matcher._baseoffset
    while matcher.is_active():
        maxids.append(matcher._maxid)
        starts.append(start)
        start = matcher._nextoffset
        matcher._next_block()
    return np.asarray(maxids, dtype=np.int64), np.asarray(starts, dtype=np.int64)


def _read_blocks(matcher, starts: list[int]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The blocks of postings at ``starts`` in the postings file, each :func:`_decoded`
    (their positions decoded together: one unpickling, not one a block)."""
    ids: list[np.ndarray] = []
    values: list[bytes] = []
    for start in starts:
        matcher._goto(start)
        matcher._read_data()
        deltas, _weights, block_values = matcher._data
        # Ids are delta-encoded from 0 within each block.
        ids.append(np.cumsum(np.asarray(deltas, dtype=np.int64)))
        values.extend(block_values)
    offsets, positions = _decode_positions(values)
    counts = np.diff(offsets).astype(np.int32)
    blocks = []
    first = 0
    for block_ids in ids:
        last = first + block_ids.size
        block_positions = positions[offsets[first] : offsets[last]]
        blocks.append((block_ids, counts[first:last].copy(), block_positions.copy()))
        first = last
    return blocks


def _positions_of(term: TermPostings, docs: np.ndarray) -> _Positions:
    """The postings of ``docs`` (sorted) of a term read with its positions."""
    assert term.offsets is not None and term.positions is not None, "read with positions"
    counts = np.diff(term.offsets)
    ids, counts, positions = _select(term.ids.astype(np.int64), counts, term.positions, docs)
    return _Positions(ids, _offsets(counts), positions)


def _offsets(counts: np.ndarray) -> np.ndarray:
    """Where each posting's positions start, given how many each has (and the end)."""
    offsets = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


def _decoded(ids: np.ndarray, values: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Postings as arrays: the document numbers, how many positions each has, and
    those positions, one posting after another."""
    offsets, positions = _decode_positions(values)
    return ids, np.diff(offsets).astype(np.int32), positions


def _select(ids: np.ndarray, counts: np.ndarray, positions: np.ndarray, wanted: np.ndarray):
    """The :func:`_decoded` postings of the ``wanted`` documents (sorted) alone."""
    rows = np.flatnonzero(contains(wanted, ids))
    starts = np.cumsum(counts, dtype=np.int64) - counts
    kept = counts[rows]
    return ids[rows], kept, positions[_ranges(starts[rows], kept)]


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``starts[0] .. starts[0] + counts[0] - 1``, then the next range, and so on, as
    one array: where every position of some postings is, in one NumPy expression."""
    total = int(counts.sum())
    return np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(total)


def read_ids(matcher) -> np.ndarray:
    """Every document number of a segment's term matcher, read a block at a time."""
    return _read_matcher(matcher, values=False)[0].astype(np.int32)


#: Where a block's pickled values start: the first value's ``_codecs.encode`` call.
#: (Protocol-2 pickles store each ``bytes`` value as ``_codecs.encode(str, "latin1")``,
#: a Python-level call per posting: that is what makes a full block decode slow.)
_VALUES_START = b"(c_codecs\nencode\n"
#: Decompressed bytes enough to hold a full block's ids and weights (128 x 5 + 128 x 9).
_HEAD_BYTES = 2048


def _ids_and_weights(matcher) -> tuple:
    """A block's ``(id deltas, weights)`` without unpickling its values.

    The block is the pickle of ``(ids, weights, values)``; the values (positions) are
    most of its bytes and nearly all of its decoding time, and only phrases need them.
    The pickle is cut where the values begin and closed as a 2-tuple (``TUPLE2 STOP``),
    decompressing only as far as needed. If the cut does not give a block's worth of
    ids, the whole block is decoded the ordinary way.
    """
    raw = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
    if matcher._compression:
        stream = zlib.decompressobj()
        data = stream.decompress(raw, _HEAD_BYTES)
        cut = data.find(_VALUES_START)
        if cut < 0 and stream.unconsumed_tail:
            data += stream.decompress(stream.unconsumed_tail)
            cut = data.find(_VALUES_START)
    else:
        data = bytes(raw)
        cut = data.find(_VALUES_START)
    if cut > 0:
        try:
            deltas, weights = pickle.loads(data[:cut] + b"\x86.")  # noqa: S301 - our index
            if len(deltas) == matcher._blocklength:
                return deltas, weights
        except Exception:  # noqa: BLE001, S110 - fall back to the full decode below
            pass
    if matcher._data is None:
        matcher._read_data()
    return matcher._data[0], matcher._data[1]


# -- Evaluating a query tree -------------------------------------------------------------


def evaluate(q: qcore.Query, index: ScoringIndex, scored: bool) -> Match:
    """The documents ``q`` matches (not yet restricted to live ones) and their scores."""
    if isinstance(q, wq.Term):
        return _term(q.fieldname, q.text, q.boost, index, scored)
    if isinstance(q, wq.Phrase):
        return _phrase(q, index, scored)
    if isinstance(q, wq.Not):
        return _not(q, index, scored)
    if isinstance(q, wq.AndNot):
        positive = evaluate(q.a, index, scored)
        negative = evaluate(q.b, index, False)
        return _difference(positive, negative.ids, index.size)
    if isinstance(q, wq.And | wq.Or) and type(q) in (wq.And, wq.Or):
        return _compound(q, index, scored)
    if isinstance(q, MultiTerm) and type(q) in (wq.Prefix, wq.Wildcard, wq.FuzzyTerm):
        return _multi_term(q, index, scored)
    if q is qcore.NullQuery or isinstance(q, qcore._NullQuery):
        return Match.empty(scored)
    if isinstance(q, wq.Every) and q.fieldname in (None, "", "*"):
        ids = index.all_ids()
        return Match(ids, np.ones(ids.size) if scored else None)
    raise Unsupported(type(q).__name__)


def _term(fieldname: str, text, boost: float, index: ScoringIndex, scored: bool) -> Match:
    if fieldname not in index.schema:
        return Match.empty(scored)
    field = index.schema[fieldname]
    try:
        btext = field.to_bytes(text)
    except ValueError:
        return Match.empty(scored)
    found = index.term(fieldname, btext)
    ids, scores = found.ids, found.scores
    if not scored:
        return Match(ids, None)
    if boost != 1.0:
        scores = scores * boost
    return Match(ids, scores)


def _multi_term(q: MultiTerm, index: ScoringIndex, scored: bool) -> Match:
    words = [w for w in q._btexts(index.reader) if w]
    if not words:
        return Match.empty(scored)
    if len(words) == 1:
        # As Whoosh: a single expansion is a plain Term, without the pattern's boost.
        return _term(q.fieldname, words[0], 1.0, index, scored)
    parts = [_term(q.fieldname, w, 1.0, index, scored) for w in words]
    return _boosted(_union(parts, scored, index), q.boost)


def _compound(q: wq.CompoundQuery, index: ScoringIndex, scored: bool) -> Match:
    subs = q.subqueries
    if not subs:
        return Match.empty(scored)
    if len(subs) == 1:
        # As Whoosh's CompoundQuery.matcher: the child alone, the group's boost unused.
        return evaluate(subs[0], index, scored)
    if isinstance(q, wq.Or):
        if q.scale or getattr(q, "minmatch", 0):
            raise Unsupported("Or with coordination")
        return _boosted(_union([evaluate(s, index, scored) for s in subs], scored, index), q.boost)
    parts: list[Match | _Complement | _Alternatives] = []
    for sub in subs:
        part: Match | _Complement | _Alternatives
        if isinstance(sub, wq.Not):
            part = _complement(sub, index)
        elif _is_word_or(sub):
            part = _alternatives(sub, index, scored)
        else:
            part = evaluate(sub, index, scored)
        if part.size == 0:
            return Match.empty(scored)
        parts.append(part)
    return _boosted(_intersection(parts, scored, index), q.boost)


def _is_word_or(q: qcore.Query) -> bool:
    """A plain ``OR`` of terms, or of such ``OR``s: how the parser writes a word (one
    term per field and form) or a group of alternative words."""
    return (
        type(q) is wq.Or
        and len(q.subqueries) > 1
        and not q.scale
        and not getattr(q, "minmatch", 0)
        and all(type(s) is wq.Term or _is_word_or(s) for s in q.subqueries)
    )


@dataclass
class _Alternatives:
    """An ``OR`` of words inside an ``AND``, its terms read but not yet united.

    Why: united, a common word is most of the archive only to be intersected with a
    rarer side (``hurricane said`` at 1M: 17 ms to unite the 901k articles with
    ``said``, for the 3.3k that also have ``hurricane``). Unless it is the rarest part,
    each of its terms is instead looked up at the documents the intersection has kept
    so far (:meth:`lookup`). The scores are the union's, added in the same order.
    """

    query: wq.Or
    children: list[Match | _Alternatives]

    @property
    def size(self) -> int:
        """At most this many documents (the sum of the children's): the order in which
        an intersection takes its parts."""
        return sum(child.size for child in self.children)

    def match(self, scored: bool, index: ScoringIndex) -> Match:
        """The union, as :func:`_compound` evaluates the ``OR``."""
        parts = [c.match(scored, index) if isinstance(c, _Alternatives) else c for c in self]
        return _boosted(_union(parts, scored, index), self.query.boost)

    def lookup(self, ids: np.ndarray, scored: bool, size: int):
        """Which of ``ids`` (sorted document numbers) this matches, as a mask over
        them, and (when ``scored``) the score of each (0 where it does not match)."""
        found = np.zeros(ids.size, dtype=bool)
        scores = np.zeros(ids.size) if scored else None
        for child in self:
            if isinstance(child, _Alternatives):
                inside, child_scores = child.lookup(ids, scored, size)
                if scores is not None:
                    scores[inside] += child_scores[inside]
            else:
                at = rows_of(child.ids, ids, size)
                inside = at >= 0
                if scores is not None:
                    scores[inside] += _scores(child)[at[inside]]
            found |= inside
        if scores is not None and self.query.boost != 1.0:
            scores *= self.query.boost
        return found, scores

    def __iter__(self):
        """The children that match anything (a union skips the others)."""
        return (child for child in self.children if child.size)


def _alternatives(q: wq.Or, index: ScoringIndex, scored: bool) -> _Alternatives:
    children: list[Match | _Alternatives] = [
        _alternatives(s, index, scored) if _is_word_or(s) else evaluate(s, index, scored)
        for s in q.subqueries
    ]
    return _Alternatives(q, children)


def match_present(groups: list[qcore.Query], index: ScoringIndex, scored: bool):
    """``(match, absent)``: the documents having every one of ``groups`` that some
    document has, and the positions of those no document has; None when each group
    has some document, or one is not a term or a plain ``OR`` of terms.

    Each document's score is the sum of its groups' scores in the groups' order (as a
    count of the words each document has adds them up). Why: a query's word that is
    in no article (a typo no article makes) leaves the articles having all the others
    as the top rung of the minimum-should-match ladder, found by one intersection
    instead of counting every word's articles over the archive.
    """
    parts: list[Match | _Alternatives] = []
    absent = []
    for position, group in enumerate(groups):
        if _is_word_or(group):
            part: Match | _Alternatives = _alternatives(group, index, scored)
        elif type(group) is wq.Term:
            part = evaluate(group, index, scored)
        else:
            return None
        if part.size:
            parts.append(part)
        else:
            absent.append(position)
    if not absent or not parts:
        return None
    ids = _intersection(list(parts), False, index).ids
    if not scored:
        return Match(ids, None), absent
    scores = np.zeros(ids.size)
    for part in parts:
        if isinstance(part, _Alternatives):
            scores += part.lookup(ids, True, index.size)[1]
        else:
            scores += _scores(part)[rows_of(part.ids, ids, index.size)]
    return Match(ids, scores), absent


@dataclass
class _Complement:
    """A ``NOT`` inside an ``AND``: every live document outside its child, scoring 1.0,
    kept as a mask. Why: listed, it is nearly the whole archive (950k numbers at 1M for
    ``trump NOT putin``) only to be intersected with the other side; as a mask the
    intersection is one lookup per document of the other side."""

    keep: np.ndarray  # bool per document: live and outside the child
    count: int

    @property
    def size(self) -> int:
        return self.count

    def match(self, scored: bool) -> Match:
        ids = np.flatnonzero(self.keep)
        return Match(ids, np.ones(ids.size) if scored else None)


def _complement(q: wq.Not, index: ScoringIndex) -> _Complement:
    inner = evaluate(q.query, index, False)
    # A mask over every document, not ``np.isin`` (a sort of both: 30 ms at 1M).
    keep = index.alive.copy()
    keep[inner.ids] = False
    removed = int(np.count_nonzero(index.alive[inner.ids])) if inner.ids.size else 0
    return _Complement(keep, index.all_ids().size - removed)


def _not(q: wq.Not, index: ScoringIndex, scored: bool) -> Match:
    """Every live document outside the child, scoring 1.0 (Whoosh's InverseMatcher)."""
    return _complement(q, index).match(scored)


def _boosted(match: Match, boost: float) -> Match:
    if boost == 1.0 or match.scores is None:
        return match
    return Match(match.ids, match.scores * boost)


def _union(parts: list[Match], scored: bool, index: ScoringIndex) -> Match:
    parts = [p for p in parts if p.ids.size]
    if not parts:
        return Match.empty(scored)
    if len(parts) == 1:
        return parts[0]
    size = index.size
    total = sum(p.ids.size for p in parts)
    if total * _DENSE_FRACTION > size:
        if not index.scratch_lock.acquire(blocking=False):  # in use: fresh arrays
            return _dense_union(parts, scored, np.zeros(size, dtype=bool), np.zeros(size))
        hit, dense = index.scratch()
        try:
            found = _dense_union(parts, scored, hit, dense)
            # The buffers stay all zero for the next union: only these were written.
            hit[found.ids] = False
            dense[found.ids] = 0.0
            return found
        except BaseException:
            hit[:] = False
            dense[:] = 0.0
            raise
        finally:
            index.scratch_lock.release()
    all_ids = np.concatenate([p.ids for p in parts])
    ids, inverse = np.unique(all_ids, return_inverse=True)
    if not scored:
        return Match(ids, None)
    scores = np.zeros(ids.size)
    np.add.at(scores, inverse, np.concatenate([_scores(p) for p in parts]))
    return Match(ids, scores)


def _dense_union(parts: list[Match], scored: bool, hit: np.ndarray, dense: np.ndarray) -> Match:
    """Many matches: accumulate over document-sized arrays (all zero on entry; no
    sort). Each part's ids are unique, so ``+=`` through fancy indexing adds once per
    document; only the documents of ``parts`` are written."""
    for p in parts:
        hit[p.ids] = True
        if scored:
            dense[p.ids] += _scores(p)
    hit_ids = np.flatnonzero(hit)
    return Match(hit_ids, dense[hit_ids] if scored else None)


def _intersection(
    parts: list[Match | _Complement | _Alternatives], scored: bool, index: ScoringIndex
) -> Match:
    # Smallest first: each step's cost follows the smaller side (a NOT's size is that of
    # what it matches, so the order, and the order scores are added in, is Whoosh's).
    size = index.size
    parts = sorted(parts, key=lambda p: p.size)
    first = parts[0]
    if isinstance(first, _Complement):
        first = first.match(scored)
    elif isinstance(first, _Alternatives):
        first = first.match(scored, index)
    ids = first.ids
    scores = _scores(first).copy() if scored else None
    for part in parts[1:]:
        if isinstance(part, _Alternatives):
            inside, part_scores = part.lookup(ids, scored, size)
            ids = ids[inside]
            if scores is not None and part_scores is not None:
                scores = scores[inside] + part_scores[inside]
            if ids.size == 0:
                break
            continue
        if isinstance(part, _Complement):
            inside = part.keep[ids]
            ids = ids[inside]
            if scores is not None:
                scores = scores[inside] + 1.0  # the NOT's score (Whoosh's InverseMatcher)
            if ids.size == 0:
                break
            continue
        at = rows_of(part.ids, ids, size)
        inside = at >= 0
        ids = ids[inside]
        if scores is not None:
            scores = scores[inside] + _scores(part)[at[inside]]
        if ids.size == 0:
            break
    return Match(ids, scores)


def rows_of(keys: np.ndarray, wanted: np.ndarray, size: int) -> np.ndarray:
    """Where each of ``wanted`` is in ``keys`` (both sorted document numbers below
    ``size``), -1 where it is not.

    A binary search each, or, when both sides are large (:data:`_DENSE_LOOKUP_RATIO`),
    a document-sized table of rows: a search costs about ``log2(keys)`` cache misses a
    document (an intersection of 480k and 950k documents took 32 ms, the table 7).
    """
    if keys is wanted:
        return np.arange(keys.size)
    if keys.size == 0:
        return np.full(wanted.size, -1, dtype=np.int64)
    if wanted.size >= _DENSE_LOOKUP_MIN and wanted.size * _DENSE_LOOKUP_RATIO >= keys.size:
        table = np.full(size, -1, dtype=np.int32)
        table[keys] = np.arange(keys.size, dtype=np.int32)
        return table[wanted]
    where = np.searchsorted(keys, wanted)
    where[where == keys.size] = keys.size - 1
    return np.where(keys[where] == wanted, where, -1)


def _scores(match: Match) -> np.ndarray:
    """The scores of a match evaluated with ``scored=True``, where every part has them
    (a ``Match`` from ``scored=False`` has none)."""
    assert match.scores is not None, "scores of an unscored match"
    return match.scores


def _difference(match: Match, remove: np.ndarray, size: int) -> Match:
    if remove.size == 0 or match.ids.size == 0:
        return match
    # A mask over every document, not ``np.isin`` (a sort of both).
    removed = np.zeros(size, dtype=bool)
    removed[remove] = True
    keep = ~removed[match.ids]
    return Match(match.ids[keep], match.scores[keep] if match.scores is not None else None)


# -- Phrases ---------------------------------------------------------------------------


def _phrase(q: wq.Phrase, index: ScoringIndex, scored: bool) -> Match:
    """Documents with the words in order, each within ``slop`` of the one before.

    Whoosh's ``SpanNear2(ordered=True, mindist=1)``: the phrase grows as a span, and the
    next word must start 1..slop positions after the span's end. Scored as Whoosh
    scores it: the sum of the words' BM25F scores, times the phrase's boost.
    """
    found = _phrase_matches(q, index)
    if found is None:
        return Match.empty(scored)
    terms, rows, ids, _counts = found
    if not scored:
        return Match(ids, None)
    scores = np.zeros(ids.size)
    for term, r in zip(terms, rows, strict=True):
        scores += term.scores[r]
    if q.boost != 1.0:
        scores *= q.boost
    return Match(ids, scores)


@overload
def idf(index: ScoringIndex, documents: int) -> float: ...
@overload
def idf(index: ScoringIndex, documents: np.ndarray) -> np.ndarray: ...
def idf(index: ScoringIndex, documents: int | np.ndarray) -> float | np.ndarray:
    """Whoosh's idf of a word (or pair) that ``documents`` documents have:
    ``log(N / (df + 1)) + 1``, N counting every document, deleted ones too (as
    Whoosh's own scorer does). ``documents`` may be a number or an array."""
    return np.log(index.searcher.doc_count_all() / (documents + 1)) + 1


def phrase_as_term(q: wq.Phrase, index: ScoringIndex, within: np.ndarray) -> Match:
    """The documents of ``within`` (sorted live document numbers) with the phrase, each
    scored as if the phrase were one term: BM25 of how often it occurs there, with the
    idf of how many documents have it (Whoosh's ``log(N / (df + 1)) + 1``,
    :func:`phrase_documents`), times the phrase's boost.

    Why not :func:`_phrase`'s sum of the words' scores: that measures the words, which
    the article's score already counts, not the evidence that they stand together. A
    common pair (``white house``) is weak evidence of a name looked for; a rare pair
    (``kuala lumpur``, or two body words that seldom meet) is strong. This is the
    bigram feature of the sequential dependence model (Metzler and Croft, 2005): the
    ordered pair with its own collection statistics. (Lucene weighs a phrase by the sum
    of its words' idf, which needs no count: tried, it ranked the articles looked for
    by a name below others with the name, bench/RESULTS.md.)
    """
    documents = phrase_documents(q, index)
    found = _phrase_matches(q, index, within) if documents else None
    if found is None:
        return Match.empty(True)
    _terms, _rows, ids, counts = found
    documents = max(documents, ids.size)  # an estimate may fall short of what is seen
    weight = idf(index, documents)
    avgfl = index.searcher.avg_field_length(q.fieldname) or 1
    fl = index.lengths(q.fieldname)[ids]
    tf = counts.astype(np.float64)
    scores = weight * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
    return Match(ids, scores * q.boost if q.boost != 1.0 else scores)


def phrase_documents(q: wq.Phrase, index: ScoringIndex) -> int:
    """How many live documents have the phrase: counted when at most
    :data:`PHRASE_SAMPLE` documents have all its words, else estimated from that many of
    them (:func:`_sample`), as the share of them having the phrase times how many have
    all its words (half a document's share when none of the sample has it: never 0,
    which would drop the pair).

    Why an estimate: counting means looking for the phrase in every document having
    its words, which reads the positions of most blocks of two common words (at 1M
    articles, 1.8 s of a 2.3 s first search of ``white house lady``); which documents
    have the words is known from their postings without positions (in the term cache
    after the query's own matching), and runs of neighbours touch few blocks. The
    count only sets the pair's idf, a logarithm: a count off by a fifth moves it by 0.2
    (of 3 to 14). On the tuning half of ``python -m bench.relevance`` a sample of 250
    ranks as counting every pair does. The searcher remembers the counts
    (:data:`PHRASE_COUNTS` phrases).
    """
    key = (q.fieldname, tuple(q.words), q.slop)
    documents = index.phrase_counts.get(key)
    if documents is not None:
        index.phrase_counts.move_to_end(key)
        return documents
    documents = 0
    words = _phrase_words(q, index)
    if words:
        having: np.ndarray | None = None
        for word in words:
            ids = index.term(q.fieldname, word).ids
            having = ids if having is None else having[contains(ids, having)]
        if having is not None and having.size:
            sample = _sample(having)
            found = _phrase_matches(q, index, sample)
            documents = 0 if found is None else found[2].size
            if sample.size < having.size:
                # None in the sample says fewer than one in it, not none: a rare pair
                # is strong evidence, and must still be looked for.
                documents = round(max(documents, 0.5) * having.size / sample.size)
    index.phrase_counts[key] = documents
    while len(index.phrase_counts) > PHRASE_COUNTS:
        index.phrase_counts.popitem(last=False)
    return documents


def _sample(docs: np.ndarray) -> np.ndarray:
    """:data:`PHRASE_SAMPLE` of ``docs`` (sorted), all when they are fewer: a run of
    neighbours (few blocks to read) in the middle of each of :data:`PHRASE_SAMPLE_RUNS`
    equal parts (documents are in the order they were indexed, often by date, and a
    phrase's share changes with time)."""
    if docs.size <= PHRASE_SAMPLE:
        return docs.astype(np.int64)
    runs = min(PHRASE_SAMPLE_RUNS, PHRASE_SAMPLE)
    picked = []
    for i in range(runs):
        first, end = i * docs.size // runs, (i + 1) * docs.size // runs
        length = min(PHRASE_SAMPLE // runs + (i < PHRASE_SAMPLE % runs), end - first)
        start = first + (end - first - length) // 2
        picked.append(docs[start : start + length])
    return np.concatenate(picked).astype(np.int64)


def _phrase_words(q: wq.Phrase, index: ScoringIndex) -> list[bytes]:
    """The phrase's words as its field's terms; none when the field or a word is not
    in the index. Raises :class:`Unsupported` for a field without positions."""
    if q.fieldname not in index.schema:
        return []
    field = index.schema[q.fieldname]
    if not field.format or not field.format.supports("positions"):
        raise Unsupported("phrase on a field without positions")
    try:
        return [field.to_bytes(w) for w in q.words]
    except ValueError:
        return []


def _phrase_matches(q: wq.Phrase, index: ScoringIndex, within: np.ndarray | None = None):
    """``(terms, rows, ids, counts)`` of a phrase: each word's postings, the row of each
    matching document in them, the matching documents (of ``within``, sorted live
    document numbers, when given: then the words' postings are read for those alone,
    and without scores) and how often the phrase occurs in each; None when no document
    has it."""
    fieldname = q.fieldname
    words = _phrase_words(q, index)
    if not words:
        return None
    terms: list = [None] * len(words)
    looked_in = within
    # Within given documents, the rarest word first: each next word is read only for
    # the documents having the ones before.
    order: list[int] = list(range(len(words)))
    if within is not None:
        order = sorted(order, key=lambda i: index.reader.doc_frequency(fieldname, words[i]))
    for i in order:
        if looked_in is None:
            found: TermPostings | _Positions = index.term(fieldname, words[i], positions=True)
        else:
            found = index.positions_within(fieldname, words[i], looked_in)
            looked_in = found.ids
        if found.ids.size == 0:
            return None
        terms[i] = found
    # Documents having every word, and where each word's posting is for them.
    candidates = min((found.ids for found in terms), key=len) if within is None else within
    rows: list[np.ndarray] = []
    for found in terms:
        at = rows_of(found.ids, candidates, index.size)
        inside = at >= 0
        candidates = candidates[inside]
        rows = [r[inside] for r in rows] + [at[inside]]
        if candidates.size == 0:
            return None
    keys = [_position_keys(found, r, candidates) for found, r in zip(terms, rows, strict=True)]
    docs, counts = _phrase_docs(keys, max(1, int(q.slop)))
    keep = contains(docs, candidates)
    ids = candidates[keep]
    if ids.size == 0:
        return None
    # ``docs`` are a subset of ``candidates`` (sorted, unique): counts line up with ids.
    return terms, [r[keep] for r in rows], ids, counts


def _position_keys(
    found: TermPostings | _Positions, rows: np.ndarray, docs: np.ndarray
) -> np.ndarray:
    """Sorted keys ``doc << 32 | position`` of the term's postings at ``rows``."""
    offsets, positions = found.offsets, found.positions
    assert offsets is not None and positions is not None, "read with positions=True"
    starts = offsets[rows]
    counts = offsets[rows + 1] - starts
    index = _ranges(starts, counts)
    return (np.repeat(docs.astype(np.int64), counts) << _POS_BITS) | positions[index]


def _decode_positions(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Offsets and flat positions of postings in Whoosh's ``Positions`` encoding.

    Each value is a 4-byte count, then a protocol-2 pickle of the position deltas. The
    pickles are spliced into one pickled list (their opcodes inside one outer MARK ...
    LIST) so a single ``pickle.loads`` decodes them all in C.
    """
    try:
        blob = b"".join([b"\x80\x02("] + [v[6:-1] for v in values] + [b"l."])
        deltas = pickle.loads(blob)  # noqa: S301 - our own index's encoding
        if len(deltas) != len(values):
            raise ValueError("spliced pickle did not decode one list per value")
    except Exception:  # noqa: BLE001 - an unexpected encoding: decode one by one
        from whoosh.formats import Positions

        decode = Positions().decode_positions
        deltas = [_to_deltas(decode(v)) for v in values]
    counts = np.fromiter(map(len, deltas), dtype=np.int64, count=len(deltas))
    offsets = np.zeros(len(deltas) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    flat = np.fromiter(itertools.chain.from_iterable(deltas), dtype=np.int64, count=offsets[-1])
    cumulative = np.cumsum(flat)
    # Positions restart at each posting: subtract the running sum before it.
    before = np.zeros(len(deltas), dtype=np.int64)
    nonempty = counts > 0
    first = offsets[:-1][nonempty]
    before[nonempty] = cumulative[first] - flat[first]
    return offsets, (cumulative - np.repeat(before, counts)).astype(np.int32)


def _to_deltas(positions: list[int]) -> list[int]:
    return [b - a for a, b in zip([0, *positions[:-1]], positions, strict=True)]


def contains(sorted_keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Which of ``wanted`` are in ``sorted_keys`` (both sorted): a binary search each,
    cheaper than ``np.isin``'s sort of both."""
    if sorted_keys.size == 0:
        return np.zeros(wanted.size, dtype=bool)
    where = np.searchsorted(sorted_keys, wanted)
    where[where == sorted_keys.size] = sorted_keys.size - 1
    return sorted_keys[where] == wanted


def _unique_sorted(values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return values
    keep = np.empty(values.size, dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _phrase_docs(positions: list[np.ndarray], slop: int) -> tuple[np.ndarray, np.ndarray]:
    """Documents where the words occur in order as Whoosh's SpanNear2 defines it, and
    how many times (spans starting at distinct positions) in each.

    ``positions`` are each word's sorted ``doc << 32 | position`` keys.
    """
    first = positions[0]
    if slop == 1:
        # Each next word exactly one position after the previous: the common case.
        starts = first
        for step, keys in enumerate(positions[1:], start=1):
            starts = starts[contains(keys, starts + step)]
            if starts.size == 0:
                break
        return _doc_counts(starts)
    # Spans (start, end) as keys; the next word must be 1..slop after the end.
    span_start, span_end = first, first
    for keys in positions[1:]:
        lo = np.searchsorted(keys, span_end + 1, side="left")
        hi = np.searchsorted(keys, span_end + slop, side="right")
        counts = hi - lo
        if counts.sum() == 0:
            return _EMPTY_IDS, _EMPTY_IDS
        # Every (span, next position) pair; same document because the gap is < 2**32.
        span_index = np.repeat(np.arange(span_start.size), counts)
        within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        nxt = keys[np.repeat(lo, counts) + within]
        same_doc = (nxt >> _POS_BITS) == (span_start[span_index] >> _POS_BITS)
        pairs = np.unique(np.stack([span_start[span_index][same_doc], nxt[same_doc]]), axis=1)
        span_start, span_end = pairs[0], pairs[1]
        if span_start.size == 0:
            return _EMPTY_IDS, _EMPTY_IDS
    return _doc_counts(_unique_sorted(span_start))


def _doc_counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The documents of sorted ``doc << 32 | position`` keys and how many keys each has."""
    if keys.size == 0:
        return _EMPTY_IDS, _EMPTY_IDS
    docs = keys >> _POS_BITS
    starts = np.flatnonzero(np.concatenate(([True], docs[1:] != docs[:-1])))
    return docs[starts], np.diff(np.append(starts, docs.size))

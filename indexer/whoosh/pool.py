"""An indexing worker's posting pool in flat arrays, written out as a segment when full.

Why: Whoosh's posting pool keeps each posting as a Python tuple ``(field, term bytes,
docnum, weight, value bytes)``, about 220 bytes of objects for a posting whose data is
about 20 bytes. A worker writes a segment each time its pool is full (flush by RAM,
:func:`indexer.whoosh.writer._write_segments`), so the pool's density decides how many
segments a large build leaves, and every segment costs each search a term lookup. Here a
posting takes 24 bytes plus its value: a term number into a per-pool term table, the
document number, the weight and the end of its value in one shared buffer. Sorting is one
stable NumPy argsort by term rank (postings arrive in document order, so each term's
stay ascending), and the segment is written a term at a time.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from itertools import accumulate, islice
from typing import cast

import numpy as np

#: Bytes a pooled posting takes beside its value: its term number and document number
#: (4 each), its weight (8) and the end of its value (8).
POSTING_BYTES = 24
#: Bytes a new term costs beside its text: its entry in the field's dict and its
#: ``(field, term)`` key (two objects and their slots).
TERM_BYTES = 160

#: One term's postings: field, term bytes, document numbers (ascending), weights and
#: values (``b""`` for none).
TermPostings = tuple[str, bytes, list[int], list[float], list[bytes]]


class CompactPool:
    """The postings of one segment being written, in arrays, until :attr:`full`.

    Accepts Whoosh's ``pool.add((field, term bytes, docnum, weight, value))`` calls from
    ``SegmentWriter.add_document``; never spills to disk.
    """

    def __init__(self, limitmb: float):
        self.limit = int(limitmb * 2**20)
        self.size = 0
        self._field_terms: dict[str, dict[str | bytes, int]] = {}
        self._keys: list[tuple[str, bytes]] = []
        self._term_ids = array("i")
        self._docnums = array("i")
        self._weights = array("d")
        self._values = bytearray()
        self._ends = array("q")

    def add(self, item: tuple) -> None:
        """One posting, as Whoosh's pool takes it: ``(field, term bytes, docnum,
        weight, value)``."""
        fieldname, btext, docnum, weight, vbytes = item
        self.add_postings(fieldname, docnum, [btext], [weight], [vbytes or b""])

    def add_postings(
        self,
        fieldname: str,
        docnum: int,
        terms: Sequence[str | bytes],
        weights: Sequence[float],
        values: Sequence[bytes],
    ) -> None:
        """One document's postings in one field, with no Python call per posting
        (Whoosh's ``add_document`` makes one per posting: :meth:`add`).

        ``terms`` are distinct, and a field's terms are always given as ``str`` or
        always as ``bytes`` (they key the field's term table either way); a ``str``
        term is UTF-8 encoded once, when the pool first sees it."""
        known = self._field_terms.get(fieldname)
        if known is None:
            known = self._field_terms[fieldname] = {}
        term_ids = list(map(known.get, terms))
        if None in term_ids:
            for i, term_id in enumerate(term_ids):
                if term_id is None:
                    term = terms[i]
                    btext = term.encode("utf-8") if isinstance(term, str) else term
                    term_ids[i] = known[term] = len(self._keys)
                    self._keys.append((fieldname, btext))
                    self.size += TERM_BYTES + len(btext)
        self._term_ids.extend(cast(list[int], term_ids))  # every None filled in above
        self._docnums.extend([docnum] * len(term_ids))
        self._weights.extend(weights)
        joined = b"".join(values)
        self._ends.extend(islice(accumulate(map(len, values), initial=len(self._values)), 1, None))
        self._values += joined
        self.size += POSTING_BYTES * len(term_ids) + len(joined)

    @property
    def full(self) -> bool:
        return self.size >= self.limit

    def __len__(self) -> int:
        return len(self._docnums)

    def cleanup(self) -> None:
        """Nothing on disk to remove (``SegmentWriter`` calls this when it closes)."""

    def terms(self) -> Iterator[TermPostings]:
        """Every term's postings, in Whoosh's order: by field, then term bytes."""
        keys = self._keys
        if not keys:
            return
        by_key = sorted(range(len(keys)), key=keys.__getitem__)
        rank = np.empty(len(keys), dtype=np.int32)
        rank[by_key] = np.arange(len(keys), dtype=np.int32)
        ranks = rank[np.frombuffer(self._term_ids, dtype=np.int32)]
        self._term_ids = array("i")
        # The sorted copies are taken one by one, each source freed at once, so the
        # flush holds little more than the pool itself (32 bytes a posting at most).
        order = np.argsort(ranks, kind="stable")  # stable: document order within a term
        ranks = ranks[order]
        docnums = np.frombuffer(self._docnums, dtype=np.int32)[order]
        self._docnums = array("i")
        weights = np.frombuffer(self._weights, dtype=np.float64)[order]
        self._weights = array("d")
        ends = np.frombuffer(self._ends, dtype=np.int64)
        value_ends = ends[order].astype(np.int64)
        value_starts = np.zeros(ends.size, dtype=np.int64)
        value_starts[1:] = ends[:-1]
        value_starts = value_starts[order]
        del ends, order
        self._ends = array("q")
        bounds = (np.flatnonzero(np.diff(ranks)) + 1).tolist()
        buffer = bytes(self._values)
        self._values = bytearray()
        for start, stop in zip([0, *bounds], [*bounds, int(ranks.size)], strict=True):
            fieldname, btext = keys[by_key[ranks[start]]]
            values = [
                buffer[a:b]
                for a, b in zip(
                    value_starts[start:stop].tolist(), value_ends[start:stop].tolist(), strict=True
                )
            ]
            yield (
                fieldname,
                btext,
                docnums[start:stop].tolist(),
                weights[start:stop].tolist(),
                values,
            )


def add_term_postings(
    fieldwriter, schema, lengths, terms: Iterator[TermPostings], compress_from: int
) -> None:
    """Write a pool's terms into a Whoosh 3 segment, each block in one step.

    The blocks are Whoosh's own (``_write_block``); what is filled in is what
    ``FieldWriter.add_postings`` would fill one posting at a time: ids, weights, values,
    the block's maximum weight and its shortest and longest field lengths. A term's
    blocks are zlib-compressed only when it has ``compress_from`` postings or more.
    ``lengths.of(field)`` gives every document's length in a field (None where it is
    zero), or None for a field without lengths; ``lengths`` may be None too.
    """
    compression = fieldwriter._codec._compression
    current_field = None
    field_lengths = None
    for fieldname, btext, ids, weights, values in terms:
        if fieldname != current_field:
            if current_field is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            current_field = fieldname
            field_lengths = lengths.of(fieldname) if lengths else None
        fieldwriter.start_term(btext)
        block = fieldwriter._postwriter
        block._compression = compression if len(ids) >= compress_from else 0
        limit = block._blocklimit
        for start in range(0, len(ids), limit):
            if block._ids:  # the previous block is full: Whoosh writes it on the next add
                block._write_block()
            part = ids[start : start + limit]
            block._ids.extend(part)
            part_weights = weights[start : start + limit]
            block._weights.extend(part_weights)
            block._maxweight = max(block._maxweight, *part_weights)
            block._values.extend([value for value in values[start : start + limit] if value])
            if field_lengths is not None:
                found = list(filter(None, map(field_lengths.__getitem__, part)))
                if found:
                    low = min(found)
                    if block._minlength is None or low < block._minlength:
                        block._minlength = low
                    block._maxlength = max(block._maxlength, *found)
        fieldwriter.finish_term()
    if current_field is not None:
        fieldwriter.finish_field()

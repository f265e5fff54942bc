"""Whole-lexicon document frequencies of a Whoosh index, read in one pass per segment.

Why: top words need the archive-wide article count of their candidate words, and
Whoosh answers ``doc_frequency`` one term and one segment at a time (a hash-table probe
in Python each). :func:`read_term_counts` reads every term of the wanted fields instead,
vectorised, into a :class:`~indexer.termcounts.TermCounts` that a snapshot keeps.

How: a segment's term dictionary (Whoosh 3 codec, ``OrderedHashReader``) is a run of
records ``keylen:i4 datalen:i4 key value``, keys sorted and starting with the field's
number (``u2``), and an index array holding the position of each record. The value is a
``W3TermInfo`` whose document frequency is the ``u4`` after its flag byte and weight
(``W3TermInfo.read_doc_freq``). All big-endian. So the positions give every key, field
number and document frequency with NumPy gathers. A segment of another kind is read
through Whoosh's own ``iter_field`` (the same counts, slower). The counts include
deleted articles until their segment is merged, as ``doc_frequency`` does.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from whoosh.filedb.filetables import OrderedHashReader

from indexer.termcounts import TermCounts, hash_terms


def read_term_counts(reader, fields: Mapping[str, int], minimum: int = 1) -> TermCounts:
    """Articles per term of ``fields`` (field name to the tag its terms are hashed
    with) over every segment of ``reader``, keeping terms with at least ``minimum``."""
    parts = []
    for leaf, _offset in reader.leaf_readers():
        index = getattr(getattr(leaf, "_terms", None), "_tindex", None)
        field_numbers = getattr(getattr(leaf, "_terms", None), "_fieldmap", None)
        if isinstance(index, OrderedHashReader) and isinstance(field_numbers, dict):
            parts.append(_segment(index, field_numbers, fields))
        else:
            parts.append(_segment_slowly(leaf, fields))
    return TermCounts.merge(parts, minimum)


def _big_endian(data: np.ndarray, dtype: str) -> np.ndarray:
    """The big-endian ``dtype`` value starting at each byte of ``data`` (a view)."""
    size = np.dtype(dtype).itemsize
    return np.ndarray((max(len(data) - size + 1, 0),), dtype=dtype, buffer=data, strides=(1,))


def _segment(
    index: OrderedHashReader, field_numbers: dict[str, int], fields: Mapping[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    dbfile = index.dbfile
    positions = np.asarray(
        dbfile.get_array(index.indexbase, index.extras["indextype"], index.indexlen),
        dtype=np.int64,
    )
    # The records, plus slack for hash_terms' 8-byte reads (the index array follows).
    data = np.frombuffer(dbfile.get(0, index.endofdata) + bytes(8), dtype=np.uint8)
    field = _big_endian(data, ">u2")[positions + 8]
    hashes, counts = [], []
    for name, tag in fields.items():
        number = field_numbers.get(name)
        if number is None:
            continue
        at = positions[field == number]
        keylen = _big_endian(data, ">i4")[at].astype(np.int64)
        counts.append(_big_endian(data, ">u4")[at + 8 + keylen + 5])
        hashes.append(hash_terms(data, at + 10, keylen - 2, tag))
    if not hashes:
        return np.zeros(0, np.uint64), np.zeros(0, np.uint32)
    return np.concatenate(hashes), np.concatenate(counts).astype(np.uint32)


def _segment_slowly(leaf, fields: Mapping[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """The same through Whoosh's public term iterator, for another codec."""
    chunks: list[bytes] = []
    starts, lengths, tags, counts = [], [], [], []
    offset = 0
    for name, tag in fields.items():
        if name not in leaf.schema:
            continue
        for term, info in leaf.iter_field(name):
            chunks.append(term)
            starts.append(offset)
            lengths.append(len(term))
            tags.append(tag)
            counts.append(info.doc_frequency())
            offset += len(term)
    data = np.frombuffer(b"".join(chunks) + bytes(8), dtype=np.uint8)
    hashes = hash_terms(data, np.array(starts, np.int64), np.array(lengths, np.int64),
                        np.array(tags, np.int64))  # fmt: skip
    return hashes, np.array(counts, dtype=np.uint32)

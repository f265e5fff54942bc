"""An archive's article count per term, held as two NumPy arrays, engine-neutral.

Why: top words (:mod:`indexer.topwords`) compare each candidate word with the number of
articles of the whole archive that have it. Asking an index for that term by term costs
a lookup per term and per segment (800 Whoosh lookups, a third of a top-words call at
100k articles, and more segments as an index grows). An engine instead reads its
lexicon once per snapshot, sequentially, into :class:`TermCounts`; a top-words call then
answers its 80 candidates with one hash and one ``searchsorted``.

A term is identified by a 64-bit hash of its field's tag and its UTF-8 bytes
(:func:`hash_terms`), computed for a whole lexicon at once with NumPy: a term's bytes are
read eight at a time through a view that has a little-endian 64-bit word starting at
every byte, so no per-byte array is ever built. Two distinct terms share a hash with a
probability of about ``n**2 / 2**65`` (one in ten million for two million terms), and
the cost of one would be one wrong background count.

Memory: 12 bytes per kept term (hash and count). Only terms at least ``minimum``
articles have are kept: a word that fewer hits have cannot be a candidate
(:data:`indexer.topwords.MIN_COUNT`), which drops the hapaxes, about half of a real
vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

_K1 = np.uint64(0x9E3779B97F4A7C15)
_K2 = np.uint64(0xC2B2AE3D27D4EB4F)
_K3 = np.uint64(0x165667B19E3779F9)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


def _finish(h: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: every input bit reaches every output bit."""
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h


def word_view(data: np.ndarray) -> np.ndarray:
    """The little-endian 64-bit word starting at each byte of ``data`` (a view)."""
    return np.ndarray((max(len(data) - 7, 0),), dtype="<u8", buffer=data, strides=(1,))


def hash_terms(
    data: np.ndarray, starts: np.ndarray, lengths: np.ndarray, tags: np.ndarray | int
) -> np.ndarray:
    """The hash of each term ``data[start : start + length]`` of field tag ``tags``.

    ``data`` is a ``uint8`` array with at least 7 bytes after the end of every term
    (read, then masked off).
    """
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    if starts.size and int((starts + lengths).max()) + 7 > len(data):
        raise ValueError("hash_terms needs 7 bytes of slack after the last term")
    words = word_view(data)
    h = (lengths.astype(np.uint64) * _K1) ^ (np.asarray(tags).astype(np.uint64) * _K2)
    h = np.broadcast_to(h, starts.shape).copy()
    active = np.flatnonzero(lengths > 0)
    offset = 0
    while active.size:
        left = lengths[active] - offset
        word = words[starts[active] + offset]
        # Keep only the term's own bytes of its last, partial word.
        bits = (np.minimum(left, 8) * 8).astype(np.uint64)
        mask = np.where(left >= 8, _ALL, (np.uint64(1) << (bits % np.uint64(64))) - np.uint64(1))
        mixed = (h[active] ^ (word & mask)) * _K3
        h[active] = mixed ^ (mixed >> np.uint64(29))
        active = active[left > 8]
        offset += 8
    return _finish(h)


def hash_texts(terms: Sequence[tuple[int, str]]) -> np.ndarray:
    """:func:`hash_terms` of a few ``(tag, text)`` pairs (a query's candidates)."""
    encoded = [text.encode("utf-8") for _tag, text in terms]
    lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
    starts = np.zeros(len(encoded), dtype=np.int64)
    if len(encoded) > 1:
        starts[1:] = np.cumsum(lengths[:-1])
    data = np.frombuffer(b"".join(encoded) + bytes(8), dtype=np.uint8)
    tags = np.fromiter((tag for tag, _text in terms), dtype=np.int64, count=len(terms))
    return hash_terms(data, starts, lengths, tags)


class TermCounts:
    """Articles per term: sorted unique term hashes and their counts."""

    def __init__(self, hashes: np.ndarray, counts: np.ndarray):
        self.hashes = hashes
        self.counts = counts

    @classmethod
    def merge(cls, parts: Iterable[tuple[np.ndarray, np.ndarray]], minimum: int = 1):
        """Sum the ``(hashes, counts)`` of several parts (an index's segments), keeping
        the terms with at least ``minimum``."""
        parts = list(parts)
        if not parts:
            return cls(np.zeros(0, np.uint64), np.zeros(0, np.uint32))
        hashes = np.concatenate([h for h, _c in parts])
        counts = np.concatenate([c for _h, c in parts]).astype(np.int64)
        unique, inverse = np.unique(hashes, return_inverse=True)
        summed = np.bincount(inverse.ravel(), weights=counts, minlength=unique.size)
        keep = summed >= minimum
        return cls(unique[keep], summed[keep].astype(np.uint32))

    def __len__(self) -> int:
        return int(self.hashes.size)

    @property
    def nbytes(self) -> int:
        return int(self.hashes.nbytes + self.counts.nbytes)

    def lookup(self, terms: Sequence[tuple[int, str]]) -> list[int]:
        """The count of each ``(tag, text)``, 0 for a term not kept."""
        if not terms or not self.hashes.size:
            return [0] * len(terms)
        wanted = hash_texts(terms)
        at = np.minimum(np.searchsorted(self.hashes, wanted), self.hashes.size - 1)
        found = self.hashes[at] == wanted
        return np.where(found, self.counts[at], 0).tolist()

"""Near-duplicate detection: which articles are versions of one story.

The same wire story runs on many sites with light edits (another headline, a dropped
or added sentence, a byline or dateline, other quote marks and punctuation), and one
article is often saved twice in different formats. Two versions share most of their
body's word sequences; two different stories on the same subject, even from the same
day, share few. So each article gets a MinHash signature of the set of its body's
word 4-grams ("shingles": letters and digits only, folded, so punctuation, quote
marks, case and accents do not count), and articles whose estimated Jaccard
similarity reaches :data:`THRESHOLD` are versions of one story. Locality-sensitive
hashing (the bands of ``datasketch.MinHashLSH``, computed for all signatures at once
with NumPy) finds the candidate pairs without comparing every pair; each candidate is
then checked against the threshold, and clusters are the connected components.

A cluster's id is the smallest article id in it, so the same articles always give the
same clusters, whatever order they were added in (a rebuild and an incremental run
agree). Only the signatures need keeping between runs.

Status (issue 13): built. Clusters are stored in the index on both engines and kept
right by every indexing run (:mod:`indexer.clusters`), search shows each story once
with its ``cluster`` and ``versions``; quality and indexing cost are in bench/RESULTS.md
(``python -m bench.clusters``, ``python -m bench --size 10k --engines project
--index-only``).
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from archive.folding import LETTER_FOLDS

if TYPE_CHECKING:
    from datasketch import LeanMinHash

# datasketch is imported where it is used, not here: it loads SciPy (0.7-2.8 s and
# tens of MB in every process), and a search server, which imports this module through
# the index schema, never computes a signature.

#: Permutations per signature: the Jaccard estimate's standard error is about
#: sqrt(J(1-J)/64), 0.06 at J = 0.5. 128 gave the same precision and recall on the
#: test set of bench/clusters.py (RESULTS.md) for twice the hashing.
NUM_PERM = 64
#: Words per shingle.
SHINGLE = 4
#: Estimated Jaccard similarity of two versions of one story, at least (chosen on the
#: test set of ``bench/clusters.py``; RESULTS.md has the curve).
THRESHOLD = 0.5
#: Fewer shingles than this (a body of a few words) is too little to call a version.
MIN_SHINGLES = 8
SEED = 13


#: The random permutations of the seed, made once (datasketch makes them anew for
#: every MinHash otherwise: a third of the time). Shingles are hashed from CRC-32s of
#: their words (:func:`shingle_hashes`) rather than datasketch's default SHA-1 of each
#: shingle: the permutations' universal hashing spreads the values.
@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED).permutations


_MERSENNE_PRIME = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
_MULTIPLIER = np.uint64(1_000_003)
_MASK = np.uint64((1 << 32) - 1)
_WORD = re.compile(r"\w+")
_MARKS = re.compile(r"[\u0300-\u036f]")


def words(text: str) -> list[str]:
    """The body's words, folded: lower case, no accents, no punctuation."""
    text = unicodedata.normalize("NFD", text.lower()).translate(LETTER_FOLDS)
    return _WORD.findall(_MARKS.sub("", text))


def shingles(text: str, size: int = SHINGLE) -> set[bytes]:
    """Every run of ``size`` consecutive words, as bytes for hashing."""
    w = words(text)
    return {" ".join(w[i : i + size]).encode("utf-8") for i in range(len(w) - size + 1)}


def shingle_hashes(text: str, size: int = SHINGLE) -> np.ndarray:
    """A 32-bit hash of every distinct run of ``size`` consecutive words.

    Each word is hashed once (CRC-32, in C) and the runs are combined with NumPy (a
    polynomial of the word hashes modulo 2**32), instead of joining, encoding and
    hashing every shingle string in a Python loop: the same sets up to 32-bit
    collisions, at a fraction of the cost."""
    w = words(text)
    runs = len(w) - size + 1
    if runs <= 0:
        return np.zeros(0, dtype=np.uint64)
    hashes = np.fromiter((zlib.crc32(x.encode("utf-8")) for x in w), np.uint64, len(w))
    combined = np.zeros(runs, dtype=np.uint64)
    for k in range(size):
        combined = (combined * _MULTIPLIER + hashes[k : k + runs]) & _MASK
    return np.unique(combined)


def signature(text: str) -> LeanMinHash | None:
    """The MinHash of ``text``'s shingles; None when the text is too short to judge.

    The permutations are datasketch's own (``MinHash.update_batch``'s formula, its
    permutations for :data:`SEED`), applied to all shingle hashes in one step."""
    found = shingle_hashes(text)
    if found.size < MIN_SHINGLES:
        return None
    from datasketch import LeanMinHash

    a, b = _permutations()
    permuted = np.bitwise_and((found[:, None] * a + b) % _MERSENNE_PRIME, _MAX_HASH)
    return LeanMinHash(seed=SEED, hashvalues=permuted.min(axis=0))


def to_bytes(sig: LeanMinHash) -> bytes:
    """A signature as bytes to store: NUM_PERM 32-bit values (datasketch keeps 64-bit
    integers but masks every value to 32 bits, so half the bytes hold it exactly)."""
    return np.asarray(sig.hashvalues, dtype=np.uint32).tobytes()


def from_bytes(data: bytes) -> LeanMinHash:
    from datasketch import LeanMinHash

    values = np.frombuffer(data, dtype=np.uint32).astype(np.uint64)
    return LeanMinHash(seed=SEED, hashvalues=values)


def clusters(
    signatures: Mapping[str, LeanMinHash | None], threshold: float = THRESHOLD
) -> dict[str, str]:
    """``{article id: cluster id}`` for every article; an article with no version (or
    no signature) is a cluster of its own, its id its own id."""
    keys = [key for key, sig in signatures.items() if sig is not None]
    matrix = np.array([signatures[key].hashvalues for key in keys], dtype=np.uint64)  # type: ignore[union-attr]
    out = {key: key for key in signatures}
    out.update(clusters_of_matrix(keys, matrix.reshape(len(keys), NUM_PERM), threshold))
    return out


def clusters_of_matrix(
    keys: list[str], matrix: np.ndarray, threshold: float = THRESHOLD
) -> dict[str, str]:
    """:func:`clusters` of the articles ``keys`` (in any order), whose signatures are
    the rows of ``matrix``: the banding of ``datasketch.MinHashLSH`` (the same bands and
    rows for the threshold), done for all rows at once with NumPy instead of one
    insert and query per article in Python (1.65 s of CPU for 10k articles, where the
    whole set now takes a tenth of that), then every candidate pair is checked against
    the threshold and clusters are the connected components (SciPy's, over the pairs
    as arrays: a million articles' 2.4 million pairs as Python tuples took 300 MB),
    each named by its smallest key."""
    count = len(keys)
    if count == 0:
        return {}
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    first, second = _verified_pairs(matrix, threshold)
    graph = coo_array((np.ones(first.size, dtype=np.int8), (first, second)), shape=(count, count))
    components, labels = connected_components(graph, directed=False)
    by_key = np.array(sorted(range(count), key=keys.__getitem__), dtype=np.int64)
    rank = np.empty(count, dtype=np.int64)
    rank[by_key] = np.arange(count)
    smallest = np.full(components, count, dtype=np.int64)
    np.minimum.at(smallest, labels, rank)
    roots = by_key[smallest[labels]].tolist()
    return {key: keys[root] for key, root in zip(keys, roots, strict=True)}


#: Candidate pairs compared at a time (each compares two signatures of NUM_PERM values).
_PAIR_CHUNK = 1 << 17


def _verified_pairs(matrix: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs sharing a band whose estimated Jaccard similarity reaches ``threshold``,
    as two arrays of rows (first < second).

    Memory follows the distinct candidate pairs, not the pairs times the bands or times
    the signature: each band's pairs join the distinct ones as soon as they are found,
    and the signatures are compared a chunk of pairs at a time. Comparing every pair at
    once took gigabytes at a million articles, where wire copies make large buckets
    (bench/RESULTS.md, issue 15)."""
    count = matrix.shape[0]
    if count < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    from datasketch.lsh import _optimal_param

    bands, rows = _optimal_param(threshold, NUM_PERM, 0.5, 0.5)
    codes = np.zeros(0, dtype=np.int64)  # distinct pairs so far, as row * count + row
    pending: list[np.ndarray] = []  # bands' pairs not yet in ``codes``
    for band in range(bands):
        part = np.ascontiguousarray(matrix[:, band * rows : (band + 1) * rows])
        keyed = part.view(np.dtype((np.void, part.dtype.itemsize * rows))).ravel()
        order = np.argsort(keyed, kind="stable")
        ordered = keyed[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        sizes = np.diff(np.r_[starts, count])
        found: list[np.ndarray] = []
        for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
            members = np.sort(order[start : start + size]).astype(np.int64)
            i, j = np.triu_indices(size, 1)
            found.append(members[i] * count + members[j])
        if found:
            pending.append(np.unique(np.concatenate(found)))
            if sum(p.size for p in pending) > codes.size:  # amortised: each pair sorted O(1) times
                codes = np.unique(np.concatenate([codes, *pending]))
                pending = []
    if pending:
        codes = np.unique(np.concatenate([codes, *pending]))
    firsts, seconds = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for start in range(0, codes.size, _PAIR_CHUNK):
        chunk = codes[start : start + _PAIR_CHUNK]
        first, second = chunk // count, chunk % count
        similar = (matrix[first] == matrix[second]).mean(axis=1) >= threshold
        firsts.append(first[similar])
        seconds.append(second[similar])
    return np.concatenate(firsts), np.concatenate(seconds)


def pairs(assignment: Mapping[str, str]) -> set[tuple[str, str]]:
    """Every pair of articles in one cluster (for precision and recall)."""
    groups: dict[str, list[str]] = {}
    for key, cluster in assignment.items():
        groups.setdefault(cluster, []).append(key)
    out: set[tuple[str, str]] = set()
    for members in groups.values():
        members.sort()
        out.update((a, b) for i, a in enumerate(members) for b in members[i + 1 :])
    return out


def precision_recall(
    predicted: Iterable[tuple[str, str]], truth: Iterable[tuple[str, str]]
) -> tuple[float, float]:
    """Pairwise precision and recall of ``predicted`` against ``truth``."""
    p, t = set(predicted), set(truth)
    hit = len(p & t)
    return (hit / len(p) if p else 1.0), (hit / len(t) if t else 1.0)

"""Story clusters kept right across indexing runs: the engine-neutral half.

Each indexed article carries a ``cluster`` (the id shared by every version of its
story, :mod:`archive.clusters`) and its MinHash signature. A cluster depends on every
article in the archive: a version added may join two stories, one removed may split
one, and a cluster is named by its smallest article id, so removing that one renames
the cluster for all the others. So after an engine has written a run's changes it
hands :func:`reassign` every live article's ``(id, signature, stored cluster)``, and
updates just the articles whose cluster this returns; both engines keep their
signatures in the index itself (a column, a stored field) so that the signatures and
the documents are committed together and can never disagree.

Clusters are computed from the whole set of signatures every run, never patched: the
same articles give the same clusters whatever order the runs added them in, so an
incremental run and a rebuild agree by construction (tests/test_story_clusters.py
checks it on both engines).

A new or changed article is written with its own id as its cluster (it does not know
its versions yet); :func:`reassign` corrects those that have versions.
"""

from __future__ import annotations

import base64
from array import array
from collections.abc import Iterable

import numpy as np

from archive.clusters import NUM_PERM, clusters_of_matrix, signature, to_bytes

__all__ = [
    "Stories",
    "article_signature",
    "reassign",
    "signature_from_text",
    "signature_to_text",
]


def article_signature(body: str) -> bytes:
    """The stored signature of an article's body; ``b""`` when it is too short to judge
    (a cluster of its own)."""
    sig = signature(body)
    return b"" if sig is None else to_bytes(sig)


def signature_to_text(data: bytes) -> str:
    """A stored signature as text, for engines that keep JSON documents."""
    return base64.b64encode(data).decode("ascii")


def signature_from_text(text: str) -> bytes:
    return base64.b64decode(text) if text else b""


class Stories:
    """Articles' ids, stored clusters and signatures, held compactly for :func:`reassign`.

    Why: at a million articles the signatures are 256 MB in one buffer. Sent by the
    workers as a bytes object in a tuple per article, they took 499 MiB once received
    (392 here, ids included), and joining them into the matrix the clustering reads
    copied them once more: part of the 2.1 GiB peak of a 1M build's parent
    (bench/RESULTS.md, issue 15). Here they go straight into one buffer, which is the
    matrix.
    """

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.clusters: list[str] = []
        #: The position in ``ids`` of each signature in ``signatures``.
        self.signed = array("q")
        self.signatures = bytearray()

    def add(self, article_id: str, signature: bytes, cluster: str = "") -> None:
        """One article: its stored signature (``b""``: none) and stored cluster."""
        if signature:
            self.signed.append(len(self.ids))
            self.signatures += signature
        self.ids.append(article_id)
        self.clusters.append(cluster)


def reassign(rows: Iterable[tuple[str, bytes, str]] | Stories) -> dict[str, str]:
    """``{article id: new cluster}`` for the articles whose stored cluster is wrong.

    ``rows`` holds every live article as ``(id, stored signature or b"", stored
    cluster)``, or as :class:`Stories`; the answer holds only the articles an engine
    must update.
    """
    if not isinstance(rows, Stories):
        stories = Stories()
        for article_id, data, cluster in rows:
            stories.add(article_id, data, cluster)
        rows = stories
    matrix = np.frombuffer(rows.signatures, dtype=np.uint32).reshape(-1, NUM_PERM)
    found = clusters_of_matrix([rows.ids[i] for i in rows.signed], matrix)
    del matrix  # a view: while it lives, the buffer cannot change
    changes = {}
    for article_id, stored in zip(rows.ids, rows.clusters, strict=True):
        cluster = found.get(article_id, article_id)
        if cluster != stored:
            changes[article_id] = cluster
    return changes

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
from collections.abc import Iterable

import numpy as np

from archive.clusters import NUM_PERM, clusters_of_matrix, signature, to_bytes

__all__ = ["article_signature", "reassign", "signature_from_text", "signature_to_text"]


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


def reassign(rows: Iterable[tuple[str, bytes, str]]) -> dict[str, str]:
    """``{article id: new cluster}`` for the articles whose stored cluster is wrong.

    ``rows`` holds every live article as ``(id, stored signature or b"", stored
    cluster)``; the answer holds only the articles an engine must update.
    """
    stored: dict[str, str] = {}
    signed: dict[str, bytes] = {}
    for article_id, data, cluster in rows:
        stored[article_id] = cluster
        if data:
            signed[article_id] = data
    keys = sorted(signed)
    matrix = np.frombuffer(b"".join(signed[key] for key in keys), dtype=np.uint32)
    assignment = {key: key for key in stored}
    assignment.update(clusters_of_matrix(keys, matrix.reshape(len(keys), NUM_PERM)))
    return {key: cluster for key, cluster in assignment.items() if stored[key] != cluster}

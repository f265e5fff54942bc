"""Searching only the nodes that hold the whole archive.

A restarted Typesense 0.24.1 node answers ``/health`` with ok while it is still loading
its collections from disk and re-applying its Raft log (measured: ok after 3.7 s holding
1,304 of 3,729 documents), and a search sent to it meanwhile sees part of the archive.
The official client only avoids nodes that fail, so the archive keeps its own list of
the nodes that have caught up, and gives the client only those.

A node has caught up when a search of the whole archive on it (``q=*``, no page) counts
as many articles as the node that counts most: every node applies the same Raft log, so
a node behind the others has fewer (or no collection yet). The verdict is kept for
:data:`CHECK_EVERY` seconds; a node that was down is readmitted only by a check that
finds it caught up, never by the client's own retry. That holds because the client
retries a failed node only after its ``healthcheck_interval_seconds`` (2 s), longer
than :data:`CHECK_EVERY`, and a search after a quiet spell checks first. With one node
there is nothing to compare with: it is always searched.

The price: while writes go on, a follower may be a few articles behind the leader at
the moment of a check, and is then left out until the next one; searches go to the
nodes that are up to date, never to fewer than one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

import typesense

from indexer.typesense.connection import Connection, make_client

log = logging.getLogger(__name__)

#: Seconds a verdict on the nodes is used before it is checked again (below the
#: client's ``healthcheck_interval_seconds``: see the module docstring).
CHECK_EVERY = 1.0
#: How long one node may take to answer the check.
CHECK_TIMEOUT = 1.0


class NodeGuard:
    """The client to search with: over every node that holds the whole archive."""

    def __init__(
        self,
        connection: Connection,
        make: Callable[[Connection], typesense.Client] = make_client,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.connection = connection
        self._make = make
        self._clock = clock
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, ...], typesense.Client] = {}
        self._probes = {
            node: make_client(replace(connection, nodes=(node,)), timeout=CHECK_TIMEOUT, retries=0)
            for node in connection.nodes
        }
        self._nodes: tuple[str, ...] = connection.nodes
        self._checked = float("-inf")
        #: Each node's count at the last check (None: did not answer); for messages/tests.
        self.counts: dict[str, int | None] = {}

    def client(self) -> typesense.Client:
        """A client over the nodes that have caught up (checked at most every
        :data:`CHECK_EVERY` s; while one thread checks, the others use the last verdict)."""
        if len(self.connection.nodes) > 1 and self._clock() - self._checked >= CHECK_EVERY:
            if self._lock.acquire(blocking=False):
                try:
                    if self._clock() - self._checked >= CHECK_EVERY:
                        self._nodes = self._check()
                        self._checked = self._clock()
                finally:
                    self._lock.release()
        return self._client(self._nodes)

    @property
    def nodes(self) -> tuple[str, ...]:
        """The nodes searched after the last check."""
        return self._nodes

    def _client(self, nodes: tuple[str, ...]) -> typesense.Client:
        client = self._clients.get(nodes)
        if client is None:
            client = self._make(replace(self.connection, nodes=nodes))
            self._clients[nodes] = client
        return client

    def _check(self) -> tuple[str, ...]:
        """The nodes whose count of the archive is the largest; every node when none
        answers (the client then reports the cluster down as usual)."""
        counts = {node: self._count(node) for node in self.connection.nodes}
        self.counts = counts
        answered = [n for n in counts.values() if n is not None]
        if not answered:
            return self.connection.nodes
        most = max(answered)
        nodes = tuple(node for node, n in counts.items() if n == most)
        if nodes != self._nodes:
            log.info("searching the Typesense nodes %s (articles per node: %s)", nodes, counts)
        return nodes

    def _count(self, node: str) -> int | None:
        """The articles a search on ``node`` sees (None: no answer, or no archive)."""
        search: dict[str, Any] = {
            "collection": self.connection.collection,
            "q": "*",
            "query_by": "title_terms",
            "per_page": 0,
        }
        try:
            # The client types each search as a TypedDict; this one is a plain dict.
            response = self._probes[node].multi_search.perform({"searches": [search]})  # type: ignore[list-item]
            result = cast(dict[str, Any], response["results"][0])
        except Exception:  # noqa: BLE001 - any failure means: do not search this node
            return None
        if "error" in result:
            return None
        return int(result.get("found", 0))

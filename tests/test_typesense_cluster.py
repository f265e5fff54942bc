"""A 3-node Typesense cluster loses its leader (SIGKILL) while a client searches and writes.

What a deployment relies on: searches keep answering from the other nodes, every write
the cluster acknowledged is there after a new leader is elected, and the killed node,
restarted, catches up. Measured with Typesense 0.24.1 on loopback: the cluster forms in
about 12 s and elects a new leader about 7 s after the kill (its election timeout is
not configurable from the command line), so the test takes about half a minute.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from typesense_servers import (
    API_KEY,
    Server,
    connection_for,
    start_cluster,
    start_single,
    stop_all,
)

from archive import Article
from indexer import SearchQuery
from indexer.backends import index_paths
from indexer.typesense import Connection, TypesenseEngine
from indexer.typesense.connection import make_client
from indexer.typesense.documents import next_seq, to_document

#: Raft states reported by ``/debug``.
LEADER, FOLLOWER = 1, 4


@pytest.fixture
def cluster(tmp_path: Path):
    servers = start_cluster(tmp_path)
    yield servers
    stop_all(servers)


def state(server: Server) -> int | None:
    request = urllib.request.Request(
        f"{server.url}/debug", headers={"X-TYPESENSE-API-KEY": API_KEY}
    )
    try:
        with urllib.request.urlopen(request, timeout=1) as response:
            return json.loads(response.read()).get("state")
    except OSError:
        return None


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def written(archive) -> set[str]:
    """The ids of the articles the writer wrote, as this archive finds them."""
    return {hit.id for hit in archive.iter_hits(SearchQuery(text="failover", snippets=False))}


def count(archive) -> int:
    """How many articles a search of the whole archive finds."""
    return archive.search(SearchQuery(facets=False, snippets=False)).total


def count_or_none(engine) -> int | None:
    """``count`` on a node that may not hold the archive yet (None)."""
    try:
        return count(engine.open())
    except Exception:  # noqa: BLE001 - not up, or no alias loaded yet
        return None


def article(n: int) -> Article:
    return Article(
        id=f"written-{n:05d}",
        title=f"Failover report number {n}",
        body=f"Written while the leader was lost; entry {n} of the failover log.",
        published=date(2024, 10, 3),
        site="cluster.test",
        language="en",
        content_hash=f"hash-{n}",
        source_path="<cluster test>",
    )


def test_the_cluster_survives_losing_its_leader(cluster, demo: Path):
    connection = connection_for(cluster)
    config = TypesenseEngine(Connection(connection.nodes, connection.api_key, "articles"))
    report = index_paths(config, [demo / "reuters"])
    assert report.articles == 30
    archive = config.open()
    leader = wait_for(
        lambda: next((s for s in cluster if state(s) == LEADER), None), 10, "a leader"
    )

    # The client: one thread searching, one writing articles one by one.
    writer = make_client(connection, timeout=2)
    target = archive.collection_name()
    stop = threading.Event()
    searches: list[tuple[float, int | None]] = []  # (time, total or None for a failure)
    acknowledged: list[str] = []
    write_failures: list[float] = []
    errors: list[str] = []

    def search_loop():
        while not stop.is_set():
            try:
                total = archive.search(SearchQuery(text="failover OR shares")).total
            except Exception as exc:  # noqa: BLE001 - a failed search is what we count
                errors.append(f"{time.monotonic():.1f} {exc}")
                total = None
            searches.append((time.monotonic(), total))
            time.sleep(0.02)

    def write_loop():
        n = 0
        while not stop.is_set():
            doc = to_document(article(n), "<cluster test>", next_seq())
            try:
                writer.collections[target].documents.upsert(doc)
            except Exception:  # noqa: BLE001 - not acknowledged: may or may not be there
                write_failures.append(time.monotonic())
                time.sleep(0.05)
                continue
            acknowledged.append(doc["id"])
            n += 1

    threads = [threading.Thread(target=search_loop), threading.Thread(target=write_loop)]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: len(acknowledged) >= 20, 10, "writes before the kill")
        killed_at = time.monotonic()
        leader.kill()
        survivors = [s for s in cluster if s is not leader]
        wait_for(lambda: any(state(s) == LEADER for s in survivors), 30, "a new leader")
        elected_after = time.monotonic() - killed_at
        # Writes go through again once the new leader has them.
        before = len(acknowledged)
        wait_for(lambda: len(acknowledged) > before + 10, 20, "writes after the election")
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    after_kill = [total for when, total in searches if when >= killed_at]
    assert after_kill, "the searcher ran during the outage"
    assert None not in after_kill, f"searches failed while a node was down: {errors[:3]}"
    assert all(total >= 1 for total in after_kill)
    assert elected_after < 30

    # Every acknowledged write is on both survivors (a follower applies what the leader
    # committed a moment later, so give it that moment).
    expected = set(acknowledged)
    for server in survivors:
        node = TypesenseEngine(Connection((server.url,), API_KEY, "articles")).open()
        wait_for(lambda node=node: expected <= written(node), 10, f"the writes on {server.url}")
    total = node.search(SearchQuery(facets=False)).total
    assert total >= 30 + len(acknowledged)

    # The killed node comes back on its data folder and catches up with the others,
    # under search load. Enough articles are written while it is down that catching up
    # takes a while: it answers /health before it has them (Typesense 0.24.1), and the
    # archive must not search it until it holds as many as the others.
    bulk = [to_document(article(n), "<cluster test>", next_seq()) for n in range(10_000, 13_000)]
    for start in range(0, len(bulk), 1000):
        writer.collections[target].documents.import_(bulk[start : start + 1000])
    full = total + len(bulk)
    for server in survivors:
        node = TypesenseEngine(Connection((server.url,), API_KEY, "articles")).open()
        wait_for(lambda node=node: count(node) == full, 30, f"the bulk write on {server.url}")
    assert count(archive) == full

    stop = threading.Event()
    guarded: list[int | str] = []  # what the archive over all three nodes answered
    direct: list[int] = []  # what the restarted node itself answered meanwhile

    def guarded_loop():
        while not stop.is_set():
            try:
                guarded.append(count(archive))
            except Exception as exc:  # noqa: BLE001 - a failed search is what we count
                guarded.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.01)

    def direct_loop():
        alone = TypesenseEngine(Connection((leader.url,), API_KEY, "articles"))
        while not stop.is_set():
            n = count_or_none(alone)
            if n is not None:
                direct.append(n)
            time.sleep(0.01)

    threads = [threading.Thread(target=guarded_loop), threading.Thread(target=direct_loop)]
    for thread in threads:
        thread.start()
    try:
        restarted = time.monotonic()
        leader.start()
        leader.wait_healthy()
        healthy_after = time.monotonic() - restarted
        alone = TypesenseEngine(Connection((leader.url,), API_KEY, "articles"))
        wait_for(lambda: count_or_none(alone) == full, 60, "the catch-up")
        caught_up_after = time.monotonic() - restarted
        rejoined = alone.open()
        wait_for(lambda: leader.url in archive.searched_nodes(), 10, "the node searched again")
        time.sleep(0.5)  # searches that may go to the node again
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert guarded and all(n == full for n in guarded), sorted(
        {n for n in guarded if n != full}, key=str
    )[:5]
    partial = [n for n in direct if n != full]
    assert expected <= written(rejoined)
    assert state(leader) == FOLLOWER
    print(
        f"\ncluster: new leader {elected_after:.1f} s after the kill; "
        f"{len(after_kill)} searches answered during and after it, none failed; "
        f"{len(acknowledged)} writes acknowledged, {len(write_failures)} refused "
        f"(no leader); the restarted node was healthy after {healthy_after:.1f} s and "
        f"caught up after {caught_up_after:.1f} s; meanwhile it answered {len(partial)} "
        f"searches with part of the archive (as few as {min(partial, default=full)} of "
        f"{full}), and none of the {len(guarded)} searches of the archive did"
    )


@pytest.fixture
def three_singles(tmp_path: Path):
    servers = []
    try:
        for i in range(3):
            servers.append(start_single(tmp_path / f"single{i}"))
        yield servers
    finally:
        stop_all(servers)


def test_a_node_holding_part_of_the_archive_is_not_searched(three_singles, demo: Path):
    """Three independent nodes, one holding fewer articles (as a node that has not
    caught up): the archive over all three never counts from that one, and searches it
    again once it holds as many as the others."""
    full, part, lagging = three_singles
    for server, paths in ((full, ["reuters", "markdown"]), (part, ["reuters", "markdown"])):
        index_paths(TypesenseEngine(connection_for([server])), [demo / p for p in paths])
    index_paths(TypesenseEngine(connection_for([lagging])), [demo / "reuters"])
    archive = TypesenseEngine(connection_for(three_singles)).open()
    expected = count(TypesenseEngine(connection_for([full])).open())
    assert count(TypesenseEngine(connection_for([lagging])).open()) < expected

    assert [count(archive) for _ in range(30)] == [expected] * 30
    assert lagging.url not in archive.searched_nodes()
    assert set(archive.searched_nodes()) == {full.url, part.url}

    index_paths(TypesenseEngine(connection_for([lagging])), [demo / "reuters", demo / "markdown"])
    wait_for(lambda: lagging.url in archive.searched_nodes(), 5, "the node searched again")
    assert [count(archive) for _ in range(10)] == [expected] * 10

"""Indexing into Typesense: incremental by content hash, or a rebuild and alias swap.

What changed is decided by :mod:`indexer.sync`, exactly as for the Whoosh backend;
here are only the Typesense operations:

- the manifest ``{id: (content hash, file)}`` comes from the export endpoint (only those
  three fields are sent);
- new and changed articles are upserted in batches through the import endpoint, removed
  ones deleted by an ``id`` filter, also in batches;
- searchers use the alias (``ARCHIVE_TYPESENSE_COLLECTION``, default ``articles``), and
  each build is a collection named ``<alias>_000001``, ``<alias>_000002``... A rebuild
  (and the very first run) fills a new collection, then points the alias at it in one
  request, so searchers never see a half-built archive, then drops the old collection
  and any left by a killed rebuild.

Two writers must not run at once: a small lock collection ``<alias>__writer`` holds the
writer's pid and host (a collection create is atomic across the cluster). A lock left by
a killed writer on this host is taken over; one from another host must be dropped by
hand (the message says how).
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from collections.abc import Callable
from dataclasses import replace

from typesense import exceptions as ts_errors

from archive import Article
from indexer.clusters import reassign, signature_from_text
from indexer.errors import BackendUnavailable, IndexLocked
from indexer.sync import Feed, IndexReport, Manifest, Plan, Progress
from indexer.typesense.collection_format import check_format
from indexer.typesense.connection import WRITE_TIMEOUT, Connection, answering, make_client
from indexer.typesense.documents import collection_schema, next_seq, to_document

#: Documents per import request, and the request body size that flushes sooner.
BATCH_DOCS = 1000
BATCH_BYTES = 8_000_000
#: Ids per delete request (they go in a filter).
DELETE_BATCH = 200


class TypesenseIndexError(BackendUnavailable):
    """The cluster refused or failed a write; the message says which."""


class _TypesenseSink:
    """Buffers upserts and deletes and sends them in batches."""

    def __init__(self, collection, report: IndexReport):
        self.collection = collection
        self.report = report
        self.docs: list[dict] = []
        self.bytes = 0
        self.deletes: list[str] = []
        #: The articles this run wrote (their cluster is set after the run).
        self.written: set[str] = set()

    def add(self, article: Article, file: str) -> None:
        doc = to_document(article, file, next_seq())
        self.written.add(article.id)
        self.docs.append(doc)
        self.bytes += len(article.body) + len(article.title) + 512
        if len(self.docs) >= BATCH_DOCS or self.bytes >= BATCH_BYTES:
            self.flush()

    replace = add  # an upsert replaces the whole document

    def delete(self, article_id: str) -> None:
        self.deletes.append(article_id)
        if len(self.deletes) >= DELETE_BATCH:
            self._flush_deletes()

    def flush(self) -> None:
        if self.docs:
            try:
                results = self.collection.documents.import_(self.docs, {"action": "upsert"})
            except ts_errors.TypesenseClientError as exc:
                raise TypesenseIndexError(f"Typesense refused an import: {exc}") from exc
            for doc, result in zip(self.docs, results, strict=True):
                if not result.get("success"):
                    self.report.warnings.append(
                        f"{doc.get('source_path') or doc['file']}: article {doc['id']} was "
                        f"not indexed by Typesense: {result.get('error', 'unknown error')}"
                    )
            self.docs, self.bytes = [], 0
        self._flush_deletes()

    def _flush_deletes(self) -> None:
        while self.deletes:
            chunk, self.deletes = self.deletes[:DELETE_BATCH], self.deletes[DELETE_BATCH:]
            ids = ",".join(f"`{i}`" for i in chunk)
            try:
                self.collection.documents.delete({"filter_by": f"id:[{ids}]"})
            except ts_errors.TypesenseClientError as exc:
                raise TypesenseIndexError(f"Typesense refused a delete: {exc}") from exc


def run_plan(
    connection: Connection,
    plan: Plan,
    *,
    rebuild: bool,
    progress: Callable[[Progress], None] | None,
) -> IndexReport:
    with answering(connection, "while indexing"):
        return _write(connection, plan, rebuild=rebuild, progress=progress)


def _write(
    connection: Connection,
    plan: Plan,
    *,
    rebuild: bool,
    progress: Callable[[Progress], None] | None,
) -> IndexReport:
    started = time.monotonic()
    client = make_client(connection, timeout=WRITE_TIMEOUT, write=True)
    report = IndexReport(rebuilt=rebuild, warnings=list(plan.warnings))
    alias = connection.collection
    with _writer_lock(client, alias):
        live = _alias_target(client, alias)
        fresh = rebuild or live is None
        if fresh:
            target = _new_collection(client, alias)
            existing: Manifest = {}
        else:
            assert live is not None  # not fresh
            target = live
            # Adding to it would mix two analyses in one collection.
            check_format(client.collections[target].retrieve(), connection.describe())
            existing = _manifest(client.collections[target])
        report.generation = target
        sink = _TypesenseSink(client.collections[target], report)
        feed = Feed(sink, existing, report, progress, plan.files_total, started)
        try:
            feed.run(plan.sources, plan.removal_roots)
            sink.flush()
            _update_clusters(client.collections[target], report, sink.written)
        except BaseException:
            if fresh:
                # Never leave a half-built collection behind; the alias still points
                # at the old one.
                _drop(client, target)
            raise
        if fresh:
            client.aliases.upsert(alias, {"collection_name": target})
            for name in _generations(client, alias):
                if name != target:
                    _drop(client, name)
        report.articles = _live_articles(client, connection, target)
    report.seconds = time.monotonic() - started
    return report


def _live_articles(client, connection: Connection, target: str) -> int:
    """The articles in ``target`` as the node that counts most sees them. A write is
    acknowledged once the leader has applied it, but a follower asked a moment later
    can still count fewer (0 for a new collection: seen in the 3-node test), so each
    node is asked and the largest count is the archive's."""
    counts = []
    for node in connection.nodes:
        probe = make_client(replace(connection, nodes=(node,)), retries=0, write=True)
        try:
            counts.append(int(probe.collections[target].retrieve()["num_documents"]))
        except Exception:  # noqa: BLE001, S112 - a node down: the others count
            continue
    if counts:
        return max(counts)
    return int(client.collections[target].retrieve()["num_documents"])


def _alias_target(client, alias: str) -> str | None:
    try:
        return client.aliases[alias].retrieve()["collection_name"]
    except ts_errors.ObjectNotFound:
        pass
    try:
        client.collections[alias].retrieve()
    except ts_errors.ObjectNotFound:
        return None
    raise TypesenseIndexError(
        f"Typesense has a collection named {alias!r} that is not an alias: this archive "
        "needs that name for its alias. Choose another ARCHIVE_TYPESENSE_COLLECTION or "
        "delete that collection."
    )


def _generations(client, alias: str) -> list[str]:
    pattern = re.compile(rf"^{re.escape(alias)}_(\d{{6,}})$")
    numbers: dict[str, int] = {}
    for collection in client.collections.retrieve():
        match = pattern.match(collection["name"])
        if match:
            numbers[collection["name"]] = int(match.group(1))
    return sorted(numbers, key=numbers.__getitem__)


def _new_collection(client, alias: str) -> str:
    existing = _generations(client, alias)
    number = int(existing[-1].rsplit("_", 1)[1]) + 1 if existing else 1
    name = f"{alias}_{number:06d}"
    client.collections.create(collection_schema(name))
    return name


def _drop(client, name: str) -> None:
    try:
        client.collections[name].delete()
    except ts_errors.ObjectNotFound:
        pass


def _manifest(collection) -> Manifest:
    """``{article id: (content hash, file)}`` of every article, from the export."""
    text = collection.documents.export({"include_fields": "id,content_hash,file"})
    out: Manifest = {}
    for line in text.splitlines():
        if line.strip():
            doc = json.loads(line)
            out[doc["id"]] = (doc.get("content_hash", ""), doc.get("file", ""))
    return out


def _update_clusters(collection, report: IndexReport, written: set[str]) -> int:
    """Recluster the collection (:func:`indexer.clusters.reassign` decides) and set the
    ``cluster`` of the articles whose cluster changed, by partial updates (only that
    field is sent); returns how many.

    An article written before this run whose cluster changed also gets a new ``seq``:
    Whoosh adds it again (it cannot change a field in place), which makes it the latest
    indexed, and ties in date order go to the latest indexed on both engines."""
    text = collection.documents.export({"include_fields": "id,minhash,cluster"})
    rows = []
    for line in text.splitlines():
        if line.strip():
            doc = json.loads(line)
            rows.append(
                (doc["id"], signature_from_text(doc.get("minhash", "")), doc.get("cluster", ""))
            )
    changes = reassign(rows)
    updates = [
        {"id": key, "cluster": cluster, **({} if key in written else {"seq": next_seq()})}
        for key, cluster in sorted(changes.items())
    ]
    for start in range(0, len(updates), BATCH_DOCS):
        batch = updates[start : start + BATCH_DOCS]
        try:
            results = collection.documents.import_(batch, {"action": "update"})
        except ts_errors.TypesenseClientError as exc:
            raise TypesenseIndexError(f"Typesense refused an import: {exc}") from exc
        for doc, result in zip(batch, results, strict=True):
            if not result.get("success"):
                report.warnings.append(
                    f"article {doc['id']}: its story cluster was not updated by Typesense: "
                    f"{result.get('error', 'unknown error')}"
                )
    return len(updates)


class _writer_lock:
    """The cluster-wide writer lock: a collection whose creation only one can win."""

    def __init__(self, client, alias: str):
        self.client = client
        self.name = f"{alias}__writer"

    def __enter__(self) -> None:
        for _attempt in range(2):
            try:
                self.client.collections.create(
                    {"name": self.name, "fields": [{"name": "pid", "type": "int32"}]}
                )
            except ts_errors.ObjectAlreadyExists:
                holder = self._holder()
                if holder is None or (
                    holder.get("host") == socket.gethostname()
                    and not _alive(int(holder.get("pid", 0)))
                ):
                    _drop(self.client, self.name)  # stale: left by a killed writer
                    continue
                raise IndexLocked(holder.get("pid")) from None
            self.client.collections[self.name].documents.create(
                {"id": "lock", "pid": os.getpid(), "host": socket.gethostname()}
            )
            return
        raise IndexLocked(None)

    def __exit__(self, *exc) -> None:
        _drop(self.client, self.name)

    def _holder(self) -> dict | None:
        """The holder's pid and host. It writes them just after creating the lock, so
        look a few times before calling a lock without them stale."""
        for _ in range(20):
            try:
                return self.client.collections[self.name].documents["lock"].retrieve()
            except ts_errors.TypesenseClientError:
                time.sleep(0.1)
        return None


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

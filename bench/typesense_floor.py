"""How fast the Typesense backend could be if its documents held less: a floor, measured.

``python -m bench.typesense_floor [--size 10k] [--rounds 3]`` builds the bench corpus
into the local (Whoosh) backend and, through the project's own Typesense backend, into
one Typesense 0.24.1 node on 127.0.0.1; then copies the node's collection twice with
less in each stored document (the same schema and indexed fields): without the display
body (``body``, ``subtitle``, ``minhash``), and with nothing but the indexed fields. The
workload of ``bench/queries.json`` runs through the search API against each, engines
interleaved query by query, and once more on the whole collection without facets.

Why: Typesense 0.24.1 reads a stored document to spell each facet value it returns,
so a search's time grows with the documents' size; this says how much of the gap to the
local backend that is, and how much is the faceting itself (counting the matches), which
no document layout removes. Snippets need the body, so the two smaller layouts cannot
serve the page as they are: they bound what moving text out of the documents could buy.
Everything is built in a temporary folder and the server is always stopped.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.corpus import SIZES, ensure_corpus
from bench.engine_project import ProjectEngine, search_archive
from bench.engine_typesense import TypesenseServer, unavailable
from bench.queries import BenchQuery, load_queries

#: Stored fields a hit shows but no search reads.
DISPLAY = {
    "title", "tags", "places", "url", "authors", "mentions", "published", "site",
    "language", "source_path", "content_hash", "file",
}  # fmt: skip
#: The text snippets are cut from, and the story-cluster signature.
BODY = {"body", "subtitle", "minhash"}
LAYOUTS = {"without the body": BODY, "indexed fields only": BODY | DISPLAY}


def _mean_bytes(docs: list[dict]) -> float:
    """The mean size of ``docs`` as JSON, as they are sent."""
    return sum(len(json.dumps(d)) for d in docs) / max(1, len(docs))


def _copy(client, source: str, docs: list[dict], alias: str) -> None:
    """Collection ``source``'s schema holding ``docs``, searched through ``alias`` (as
    the archive searches its own)."""
    name = f"{alias}_documents"
    schema = client.collections[source].retrieve()
    client.collections.create(
        {"name": name, "fields": schema["fields"], "token_separators": [], "symbols_to_index": []}
    )
    client.collections[name].documents.import_(
        "\n".join(json.dumps(d) for d in docs), {"action": "create"}
    )
    client.aliases.upsert(alias, {"collection_name": name})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.typesense_floor", description=__doc__)
    p.add_argument("--size", default="10k", choices=[s for s in SIZES if s != "real"])
    p.add_argument("--rounds", type=int, default=3, help="timed passes over the workload")
    args = p.parse_args(argv)
    if reason := unavailable():
        raise SystemExit(f"Typesense cannot run here: {reason}")
    import typesense

    from indexer.backends import index_paths
    from indexer.typesense import Connection, TypesenseEngine

    corpus = ensure_corpus(args.size, log=print)
    queries = load_queries()
    with tempfile.TemporaryDirectory(prefix="typesense-floor-") as tmp:
        local = ProjectEngine()
        local.build(corpus, Path(tmp) / "whoosh")
        local.open(Path(tmp) / "whoosh")
        with TypesenseServer(Path(tmp) / "typesense") as server:
            engine = server.config()
            index_paths(engine, [corpus], rebuild=True)
            client = typesense.Client(
                {
                    "nodes": [{"host": "127.0.0.1", "port": server.port, "protocol": "http"}],
                    "api_key": server.api_key,
                    "connection_timeout_seconds": 300,
                }
            )
            alias = engine.connection.collection
            source = client.aliases[alias].retrieve()["collection_name"]
            exported = client.collections[source].documents.export().splitlines()
            docs = [json.loads(line) for line in exported]
            sizes = {"today's documents": _mean_bytes(docs)}
            archives = {"today's documents": engine.open()}
            for n, (layout, drop) in enumerate(LAYOUTS.items()):
                smaller = [{k: v for k, v in d.items() if k not in drop} for d in docs]
                sizes[layout] = _mean_bytes(smaller)
                _copy(client, source, smaller, f"floor{n}")
                archives[layout] = TypesenseEngine(
                    Connection((server.url,), server.api_key, f"floor{n}")
                ).open()
            runs: dict[str, Callable[[BenchQuery], object]] = {
                f"Typesense, {k}": (lambda q, a=a: search_archive(a, q))
                for k, a in archives.items()
            }
            runs["Typesense, today's documents, no facets"] = lambda q: search_archive(
                archives["today's documents"], q, facets=False
            )
            runs["local (Whoosh) backend"] = lambda q: search_archive(local.archive, q)
            ms: dict[str, dict[str, list[float]]] = {k: {q.id: [] for q in queries} for k in runs}
            for round_ in range(args.rounds + 1):  # the first pass warms every cache
                for q in queries:
                    for name, run in runs.items():
                        started = time.perf_counter()
                        run(q)
                        if round_:
                            ms[name][q.id].append((time.perf_counter() - started) * 1000)
            for archive in archives.values():
                archive.close()
        local.close()

    def median(name: str, browse: bool) -> float:
        per_query = [statistics.median(ms[name][q.id]) for q in queries if q.is_browse == browse]
        return statistics.median(per_query)

    base = median("local (Whoosh) backend", False)
    print(f"\n{args.size}, {args.rounds} rounds over {len(queries)} searches (median ms)\n")
    print("| search | document as sent, mean bytes | all text searches | / local | browse |")
    print("|---|---|---|---|---|")
    for name in runs:
        layout = next((k for k in sizes if name.endswith(k)), "")
        size = f"{sizes[layout]:,.0f}" if layout else ""
        text = median(name, False)
        print(f"| {name} | {size} | {text:.2f} | {text / base:.1f} | {median(name, True):.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

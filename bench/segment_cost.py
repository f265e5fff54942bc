"""What more segments cost a search: the same corpus indexed with different worker pool
limits (more or fewer segments), the bench workload timed on each, interleaved.

    python -m bench.segment_cost --size 10k --limits 0,2.6,0.7 --rounds 3
    python -m bench.segment_cost --size 10k --limits 0,2.6,0.7 --skip-build --cold

The indexing workers write a segment each time their posting pool is full (flush by RAM,
issue 15), so a large build leaves more segments than workers, and a search looks up each
of its terms in every segment. A limit of 0 is the default pool (at 10k: one segment per
worker, as before). The queries run on every index in turn, query by query, so a noisy
neighbour hurts each alike. Printed: segments, median and p95 ms per index, and the
median of the per-query differences against the first index (the extra cost per search).
Warm (the default) is a running server's state: a term's postings are decoded once per
snapshot and kept, so its per-segment lookups are paid once. ``--cold`` turns the term
and parse caches off, so every search looks up every term in every segment again: the
cost of a search whose words were not searched since the index was opened.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.segment_cost", description=__doc__)
    p.add_argument("--size", default="10k")
    p.add_argument("--limits", default="0,2.6", help="worker pool MB per index (0: default)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--work", type=Path, default=Path(__file__).resolve().parent / "cache")
    p.add_argument("--skip-build", action="store_true", help="reuse the indexes of a former run")
    p.add_argument("--cold", action="store_true", help="no term or parse cache")
    args = p.parse_args(argv)

    from whoosh import index as whoosh_index

    from bench.corpus import ensure_corpus
    from bench.engine_project import search_archive
    from bench.queries import load_queries
    from indexer.whoosh import index_paths, open_index, postings, search, writer
    from indexer.whoosh.layout import Layout

    if args.cold:
        postings.ScoringIndex.__init__.__defaults__ = (0,)
        search.PARSE_CACHE_SIZE = 0

    corpus = ensure_corpus(args.size, log=lambda _m: None)
    default_limit = writer.WORKER_LIMIT_MB
    archives = {}
    for text in args.limits.split(","):
        limit = float(text)
        writer.WORKER_LIMIT_MB = limit or default_limit
        folder = args.work / f"segments-{args.size}-{text}"
        if not args.skip_build:
            index_paths(folder, [corpus], rebuild=True)
        layout = Layout(folder)
        pointer = layout.read_pointer()
        assert pointer is not None
        segments = len(whoosh_index.open_dir(layout.generation_dir(pointer.generation))._segments())
        archives[f"{segments} segments (pool {text or 'default'} MB)"] = open_index(folder)
    writer.WORKER_LIMIT_MB = default_limit

    queries = load_queries()
    for archive in archives.values():  # warm-up: the first search opens the snapshot
        for q in queries:
            search_archive(archive, q)
    times: dict[str, list[float]] = {name: [] for name in archives}
    for _ in range(args.rounds):
        for q in queries:
            for name, archive in archives.items():
                t0 = time.perf_counter()
                search_archive(archive, q)
                times[name].append((time.perf_counter() - t0) * 1000)
    first = next(iter(times.values()))
    for name, ms in times.items():
        ordered = sorted(ms)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        extra = statistics.median(b - a for a, b in zip(first, ms, strict=True))
        print(
            f"{name}: median {statistics.median(ms):.2f} ms, p95 {p95:.2f} ms, "
            f"extra per search (median of differences) {extra:+.2f} ms"
        )
    for archive in archives.values():
        archive.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

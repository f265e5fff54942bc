"""Where the project's search time goes: a pyinstrument profile of the workload.

``python -m bench.profile --size 100k`` opens the project's benchmark index (built by a
former ``python -m bench --size 100k``), runs the faceted text searches (and, with
``--browse``, the empty-query ones) a few times under pyinstrument, and writes the call
tree and a flat list of the functions with the most time of their own to
``bench/cache/profile-<size>-<kind>.txt`` (the HTML view beside it). The summary
printed is what goes into RESULTS.md.

``--web`` profiles the same searches through the web app instead (Flask's test client
on ``/api/search``, one thread), to show what the web layer adds to each search. (py-spy
cannot attach to a process in this sandbox; where it can, ``py-spy record --pid <pid of
archive serve>`` under load gives the server's view, threads and all.)
"""

from __future__ import annotations

import argparse
import statistics
import time

from pyinstrument import Profiler

from bench.corpus import CACHE_DIR, SIZES
from bench.engine_project import ProjectEngine
from bench.queries import load_queries


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n")[0])
    p.add_argument("--size", default="100k", choices=list(SIZES))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--browse", action="store_true", help="profile the empty-query searches")
    p.add_argument("--web", action="store_true", help="go through the web app's /api/search")
    p.add_argument(
        "--index",
        type=int,
        metavar="N",
        help="profile indexing the first N articles of the corpus instead of searching",
    )
    args = p.parse_args(argv)
    if args.index:
        profile_indexing(args.size, args.index)
        return

    index_dir = CACHE_DIR / f"index-{args.size}" / "project"
    if not index_dir.exists():
        raise SystemExit(f"no project index at {index_dir}; run python -m bench --size {args.size}")
    queries = [q for q in load_queries() if q.is_browse == args.browse]
    if args.web:
        import web
        from bench.web_load import _path

        app = web.create_app(web.Config.from_env(index_dir=index_dir))
        client = app.test_client()

        def search(q):
            response = client.get(_path(q))
            assert response.status_code == 200, response.status_code
            return response.data

    else:
        engine = ProjectEngine()
        engine.open(index_dir)
        search = engine.search
    for q in queries:  # warm: first-open caches are not what a user waits for each time
        search(q)

    per_query: dict[str, list[float]] = {q.id: [] for q in queries}
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(args.rounds):
        for q in queries:
            t0 = time.perf_counter()
            search(q)
            per_query[q.id].append(time.perf_counter() - t0)
    profiler.stop()

    kind = ("browse" if args.browse else "faceted") + ("-web" if args.web else "")
    out = CACHE_DIR / f"profile-{args.size}-{kind}.txt"
    tree = profiler.output_text(unicode=True, color=False)
    flat = profiler.output_text(unicode=True, color=False, flat=True)
    out.write_text(tree + "\n\n=== flat (self time) ===\n\n" + flat)
    out.with_suffix(".html").write_text(profiler.output_html())

    everything = [v for values in per_query.values() for v in values]
    print(
        f"mean {statistics.mean(everything) * 1000:.1f} ms, "
        f"median {statistics.median(everything) * 1000:.1f} ms per search (under the profiler)"
    )
    slowest = sorted(per_query.items(), key=lambda kv: -statistics.median(kv[1]))[:10]
    print(f"{len(queries)} {kind} queries x {args.rounds} rounds; slowest by median:")
    for qid, values in slowest:
        print(f"  {qid:16} {statistics.median(values) * 1000:8.1f} ms")
    print(f"\nflat profile, top entries (full tree: {out}):")
    print("\n".join(flat.splitlines()[:45]))


def profile_indexing(size: str, n: int) -> None:
    """``index_paths`` over the first ``n`` articles of a corpus, in a temporary folder."""
    import itertools
    import tempfile
    from pathlib import Path

    from bench.corpus import ensure_corpus
    from indexer.whoosh import index_paths

    corpus = ensure_corpus(size)
    with tempfile.TemporaryDirectory(dir=CACHE_DIR) as tmp:
        part = Path(tmp) / "part.jsonl"
        with corpus.open() as src, part.open("w") as dst:
            dst.writelines(itertools.islice(src, n))
        profiler = Profiler(interval=0.001)
        profiler.start()
        t0 = time.perf_counter()
        report = index_paths(Path(tmp) / "index", [part])
        seconds = time.perf_counter() - t0
        profiler.stop()
    out = CACHE_DIR / f"profile-{size}-index.txt"
    tree = profiler.output_text(unicode=True, color=False)
    flat = profiler.output_text(unicode=True, color=False, flat=True)
    out.write_text(tree + "\n\n=== flat (self time) ===\n\n" + flat)
    print(f"indexed {report.articles:,} articles in {seconds:.1f} s under the profiler")
    print(f"(main process only: work in child processes is not sampled); full tree: {out}")
    print("\n".join(flat.splitlines()[:40]))


if __name__ == "__main__":
    main()

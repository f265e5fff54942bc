"""Searches as a user types them, each for the first time: plain words, cold caches.

``python -m bench.cold --size 1m`` (after ``python -m bench --size 1m`` has built the
project's and Tantivy's indexes). Why a separate benchmark: the main one times its
workload after an untimed agreement pass over the same queries, so every term a search
reads is already in the searcher's term cache, and its queries are written with
operators (``"a" AND "b"``), which turn off the proximity bonus that plain words get.
A researcher mostly types plain words, each query new. Here each query of three words
from an article's title (fixed seed) runs once, in a fresh process per engine and mode
(the operating system's page cache stays warm: this measures the engines' own first
reading), then once more (warm):

- ``plain``: the project, the words as typed (``a b c``: every word required, the
  proximity bonus on);
- ``and``: the project, ``"a" AND "b" AND "c"`` (the main benchmark's form: no bonus);
- ``tantivy``: Tantivy, ``+a +b +c``.

Every search asks for the top 10 with snippets and the facets, as in the main benchmark.
Not a test: it prints a table to paste into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.corpus import CACHE_DIR, corpus_path

SEED = 27
QUERIES = 60
WORDS = 3
#: Every how many lines of the corpus a title is a candidate (a spread sample without
#: reading a 2 GB file into memory).
EVERY = 997
MODES = ("plain", "and", "tantivy")


def make_queries(corpus: Path, n: int = QUERIES) -> list[list[str]]:
    """``n`` queries of ``WORDS`` distinct non-stop words of a title, reproducibly."""
    from indexer.analysis import STOP_WORDS

    titles = []
    with corpus.open(encoding="utf-8") as lines:
        for i, line in enumerate(lines):
            if i % EVERY == 0:
                titles.append(json.loads(line)["title"])
    rng = random.Random(SEED)
    queries = []
    for title in rng.sample(titles, len(titles)):
        words = [w for w in re.findall(r"[a-z]+", title.lower()) if len(w) > 2]
        words = list(dict.fromkeys(w for w in words if w not in STOP_WORDS))
        if len(words) >= WORDS:
            queries.append(rng.sample(words, WORDS))
        if len(queries) == n:
            break
    return queries


def run_mode(mode: str, index_root: Path, queries: list[list[str]]) -> dict:
    """Time ``queries`` in this process (called in a fresh one per mode)."""
    from bench.queries import BenchQuery

    if mode == "tantivy":
        from bench.engines import make_engine

        engine = make_engine("tantivy")
        engine.open(index_root / "tantivy")

        def search(words: list[str]) -> None:
            engine.search(BenchQuery(id="cold", cls="common", all=words))

    else:
        from bench.engine_project import search_archive
        from indexer.api import SearchQuery
        from indexer.whoosh import open_index

        archive = open_index(index_root / "project")

        def search(words: list[str]) -> None:
            if mode == "and":
                search_archive(archive, BenchQuery(id="cold", cls="common", all=words))
            else:
                archive.search(
                    SearchQuery(text=" ".join(words), page_size=10, facets=True, snippets=True)
                )

    search(["zebra"])  # opening the index is not what is measured
    timings = {}
    for pass_name in ("cold", "warm"):
        times = []
        for words in queries:
            started = time.perf_counter()
            search(words)
            times.append(1000 * (time.perf_counter() - started))
        timings[pass_name] = times
    return timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cold", description=__doc__)
    parser.add_argument("--size", default="1m", choices=["10k", "100k", "1m"])
    parser.add_argument("--queries", type=int, default=QUERIES)
    # The child: times one mode over the queries the parent sends on stdin.
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    index_root = CACHE_DIR / f"index-{args.size}"
    if args.mode:
        json.dump(run_mode(args.mode, index_root, json.load(sys.stdin)), sys.stdout)
        return
    queries = make_queries(corpus_path(args.size), args.queries)
    examples = " / ".join(" ".join(words) for words in queries[:3])
    print(f"{len(queries)} queries of {WORDS} title words, e.g. {examples}")
    print("| engine, query form | cold median / p95 / max ms | warm (again) median / p95 ms |")
    print("|---|---|---|")
    for mode in MODES:
        child = [sys.executable, "-m", "bench.cold", "--size", args.size, "--mode", mode]
        out = subprocess.run(
            child, input=json.dumps(queries), check=True, capture_output=True, text=True
        ).stdout
        timings = json.loads(out)
        cold, warm = timings["cold"], timings["warm"]
        # p95 as the main benchmark computes it (bench.run.summarise).
        print(
            f"| {mode} | {statistics.median(cold):.1f} / {np.percentile(cold, 95):.1f} / "
            f"{max(cold):.1f} | {statistics.median(warm):.1f} / {np.percentile(warm, 95):.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()

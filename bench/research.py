"""Speed of the research views (issue 13): attention over time and top words.

    .venv/bin/python -m bench.research --size 10k [--engines whoosh,typesense] [--rounds 20]

Indexes the derived corpus of that size (:mod:`bench.corpus`) once per engine into
``bench/cache/research-SIZE-ENGINE/`` (reused on later runs), then times, per round,
each workload below through the project's own API (``Searcher.trends``,
``Searcher.top_words``), after one warm-up call. Prints a Markdown table of median
and 95th-percentile milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from bench.corpus import CACHE_DIR, ensure_corpus
from indexer.api import Filters, SearchQuery, TrendQuery

COMMON = ["trump", "president", "government"]
#: (name, the API call's argument): the issue's target is 3 queries, monthly.
TREND_WORKLOADS = [
    ("trends: 3 common words, monthly", TrendQuery(["trump", "president", "government"])),
    ("trends: 3 rare words, monthly", TrendQuery(["hurricane", "asthma", "copper"])),
    (
        "trends: 3 queries (phrase, boolean, field), monthly",
        TrendQuery(['"white house"', "oil AND (price OR prices)", "title:election"]),
    ),
    (
        "trends: 3 common words, monthly, tag filter",
        TrendQuery(["trump", "president", "government"], Filters(tags=["Politics"])),
    ),
    ("trends: 3 common words, weekly", TrendQuery(COMMON, interval="week")),
    ("trends: 5 common words, yearly", TrendQuery([*COMMON, "people", "war"], interval="year")),
]  # fmt: skip


#: Top words: the search's own time is timed too, so the words' added cost shows.
TOP_WORD_QUERIES = [
    ("a common word", SearchQuery("president")),
    ("a rare word", SearchQuery("hurricane")),
    ("every article (browse, tag filter)", SearchQuery("", Filters(tags=["Politics"]))),
    ("every article (no query, no filter)", SearchQuery("")),
]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _open(engine: str, size: str, corpus: Path, stack: list):
    folder = CACHE_DIR / f"research-{size}-{engine}"
    done = folder / "done.json"
    if engine == "whoosh":
        from indexer.whoosh import WhooshEngine

        target = WhooshEngine(folder / "index")
        if not done.exists():
            _build(target, corpus, done)
        return target.open()
    from bench.engine_typesense import TypesenseServer

    server = TypesenseServer(folder / "data", folder / "server.log")
    server.start()
    stack.append(server)
    target = server.config()
    if not done.exists():
        _build(target, corpus, done)
    else:
        server.wait_documents(json.loads(done.read_text())["articles"])
    return target.open()


def _build(target, corpus: Path, done: Path) -> None:
    from indexer.backends import index_paths

    started = time.perf_counter()
    report = index_paths(target, [corpus], rebuild=True)
    seconds = time.perf_counter() - started
    print(f"  indexed {report.articles:,} articles in {seconds:.0f} s")
    done.parent.mkdir(parents=True, exist_ok=True)
    done.write_text(json.dumps({"articles": report.articles, "seconds": seconds}))


def time_calls(call, rounds: int) -> tuple[float, float, float]:
    """Median and p95 wall milliseconds, and the median CPU milliseconds of this
    process: on a shared machine (this one: 2 cores, load average about 10) the wall
    time mostly measures waiting for a core; the CPU time is the work. A Typesense
    search's work is in the server, so only its wall time means anything."""
    call()  # warm-up: per-snapshot caches, parsed queries
    times, cpu = [], []
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(times), _percentile(times, 0.95), statistics.median(cpu)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="10k")
    parser.add_argument("--engines", default="whoosh")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    corpus = ensure_corpus(args.size)
    rows: list[tuple[str, str, float, float, float]] = []
    for engine in args.engines.split(","):
        stack: list = []
        try:
            archive = _open(engine, args.size, corpus, stack)
            for name, query in TREND_WORKLOADS:
                median, p95, cpu = time_calls(lambda a=archive, q=query: a.trends(q), args.rounds)
                rows.append((engine, name, median, p95, cpu))
                print(f"  {engine:9} {name}: {median:.1f} / {p95:.1f} ms, cpu {cpu:.1f}")
            for name, query in TOP_WORD_QUERIES:
                hits = archive.search(query).total
                for label, call in (
                    ("search", lambda a=archive, q=query: a.search(q)),
                    ("top words", lambda a=archive, q=query: a.top_words(q, 15)),
                ):
                    median, p95, cpu = time_calls(call, args.rounds)
                    title = f"{label}: {name}, {hits:,} hits"
                    rows.append((engine, title, median, p95, cpu))
                    print(f"  {engine:9} {title}: {median:.1f} / {p95:.1f} ms, cpu {cpu:.1f}")
            archive.close()
        finally:
            for server in stack:
                server.stop()
    print()
    print(f"| engine | workload ({args.size} articles) | median ms | p95 ms | CPU ms (median) |")
    print("|---|---|---|---|---|")
    for engine, name, median, p95, cpu in rows:
        print(f"| {engine} | {name} | {median:.1f} | {p95:.1f} | {cpu:.1f} |")


if __name__ == "__main__":
    main()

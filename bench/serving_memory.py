"""Serving memory and speed: the archive's mapped reader against Whoosh's copying one.

``python -m bench.serving_memory --articles 20000`` indexes the first N articles of the
bench corpus (a prefix of the 100k set, so the same text), then runs, in fresh
processes taking turns, the whole bench workload against that index opened two ways:

- ``mapped``: the archive as it serves (:mod:`indexer.whoosh.storage`, a shared map);
- ``copying``: the same code with Whoosh's ``open_dir`` (each reader copies every
  compound segment file into the process: what served 1M articles in 9.6 GB).

Each process reports its memory from ``/proc/self/smaps_rollup`` after the workload:
``RssAnon`` (anonymous memory: copies, arrays, caches) and USS (``Private_Clean +
Private_Dirty``). Note that USS counts mapped index pages touched by this process alone
as ``Private_Clean`` although they are page cache, shared as soon as a second process
maps them and dropped under memory pressure: ``RssAnon`` is the private cost.
Also the median and p95 of the searches (facets and 10 snippets, as ``python -m bench``).
Not a test; writes nothing but its cache (``bench/cache/``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.corpus import CACHE_DIR, iter_corpus
from indexer.whoosh.storage import postings_bytes

_CHILD = r"""
import json, sys, time
import indexer.whoosh.search as search
from bench.engine_project import search_archive
from bench.queries import load_queries
from indexer.whoosh import open_index

def rollup():
    fields = {}
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[-1] == "kB":
                fields[parts[0].rstrip(":")] = int(parts[1]) * 1024
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("RssAnon:", "RssFile:")):
                fields[line.split(":")[0]] = int(line.split()[1]) * 1024
    return fields

if sys.argv[2] == "copying":
    from whoosh import index as whoosh_index
    search.open_mapped_index = whoosh_index.open_dir
queries = load_queries()
before = rollup()
started = time.perf_counter()
archive = open_index(sys.argv[1])
search_archive(archive, queries[0])
first = time.perf_counter() - started
times = []
for _ in range(int(sys.argv[3])):
    for q in queries:
        t = time.perf_counter()
        search_archive(archive, q)
        times.append((time.perf_counter() - t) * 1000)
after = rollup()
print(json.dumps({"before": before, "after": after, "times": times, "first": first}))
"""


def ensure_index(articles: int, log=print) -> Path:
    """The index of the first ``articles`` bench articles, built once."""
    index_dir = CACHE_DIR / f"index-serving-{articles}"
    if (index_dir / "CURRENT").exists():
        return index_dir
    corpus = CACHE_DIR / f"corpus-prefix-{articles}.jsonl"
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    if not corpus.exists():
        tmp = corpus.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            for record in itertools.islice(iter_corpus("100k"), articles):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        tmp.replace(corpus)
    from indexer.whoosh import index_paths

    started = time.perf_counter()
    report = index_paths(index_dir, [corpus], rebuild=True)
    log(f"indexed {report.articles:,} articles in {time.perf_counter() - started:.0f} s")
    return index_dir


def run_child(index_dir: Path, mode: str, rounds: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(index_dir), mode, str(rounds)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if done.returncode != 0:
        raise SystemExit(f"the {mode} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the workload")
    parser.add_argument("--repeat", type=int, default=2, help="processes per mode, in turns")
    args = parser.parse_args(argv)
    index_dir = ensure_index(args.articles)
    mib = 2**20
    print(f"index {index_dir}: postings {postings_bytes(index_dir) / mib:.1f} MiB")
    print("| reader | RssAnon added MiB | USS added MiB | RssFile MiB | first answer s |")
    print("|---|---|---|---|---|")
    times: dict[str, list[float]] = {"copying": [], "mapped": []}
    for _ in range(args.repeat):
        for mode in ("copying", "mapped"):
            out = run_child(index_dir, mode, args.rounds)
            b, a = out["before"], out["after"]
            uss = (a["Private_Clean"] + a["Private_Dirty"]) - (
                b["Private_Clean"] + b["Private_Dirty"]
            )
            print(
                f"| {mode} | {(a['RssAnon'] - b['RssAnon']) / mib:.1f} | {uss / mib:.1f} "
                f"| {a['RssFile'] / mib:.1f} | {out['first']:.2f} |"
            )
            times[mode] += out["times"]
    for mode, samples in times.items():
        samples.sort()
        p95 = samples[int(0.95 * (len(samples) - 1))]
        print(
            f"{mode}: {len(samples)} searches, median {statistics.median(samples):.2f} ms, "
            f"p95 {p95:.2f} ms"
        )


if __name__ == "__main__":
    main()

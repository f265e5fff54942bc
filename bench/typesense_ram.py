"""How much RAM a Typesense node needs per 100k articles: measured, for docs/typesense.md.

``python -m bench.typesense_ram [--size 100k] [--step 10000]`` starts one Typesense
0.24.1 node on 127.0.0.1 (data under ``bench/cache/typesense-ram/``), indexes the bench
corpus into it through the project's own backend (``index_articles``, the same
documents ``archive index`` sends) in steps of ``--step`` articles, and after each step
prints the server's resident memory (``VmRSS`` from ``/proc/PID/status``), Typesense's
own ``typesense_memory_active_bytes`` (``/metrics.json``) and the data directory's size.
Then it restarts the node on the same data and measures again: the steady state of a
node that loaded the archive, without the indexing's transient buffers. The server is
always stopped at the end.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import time
from pathlib import Path

from bench.corpus import CACHE_DIR, SIZES, ensure_corpus
from bench.engine_typesense import TypesenseServer, data_size, unavailable

#: Let the allocator and Typesense's background work settle before reading memory.
SETTLE_SECONDS = 3.0


def articles_of(corpus: Path):
    """The corpus as the project reads it (Articles; problems skipped, none expected)."""
    from archive import Article
    from archive.readers import read

    for item in read(corpus):
        if isinstance(item, Article):
            yield item


def _mib(n: float) -> str:
    return f"{n / 2**20:,.0f}"


def measure(server: TypesenseServer) -> tuple[int, int]:
    time.sleep(SETTLE_SECONDS)
    metrics = server.metrics()
    return server.rss_bytes(), int(float(metrics.get("typesense_memory_active_bytes", 0)))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.typesense_ram", description=__doc__)
    p.add_argument("--size", default="100k", choices=[s for s in SIZES if s != "real"])
    p.add_argument("--step", type=int, default=10_000, help="articles per step")
    p.add_argument(
        "--reload-only",
        action="store_true",
        help="skip indexing: restart on the data of a former run and measure that",
    )
    args = p.parse_args(argv)
    if reason := unavailable():
        raise SystemExit(f"Typesense cannot run here: {reason}")

    from indexer.backends import index_articles

    corpus = ensure_corpus(args.size, log=print)
    data_dir = CACHE_DIR / "typesense-ram"
    if data_dir.exists() and not args.reload_only:
        shutil.rmtree(data_dir)
    print(f"corpus {corpus}, steps of {args.step:,} articles, data in {data_dir}", flush=True)
    header = "| articles | step s | server RSS MiB | memory_active MiB | data on disk MB |"
    rows = [header, "|---|---|---|---|---|"]

    def row(count: int, seconds: str, rss: int, active: int) -> None:
        line = (
            f"| {count:,} | {seconds} | {_mib(rss)} | {_mib(active)} | "
            f"{data_size(data_dir) / 1e6:,.0f} |"
        )
        rows.append(line)
        print(line, flush=True)

    log = CACHE_DIR / "typesense-ram-server.log"
    total = 0
    print(header, flush=True)
    if args.reload_only:
        total = int(json.loads((CACHE_DIR / "typesense-ram.json").read_text())["articles"])
    else:
        with TypesenseServer(data_dir, log) as server:
            row(0, "", *measure(server))
            articles = articles_of(corpus)
            while batch := list(itertools.islice(articles, args.step)):
                started = time.perf_counter()
                report = index_articles(server.config(), batch, source=str(corpus), rebuild=False)
                total = report.articles
                row(total, f"{time.perf_counter() - started:,.0f}", *measure(server))
        (CACHE_DIR / "typesense-ram.json").write_text(json.dumps({"articles": total}))
    # The same data loaded by a fresh node: what a serving node holds, without the
    # indexing's transient buffers.
    started = time.perf_counter()
    with TypesenseServer(data_dir, log) as server:
        server.wait_documents(total)
        loaded = time.perf_counter() - started
        row(total, f"restart: all loaded in {loaded:,.0f}", *measure(server))
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

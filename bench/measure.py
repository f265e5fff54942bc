"""Indexing runs measured from outside: wall time, CPU time, peak memory, index size.

Peak memory is taken two ways, both from the kernel rather than from Python:
``ru_maxrss`` of the worker from ``os.wait4`` (the largest single process, its waited-for
children included) and the sampled sum of resident memory over the worker's whole
process tree (what a multi-process writer really holds at once), every 0.2 s.

Peak disk is the largest size of the index folder seen by the same sampler: what
exceeds the final index is temporary disk (a posting pool's spilled runs, segments
written before they are assembled into compound files), which an archive's disk must
have free while it builds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

SAMPLE_SECONDS = 0.2
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    out += [int(c) for c in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants, now."""
    total = 0
    stack = [pid]
    seen: set[int] = set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
        except OSError:
            continue
        stack += _children(p)
    return total


def dir_size(path: Path) -> int:
    total = 0
    for f in path.rglob("*"):
        try:
            if f.is_file():
                total += f.stat().st_size
        except OSError:  # deleted while we walked: a temporary file going away
            continue
    return total


def run_indexing(engine: str, corpus: Path, index_dir: Path, log=print) -> dict:
    """Build one engine's index in a fresh folder, in a child process, and measure it."""
    if index_dir.exists():
        shutil.rmtree(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    out_path = index_dir.parent / f"{engine}.out"
    err_path = index_dir.parent / f"{engine}.err"
    started = time.perf_counter()
    with out_path.open("w") as out, err_path.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.worker", engine, str(corpus), str(index_dir)],
            stdout=out,
            stderr=err,
            cwd=Path(__file__).resolve().parent.parent,
        )
        peak_tree = peak_disk = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak_tree, peak_disk
            while not stop.is_set():
                peak_tree = max(peak_tree, tree_rss(proc.pid))
                if index_dir.exists():
                    peak_disk = max(peak_disk, dir_size(index_dir))
                stop.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        tail = err_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{engine} indexing failed (exit {proc.returncode}):\n{tail}")
    report = json.loads(out_path.read_text().strip().splitlines()[-1])
    report.update(
        engine=engine,
        wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss=usage.ru_maxrss * 1024,
        peak_tree_rss=peak_tree,
        size_bytes=dir_size(index_dir),
    )
    report["peak_disk_bytes"] = max(peak_disk, report["size_bytes"])
    report["articles_per_s"] = report["articles"] / report["seconds"]
    report["cores_used"] = report["cpu_seconds"] / wall
    (index_dir.parent / f"{engine}.json").write_text(json.dumps(report, indent=1))
    log(
        f"  indexed {engine}: {report['articles']:,} articles in {report['seconds']:.1f} s "
        f"({report['articles_per_s']:,.0f}/s), {report['size_bytes'] / 1e6:,.0f} MB, "
        f"peak RSS {report['peak_rss'] / 2**20:,.0f} MiB (tree {peak_tree / 2**20:,.0f} MiB), "
        f"peak disk {report['peak_disk_bytes'] / 1e6:,.0f} MB"
    )
    return report


def previous_indexing(engine: str, index_dir: Path) -> dict | None:
    path = index_dir.parent / f"{engine}.json"
    return json.loads(path.read_text()) if path.exists() and index_dir.exists() else None

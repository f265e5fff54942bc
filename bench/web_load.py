"""Load on the web app: N concurrent clients over loopback for a fixed time.

Starts ``archive serve`` on 127.0.0.1 (a free port) over the project's benchmark
index, waits until it answers, then runs N client threads, each with its own
keep-alive ``http.client`` connection, cycling through the workload as
``/api/search?q=...&tag=...&place=...`` until the deadline. Counts answers by status;
anything but a 200 with a JSON body, or a connection error, is an error. Every loop
is bounded by the deadline; the server is stopped (by its pid) at the end.

The clients run in this Python process on the same 2-core machine as the server, so
they take some CPU from it: the figure is a floor, and the run reports how many cores
the clients used, and how many the server's processes used. With ``workers`` the
server is ``archive serve --workers N`` (gunicorn, issue 15). After the load the
server's private memory is read from ``/proc/PID/status`` (``RssAnon``: what the
processes hold of their own, not the index pages they share through the page cache),
summed over the server's process tree.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from bench.queries import BenchQuery, whoosh_text

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _path(q: BenchQuery) -> str:
    params = []
    text = whoosh_text(q)
    if text:
        params.append(("q", text))
    params += [("tag", t) for t in q.tags] + [("place", p) for p in q.places]
    return "/api/search?" + urlencode(params)


def _archive_command() -> list[str]:
    script = Path(sys.executable).parent / "archive"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from newsarchive.cli import main; main()"]


#: How long the server may take to answer its first search.
STARTUP_SECONDS = 300


def start_server(
    index_dir: Path, log_path: Path, threads: int | None = None, workers: int | None = None
) -> tuple:
    port = _free_port()
    cmd = [*_archive_command(), "serve", "--index-dir", str(index_dir), "--host", HOST]
    cmd += ["--port", str(port)]
    if threads:
        cmd += ["--threads", str(threads)]
    if workers:
        cmd += ["--workers", str(workers)]
    log = log_path.open("w")
    env = dict(os.environ, ARCHIVE_ACCESS_LOG="off")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    # The first search opens the index and reads its facet columns: seconds at 1M.
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"archive serve exited ({proc.returncode}); see {log_path}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=STARTUP_SECONDS)
            conn.request("GET", "/api/search?q=news")
            status = conn.getresponse().status
            conn.close()
            if status < 500:
                return proc, port
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError(f"archive serve did not answer within {STARTUP_SECONDS} s; see {log_path}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _tree(pid: int) -> list[int]:
    """A process and all its descendants (what can be read of them)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            continue
    return out


def server_private_mib(pid: int) -> float:
    """``RssAnon`` of a process and all its descendants, in MiB (0 where unreadable)."""
    total_kib = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                total_kib += next(
                    (int(line.split()[1]) for line in f if line.startswith("RssAnon:")), 0
                )
        except OSError:
            continue
    return total_kib / 1024


def server_cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of a process and its live descendants."""
    ticks = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def load(port: int, queries: list[BenchQuery], clients: int, seconds: float) -> dict:
    paths = [_path(q) for q in queries]
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    cpu_start = time.process_time()
    start = time.monotonic()
    deadline = start + seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        i = n * 7  # clients start at different places in the workload
        mine: list[float] = []
        counts: Counter[str] = Counter()
        while time.monotonic() < deadline:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
                if resp.status == 200:
                    json.loads(body)
                    counts["ok"] += 1
                    mine.append(time.perf_counter() - t0)
                else:
                    counts[f"HTTP {resp.status}"] += 1
            except (OSError, http.client.HTTPException, ValueError) as exc:
                counts[type(exc).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
        conn.close()
        with lock:
            outcomes.update(counts)
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    elapsed = time.monotonic() - start
    client_cores = (time.process_time() - cpu_start) / elapsed
    ok = outcomes.pop("ok", 0)
    latencies.sort()
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "ok": ok,
        "errors": sum(outcomes.values()),
        "error_kinds": dict(outcomes),
        "searches_per_s": ok / elapsed,
        "median_ms": statistics.median(latencies) * 1000 if latencies else None,
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))] * 1000 if latencies else None,
        "client_cores": client_cores,
    }


def run_web(
    index_dir: Path,
    queries: list[BenchQuery],
    clients: int,
    seconds: float,
    log_path: Path,
    workers: int | None = None,
) -> dict:
    started = time.monotonic()
    proc, port = start_server(index_dir, log_path, workers=workers)
    first_answer = time.monotonic() - started
    try:
        cpu_before = server_cpu_seconds(proc.pid)
        result = load(port, queries, clients, seconds)
        result["server_cores"] = (server_cpu_seconds(proc.pid) - cpu_before) / result["seconds"]
        result["server_private_mib"] = server_private_mib(proc.pid)
    finally:
        stop_server(proc)
    return {**result, "workers": workers or 1, "first_answer_s": first_answer}

"""What the reliability cases share: the real CLI in a child process (with its peak
memory), corpora cut from NewsArticles, a real server on a free port, headless
Chromium, and the figures each case reports for RELIABILITY.md.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import chromium
from chromium import make_driver, quit_driver  # noqa: F401  (re-exported for the tests)

ROOT = Path(__file__).resolve().parents[2]
NEWS_CSV = Path("news-articles") / "NewsArticles.csv"
#: The CLI as users run it, by the interpreter running the tests (the venv's).
ARCHIVE = [sys.executable, "-m", "newsarchive"]
#: Starts the CLI and reports its own peak memory (see its docstring for why).
LAUNCHER = Path(__file__).with_name("launcher.py")


def trials(quick: int, slow: int, heavy: bool) -> int:
    return slow if heavy else quick


def figures(case: str, **values: object) -> None:
    """Print one case's figures (``pytest -s`` shows them) and append them to the
    JSON-lines file named by ``$RELIABILITY_LOG``, from which RELIABILITY.md is written."""
    line = {"case": case, **values}
    print(f"\nRELIABILITY {json.dumps(line, default=str)}")
    log = os.environ.get("RELIABILITY_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(json.dumps(line, default=str) + "\n")


# --- corpora ----------------------------------------------------------------------


def news_rows(corpora: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The NewsArticles header and rows, as the CSV holds them."""
    with (corpora / NEWS_CSV).open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def write_chunks(
    folder: Path, header: list[str], rows: list[dict[str, str]], per_file: int, prefix: str
) -> list[Path]:
    """``rows`` as CSV files of ``per_file`` rows each (the indexer reads file by file,
    so a kill can land between files as well as inside one)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, start in enumerate(range(0, len(rows), per_file), start=1):
        path = folder / f"{prefix}-{number:03d}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows[start : start + per_file])
        paths.append(path)
    return paths


# --- the CLI in a child process -----------------------------------------------------


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    #: The child's own peak resident memory (not the test process's), MB.
    maxrss_mb: float


def run_archive(
    args: Sequence[str],
    *,
    timeout: float = 600,
    preexec_fn: Callable[[], None] | None = None,
    kill_after: float | None = None,
) -> Run:
    """Run ``archive ARGS`` from :mod:`launcher`, which waits for it with ``os.wait4``
    and so gives this child's own ``ru_maxrss``. ``kill_after``: SIGKILL it after that
    many seconds if it is still running (returncode is then ``-9``). ``preexec_fn``
    runs in the launcher, whose limits the CLI inherits."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as scratch,
    ):
        result_file = Path(scratch) / "result.json"
        command = [
            sys.executable,
            str(LAUNCHER),
            str(result_file),
            str(timeout),
            "-" if kill_after is None else str(kill_after),
            *ARCHIVE,
            *args,
        ]
        subprocess.run(
            command,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            preexec_fn=preexec_fn,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            check=True,
        )
        result = json.loads(result_file.read_text(encoding="utf-8"))
        if result["timed_out"]:
            raise TimeoutError(f"archive {' '.join(args)} ran over {timeout} s")
        out.seek(0)
        err.seek(0)
        return Run(
            returncode=result["returncode"],
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            seconds=result["seconds"],
            maxrss_mb=result["maxrss_kb"] / 1024,
        )


def index_count(index_dir: Path) -> int:
    """Articles in the live index, through the search API (as a user would count)."""
    from indexer import SearchQuery
    from indexer.whoosh import open_index

    with open_index(index_dir) as archive:
        return archive.search(SearchQuery(text="", facets=False, snippets=False)).total


# --- a real server ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """``archive serve`` in a child process on a free loopback port: waitress, or
    gunicorn with ``workers`` processes of ``threads`` threads each."""

    def __init__(self, index_dir: Path, threads: int = 16, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [
                *ARCHIVE,
                "serve",
                "--index-dir",
                str(index_dir),
                "--port",
                str(self.port),
                "--threads",
                str(threads),
                "--workers",
                str(workers),
            ],
            stdout=self.log,
            stderr=self.log,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"archive serve exited: {self.output()}")
            try:
                get_json(self.url + "/api/stats", timeout=2)
                return
            except (OSError, ValueError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("archive serve did not answer within 60 s")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class InThread:
    """The app under waitress in a thread of this process, on a free loopback port."""

    def __init__(self, app) -> None:
        import web

        self.server = web.make_server(app, "127.0.0.1", 0)
        self.port = self.server.effective_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        # Closing the server from another thread ends its select() with EBADF: that
        # is how it stops, not an error.
        with contextlib.suppress(OSError, ValueError):
            self.server.run()

    def stop(self) -> None:
        self.server.task_dispatcher.shutdown()
        self.server.close()
        self.thread.join(timeout=10)


def get_json(url: str, timeout: float = 30) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


def search_url(base: str, **params: object) -> str:
    return f"{base}/api/search?{urllib.parse.urlencode(params, doseq=True)}"


# --- headless Chromium ---------------------------------------------------------------


def have_chromium() -> bool:
    return chromium.available()

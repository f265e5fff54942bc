"""One error model: every failure a user can meet has one line of advice, the right HTTP
status and the right exit code, on the CLI and the web alike, on both engines.

The Typesense cases need no server: a cluster that does not answer is a port on
loopback where nothing listens (the client's connection is refused at once).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.errors import (
    ArchiveError,
    BackendUnavailable,
    ConfigError,
    IndexDamaged,
    IndexLocked,
    IndexMissing,
    IndexOutdated,
    QueryError,
    WriteFailed,
)

ARCHIVE = [sys.executable, "-m", "newsarchive"]
ROOT = Path(__file__).resolve().parent.parent


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def silent_cluster_env(tmp_path: Path) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    env.update(
        ARCHIVE_BACKEND="typesense",
        ARCHIVE_TYPESENSE_NODES=f"http://127.0.0.1:{closed_port()}",
        ARCHIVE_TYPESENSE_API_KEY="k",
        ARCHIVE_INDEX_DIR=str(tmp_path / "unused"),
    )
    return env


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*ARCHIVE, *args], capture_output=True, text=True, env=env, timeout=120, cwd=ROOT
    )


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("error", "status", "exit_code"),
    [
        (QueryError("x"), 400, 1),
        (ConfigError("x"), 500, 2),
        (IndexMissing("x"), 503, 1),
        (IndexOutdated("/ix", 1, 2), 503, 1),
        (IndexLocked(42), 503, 1),
        (IndexDamaged("x"), 503, 1),
        (BackendUnavailable("x"), 503, 1),
        (WriteFailed("x"), 500, 1),
    ],
)
def test_every_failure_knows_its_status_and_exit_code(error, status, exit_code):
    assert isinstance(error, ArchiveError)
    assert (error.status, error.exit_code) == (status, exit_code)
    assert error.public_message() and "\n" not in error.public_message()


def test_stats_on_a_silent_cluster_is_one_line_not_a_traceback(tmp_path):
    # Was: a traceback from the Typesense client's connection error.
    result = run("stats", env=silent_cluster_env(tmp_path))
    assert result.returncode == 1
    line = one_line_error(result)
    assert "did not answer" in line and "127.0.0.1" in line
    assert "archive index" not in line


def test_search_and_index_on_a_silent_cluster(tmp_path, demo):
    env = silent_cluster_env(tmp_path)
    search = run("search", "flood", env=env)
    assert search.returncode == 1 and "did not answer" in one_line_error(search)
    index = run("index", str(demo / "markdown"), env=env)
    assert index.returncode == 1 and "did not answer" in one_line_error(index)


def test_the_web_says_the_search_service_is_down_not_to_build_an_index(tmp_path, monkeypatch):
    # Was: IndexMissing, so the 503 page told readers to run `archive index`.
    import web

    for name, value in silent_cluster_env(tmp_path).items():
        if name.startswith("ARCHIVE_"):
            monkeypatch.setenv(name, value)
    client = web.create_app(web.Config.from_env()).test_client()
    page = client.get("/?q=flood")
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "not answering" in text and "archive index" not in text
    assert page.headers["Retry-After"] == "10"
    api = client.get("/api/search?q=flood")
    assert api.status_code == 503 and "did not answer" in api.get_json()["error"]


def test_an_unknown_engine_is_a_usage_error(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    env["ARCHIVE_BACKEND"] = "solr"
    result = run("stats", "--index-dir", str(tmp_path), env=env)
    assert result.returncode == 2
    assert "ARCHIVE_BACKEND must be one of whoosh, typesense" in one_line_error(result)


def test_a_missing_index_says_how_to_build_one(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    result = run("search", "flood", "--index-dir", str(tmp_path / "none"), env=env)
    assert result.returncode == 1
    assert "archive index" in one_line_error(result)

    import web

    client = web.create_app(web.Config(index_dir=tmp_path / "none")).test_client()
    response = client.get("/api/search?q=flood")
    assert response.status_code == 503
    assert "archive index" in response.get_json()["error"]
    assert str(tmp_path) not in response.get_json()["error"]  # no server paths for readers


def test_a_query_that_cannot_run(tmp_path, demo):
    import os

    from indexer.whoosh import index_paths

    index_dir = tmp_path / "ix"
    index_paths(index_dir, [demo / "markdown"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    result = run("search", "a*", "--index-dir", str(index_dir), env=env)
    assert result.returncode == 1
    assert "wildcard" in one_line_error(result)

    import web

    client = web.create_app(web.Config(index_dir=index_dir)).test_client()
    response = client.get("/api/search?q=a*")
    assert response.status_code == 400 and "wildcard" in response.get_json()["error"]

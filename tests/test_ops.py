"""What the people who run the archive rely on: /healthz, /readyz, /metrics, the access
log, ``archive index --format json`` and the record of the last run.

Real indexes on disk, the real app (Flask's test client or waitress on loopback), the
real ``archive`` command in a subprocess, and ``prometheus_client``'s own text parser
as the judge of /metrics.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from browser_support import Running
from prometheus_client.parser import text_string_to_metric_families
from typesense_servers import (
    connection_for,
    environment,
    typesense_server,  # noqa: F401 - fixture
)

import web
from indexer.runlog import read_run, record_run
from indexer.whoosh import index_paths
from indexer.whoosh.layout import Layout
from web import Config
from web.accesslog import LOGGER

ARCHIVE = [sys.executable, "-m", "newsarchive"]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, demo: Path) -> Path:
    target = tmp_path_factory.mktemp("ops") / "index"
    index_paths(target, [demo / "seed"])
    return target


def make_app(index_dir: Path, **env: str):
    return web.create_app(Config.from_env(index_dir=index_dir, environ=env))


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """/metrics parsed by prometheus_client's own parser: {(name, labels): value}."""
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def requests_of(metrics: dict, route: str, status: str) -> float:
    key = ("archive_http_requests_total", (("method", "GET"), ("route", route), ("status", status)))
    return metrics.get(key, 0.0)


def run(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "ARCHIVE_INDEX_DIR"}
    return subprocess.run(
        [*ARCHIVE, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )


# --- health and readiness ---------------------------------------------------------------


def test_healthy_and_ready(index_dir: Path) -> None:
    client = make_app(index_dir).test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json() == {"status": "ready"}
    assert ready.headers["Cache-Control"] == "no-store"


def test_missing_index_is_not_ready_but_healthy(tmp_path: Path) -> None:
    client = make_app(tmp_path / "nothing-here").test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "no index" in ready.get_json()["reason"]
    assert ready.headers["Retry-After"]


def test_unreadable_and_outdated_index_are_not_ready(demo: Path, tmp_path: Path) -> None:
    target = tmp_path / "index"
    index_paths(target, [demo / "seed"])
    client = make_app(target).test_client()
    assert client.get("/readyz").status_code == 200
    pointer = Layout(target).pointer_path
    good = pointer.read_text()
    pointer.write_text("{not json")  # a damaged pointer: a 503, never a 500...
    assert client.get("/api/stats").status_code == 503
    ready = client.get("/readyz")  # ...and the node is not ready, and says why
    assert ready.status_code == 503 and "unreadable" in ready.get_json()["reason"]
    assert client.get("/healthz").status_code == 200
    pointer.write_text(good.replace('"schema": ', '"schema": 9'))  # another index format
    fresh = make_app(target).test_client()
    ready = fresh.get("/readyz")
    assert ready.status_code == 503 and "rebuild it" in ready.get_json()["reason"]
    pointer.write_text(good)
    assert fresh.get("/readyz").status_code == 200


def test_stale_index_is_not_ready(demo: Path, tmp_path: Path) -> None:
    target = tmp_path / "index"
    index_paths(target, [demo / "seed"])
    client = make_app(target, ARCHIVE_MAX_INDEX_AGE="24").test_client()
    record_run(target, "ok", exit_status=0, finished=datetime.now(UTC) - timedelta(hours=30))
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert (
        "stale" in ready.get_json()["reason"]
        and "ARCHIVE_MAX_INDEX_AGE" in (ready.get_json()["reason"])
    )
    # A failed run does not make it current; a successful one does.
    record_run(target, "failed", exit_status=1, error="disk full")
    assert client.get("/readyz").status_code == 503
    record_run(target, "ok", exit_status=0)
    assert client.get("/readyz").status_code == 200


def test_typesense_down_is_not_ready(tmp_path: Path) -> None:
    pytest.importorskip("typesense")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]  # nothing listens here once closed
    app = make_app(
        tmp_path / "unused",
        ARCHIVE_BACKEND="typesense",
        ARCHIVE_TYPESENSE_NODES=f"http://127.0.0.1:{dead}",
        ARCHIVE_TYPESENSE_API_KEY="key",
    )
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503, ready.get_json()
    assert ready.get_json()["reason"] == f"no Typesense node answers: http://127.0.0.1:{dead}"


# --- metrics ---------------------------------------------------------------------------


def test_metrics_count_requests_searches_and_errors(index_dir: Path) -> None:
    app = make_app(index_dir)

    @app.get("/boom-for-the-test")
    def boom():
        raise RuntimeError("a bug")

    client = app.test_client()
    before = samples(client.get("/metrics").get_data(as_text=True))
    for _ in range(3):
        assert client.get("/api/search?q=vietnam").status_code == 200
    middle = samples(client.get("/metrics").get_data(as_text=True))
    searches = ("archive_search_duration_seconds_count", ())
    assert middle[searches] - before.get(searches, 0.0) == 3  # one engine search each
    assert client.get("/?q=flood").status_code == 200
    assert client.get("/api/search?q=a*").status_code == 400
    assert client.get("/no/such/page").status_code == 404
    assert client.get("/boom-for-the-test").status_code == 500
    response = client.get("/metrics")
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    after = samples(response.get_data(as_text=True))

    def delta(key) -> float:
        return after.get(key, 0.0) - before.get(key, 0.0)

    def delta_requests(route: str, status: str) -> float:
        return requests_of(after, route, status) - requests_of(before, route, status)

    assert delta_requests("/api/search", "200") == 3
    assert delta_requests("/api/search", "400") == 1
    assert delta_requests("/", "200") == 1
    assert delta_requests("<unmatched>", "404") == 1
    assert delta_requests("/boom-for-the-test", "500") == 1
    errors = ("archive_http_errors_total", (("route", "/boom-for-the-test"), ("status", "500")))
    assert delta(errors) == 1
    # The page's searches were timed too; the refused wildcard never reached the engine.
    assert delta(searches) >= 4
    assert delta(("archive_search_duration_seconds_bucket", (("le", "+Inf"),))) == delta(searches)
    # The index's own figures.
    stats = client.get("/api/stats").get_json()
    assert after[("archive_index_articles", ())] == stats["articles"]
    info = ("archive_index_info", (("backend", "whoosh"), ("generation", stats["generation"])))
    assert after[info] == 1
    assert after[("archive_ready", ())] == 1
    assert ("archive_index_last_update_timestamp_seconds", ()) in after


def test_metrics_without_an_index(tmp_path: Path) -> None:
    client = make_app(tmp_path / "none").test_client()
    metrics = samples(client.get("/metrics").get_data(as_text=True))
    assert metrics[("archive_ready", ())] == 0
    assert ("archive_index_articles", ()) not in metrics


def test_ops_routes_are_not_public_api(index_dir: Path) -> None:
    client = make_app(index_dir).test_client()
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert not {"/healthz", "/readyz", "/metrics"} & set(paths)


def test_metrics_totals_with_several_workers(index_dir: Path, tmp_path: Path) -> None:
    """``archive serve --workers 2`` (gunicorn): the total is every worker's requests."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [*ARCHIVE, "serve", "--index-dir", str(index_dir), "--port", str(port)]
            + ["--workers", "2", "--threads", "2"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60

        def booted() -> set[str]:
            return set(re.findall(r"Booting worker with pid: (\d+)", log.read_text()))

        # Both workers up, not only the first to answer: else one serves every request
        # and the total proves nothing about adding them up.
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                if len(booted()) == 2:
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        total = 40
        with_threads = [
            threading.Thread(
                target=lambda: urllib.request.urlopen(base + "/api/stats", timeout=30).read()
            )
            for _ in range(total)
        ]
        for thread in with_threads:
            thread.start()
        for thread in with_threads:
            thread.join()
        text = urllib.request.urlopen(base + "/metrics", timeout=30).read().decode()
        assert requests_of(samples(text), "/api/stats", "200") == total
        assert len(booted()) == 2
    finally:
        # (A worker still booting when SIGTERM comes makes gunicorn exit 3: not this
        # test's business, so the exit status is not checked.)
        proc.terminate()
        proc.wait(timeout=30)


# --- the access log ------------------------------------------------------------------------


@pytest.fixture()
def access_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield lambda: stream.getvalue().splitlines()
    logger.removeHandler(handler)
    logger.setLevel(level)


def get(url: str, **headers: str) -> bytes:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        return exc.read()


def test_access_log_combined_format(index_dir: Path, access_lines) -> None:
    served = Running(make_app(index_dir))
    try:
        body = get(
            served.url + "/export.csv?q=vietnam",
            Referer="http://intranet.example/?q=earlier",
            **{"User-Agent": 'evil" agent \\ back'},
        )
        get(served.url + "/article/nope")
    finally:
        served.stop()
    lines = access_lines()
    assert len(lines) == 2, lines
    pattern = re.compile(
        r"^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "
        r'"GET /export\.csv\?q=vietnam HTTP/1\.1" 200 (\d+) '
        r'"http://intranet\.example/\?q=earlier" "evil\\" agent \\\\ back"$'
    )
    match = pattern.match(lines[0])
    assert match, lines[0]
    assert int(match[1]) == len(body)  # the streamed export's bytes, counted as sent
    assert '"GET /article/nope HTTP/1.1" 404 ' in lines[1]


def test_access_log_escapes_what_the_client_sent(index_dir: Path, access_lines) -> None:
    """A header value with a newline (a server may pass one on) cannot forge a line."""
    client = make_app(index_dir).test_client()
    client.get(
        "/healthz",
        environ_overrides={"HTTP_USER_AGENT": 'a\n1.2.3.4 - - "GET /x"\x7f'},
        buffered=True,
    )
    (line,) = access_lines()
    assert line.endswith('"a\\x0a1.2.3.4 - - \\"GET /x\\"\\x7f"')


def test_access_log_without_search_words_and_as_json(index_dir: Path, access_lines) -> None:
    served = Running(make_app(index_dir, ARCHIVE_LOG_QUERIES="0", ARCHIVE_ACCESS_LOG="json"))
    try:
        get(
            served.url + "/api/search?tag=x&q=secret+word&q=other",
            Referer="http://h/?size=3&q=previous+secret",
        )
    finally:
        served.stop()
    (line,) = access_lines()
    entry = json.loads(line)
    assert entry["path"] == "/api/search?tag=x&q=-&q=-"
    assert entry["referer"] == "http://h/?size=3&q=-"
    # ``q`` twice is refused by the parameter rules (400): logged, and masked, all the same.
    assert entry["status"] == 400 and entry["method"] == "GET" and entry["bytes"] > 0
    assert "secret" not in line and "previous" not in line


def test_access_log_off(index_dir: Path, access_lines) -> None:
    client = make_app(index_dir, ARCHIVE_ACCESS_LOG="off").test_client()
    client.get("/healthz", buffered=True)
    assert access_lines() == []


def test_bad_operational_settings_are_one_clear_line(tmp_path: Path) -> None:
    from web import ConfigError

    for name, value in (
        ("ARCHIVE_ACCESS_LOG", "xml"),
        ("ARCHIVE_LOG_QUERIES", "maybe"),
        ("ARCHIVE_MAX_INDEX_AGE", "soon"),
        ("ARCHIVE_MAX_INDEX_AGE", "-3"),
    ):
        with pytest.raises(ConfigError, match=name):
            Config.from_env(index_dir=tmp_path, environ={name: value})
    # And on the command line: a usage error (exit 2), one line naming the setting.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    result = subprocess.run(
        [*ARCHIVE, "serve", "--index-dir", str(tmp_path), "--port", "0"],
        capture_output=True,
        text=True,
        env={**env, "ARCHIVE_LOG_QUERIES": "maybe"},
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Error: ARCHIVE_LOG_QUERIES must be 1 or 0 (yes/no, on/off), not 'maybe'"
    ]


# --- archive index --format json and the last run ---------------------------------------


def test_index_json_summary_and_stats(demo: Path, tmp_path: Path) -> None:
    target = tmp_path / "index"
    first = run("index", "--format", "json", "--index-dir", str(target), str(demo / "html"))
    assert first.returncode == 0, first.stderr
    assert first.stderr == "" and len(first.stdout.splitlines()) == 1
    summary = json.loads(first.stdout)
    assert summary["outcome"] == "problems"  # the demo's home page is skipped, with why
    assert summary["added"] > 0 and summary["updated"] == summary["removed"] == 0
    assert summary["skipped"] == len(summary["problems"]) == 1
    assert set(summary["problems"][0]) == {"path", "reason"}
    assert summary["problems"][0]["path"].endswith("cnn_main_site.html")
    assert summary["generation"] == "gen-000001" and summary["seconds"] > 0
    again = json.loads(
        run("index", "--format", "json", "--index-dir", str(target), str(demo / "html")).stdout
    )
    assert again["unchanged"] == summary["added"] and again["added"] == 0

    stats = run("stats", "--index-dir", str(target))
    assert re.search(r"^updated: +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", stats.stdout, re.M)
    assert re.search(r"^last run: +problems at .*1 skipped; exit status 0\)$", stats.stdout, re.M)
    data = json.loads(run("stats", "--format", "json", "--index-dir", str(target)).stdout)
    assert data["last_run"]["summary"]["unchanged"] == summary["added"]
    assert data["last_updated"] == data["last_run"]["last_success"]


def test_failed_run_exits_1_with_one_line_and_is_recorded(demo: Path, tmp_path: Path) -> None:
    target = tmp_path / "index"
    assert run("index", "--index-dir", str(target), str(demo / "seed")).returncode == 0
    success = read_run(target)["last_success"]
    with Layout(target).writer_lock():
        as_json = run("index", "--format", "json", "--index-dir", str(target), str(demo / "seed"))
        as_text = run("index", "--index-dir", str(target), str(demo / "seed"))
    assert as_json.returncode == 1 and as_json.stderr == ""
    (line,) = as_json.stdout.splitlines()
    failure = json.loads(line)
    assert failure["outcome"] == "failed"
    assert f"index is being written by pid {os.getpid()}" in failure["error"]
    assert as_text.returncode == 1
    assert as_text.stderr.strip().splitlines() == [
        f"Error: index is being written by pid {os.getpid()}: wait for it to finish"
    ]
    record = read_run(target)
    assert record["outcome"] == "failed" and record["exit_status"] == 1
    assert record["last_success"] == success  # a failure does not move "last updated"
    stats = run("stats", "--index-dir", str(target)).stdout
    assert re.search(r"^last run: +failed at .*: index is being written by pid", stats, re.M)
    # No temporary record is left behind (the record is replaced by a rename).
    assert not [p for p in target.iterdir() if p.name.endswith(".tmp")]


def test_strict_still_exits_1_with_json(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "broken.json").write_text("{not json", "utf-8")
    (folder / "ok.json").write_text(
        json.dumps({"title": "Harbour", "body": "Ships came.", "url": "https://e.example/1"})
    )
    result = run(
        "index", "--strict", "--format", "json", "--index-dir", str(tmp_path / "ix"), str(folder)
    )
    assert result.returncode == 1
    summary = json.loads(result.stdout)
    assert summary["added"] == 1 and summary["problems"][0]["path"].endswith("broken.json")
    assert read_run(tmp_path / "ix")["exit_status"] == 1


# --- Typesense: the nodes answer, and hold the archive ------------------------------------


def test_typesense_ready_only_when_it_holds_the_archive(
    demo: Path,
    tmp_path: Path,
    typesense_server,  # noqa: F811 - the fixture
) -> None:
    from indexer.backends import engine_from_env
    from indexer.backends import index_paths as index_into

    connection = connection_for([typesense_server], "ops-readiness")
    env = {k: v for k, v in environment(connection).items() if k.startswith("ARCHIVE_")}
    client = make_app(tmp_path / "unused", **env).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "no archive in Typesense" in ready.get_json()["reason"]
    assert client.get("/healthz").status_code == 200
    index_into(engine_from_env(tmp_path / "unused", env), [demo / "seed"])
    assert client.get("/readyz").status_code == 200
    metrics = samples(client.get("/metrics").get_data(as_text=True))
    assert metrics[("archive_ready", ())] == 1
    assert any(
        name == "archive_index_info" and ("backend", "typesense") in labels
        for name, labels in metrics
    )

"""Case 6: requests out of bounds get a clear answer in bounded time and memory.

Absurd page numbers and sizes, wildcards that would expand to the whole lexicon, fuzzy
terms, very long and deeply nested queries, and path tricks in article ids (``../``,
encoded slashes, NUL, megabyte ids), against an index of 250 NewsArticles. Each
request is timed and its Python allocations traced (``tracemalloc`` peak): it must end
within :data:`MAX_SECONDS` with at most :data:`MAX_ALLOC_MB` allocated, answer 200, 400
or 404 (never 500), and a 400 must say what was wrong. Path tricks are also sent raw
over HTTP to the real server (waitress), where no client normalises them first.
"""

from __future__ import annotations

import http.client
import time
import tracemalloc
from pathlib import Path

import pytest
from reliability_helpers import InThread, figures, news_rows, write_chunks

import web
from indexer.whoosh import index_paths
from web import Config

MAX_SECONDS = 3.0
MAX_ALLOC_MB = 64

LONG_OR = " OR ".join(f"wo{chr(97 + i % 26)}{chr(97 + i // 26)}*" for i in range(20))
PAGING = [
    "/?q=government&page=999999999999",
    "/?q=government&page=-1",
    "/?q=government&page=0",
    "/?q=government&page=1001",
    "/?q=government&page=1000",
    "/?page=1000&size=100",
    "/api/search?page=1000&size=100&sort=oldest",
    "/?size=1000000000",
    "/?size=0",
    "/api/search?size=-5",
    "/api/search?size=100&page=99999999999999999999999999",
    "/?page=1e9",
    "/?page=%EF%BC%91",  # a full-width digit one
    "/export.csv?page=1000&size=100",
    "/feed.atom?size=100000",
]
QUERIES = [
    "*",
    "*:*",
    "a*",
    "?*",
    "*a",
    "t*",
    "th*",
    "co*",
    "s?*",
    "title:*",
    "a~2",
    "th~2",
    "government~2",
    "g*~",
    " ".join(["co*"] * 40),
    " ".join(f"w{c}*" for c in "abcdefghijklmnopqrstuvwxyz"),
    LONG_OR,
    " ".join(["government~2"] * 40),
    "x" * 1000,
    "x" * 100_000,
    "a " * 499,
    "(" * 300 + "government" + ")" * 300,
    '"' + "the " * 200 + '"',
    '"government president"~1000',
    "NOT " * 200 + "government",
    "government^99999999999999",
]
PATHS = [
    "/article/..%2F..%2F..%2Fetc%2Fpasswd",
    "/article/../../etc/passwd",
    "/article/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/article/%00",
    "/article/" + "a" * 100_000,
    "/api/article/..%2F..%2Fetc%2Fpasswd",
    "/api/article/%252e%252e%252f",
    "/static/..%2F..%2Fpyproject.toml",
    "/static/../../pyproject.toml",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/article/\u2215etc\u2215passwd",
]


@pytest.fixture(scope="module")
def app(tmp_path_factory, corpora: Path):
    header, rows = news_rows(corpora)
    folder = tmp_path_factory.mktemp("bounds-corpus")
    write_chunks(folder, header, rows[:250], 125, "news")
    index_dir = tmp_path_factory.mktemp("bounds-index") / "index"
    index_paths(index_dir, [folder])
    return web.create_app(Config.from_env(index_dir=index_dir, environ={}))


def _timed(client, url: str) -> tuple[int, bytes, float, float]:
    """Status, body, seconds (untraced, as served) and peak MB allocated (a second,
    traced run: tracemalloc slows allocation-heavy work several times over)."""
    started = time.perf_counter()
    response = client.get(url)
    body = response.get_data()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    client.get(url).get_data()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return response.status_code, body, seconds, peak / 2**20


def test_requests_out_of_bounds(app) -> None:
    from urllib.parse import quote

    client = app.test_client()
    urls = (
        PAGING
        + [f"/?q={quote(q)}" for q in QUERIES]
        + [f"/api/search?q={quote(q)}" for q in QUERIES]
        + PATHS
    )
    problems = []
    worst_seconds = worst_mb = 0.0
    statuses: dict[int, int] = {}
    slowest: list[tuple[float, str]] = []
    for url in urls:
        status, body, seconds, peak_mb = _timed(client, url)
        slowest = sorted([*slowest, (seconds, url[:60])], reverse=True)[:3]
        statuses[status] = statuses.get(status, 0) + 1
        worst_seconds = max(worst_seconds, seconds)
        worst_mb = max(worst_mb, peak_mb)
        shown = url[:100]
        if status not in (200, 400, 404):
            problems.append(f"{shown}: HTTP {status}")
        if seconds > MAX_SECONDS:
            problems.append(f"{shown}: {seconds:.2f} s")
        if peak_mb > MAX_ALLOC_MB:
            problems.append(f"{shown}: {peak_mb:.0f} MB allocated")
        if status == 400:
            text = body.decode("utf-8", "replace")
            if url.startswith(("/api/", "/export.", "/feed.atom")):
                # machine-read addresses answer errors as OpenAPI says: JSON
                assert '"error"' in text, (shown, text[:200])
            else:
                assert 'class="notice error"' in text or "<h1" in text, (shown, text[:300])
        if "/etc/passwd" in url or "pyproject" in url:
            assert b"root:" not in body and b"[project]" not in body, shown
    figures(
        "requests out of bounds",
        requests=len(urls),
        statuses=dict(sorted(statuses.items())),
        worst_seconds=round(worst_seconds, 3),
        worst_alloc_MB=round(worst_mb, 1),
        slowest=[(round(t, 3), u) for t, u in slowest],
    )
    assert not problems, problems


def test_raw_path_tricks_over_http(app) -> None:
    """Paths exactly as sent, without a client normalising ``..`` or ``%2F`` first."""
    server = InThread(app)
    try:
        statuses = {}
        for path in PATHS[:-1] + ["/article/../../../../etc/passwd", "/../../etc/passwd"]:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            conn.putrequest("GET", path, skip_accept_encoding=True)
            conn.endheaders()
            response = conn.getresponse()
            body = response.read()
            conn.close()
            statuses[path[:60]] = response.status
            assert response.status in (400, 404), (path[:80], response.status)
            assert b"root:" not in body and b"[project]" not in body
        figures("raw path tricks over HTTP", requests=len(statuses), statuses=statuses)
    finally:
        server.stop()

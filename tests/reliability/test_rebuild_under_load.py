"""Case 1: the archive keeps answering, whole, while ``archive index --rebuild`` runs.

``archive serve`` (waitress, a child process) serves an index of part of NewsArticles;
16 client threads search it through the JSON API for the whole of a rebuild that
switches it to the whole corpus. Every answer must be a 200 whose total is the old
index's or the new one's for that query (never a count from a half-built index), with
a full page of hits; the server must pick the new index up without a restart.

Quick default: 150 articles rebuilt to 300. ``-m slow``: 1,900 rebuilt to all 3,824.
The same holds with ``archive serve --workers 2`` (gunicorn): each worker process
follows the swap on its own.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest
from reliability_helpers import (
    Served,
    figures,
    get_json,
    news_rows,
    run_archive,
    search_url,
    write_chunks,
)

CLIENTS = 16
PAGE_SIZE = 10
QUERIES: list[dict[str, object]] = [
    {},
    {"q": "government"},
    {"q": "president", "sort": "newest"},
    {"q": '"united states"'},
    {"q": "police OR army"},
    {"q": "econom*"},
    {"q": "refugees NOT europe"},
    {"sort": "oldest", "page": 2},
]


def _rebuild_under_load(
    tmp_path: Path, corpora: Path, old_rows: int, new_rows: int, workers: int = 1
) -> None:
    header, rows = news_rows(corpora)
    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    write_chunks(old_dir, header, rows[:old_rows], 50, "old")
    write_chunks(new_dir, header, rows[:new_rows], 50, "new")
    index_dir = tmp_path / "index"
    built = run_archive(["index", "--quiet", "--index-dir", str(index_dir), str(old_dir)])
    assert built.returncode == 0, built.stderr

    served = Served(index_dir, threads=CLIENTS // workers, workers=workers)
    try:
        queries = list(QUERIES)
        top = get_json(search_url(served.url))["facets"]
        # Filters too: a facet value of the old index (a tag and a site).
        queries.append({"tag": top["tag"][0]["value"]} if top["tag"] else {"q": "minister"})
        queries.append({"site": top["site"][0]["value"], "q": "world"})
        urls = [search_url(served.url, size=PAGE_SIZE, **q) for q in queries]
        old = {url: get_json(url)["total"] for url in urls}

        answers: dict[str, set[int]] = defaultdict(set)
        errors: list[str] = []
        partial_pages: list[str] = []
        latencies: list[float] = []
        lock = threading.Lock()
        stop = threading.Event()

        def client(number: int) -> None:
            i = number
            while not stop.is_set():
                url = urls[i % len(urls)]
                i += 1
                started = time.monotonic()
                try:
                    with urllib.request.urlopen(url, timeout=60) as response:
                        status = response.status
                        body = response.read()
                    data = json.loads(body)
                except Exception as exc:  # noqa: BLE001 - every failure is counted
                    with lock:
                        errors.append(f"{url}: {type(exc).__name__}: {exc}")
                    continue
                elapsed = time.monotonic() - started
                page = int(dict(_params(url)).get("page", 1))
                expected_hits = max(0, min(PAGE_SIZE, data["total"] - (page - 1) * PAGE_SIZE))
                with lock:
                    latencies.append(elapsed)
                    if status != 200:
                        errors.append(f"{url}: HTTP {status}")
                    answers[url].add(data["total"])
                    if len(data["hits"]) != expected_hits:
                        partial_pages.append(f"{url}: {len(data['hits'])} hits of {data['total']}")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)  # the clients are running before the rebuild starts
        rebuild = run_archive(
            ["index", "--rebuild", "--quiet", "--index-dir", str(index_dir), str(new_dir)]
        )
        time.sleep(1.5)  # and keep running after the swap
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        assert rebuild.returncode == 0, rebuild.stderr

        new = {url: get_json(url)["total"] for url in urls}
        assert new[urls[0]] > old[urls[0]], "the rebuilt index is the larger corpus"
        wrong = {
            url: sorted(seen - {old[url], new[url]})
            for url, seen in answers.items()
            if seen - {old[url], new[url]}
        }
        requests = len(latencies) + len(errors)
        figures(
            "rebuild under load" + (f" ({workers} workers)" if workers > 1 else ""),
            articles_before=old[urls[0]],
            articles_after=new[urls[0]],
            clients=CLIENTS,
            requests=requests,
            errors=len(errors),
            partial_totals=sum(len(v) for v in wrong.values()),
            partial_pages=len(partial_pages),
            rebuild_seconds=round(rebuild.seconds, 1),
            latency_p50_ms=round(1000 * statistics.median(latencies), 1),
            latency_p95_ms=round(1000 * statistics.quantiles(latencies, n=20)[-1], 1),
            latency_max_ms=round(1000 * max(latencies), 1),
        )
        assert not errors, errors[:10]
        assert not wrong, wrong
        assert not partial_pages, partial_pages[:10]
        # The swap happened while the clients were searching: both indexes answered.
        assert answers[urls[0]] == {old[urls[0]], new[urls[0]]}
    finally:
        served.stop()


def _params(url: str):
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(url).query)


def test_rebuild_under_load_quick(tmp_path: Path, corpora: Path) -> None:
    _rebuild_under_load(tmp_path, corpora, old_rows=150, new_rows=300)


def test_rebuild_under_load_with_workers(tmp_path: Path, corpora: Path) -> None:
    _rebuild_under_load(tmp_path, corpora, old_rows=150, new_rows=300, workers=2)


@pytest.mark.slow
def test_rebuild_under_load_whole_corpus(tmp_path: Path, corpora: Path) -> None:
    _rebuild_under_load(tmp_path, corpora, old_rows=1900, new_rows=10_000)

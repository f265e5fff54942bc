"""The Typesense backend as admins and users meet it, against a real Typesense server.

The search contract itself (same totals, hits and facet counts as Whoosh) is in
test_contract.py; here: why the text is analysed before Typesense sees it, the CLI and
the web app selected by environment, incremental indexing, the rebuild's alias swap
under an open searcher, and the writer lock.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typesense_servers import (
    API_KEY,
    connection_for,
    environment,
    typesense_server,  # noqa: F401 - fixture
)

from indexer import IndexLocked, SearchQuery
from indexer.backends import engine_from_env, index_paths
from indexer.errors import ConfigError, IndexOutdated
from indexer.typesense import TypesenseEngine
from indexer.typesense.collection_format import FORMAT, format_field, recorded_format
from indexer.typesense.connection import make_client
from indexer.typesense.translate import WEIGHTS

ARCHIVE = [sys.executable, "-m", "newsarchive"]


@pytest.fixture(scope="module")
def server(typesense_server):  # noqa: F811 - the shared server, under a short name
    return typesense_server


def run(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([*ARCHIVE, *args], capture_output=True, text=True, env=env, timeout=300)


def config_for(server, collection: str) -> TypesenseEngine:
    return TypesenseEngine(connection_for([server], collection))


# -- Configuration (no server needed) --------------------------------------------------------


def test_the_backend_is_chosen_by_environment():
    assert engine_from_env("unused", {}).name == "whoosh"
    config = engine_from_env(
        "unused",
        {
            "ARCHIVE_BACKEND": "typesense",
            "ARCHIVE_TYPESENSE_NODES": "http://10.0.0.1:8108, http://10.0.0.2:8108/",
            "ARCHIVE_TYPESENSE_API_KEY": "secret",
        },
    )
    assert config.name == "typesense"
    assert config.connection.nodes == ("http://10.0.0.1:8108", "http://10.0.0.2:8108")
    assert config.connection.collection == "articles"
    with pytest.raises(ConfigError, match="ARCHIVE_BACKEND must be one of whoosh, typesense"):
        engine_from_env("unused", {"ARCHIVE_BACKEND": "solr"})
    with pytest.raises(ConfigError, match="ARCHIVE_TYPESENSE_NODES"):
        engine_from_env(
            "unused", {"ARCHIVE_BACKEND": "typesense", "ARCHIVE_TYPESENSE_API_KEY": "k"}
        )
    with pytest.raises(ConfigError, match="'10.0.0.1' is not like http://host:port"):
        engine_from_env(
            "unused",
            {
                "ARCHIVE_BACKEND": "typesense",
                "ARCHIVE_TYPESENSE_NODES": "10.0.0.1",
                "ARCHIVE_TYPESENSE_API_KEY": "k",
            },
        )


# -- Why the text is analysed before Typesense sees it --------------------------------------


def test_typesense_alone_neither_folds_d_stroke_nor_escapes_highlights(server):
    """The measurements the design rests on, kept true against the pinned server."""
    client = make_client(connection_for([server]))
    name = "raw_probe"
    client.collections.create({"name": name, "fields": [{"name": "body", "type": "string"}]})
    try:
        body = "Thành phố Đà Nẵng <script>alert(1)</script> đón khách"
        client.collections[name].documents.create({"id": "1", "body": body})

        def search(q: str) -> dict:
            return client.collections[name].documents.search(
                {
                    "q": q,
                    "query_by": "body",
                    "num_typos": 0,
                    "prefix": "false",
                    "drop_tokens_threshold": 0,
                }
            )

        assert search("Đà Nẵng")["found"] == 1
        assert search("Da Nang")["found"] == 0  # no Đ -> D folding of its own
        snippet = search("script")["hits"] or search("Nẵng")["hits"]
        assert "<script>" in json.dumps(snippet, ensure_ascii=False)  # not escaped
    finally:
        client.collections[name].delete()


def test_the_field_weights_are_ones_the_pinned_server_ranks_by(server):
    """The backend's title and body weights (``WEIGHTS``, scaled into Typesense's 0-15)
    decide which of two articles comes first, and turned round they turn the order."""
    client = make_client(connection_for([server]))
    name = "weights_probe"
    fields = [{"name": "title", "type": "string"}, {"name": "body", "type": "string"}]
    client.collections.create({"name": name, "fields": fields})
    try:
        documents = client.collections[name].documents
        documents.create({"id": "in-title", "title": "Flood warning", "body": "Rain fell."})
        documents.create({"id": "in-body", "title": "Rain warning", "body": "A flood came."})
        assert all(0 < weight <= 15 for weight in WEIGHTS.values())
        assert WEIGHTS["title"] > WEIGHTS["body"]

        def first(weights: str) -> str:
            found = documents.search(
                {"q": "flood", "query_by": "title,body", "query_by_weights": weights}
            )
            return found["hits"][0]["document"]["id"]

        assert first(f"{WEIGHTS['title']},{WEIGHTS['body']}") == "in-title"
        assert first(f"{WEIGHTS['body']},{WEIGHTS['title']}") == "in-body"
    finally:
        client.collections[name].delete()


# -- CLI, selected by environment ------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_archive(server, demo: Path, tmp_path_factory):
    """The demo set copied (so files can be removed) and indexed through the CLI."""
    folder = tmp_path_factory.mktemp("ts-cli") / "demo"
    shutil.copytree(demo, folder)
    env = environment(connection_for([server], "cli"))
    result = run("index", str(folder), env=env)
    assert result.returncode == 0, result.stderr
    assert "typesense http://127.0.0.1" in result.stdout
    return folder, env, result.stdout


def test_archive_index_search_and_stats_work_unchanged(cli_archive):
    folder, env, summary = cli_archive
    assert " 0 updated, 0 removed" in summary
    found = run("search", "Đà Nẵng", "--format", "json", env=env)
    assert found.returncode == 0, found.stderr
    data = json.loads(found.stdout)
    assert data["total"] >= 1
    assert any("Da Nang" in hit["title"] for hit in data["hits"])
    assert data["facets"]["place"][0]["value"] == "Vietnam"
    assert "<mark>" in data["hits"][0]["snippet"]
    stats = json.loads(run("stats", "--format", "json", env=env).stdout)
    assert stats["articles"] > 300
    assert stats["generation"].startswith("cli_")
    refused = run("search", "elect*", env=env)
    assert refused.returncode == 1
    assert "elect*: wildcards are not supported" in refused.stderr


def test_incremental_indexing_adds_updates_and_removes_by_content_hash(cli_archive):
    folder, env, _summary = cli_archive
    again = run("index", str(folder), env=env)
    assert ": 0 added, 0 updated, 0 removed" in again.stdout
    markdown = sorted((folder / "markdown").glob("*.md"))
    markdown[0].unlink()
    text = markdown[1].read_text(encoding="utf-8")
    markdown[1].write_text(text.replace("\n\n", "\n\nA new first paragraph.\n\n", 1), "utf-8")
    changed = run("index", str(folder), env=env)
    assert ": 0 added, 1 updated, 1 removed" in changed.stdout, changed.stdout
    hits = json.loads(run("search", '"a new first paragraph"', "--format", "json", env=env).stdout)
    assert hits["total"] == 1


def test_rebuild_swaps_the_alias_under_an_open_searcher(server, demo: Path):
    config = config_for(server, "swap")
    index_paths(config, [demo / "reuters"])
    archive = config.open()
    first = archive.stats().generation
    before = archive.search(SearchQuery(facets=False)).total
    answers: list[int] = []
    stop = threading.Event()

    def keep_searching():
        while not stop.is_set():
            answers.append(archive.search(SearchQuery(facets=False, snippets=False)).total)

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        report = index_paths(config, [demo / "reuters", demo / "markdown"], rebuild=True)
    finally:
        stop.set()
        searcher.join()
    after = archive.search(SearchQuery(facets=False)).total
    assert report.rebuilt and report.generation != first
    assert archive.stats().generation == report.generation
    # The searcher saw the old archive, then the new one, never a half-built one.
    assert set(answers) <= {before, after} and answers
    assert after == before + 20
    names = {c["name"] for c in make_client(config.connection).collections.retrieve()}
    assert first not in names  # the old collection is dropped


def test_a_second_writer_is_told_who_holds_the_lock(server, demo: Path):
    config = config_for(server, "locked")
    client = make_client(config.connection)
    lock = "locked__writer"
    client.collections.create({"name": lock, "fields": [{"name": "pid", "type": "int32"}]})
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        client.collections[lock].documents.create(
            {"id": "lock", "pid": holder.pid, "host": os.uname().nodename}
        )
        with pytest.raises(IndexLocked, match=f"index is being written by pid {holder.pid}"):
            index_paths(config, [demo / "reuters"])
    finally:
        holder.kill()
        holder.wait()
    # The holder is gone: its lock is stale and the next writer takes it over.
    report = index_paths(config, [demo / "reuters"])
    assert report.added == 30
    assert lock not in {c["name"] for c in client.collections.retrieve()}


def _outdated_copy(client, alias: str, number: int | None) -> str:
    """Point ``alias`` at a copy of its collection recording format ``number`` (None:
    recording none, as collections built before the format was recorded)."""
    live = client.aliases[alias].retrieve()["collection_name"]
    schema = client.collections[live].retrieve()
    fields = [
        {k: f[k] for k in ("name", "type", "facet", "optional", "index") if k in f}
        for f in schema["fields"]
        if not f["name"].startswith("newsarchive_format_")
    ]
    if number is not None:
        fields.append(format_field(number))
    name = f"{alias}_999999"
    client.collections.create({"name": name, "fields": fields})
    docs = client.collections[live].documents.export().splitlines()
    client.collections[name].documents.import_([json.loads(d) for d in docs])
    client.aliases.upsert(alias, {"collection_name": name})
    return name


@pytest.mark.parametrize("number", [None, FORMAT + 1])
def test_a_collection_of_another_format_is_refused_until_rebuilt(server, demo: Path, number):
    collection = f"format{number or 1}"
    config = config_for(server, collection)
    index_paths(config, [demo / "reuters"])
    client = make_client(config.connection, write=True)
    assert recorded_format(client.collections[f"{collection}_000001"].retrieve()) == FORMAT
    _outdated_copy(client, collection, number)

    with pytest.raises(IndexOutdated, match=rf"format {number or 1} .*uses format {FORMAT}"):
        config.open()
    with pytest.raises(IndexOutdated, match="archive index --rebuild"):
        index_paths(config, [demo / "reuters"])  # adding to it would mix two analyses
    env = environment(connection_for([server], collection))
    for args in (("search", "reuters"), ("stats",), ("index", str(demo / "reuters"))):
        result = run(*args, env=env)
        assert result.returncode == 1, (args, result.stderr)
        assert "archive index --rebuild" in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr

    report = index_paths(config, [demo / "reuters"], rebuild=True)
    assert report.articles == 30
    assert config.open().search(SearchQuery(facets=False)).total == 30


# -- The web app, selected by environment -----------------------------------------------------


def test_the_web_api_serves_a_typesense_archive(cli_archive, monkeypatch, tmp_path):
    import web
    from web.config import Config

    _folder, env, _summary = cli_archive
    for name in ("ARCHIVE_BACKEND", "ARCHIVE_TYPESENSE_NODES", "ARCHIVE_TYPESENSE_API_KEY",
                 "ARCHIVE_TYPESENSE_COLLECTION"):  # fmt: skip
        monkeypatch.setenv(name, env[name])
    config = Config.from_env(index_dir=tmp_path / "unused")
    assert config.engine.name == "typesense"
    app = web.create_app(config)
    client = app.test_client()
    response = client.get("/api/search?q=Da+Nang&place=Vietnam")
    assert response.status_code == 200
    data = response.get_json()
    assert data["total"] >= 1 and data["hits"][0]["places"]
    assert client.get("/api/stats").get_json()["articles"] > 300
    page = client.get("/?q=%C4%90%C3%A0+N%E1%BA%B5ng")
    assert page.status_code == 200 and "Da Nang" in page.get_data(as_text=True)
    # a construct only this engine refuses is explained in the page's language
    refused = client.get("/?q=elect*&lang=vi")
    assert refused.status_code == 400
    assert "elect*: kho lưu trữ này (Typesense) không hỗ trợ ký tự đại diện" in (
        refused.get_data(as_text=True)
    )
    english = client.get("/api/search?q=elect*").get_json()
    assert english["code"] == "query_error" and "wildcards are not supported" in english["error"]


def test_the_api_key_is_required(server):
    from indexer.typesense import Connection, TypesenseArchive

    wrong = Connection((server.url,), API_KEY + "-wrong", "cli")
    with pytest.raises(ConfigError, match="refused the API key"):
        TypesenseArchive(wrong)


# -- A search-only key for the web server ------------------------------------------------------

#: What docs/typesense.md tells admins to give the web server's key.
SEARCH_ACTIONS = [
    "documents:search",
    "documents:get",
    "collections:get",
    "aliases:get",
    "metrics.json:list",
]


def test_a_search_only_key_serves_searches_and_cannot_write(cli_archive, server, monkeypatch):
    import web
    from web.config import Config

    folder, env, _summary = cli_archive
    admin = make_client(connection_for([server], "cli"))
    made = admin.keys.create(
        {"description": "web (search only)", "actions": SEARCH_ACTIONS, "collections": ["cli.*"]}
    )
    search_env = {k: v for k, v in env.items() if k != "ARCHIVE_TYPESENSE_API_KEY"}
    search_env["ARCHIVE_TYPESENSE_SEARCH_KEY"] = made["value"]

    # The CLI's reads and the web app work with the search key alone...
    as_admin = json.loads(run("search", "Đà Nẵng", "--format", "json", env=env).stdout)
    found = run("search", "Đà Nẵng", "--format", "json", env=search_env)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout) == as_admin
    stats = run("stats", "--format", "json", env=search_env)
    assert stats.returncode == 0 and json.loads(stats.stdout)["articles"] > 300
    for name in ("ARCHIVE_BACKEND", "ARCHIVE_TYPESENSE_NODES", "ARCHIVE_TYPESENSE_COLLECTION",
                 "ARCHIVE_TYPESENSE_SEARCH_KEY"):  # fmt: skip
        monkeypatch.setenv(name, search_env[name])
    monkeypatch.delenv("ARCHIVE_TYPESENSE_API_KEY", raising=False)
    client = web.create_app(Config.from_env(index_dir=folder / "unused")).test_client()
    data = client.get("/api/search?q=Da+Nang&place=Vietnam").get_json()
    assert data["total"] == as_admin["total"]
    assert client.get(f"/api/article/{data['hits'][0]['id']}").status_code == 200

    # ...and cannot write: without the admin key `archive index` says what it needs, and
    # the search key given as the admin key is refused by the cluster.
    refused = run("index", str(folder), env=search_env)
    assert refused.returncode != 0
    assert "needs the Typesense admin key (ARCHIVE_TYPESENSE_API_KEY)" in refused.stderr
    assert "Traceback" not in refused.stderr
    misused = dict(search_env, ARCHIVE_TYPESENSE_API_KEY=made["value"])
    refused = run("index", "--rebuild", str(folder), env=misused)
    assert refused.returncode != 0 and "refused the API key" in refused.stderr
    from typesense import exceptions as ts_errors

    from indexer.typesense import Connection

    reader = make_client(Connection((server.url,), "", "cli", search_key=made["value"]))
    generation = admin.aliases["cli"].retrieve()["collection_name"]
    with pytest.raises((ts_errors.RequestUnauthorized, ts_errors.RequestForbidden)):
        reader.collections[generation].delete()
    assert json.loads(run("search", "Đà Nẵng", "--format", "json", env=env).stdout) == as_admin


# -- Facet values: when the top values settle a facet (no server needed) ----------------------


def test_the_top_facet_values_settle_a_facet_only_when_no_tie_crosses_the_cut():
    from indexer import Filters
    from indexer.typesense.facet_values import uncertain

    def tags(*counts: int) -> dict:
        return {"tag_key": [(f"t{i}", n) for i, n in enumerate(counts)], "year": [("2020", 1)]}

    # Fewer values than asked for: the whole list.
    assert uncertain(tags(5, 3, 3), ["tag", "date"], Filters(), limit=2, asked=4) == []
    # Truncated, but two values (the limit) have more than the smallest returned.
    assert uncertain(tags(9, 8, 3, 3), ["tag"], Filters(), limit=2, asked=4) == []
    # Truncated with a tie at the cut: a value left out may tie with the second.
    assert uncertain(tags(9, 3, 3, 3), ["tag"], Filters(), limit=2, asked=4) == ["tag"]
    # A selected value that is not in the truncated answer: its count is unknown.
    chosen = Filters(tags=["t9"])
    assert uncertain(tags(9, 8, 3, 3), ["tag"], chosen, limit=2, asked=4) == ["tag"]
    # Places inside a selected country must settle as well as the countries.
    places = {"place_key": [("a", 9), ("b", 8), ("a/x", 5), ("c", 2)]}
    assert uncertain(places, ["place"], Filters(places=["A"]), limit=2, asked=4) == ["place"]
    assert uncertain(places, ["place"], Filters(), limit=2, asked=5) == []

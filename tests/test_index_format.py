"""An index written in another index format (SCHEMA_VERSION) is refused with what to do.

Whoosh would open such an index and quietly search it with today's analysis, missing
matches; every entry point must instead say "rebuild it" and keep the index as it is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import web
from indexer import IndexOutdated
from indexer.whoosh import index_paths, open_index
from indexer.whoosh.layout import POINTER, Layout
from indexer.whoosh.schema import SCHEMA_VERSION
from web import Config

ARTICLE = """---
title: {title}
date: 2024-03-0{n}
tags: [harbour]
---
The harbour of Da Nang reopened after the storm, article {n}.
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for n in range(1, 4):
        (folder / f"a{n}.md").write_text(ARTICLE.format(title=f"Harbour news {n}", n=n))
    return folder


@pytest.fixture
def index_dir(tmp_path: Path, folder: Path) -> Path:
    index_dir = tmp_path / "index"
    index_paths(index_dir, [folder])
    return index_dir


def set_format(index_dir: Path, schema: int | None) -> None:
    """Rewrite CURRENT as another version of newsarchive would have left it."""
    path = index_dir / POINTER
    data = json.loads(path.read_text())
    if schema is None:
        data.pop("schema")
    else:
        data["schema"] = schema
    path.write_text(json.dumps(data))


def test_the_pointer_records_the_format(index_dir: Path) -> None:
    assert json.loads((index_dir / POINTER).read_text())["schema"] == SCHEMA_VERSION
    assert Layout(index_dir).read_pointer().schema == SCHEMA_VERSION


def test_a_pointer_from_before_formats_were_recorded_is_format_1(index_dir: Path) -> None:
    set_format(index_dir, None)
    assert Layout(index_dir).read_pointer().schema == 1
    if SCHEMA_VERSION == 1:
        with open_index(index_dir) as archive:
            assert archive.stats().articles == 3


def test_searching_another_format_is_refused_with_what_to_do(index_dir: Path) -> None:
    set_format(index_dir, SCHEMA_VERSION + 1)
    with pytest.raises(IndexOutdated) as caught:
        open_index(index_dir)
    message = str(caught.value)
    assert f"format {SCHEMA_VERSION + 1}" in message and "archive index --rebuild" in message


def test_adding_to_another_format_is_refused_and_a_rebuild_replaces_it(
    index_dir: Path, folder: Path
) -> None:
    set_format(index_dir, SCHEMA_VERSION + 1)
    before = sorted(p.name for p in index_dir.iterdir())
    (folder / "a4.md").write_text(ARTICLE.format(title="Harbour news 4", n=4))
    with pytest.raises(IndexOutdated):
        index_paths(index_dir, [folder])
    assert sorted(p.name for p in index_dir.iterdir()) == before

    report = index_paths(index_dir, [folder], rebuild=True)
    assert report.added == 4
    assert Layout(index_dir).read_pointer().schema == SCHEMA_VERSION
    with open_index(index_dir) as archive:
        assert archive.stats().articles == 4


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsarchive", *args], capture_output=True, text=True, timeout=120
    )


def test_the_cli_says_rebuild_in_one_line(index_dir: Path, folder: Path) -> None:
    set_format(index_dir, SCHEMA_VERSION + 1)
    for args in (
        ("search", "--index-dir", str(index_dir), "harbour"),
        ("stats", "--index-dir", str(index_dir)),
        ("index", "--index-dir", str(index_dir), str(folder)),
    ):
        result = run_cli(*args)
        assert result.returncode == 1, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert "archive index --rebuild" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr

    result = run_cli("index", "--rebuild", "--index-dir", str(index_dir), str(folder))
    assert result.returncode == 0, result.stderr
    assert run_cli("search", "--index-dir", str(index_dir), "harbour").returncode == 0


def test_the_web_app_answers_503_and_says_rebuild(index_dir: Path) -> None:
    client = web.create_app(Config(index_dir=index_dir)).test_client()
    assert client.get("/api/search?q=harbour").get_json()["total"] == 3

    # A running server meets an index rebuilt by another version: 503, not a 500.
    set_format(index_dir, SCHEMA_VERSION + 1)
    response = client.get("/api/search?q=harbour")
    assert response.status_code == 503
    assert "archive index --rebuild" in response.get_json()["error"]
    page = client.get("/?q=harbour")
    assert page.status_code == 503 and "archive index --rebuild" in page.get_data(as_text=True)

    # A server started on such an index says the same from its first request.
    fresh = web.create_app(Config(index_dir=index_dir)).test_client()
    response = fresh.get("/api/search?q=harbour")
    assert response.status_code == 503
    assert "archive index --rebuild" in response.get_json()["error"]
    assert str(index_dir) not in response.get_json()["error"]

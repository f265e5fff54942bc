"""The `archive` command as an admin and a researcher use it: a real subprocess on a real index."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.whoosh.layout import Layout

ARCHIVE = [sys.executable, "-m", "newsarchive"]


def run(
    *args: str, env: dict | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    # The caller's own ARCHIVE_INDEX_DIR must not leak into a test's run.
    base = {k: v for k, v in os.environ.items() if k != "ARCHIVE_INDEX_DIR"}
    return subprocess.run(
        [*ARCHIVE, *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory, demo: Path) -> Path:
    index_dir = tmp_path_factory.mktemp("cli") / "index"
    result = run("index", "--index-dir", str(index_dir), str(demo))
    assert result.returncode == 0, result.stderr
    return index_dir


def test_index_prints_a_summary_and_reports_the_skipped_page(demo: Path, tmp_path: Path) -> None:
    result = run("index", "--index-dir", str(tmp_path / "ix"), str(demo))
    assert result.returncode == 0, result.stderr
    assert "337 added, 0 updated, 0 removed, 0 unchanged, 1 skipped" in result.stdout
    assert "skipped html/cnn_main_site.html: home page: its address" in result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning")]
    # the demo reads cleanly: only the four rows without a title, each with its line
    assert len(warnings) == 4, warnings
    shape = re.compile(r"^warning news-articles\.(csv|jsonl): line \d+: no title: ")
    assert all(shape.match(w) for w in warnings), warnings
    again = run("index", "--index-dir", str(tmp_path / "ix"), str(demo))
    assert "0 added, 0 updated, 0 removed, 337 unchanged" in again.stdout
    # each warning is said once per change: an unchanged article is not warned about again
    assert "warning" not in again.stderr, again.stderr


def test_strict_exits_1_when_a_file_failed(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "good.txt").write_text("Title\n\nBody text.\n")
    (tmp_path / "data" / "bad.json").write_text('{"title": "unterminated')
    result = run("index", "--strict", "--index-dir", str(tmp_path / "ix"), str(tmp_path / "data"))
    assert result.returncode == 1
    assert "bad.json" in result.stderr
    assert "1 added" in result.stdout  # the good file is still indexed


def test_search_text_output(demo_index: Path) -> None:
    result = run("search", "Đà Nẵng", "--index-dir", str(demo_index))
    assert result.returncode == 0, result.stderr
    assert "Dien Bien and Da Nang City Party Committee" in result.stdout
    assert "2024-10-03" in result.stdout
    assert "Vietnam/Da Nang" in result.stdout
    assert "place: Vietnam (" in result.stdout


def test_search_json_is_the_api_shape(demo_index: Path) -> None:
    result = run(
        "search", "trump", "--format", "json", "--limit", "5", "--index-dir", str(demo_index)
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"total", "stories", "hits", "facets", "suggestion", "relaxed"}
    assert data["relaxed"] is None
    assert data["total"] > 5 and len(data["hits"]) == 5
    hit = data["hits"][0]
    assert set(hit) == {
        "id",
        "title",
        "published",
        "site",
        "url",
        "tags",
        "places",
        "snippet",
        "score",
        "cluster",
        "versions",
    }
    assert set(data["facets"]) == {"date", "tag", "place", "site"}
    assert all(set(v) == {"value", "count"} for values in data["facets"].values() for v in values)
    tag = data["facets"]["tag"][0]["value"]
    narrowed = run(
        "search", "trump", "--tag", tag, "--format", "json", "--index-dir", str(demo_index)
    )
    assert json.loads(narrowed.stdout)["total"] == data["facets"]["tag"][0]["count"]


def test_search_csv_output(demo_index: Path) -> None:
    result = run(
        "search",
        "",
        "--sort",
        "newest",
        "--format",
        "csv",
        "--limit",
        "20",
        "--index-dir",
        str(demo_index),
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 20
    dates = [r["published"] for r in rows if r["published"]]
    assert dates == sorted(dates, reverse=True)


def test_bad_query_is_exit_1_with_a_message(demo_index: Path) -> None:
    result = run("search", "*", "--index-dir", str(demo_index))
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.stderr


def test_usage_errors_are_exit_2(demo_index: Path) -> None:
    assert run("search", "x", "--from", "yesterday", "--index-dir", str(demo_index)).returncode == 2
    assert run("search", "x", "--limit", "0").returncode == 2
    assert run("index").returncode == 2
    assert run("frobnicate").returncode == 2


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    result = run("search", "x", "--index-dir", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert "archive index" in result.stderr and "Traceback" not in result.stderr


def test_index_dir_from_the_environment(demo_index: Path, tmp_path: Path) -> None:
    result = run("stats", env={"ARCHIVE_INDEX_DIR": str(demo_index)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "articles:  337" in result.stdout
    assert str(demo_index) in result.stdout


def test_stats_json(demo_index: Path) -> None:
    result = run("stats", "--format", "json", "--index-dir", str(demo_index))
    data = json.loads(result.stdout)
    assert data["articles"] == 337
    assert data["date_min"] < data["date_max"]
    assert data["disk_bytes"] > 0


def test_a_second_indexer_gets_a_clear_message(demo: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    assert run("index", "--index-dir", str(index_dir), str(demo / "seed")).returncode == 0
    with Layout(index_dir).writer_lock():
        result = run("index", "--index-dir", str(index_dir), str(demo / "seed"))
    assert result.returncode == 1
    assert f"index is being written by pid {os.getpid()}" in result.stderr


def test_every_command_has_help_with_examples() -> None:
    for command in ["index", "search", "stats", "serve"]:
        result = run(command, "--help")
        assert result.returncode == 0
        assert "Example" in result.stdout, command


# -- archive trends ------------------------------------------------------------------------


def test_trends_json_is_the_contract_and_counts_match_search(demo_index: Path) -> None:
    where = ("--index-dir", str(demo_index))
    result = run("trends", "trump", "putin", "--from", "2017-01-01", "--format", "json", *where)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["interval"] == "month"
    assert [s["query"] for s in data["series"]] == ["trump", "putin"]
    points = {p["period"]: p for p in data["series"][0]["points"]}
    assert set(points["2017-02"]) == {"period", "count", "total", "share"}
    february = run(
        "search", "trump", "--from", "2017-02-01", "--to", "2017-02-28", "--format", "json", *where
    )
    assert points["2017-02"]["count"] == json.loads(february.stdout)["total"] > 0
    assert points["2017-02"]["share"] == round(
        points["2017-02"]["count"] / points["2017-02"]["total"], 6
    )


def test_trends_text_and_csv(demo_index: Path) -> None:
    where = ("--index-dir", str(demo_index), "--from", "2017-01-01", "--to", "2017-03-31")
    text = run("trends", "trump", "--interval", "month", *where)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines()[0].split()[:3] == ["month", "total", "trump"]
    assert "2017-03" in text.stdout
    out = run("trends", "trump", "=cmd", "--interval", "week", "--format", "csv", *where)
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0] == ["query", "period", "start", "end", "count", "total", "share"]
    first = rows[1]
    assert first[0] == "trump" and first[1].startswith("2017-W") and first[2] <= first[3]
    assert {r[0] for r in rows[1:]} == {"trump", "'=cmd"}  # no spreadsheet formula


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["a", "b", "c", "d", "e", "f"], "at most 5"),
        (["trump", "--interval", "fortnight"], "'fortnight' is not one of"),
        (["trump", ""], "query 2 is empty"),
        (["trump", "--from", "1900-01-01", "--to", "1900-12-31"], "no dated article"),
        (["trump", "--from", "someday"], "must be a date written YYYY-MM-DD"),
        ([], "Missing argument"),
    ],
)
def test_bad_trends_input_is_a_usage_error(demo_index: Path, args, message) -> None:
    result = run("trends", *args, "--index-dir", str(demo_index))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


# -- archive top-words ---------------------------------------------------------------------


def test_top_words_text_json_and_csv(demo_index: Path) -> None:
    where = ("--index-dir", str(demo_index))
    data = json.loads(run("top-words", "russia", "--format", "json", *where).stdout)
    assert set(data) == {"total", "sampled", "articles", "words"}
    assert data["sampled"] == data["total"] < 100 and "moscow" in {w["word"] for w in data["words"]}
    text = run("top-words", "russia", "--limit", "3", *where)
    assert text.returncode == 0 and text.stdout.startswith("Top words of all")
    assert len(text.stdout.splitlines()) == 4
    sample = run("top-words", "--format", "csv", "--limit", "5", *where)
    rows = list(csv.reader(io.StringIO(sample.stdout)))
    assert rows[0] == ["word", "score", "count", "sampled", "background", "articles"]
    assert len(rows) == 6 and rows[1][3] == "100"  # more hits than read: a sample
    assert "(a sample)" in run("top-words", *where).stdout


@pytest.mark.parametrize(
    ("args", "status"), [(["--limit", "0"], 2), (["--limit", "51"], 2), (["a*"], 1)]
)
def test_bad_top_words_input(demo_index: Path, args, status) -> None:
    result = run("top-words", *args, "--index-dir", str(demo_index))
    assert result.returncode == status and "Error" in result.stderr
    assert "Traceback" not in result.stderr

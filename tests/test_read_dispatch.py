"""The one entry point: every file type routed, every bad file a Problem, never a crash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import archive
from archive import Article, Problem
from archive.readers import iter_files


def test_unknown_file_type_is_reported(tmp_path: Path) -> None:
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff" + b"\x00" * 10)
    (item,) = archive.read(tmp_path / "photo.jpg")
    assert item == Problem("photo.jpg", "not an article file type (.jpg)")


def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode")
    path = tmp_path / "secret.txt"
    path.write_text("Title\n\nBody")
    path.chmod(0)
    (item,) = archive.read(path)
    assert isinstance(item, Problem) and "ermission" in item.reason


def test_oversized_single_article_file_is_refused(tmp_path: Path) -> None:
    from archive.readers import base

    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(base.MAX_ARTICLE_BYTES + 1)
    (item,) = archive.read(path)
    assert isinstance(item, Problem) and "too large" in item.reason


def test_bad_files_are_skipped_and_good_ones_still_load(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("A good title\n\nA good body about Hanoi.\n")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "nul.txt").write_bytes(b"abc\x00def" * 100)
    (tmp_path / "README").write_text("no extension")
    (tmp_path / ".hidden.txt").write_text("ignored\n\nentirely")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "also-good.txt").write_text("Another title\n\nMore text.\n")
    items = list(archive.read_paths([tmp_path]))
    articles = [i for i in items if isinstance(i, Article)]
    problems = {p.path: p.reason for p in items if isinstance(p, Problem)}
    assert sorted(a.title for a in articles) == ["A good title", "Another title"]
    assert set(problems) == {"empty.txt", "nul.txt", "README"}
    assert all(problems.values())
    assert {a.source_path for a in articles} == {"good.txt", "sub/also-good.txt"}


def test_missing_path_is_a_problem(tmp_path: Path) -> None:
    (item,) = archive.read_paths([tmp_path / "gone"])
    assert isinstance(item, Problem) and "no such file" in item.reason


def test_iter_files_is_stable_and_skips_hidden(tmp_path: Path) -> None:
    for name in ["b.txt", "a.txt", ".git/x.txt", "c/d.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    names = [p.relative_to(tmp_path).as_posix() for p, _root in iter_files([tmp_path])]
    assert names == ["a.txt", "b.txt", "c/d.txt"]


def test_demo_set_reads_with_only_the_expected_skip(demo: Path) -> None:
    items = list(archive.read_paths([demo]))
    articles = [i for i in items if isinstance(i, Article)]
    problems = [i for i in items if isinstance(i, Problem)]
    # The demo set carries one home page on purpose, to show a non-article being skipped.
    assert [p.path for p in problems] == ["html/cnn_main_site.html"], problems
    assert len(articles) >= 330
    assert len({a.id for a in articles}) == len(articles)
    assert all(a.title for a in articles)

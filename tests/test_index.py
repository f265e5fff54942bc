"""Writing the index: incremental runs, what a failed file keeps, the writer lock."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive import Article, read
from indexer import IndexLocked, IndexMissing, SearchQuery
from indexer.whoosh import index_paths, open_index

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def docs(tmp_path: Path, demo: Path) -> Path:
    """A writable copy of the demo Markdown articles."""
    target = tmp_path / "docs"
    shutil.copytree(demo / "markdown", target)
    return target


def articles_in(folder: Path) -> list[Article]:
    found = []
    for path in sorted(folder.rglob("*.md")):
        found.extend(a for a in read(path, root=folder) if isinstance(a, Article))
    return found


def count(index_dir: Path, text: str = "") -> int:
    with open_index(index_dir) as archive:
        return archive.search(SearchQuery(text=text, facets=False, snippets=False)).total


def test_incremental_runs_add_update_remove_and_skip_unchanged(tmp_path: Path, docs: Path):
    index_dir = tmp_path / "index"
    expected = len(articles_in(docs))
    assert expected >= 5

    first = index_paths(index_dir, [docs])
    assert (first.added, first.updated, first.removed, first.unchanged) == (expected, 0, 0, 0)
    assert first.articles == expected == count(index_dir)

    again = index_paths(index_dir, [docs])
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, expected)

    files = sorted(docs.glob("*.md"))
    edited, deleted = files[0], files[1]
    edited.write_text(
        edited.read_text(encoding="utf-8") + "\n\nA zebracorn was seen.\n", encoding="utf-8"
    )
    deleted_id = next(a.id for a in read(deleted, root=docs) if isinstance(a, Article))
    deleted.unlink()
    added = docs / "new-article.md"
    added.write_text(
        '---\ntitle: "Quokka census published"\ndate: "2017-03-01"\n---\n\n'
        "Rangers counted every quokka on the island this spring.\n",
        encoding="utf-8",
    )

    third = index_paths(index_dir, [docs])
    assert (third.added, third.updated, third.removed) == (1, 1, 1)
    assert third.unchanged == expected - 2
    assert third.articles == expected
    assert count(index_dir, "zebracorn") == 1
    assert count(index_dir, "quokka") == 1
    with open_index(index_dir) as archive:
        assert archive.get(deleted_id) is None


def test_a_file_that_fails_to_read_keeps_its_articles(tmp_path: Path, docs: Path):
    index_dir = tmp_path / "index"
    index_paths(index_dir, [docs])
    before = count(index_dir)
    broken = sorted(docs.glob("*.md"))[0]
    broken.write_bytes(b"")  # unreadable now ("empty file"), maybe mid-save

    report = index_paths(index_dir, [docs])
    assert report.removed == 0
    assert any(p.path.endswith(broken.name) for p in report.problems)
    assert count(index_dir) == before


def test_only_articles_under_the_given_paths_are_removed(tmp_path: Path, docs: Path):
    index_dir = tmp_path / "index"
    other = tmp_path / "other"
    other.mkdir()
    moved = sorted(docs.glob("*.md"))[0]
    shutil.move(moved, other / moved.name)

    index_paths(index_dir, [docs])
    index_paths(index_dir, [other])
    total = len(articles_in(docs)) + len(articles_in(other))
    assert count(index_dir) == total

    # Indexing one folder again must not touch the other one's articles.
    report = index_paths(index_dir, [other])
    assert report.removed == 0 and report.unchanged == 1
    assert count(index_dir) == total


def test_a_deleted_file_named_explicitly_loses_its_articles(tmp_path: Path, docs: Path):
    index_dir = tmp_path / "index"
    index_paths(index_dir, [docs])
    gone = sorted(docs.glob("*.md"))[0]
    gone.unlink()
    report = index_paths(index_dir, [gone])
    assert report.removed == 1
    assert any("no such file" in w for w in report.warnings)


def test_get_returns_the_article_as_read(tmp_path: Path, corpora: Path):
    seed = next((corpora / "seed").glob("*.txt"))
    original = next(a for a in read(seed) if isinstance(a, Article))
    index_dir = tmp_path / "index"
    index_paths(index_dir, [seed])
    with open_index(index_dir) as archive:
        stored = archive.get(original.id)
    assert stored is not None
    for name in (
        "id", "title", "subtitle", "body", "published", "site", "url", "language",
        "authors", "tags", "places", "source_path", "content_hash",
    ):  # fmt: skip
        assert getattr(stored, name) == getattr(original, name), name


def test_progress_is_reported_and_the_report_serialises(tmp_path: Path, docs: Path):
    seen = []
    report = index_paths(tmp_path / "index", [docs], progress=seen.append)
    assert seen and seen[-1].files_read == seen[-1].files_total == len(list(docs.glob("*.md")))
    assert seen[-1].articles == report.added
    data = report.to_dict()
    assert data["added"] == report.added and data["articles"] == report.articles


def test_open_index_where_there_is_none(tmp_path: Path):
    with pytest.raises(IndexMissing, match="no index"):
        open_index(tmp_path / "nothing-here")


_HOLD_LOCK = """
import sys, time
from indexer.whoosh.layout import Layout
with Layout(sys.argv[1]).writer_lock():
    print("locked", flush=True)
    time.sleep(60)
"""


def test_a_second_writer_is_told_who_holds_the_lock(tmp_path: Path, docs: Path):
    index_dir = tmp_path / "index"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(index_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(IndexLocked) as caught:
            index_paths(index_dir, [docs])
        assert time.monotonic() - started < 2  # at once, not after a timeout
        assert str(caught.value) == (
            f"index is being written by pid {holder.pid}: wait for it to finish"
        )
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    # The kernel released the lock with the process: no stale lock to clear.
    assert index_paths(index_dir, [docs]).added > 0


def test_an_empty_folder_keeps_its_articles(tmp_path: Path, docs: Path):
    # The nightly run of an unmounted share sees an empty mount point: that must not
    # delete every article indexed from it.
    index_dir = tmp_path / "index"
    share = tmp_path / "share"
    shutil.copytree(docs, share)
    first = index_paths(index_dir, [share])
    assert first.added > 0
    for path in list(share.iterdir()):
        path.unlink()

    report = index_paths(index_dir, [share])
    assert report.removed == 0
    assert any("folder is empty" in w and "not mounted" in w for w in report.warnings)
    assert count(index_dir) == first.articles

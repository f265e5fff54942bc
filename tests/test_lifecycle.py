"""The index lifecycle: rebuild-and-swap under load, and a writer killed at any moment."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from indexer import SearchQuery
from indexer.whoosh import index_paths, open_index
from indexer.whoosh.layout import Layout

ROOT = Path(__file__).resolve().parent.parent
#: Articles written out as files for the kill trials: enough for a run of a second or two.
KILL_CORPUS = 60


def total(archive, text: str = "") -> int:
    return archive.search(SearchQuery(text=text, facets=False, snippets=False)).total


@pytest.fixture(scope="module")
def news_files(tmp_path_factory, corpora: Path) -> Path:
    """Real NewsArticles rows as one Markdown file each (many files: many moments to
    kill a writer at)."""
    folder = tmp_path_factory.mktemp("news-files")
    source = corpora / "news-articles" / "NewsArticles.csv"
    with source.open(encoding="utf-8", errors="replace", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["title"].strip() and r["text"].strip()]
    for row in rows[:KILL_CORPUS]:
        front = {
            "title": row["title"].strip(),
            "date": row["publish_date"],
            "url": row["article_source_link"],
        }
        header = "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in front.items())
        text = f"---\n{header}\n---\n\n{row['text']}\n"
        (folder / f"article-{int(row['article_id']):05d}.md").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def two_folders(tmp_path_factory, news_files: Path) -> tuple[Path, Path]:
    """``old`` holds the first half of the files, ``new`` all of them (read-only)."""
    files = sorted(news_files.glob("*.md"))
    base = tmp_path_factory.mktemp("folders")
    old, new = base / "old", base / "new"
    old.mkdir()
    new.mkdir()
    for i, path in enumerate(files):
        shutil.copy(path, new / path.name)
        if i < len(files) // 2:
            shutil.copy(path, old / path.name)
    return old, new


@pytest.fixture(scope="module")
def old_index(tmp_path_factory, two_folders) -> Path:
    """An index of ``old``, built once; tests work on copies."""
    index_dir = tmp_path_factory.mktemp("old-index") / "index"
    index_paths(index_dir, [two_folders[0]])
    return index_dir


def test_rebuild_swaps_atomically_under_an_open_searcher(tmp_path: Path, two_folders):
    old, new = two_folders
    index_dir = tmp_path / "index"
    index_paths(index_dir, [old])
    archive = open_index(index_dir)
    before = total(archive)
    assert before == len(list(old.glob("*.md")))

    # A result stream started before the rebuild must finish on the old index.
    stream = archive.iter_hits(SearchQuery(text="", snippets=False))
    first = [next(stream) for _ in range(5)]

    answers_during: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_searching() -> None:
        while not stop.is_set():
            try:
                answers_during.append(total(archive))
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion
                errors.append(exc)
                return

    searchers = [threading.Thread(target=keep_searching) for _ in range(3)]
    for thread in searchers:
        thread.start()
    try:
        report = index_paths(
            index_dir, [new], rebuild=True, progress=lambda p: answers_during.append(total(archive))
        )
    finally:
        stop.set()
        for thread in searchers:
            thread.join()

    assert not errors
    assert answers_during and set(answers_during) <= {before, report.articles}
    assert answers_during[0] == before
    # The same Archive object notices the swap on its next request.
    assert total(archive) == report.articles == len(list(new.glob("*.md")))
    rest = list(stream)
    assert len(first) + len(rest) == before
    archive.close()


def test_rebuilds_keep_only_the_live_and_the_previous_generation(tmp_path: Path, two_folders):
    old, _new = two_folders
    index_dir = tmp_path / "index"
    layout = Layout(index_dir)
    generations = []
    for _ in range(3):
        generations.append(index_paths(index_dir, [old], rebuild=True).generation)
    pointer = layout.read_pointer()
    assert pointer.generation == generations[-1]
    assert pointer.previous == generations[-2]
    assert layout.generations() == generations[-2:]
    with open_index(index_dir) as archive:
        assert archive.stats().generation == generations[-1]


_WRITER = """
import sys
import indexer.whoosh.writer
from indexer.whoosh import index_paths
indexer.whoosh.writer.CHUNK_ARTICLES = 5  # small chunks, so even this corpus uses the workers
index_dir, folder, mode = sys.argv[1:4]
def report(p):
    print(p.files_read, p.files_total, flush=True)
index_paths(index_dir, [folder], rebuild=mode == "rebuild", progress=report)
print("done", flush=True)
"""


def _workers_left(index_dir: Path, patience: float = 3.0) -> list[int]:
    """Pids of indexing workers still running on ``index_dir`` after ``patience`` s."""
    deadline = time.monotonic() + patience
    while True:
        left = []
        for proc in Path("/proc").iterdir():
            try:
                cmdline = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if b"_segment_worker" in cmdline and str(index_dir).encode() in cmdline:
                left.append(int(proc.name))
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


# (mode, kill once this fraction of the files is read, then wait this long)
KILL_TRIALS = [
    ("incremental", 0.0, 0.0),
    ("incremental", 1.0, 0.0),  # all read: the commit is under way
    ("rebuild", 0.5, 0.0),
    ("rebuild", 1.0, 0.0),
    ("rebuild", 1.0, 0.15),  # around the pointer swap and the clean-up
]


@pytest.mark.parametrize(("mode", "fraction", "delay"), KILL_TRIALS)
def test_a_killed_writer_leaves_a_working_index(
    tmp_path, two_folders, old_index, mode, fraction, delay
):
    old, new = two_folders
    index_dir = tmp_path / "index"
    shutil.copytree(old_index, index_dir)
    before = len(list(old.glob("*.md")))
    after = len(list(new.glob("*.md")))

    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(index_dir), str(new), mode],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        for line in writer.stdout:
            if line.startswith("done"):
                break
            done, files_total = map(int, line.split())
            if done >= fraction * files_total:
                if delay:
                    threading.Event().wait(delay)
                break
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()

    assert not _workers_left(index_dir), "a segment worker outlived its killed parent"
    with open_index(index_dir) as archive:
        assert total(archive) in (before, after)
        assert total(archive, "government") > 0
    rerun = index_paths(index_dir, [new])
    assert rerun.articles == after
    with open_index(index_dir) as archive:
        assert total(archive) == after

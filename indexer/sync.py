"""The backend-neutral half of indexing: what changed, and the report of a run.

Both backends (Whoosh in a folder, Typesense on a cluster) index the same way: read
every file under the given paths, compare each Article's content hash with the
manifest ``{article id: (content hash, source file)}`` the index holds, and then add
new articles, replace changed ones and remove those whose file (under the given paths)
is gone or no longer yields them. A file that failed to read this time keeps its
articles: a transient error (a file being written, a permission) must not empty the
archive.

A backend supplies only a :class:`Sink` (add, replace, delete); the decisions, the
counts, the warnings and the progress reports live here, so the two backends cannot
drift apart in what "incremental" means.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from archive import Article, Problem
from archive.readers import iter_files, read

#: How often (seconds) progress is reported at most.
PROGRESS_EVERY = 0.25

#: ``(source file, what reading it yielded)``: the input of one run.
Sources = Iterator[tuple[str, Iterable[Article | Problem]]]
#: ``{article id: (content hash, source file)}``.
Manifest = dict[str, tuple[str, str]]


@dataclass
class Progress:
    """Where a run is, for a progress bar."""

    files_read: int
    files_total: int
    articles: int
    seconds: float

    @property
    def rate(self) -> float:
        """Articles read per second so far."""
        return self.articles / self.seconds if self.seconds > 0 else 0.0


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Articles in the index after the run.
    articles: int = 0
    seconds: float = 0.0
    #: The generation written (a rebuild makes a new one): a Whoosh generation folder
    #: or a Typesense collection name.
    generation: str = ""
    rebuilt: bool = False

    def to_dict(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "problems": [{"path": p.path, "reason": p.reason} for p in self.problems],
            "warnings": list(self.warnings),
            "articles": self.articles,
            "seconds": round(self.seconds, 3),
            "generation": self.generation,
            "rebuilt": self.rebuilt,
        }


class Sink(Protocol):
    """Where a run's changes go; each backend has one."""

    def add(self, article: Article, file: str) -> None: ...

    def replace(self, article: Article, file: str) -> None: ...

    def delete(self, article_id: str) -> None: ...


@dataclass
class Plan:
    """A run's input: the sources, how many files, and where removals may happen."""

    sources: Sources
    files_total: int
    #: Articles from files under these roots are removed when they do not come back.
    removal_roots: list[Path]
    warnings: list[str]


def plan_paths(
    paths: Iterable[str | os.PathLike],
    *,
    mapping: dict[str, str] | None = None,
    dayfirst: bool | None = None,
) -> Plan:
    """The files under ``paths`` (missing paths become warnings), read lazily."""
    roots = [Path(p) for p in paths]
    warnings = [f"{p}: no such file or folder" for p in roots if not p.exists()]
    # A dangling symlink is kept so that the reader reports it; a missing root is
    # already a warning above.
    files = [(path, root) for path, root in iter_files(roots) if path.exists() or path.is_symlink()]
    # A folder with no file in it at all is far more often a share that is not mounted
    # (its empty mount point) than an archive emptied on purpose: its articles are kept,
    # and the warning says how to drop them.
    listed = {root for _path, root in files}
    removal_roots = []
    for root in roots:
        if root.is_dir() and root not in listed:
            warnings.append(
                f"{root}: the folder is empty, so the articles indexed from it are kept "
                "(is a share not mounted?); `archive index --rebuild` without it drops them"
            )
        else:
            removal_roots.append(root.resolve())

    def sources() -> Sources:
        for path, root in files:
            yield str(path.resolve()), read(path, root=root, mapping=mapping, dayfirst=dayfirst)

    return Plan(sources(), len(files), removal_roots, warnings)


def plan_articles(articles: Iterable[Article], source: str = "<articles>") -> Plan:
    """Articles built in memory, as if all came from one file named ``source``;
    nothing is removed except by a rebuild."""
    return Plan(iter([(source, articles)]), 1, [], [])


def _under(file: str, roots: list[Path]) -> bool:
    path = Path(file)
    return any(path == root or root in path.parents for root in roots)


class Feed:
    """One run's pass over the sources: tells the sink what changed, keeps the counts."""

    def __init__(
        self,
        sink: Sink,
        existing: Manifest,
        report: IndexReport,
        progress: Callable[[Progress], None] | None,
        files_total: int,
        started: float,
    ):
        self.sink = sink
        self.existing = existing
        self.report = report
        self.progress = progress
        self.files_total = files_total
        self.started = started
        self.seen: dict[str, str] = {}  # article id -> the file it came from this run
        self.failed_files: set[str] = set()
        self.unchanged: set[str] = set()  # ids indexed as they were: no warnings again

    def run(self, sources: Sources, removal_roots: list[Path]) -> bool:
        """Feed every source to the sink; returns whether anything changed."""
        report = self.report
        articles = 0
        last_report = 0.0
        for number, (file, items) in enumerate(sources, start=1):
            for item in items:
                if isinstance(item, Problem):
                    report.problems.append(item)
                    self.failed_files.add(file)
                    continue
                articles += 1
                self._article(item, file)
                if self.progress is not None and articles % 500 == 0:
                    last_report = self._progress(number - 1, articles, last_report)
            if self.progress is not None:
                last_report = self._progress(
                    number, articles, last_report, force=number == self.files_total
                )
        # Removals: articles indexed from files under the given paths that did not come
        # back this time, unless their file failed to read (then we keep what we had).
        for article_id, (_hash, file) in self.existing.items():
            if article_id in self.seen or file in self.failed_files:
                continue
            if not _under(file, removal_roots):
                continue
            self.sink.delete(article_id)
            report.removed += 1
        return bool(report.added or report.updated or report.removed)

    def _article(self, article: Article, file: str) -> None:
        report = self.report
        if article.id in self.seen:
            # Two records with one id (the same URL saved twice): the first one wins
            # (Whoosh cannot replace a document added earlier in the same writer, and
            # both backends must agree). Said once: not again while the first is unchanged.
            if article.id not in self.unchanged:
                first = self.seen[article.id]
                where = "earlier in the same file" if first == file else first
                report.warnings.append(
                    f"{article.source_path}: article {article.id} was already read from "
                    f"{where}; this copy is skipped"
                )
            return
        self.seen[article.id] = file
        old = self.existing.get(article.id)
        if old is not None and old[0] == article.content_hash and old[1] == file:
            # Warned about when it was added or last changed: an incremental run that
            # finds it unchanged stays quiet about it.
            self.unchanged.add(article.id)
            report.unchanged += 1
            return
        for warning in article.warnings:
            report.warnings.append(f"{article.source_path}: {warning}")
        if old is None:
            self.sink.add(article, file)
            report.added += 1
        else:
            self.sink.replace(article, file)
            report.updated += 1

    def _progress(self, files_read: int, articles: int, last: float, force: bool = False) -> float:
        now = time.monotonic()
        if self.progress is not None and (force or now - last >= PROGRESS_EVERY):
            self.progress(Progress(files_read, self.files_total, articles, now - self.started))
            return now
        return last

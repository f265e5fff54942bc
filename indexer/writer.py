"""Writing the index: incremental by content hash, or a complete rebuild and swap.

Incremental (the default) reads every file under the given paths and compares each
Article's content hash with what the index holds: new articles are added, changed ones
replaced, and articles are removed whose file (under the given paths) is gone or no
longer yields them. A file that failed to read this time keeps its articles: a
transient error (a file being written, a permission) must not empty the archive.

``rebuild=True`` writes a new generation beside the live one and switches the pointer
atomically once it is committed (see :mod:`indexer.layout`).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index

from archive import Article, Problem
from archive.readers import iter_files, read
from indexer.facets import deleted_docs
from indexer.layout import IndexLocked, Layout, Pointer
from indexer.schema import build_schema, parse_manifest, to_document
from indexer.spelling import article_words, write_words

#: Memory Whoosh's writer may use for its posting pool before it spills to disk.
WRITER_LIMIT_MB = 256
#: How often (seconds) progress is reported at most.
_PROGRESS_EVERY = 0.25

__all__ = ["IndexLocked", "IndexReport", "Progress", "index_articles", "index_paths"]


@dataclass
class Progress:
    """Where a run is, for a progress bar."""

    files_read: int
    files_total: int
    articles: int
    seconds: float
    current_file: str = ""

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
    #: The generation written (a rebuild makes a new one).
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


def index_paths(
    index_dir: str | os.PathLike,
    paths: Iterable[str | os.PathLike],
    *,
    rebuild: bool = False,
    mapping: dict[str, str] | None = None,
    dayfirst: bool | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> IndexReport:
    """Index the article files under ``paths`` into ``index_dir``.

    Raises :class:`IndexLocked` at once when another process is writing the index.
    """
    paths = [Path(p) for p in paths]
    warnings = [f"{p}: no such file or folder" for p in paths if not p.exists()]
    files = [(path, root) for path, root in iter_files(paths) if path.exists()]

    def sources() -> Iterator[tuple[str, Iterable[Article | Problem]]]:
        for path, root in files:
            yield str(path.resolve()), read(path, root=root, mapping=mapping, dayfirst=dayfirst)

    return _run(
        index_dir,
        sources(),
        len(files),
        removal_roots=[p.resolve() for p in paths],
        rebuild=rebuild,
        progress=progress,
        warnings=warnings,
    )


def index_articles(
    index_dir: str | os.PathLike,
    articles: Iterable[Article],
    *,
    source: str = "<articles>",
    rebuild: bool = False,
    progress: Callable[[Progress], None] | None = None,
) -> IndexReport:
    """Index Articles built in memory (benchmarks, tools, tests), as if all came from one
    file named ``source``. Nothing is removed except by ``rebuild``."""
    return _run(
        index_dir,
        iter([(source, articles)]),
        1,
        removal_roots=[],
        rebuild=rebuild,
        progress=progress,
        warnings=[],
    )


def _run(
    index_dir: str | os.PathLike,
    sources: Iterator[tuple[str, Iterable[Article | Problem]]],
    files_total: int,
    *,
    removal_roots: list[Path],
    rebuild: bool,
    progress: Callable[[Progress], None] | None,
    warnings: list[str],
) -> IndexReport:
    started = time.monotonic()
    layout = Layout(index_dir)
    report = IndexReport(rebuilt=rebuild, warnings=list(warnings))
    with layout.writer_lock():
        pointer = layout.read_pointer()
        fresh = rebuild or pointer is None
        if fresh:
            generation = layout.new_generation()
            ix = whoosh_index.create_in(layout.generation_dir(generation), build_schema())
            existing: dict[str, tuple[str, str]] = {}
        else:
            generation = pointer.generation
            ix = whoosh_index.open_dir(layout.generation_dir(generation))
            existing = _manifest(ix)
        report.generation = generation
        try:
            writer = ix.writer(limitmb=WRITER_LIMIT_MB)
            try:
                feed = _Feed(writer, existing, report, progress, files_total, started)
                changed = feed.run(sources, removal_roots)
                if changed or fresh:
                    writer.commit()
                else:
                    writer.cancel()
            except BaseException:
                writer.cancel()
                raise
            report.articles = ix.doc_count()
        finally:
            ix.close()
        if changed or fresh:
            write_words(layout.generation_dir(generation), feed.words, merge=not fresh)
        if fresh:
            previous = pointer.generation if pointer else None
            layout.write_pointer(Pointer(generation, previous, 0))
            layout.remove_stale_generations({generation} | ({previous} if previous else set()))
        elif changed:
            layout.write_pointer(Pointer(generation, pointer.previous, pointer.commit + 1))
    report.seconds = time.monotonic() - started
    return report


def _manifest(ix) -> dict[str, tuple[str, str]]:
    """``{article id: (content hash, file)}`` for every live article, from the column."""
    out: dict[str, tuple[str, str]] = {}
    with ix.reader() as reader:
        for leaf, _offset in reader.leaf_readers():
            if not leaf.has_column("manifest"):
                continue
            column = leaf.column_reader("manifest")
            deleted = deleted_docs(leaf)
            for docnum in range(leaf.doc_count_all()):
                if docnum in deleted:
                    continue
                article_id, content_hash, file = parse_manifest(column[docnum])
                out[article_id] = (content_hash, file)
    return out


def _under(file: str, roots: list[Path]) -> bool:
    path = Path(file)
    return any(path == root or root in path.parents for root in roots)


class _Feed:
    """One run's pass over the sources: writes what changed and keeps the counts."""

    def __init__(self, writer, existing, report, progress, files_total, started):
        self.writer = writer
        self.existing: dict[str, tuple[str, str]] = existing
        self.report: IndexReport = report
        self.progress = progress
        self.files_total = files_total
        self.started = started
        self.seen: dict[str, str] = {}  # article id -> the file it came from this run
        self.failed_files: set[str] = set()
        #: Folded words of the articles written, for spelling suggestions.
        self.words: Counter = Counter()

    def run(self, sources, removal_roots: list[Path]) -> bool:
        """Write every source; returns whether the index changed."""
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
                if _write_article(self.writer, item, file, self.existing, self.seen, report):
                    self.words.update(article_words(item.title, item.subtitle, item.body))
                if self.progress is not None and articles % 500 == 0:
                    last_report = self._progress(number - 1, articles, file, last_report)
            if self.progress is not None:
                last_report = self._progress(
                    number, articles, file, last_report, force=number == self.files_total
                )
        # Removals: articles indexed from files under the given paths that did not come
        # back this time, unless their file failed to read (then we keep what we had).
        for article_id, (_hash, file) in self.existing.items():
            if article_id in self.seen or file in self.failed_files:
                continue
            if not _under(file, removal_roots):
                continue
            self.writer.delete_by_term("id", article_id)
            report.removed += 1
        return bool(report.added or report.updated or report.removed)

    def _progress(self, files_read, articles, file, last, force=False) -> float:
        now = time.monotonic()
        if force or now - last >= _PROGRESS_EVERY:
            self.progress(
                Progress(files_read, self.files_total, articles, now - self.started, file)
            )
            return now
        return last


def _write_article(
    writer,
    article: Article,
    file: str,
    existing: dict[str, tuple[str, str]],
    seen: dict[str, str],
    report: IndexReport,
) -> bool:
    """Add or replace the article if it is new or changed; returns whether it wrote."""
    for warning in article.warnings:
        report.warnings.append(f"{article.source_path}: {warning}")
    if article.id in seen:
        # Two records with one id (the same URL saved twice). Whoosh cannot replace a
        # document added earlier in the same uncommitted writer, so the first one wins.
        first = seen[article.id]
        where = "earlier in the same file" if first == file else first
        report.warnings.append(
            f"{article.source_path}: article {article.id} was already read from {where}; "
            "this copy is skipped"
        )
        return False
    seen[article.id] = file
    old = existing.get(article.id)
    if old is None:
        writer.add_document(**to_document(article, file))
        report.added += 1
        return True
    if old[0] != article.content_hash or old[1] != file:
        writer.update_document(**to_document(article, file))
        report.updated += 1
        return True
    report.unchanged += 1
    return False

"""Writing the Whoosh index: incremental by content hash, or a complete rebuild and swap.

What changed is decided by :mod:`indexer.sync` (shared with the Typesense backend);
this module supplies the Whoosh side: the manifest read from the index's ``manifest``
column, a writer that adds, replaces and deletes documents, and the commit.

``rebuild=True`` writes a new generation beside the live one and switches the pointer
atomically once it is committed (see :mod:`indexer.layout`).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable

from whoosh import index as whoosh_index

from archive import Article
from indexer.facets import deleted_docs
from indexer.layout import IndexLocked, Layout, Pointer
from indexer.schema import build_schema, parse_manifest, to_document
from indexer.spelling import article_words, write_words
from indexer.sync import Feed, IndexReport, Manifest, Plan, Progress, plan_articles, plan_paths

#: Memory Whoosh's writer may use for its posting pool before it spills to disk.
WRITER_LIMIT_MB = 256

__all__ = ["IndexLocked", "IndexReport", "Progress", "index_articles", "index_paths"]


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
    plan = plan_paths(paths, mapping=mapping, dayfirst=dayfirst)
    return _run(index_dir, plan, rebuild=rebuild, progress=progress)


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
    return _run(index_dir, plan_articles(articles, source), rebuild=rebuild, progress=progress)


class _WhooshSink:
    """A Whoosh writer behind :class:`indexer.sync.Sink`; also collects the words of
    what it writes, for spelling suggestions."""

    def __init__(self, writer):
        self.writer = writer
        self.words: Counter = Counter()

    def add(self, article: Article, file: str) -> None:
        self.writer.add_document(**to_document(article, file))
        self.words.update(article_words(article.title, article.subtitle, article.body))

    def replace(self, article: Article, file: str) -> None:
        self.writer.update_document(**to_document(article, file))
        self.words.update(article_words(article.title, article.subtitle, article.body))

    def delete(self, article_id: str) -> None:
        self.writer.delete_by_term("id", article_id)


def _run(
    index_dir: str | os.PathLike,
    plan: Plan,
    *,
    rebuild: bool,
    progress: Callable[[Progress], None] | None,
) -> IndexReport:
    started = time.monotonic()
    layout = Layout(index_dir)
    report = IndexReport(rebuilt=rebuild, warnings=list(plan.warnings))
    with layout.writer_lock():
        pointer = layout.read_pointer()
        fresh = rebuild or pointer is None
        if fresh:
            generation = layout.new_generation()
            ix = whoosh_index.create_in(layout.generation_dir(generation), build_schema())
            existing: Manifest = {}
        else:
            generation = pointer.generation
            ix = whoosh_index.open_dir(layout.generation_dir(generation))
            existing = _manifest(ix)
        report.generation = generation
        try:
            writer = ix.writer(limitmb=WRITER_LIMIT_MB)
            try:
                sink = _WhooshSink(writer)
                feed = Feed(sink, existing, report, progress, plan.files_total, started)
                changed = feed.run(plan.sources, plan.removal_roots)
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
            write_words(layout.generation_dir(generation), sink.words, merge=not fresh)
        if fresh:
            previous = pointer.generation if pointer else None
            layout.write_pointer(Pointer(generation, previous, 0))
            layout.remove_stale_generations({generation} | ({previous} if previous else set()))
        elif changed:
            layout.write_pointer(Pointer(generation, pointer.previous, pointer.commit + 1))
    report.seconds = time.monotonic() - started
    return report


def _manifest(ix) -> Manifest:
    """``{article id: (content hash, file)}`` for every live article, from the column."""
    out: Manifest = {}
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

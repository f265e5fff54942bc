"""The Whoosh engine: an archive in a local index folder (the default).

Imports only the engine-neutral core of :mod:`indexer`, never another engine.

- :mod:`.engine`: what the core's registry builds (:class:`WhooshEngine`).
- :mod:`.layout`: the index folder's generations, pointer and writer lock.
- :mod:`.schema`: the Whoosh schema and how an Article becomes a document.
- :mod:`.writer`: parallel segment writing, rebuild-and-swap.
- :mod:`.search`, :mod:`.postings`, :mod:`.facets`, :mod:`.spelling`: searching with
  NumPy over Whoosh's postings, exact facet counts, "did you mean".

:func:`open_index`, :func:`index_paths` and :func:`index_articles` are shortcuts for
tools and tests that want a folder without going through the configuration.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from archive import Article
from indexer import backends
from indexer.sync import IndexReport, Progress
from indexer.whoosh.engine import WhooshEngine
from indexer.whoosh.search import Archive


def open_index(index_dir: str | os.PathLike) -> Archive:
    """Open the index in ``index_dir``; raises IndexMissing when there is none."""
    return Archive(index_dir)


def index_paths(
    index_dir: str | os.PathLike,
    paths: Iterable[str | os.PathLike],
    *,
    rebuild: bool = False,
    mapping: dict[str, str] | None = None,
    dayfirst: bool | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> IndexReport:
    """Index the files under ``paths`` into the folder ``index_dir``."""
    return backends.index_paths(
        WhooshEngine(index_dir),
        paths,
        rebuild=rebuild,
        mapping=mapping,
        dayfirst=dayfirst,
        progress=progress,
    )


def index_articles(
    index_dir: str | os.PathLike,
    articles: Iterable[Article],
    *,
    source: str = "<articles>",
    rebuild: bool = False,
    progress: Callable[[Progress], None] | None = None,
) -> IndexReport:
    """Index Articles built in memory into the folder ``index_dir``."""
    return backends.index_articles(
        WhooshEngine(index_dir), articles, source=source, rebuild=rebuild, progress=progress
    )


__all__ = ["Archive", "WhooshEngine", "index_articles", "index_paths", "open_index"]

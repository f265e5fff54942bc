"""Which engine holds the archive, chosen by configuration, and what every engine offers.

The CLI and the web app open and write the archive only through this module, so the
choice of engine is configuration, not code::

    ARCHIVE_BACKEND=whoosh|typesense          (default whoosh)
    ARCHIVE_TYPESENSE_NODES=http://10.0.0.1:8108,http://10.0.0.2:8108,http://10.0.0.3:8108
    ARCHIVE_TYPESENSE_API_KEY=...             (the admin key: writing needs it)
    ARCHIVE_TYPESENSE_SEARCH_KEY=...          (optional: a search-only key for reads)
    ARCHIVE_TYPESENSE_COLLECTION=articles     (default articles: the alias searched)

An engine lives in its own subpackage (``indexer/whoosh/``, ``indexer/typesense/``)
and imports only this core; the core names engines only in :data:`ENGINES`, as
``module:factory`` strings loaded on first use (as Datasette's ``publish`` plugins and
Whoosh's codecs are found), so an engine's dependencies are imported only when it is
chosen. Adding an engine is one subpackage and one line in :data:`ENGINES`.

The two protocols are the contract an engine keeps: :class:`Engine` (where the archive
is, how to open it, how to write a planned run into it; the planning, the counting
and the report live in :mod:`indexer.sync`, written once) and :class:`Searcher` (the
read side, which :mod:`indexer.api` types describe). The same contract suite
(``tests/test_contract.py``) runs against every engine.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Protocol, runtime_checkable

from archive import Article
from indexer.api import (
    Hit,
    IndexStats,
    SearchQuery,
    SearchResult,
    TopWordsResult,
    TrendQuery,
    TrendResult,
)
from indexer.errors import ConfigError
from indexer.sync import IndexReport, Plan, Progress, plan_articles, plan_paths

#: Engine name -> ``"module:factory"``; the factory is an :data:`EngineFactory`.
ENGINES: dict[str, str] = {
    "whoosh": "indexer.whoosh.engine:from_env",
    "typesense": "indexer.typesense.engine:from_env",
}
DEFAULT_ENGINE = "whoosh"


@runtime_checkable
class Searcher(Protocol):
    """An open archive: the read side every engine answers in the same way."""

    def search(self, query: SearchQuery) -> SearchResult:
        """One page of hits, facet counts and a suggestion; raises QueryError."""
        ...

    def iter_hits(self, query: SearchQuery) -> Iterator[Hit]:
        """Every hit in the query's order, streamed (exports); no paging cap."""
        ...

    def get(self, article_id: str) -> Article | None: ...

    def more_like_this(self, article_id: str, limit: int = 5) -> list[Hit]: ...

    def stats(self) -> IndexStats: ...

    def trends(self, query: TrendQuery) -> TrendResult:
        """Articles per period for each query under the same filters, and all
        articles per period (:mod:`indexer.trends`); raises QueryError."""
        ...

    def top_words(self, query: SearchQuery, limit: int = 20) -> TopWordsResult:
        """The words most over-represented in the query's hits against the whole
        archive (:mod:`indexer.topwords`), from a sample when hits are many."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class Engine(Protocol):
    """A configured engine: where its archive is, how to open and write it."""

    #: The name in :data:`ENGINES` (``ARCHIVE_BACKEND``).
    name: str

    def describe(self) -> str:
        """Where the archive is, for messages: a folder, or nodes and a collection."""
        ...

    def open(self) -> Searcher:
        """The archive, ready to search; raises IndexMissing when there is none yet,
        BackendUnavailable when the service does not answer."""
        ...

    def not_ready_reason(self) -> str | None:
        """Why the archive cannot be served right now (``/readyz``), or None: the
        engine's own look at where the archive lives (an index folder's pointer, the
        cluster nodes' health), since an archive already open may keep answering."""
        ...

    def write(
        self, plan: Plan, *, rebuild: bool, progress: Callable[[Progress], None] | None
    ) -> IndexReport:
        """Carry out one indexing run (:mod:`indexer.sync` decides what changed)."""
        ...


#: ``factory(index_dir, environ) -> Engine``: reads the engine's own settings from the
#: environment and raises :class:`ConfigError` naming a variable it cannot use.
EngineFactory = Callable[[str | os.PathLike, Mapping[str, str]], Engine]


def engine_from_env(
    index_dir: str | os.PathLike, environ: Mapping[str, str] | None = None
) -> Engine:
    """The engine ``ARCHIVE_BACKEND`` names (default Whoosh in ``index_dir``)."""
    env = os.environ if environ is None else environ
    name = env.get("ARCHIVE_BACKEND", "").strip().lower() or DEFAULT_ENGINE
    return load_engine(name, index_dir, env)


def load_engine(name: str, index_dir: str | os.PathLike, environ: Mapping[str, str]) -> Engine:
    """The engine registered as ``name``, configured from ``environ``."""
    target = ENGINES.get(name)
    if target is None:
        raise ConfigError(f"ARCHIVE_BACKEND must be one of {', '.join(ENGINES)}, not {name!r}")
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:  # an optional dependency is missing
        raise ConfigError(
            f"ARCHIVE_BACKEND={name} needs a package that is not installed "
            f"({exc.name}): pip install 'newsarchive[{name}]'"
        ) from None
    factory: EngineFactory = getattr(module, attribute)
    return factory(os.fspath(index_dir), environ)


def index_paths(
    engine: Engine,
    paths: Iterable[str | os.PathLike],
    *,
    rebuild: bool = False,
    mapping: dict[str, str] | None = None,
    dayfirst: bool | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> IndexReport:
    """``archive index``: the files under ``paths`` into ``engine``."""
    plan = plan_paths(paths, mapping=mapping, dayfirst=dayfirst)
    return engine.write(plan, rebuild=rebuild, progress=progress)


def index_articles(
    engine: Engine,
    articles: Iterable[Article],
    *,
    source: str = "<articles>",
    rebuild: bool = False,
    progress: Callable[[Progress], None] | None = None,
) -> IndexReport:
    """Articles built in memory into ``engine`` (tools, benchmarks, tests), as if all
    came from one file named ``source``; nothing is removed except by ``rebuild``."""
    return engine.write(plan_articles(articles, source), rebuild=rebuild, progress=progress)

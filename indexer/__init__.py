"""The engine-neutral search core of newsarchive.

- :mod:`.api`: the plain types every caller uses (``SearchQuery``, ``Filters``,
  ``SearchResult``, ``Hit``, ``IndexStats``); ``SearchResult.to_dict()`` is the JSON
  contract of the CLI and the web API.
- :mod:`.errors`: one error base, :class:`ArchiveError`, with a message, an HTTP status
  and an exit code.
- :mod:`.query`: the query language; :mod:`.analysis`: how text becomes terms (shared
  by every engine, so both match the same words); :mod:`.snippets`;
  :mod:`.documents`: the stored form of an Article.
- :mod:`.backends`: the engine protocols and the name-to-factory registry;
  :mod:`.sync`: incremental indexing, written once for every engine.
- Engines, each in its own subpackage importing only this core: :mod:`indexer.whoosh`
  (the default, a local folder) and :mod:`indexer.typesense` (a cluster).
"""

from indexer.api import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    FacetValue,
    Filters,
    Hit,
    IndexStats,
    SearchQuery,
    SearchResult,
)
from indexer.backends import Engine, Searcher, engine_from_env, index_articles, index_paths
from indexer.errors import (
    ArchiveError,
    BackendUnavailable,
    ConfigError,
    IndexLocked,
    IndexMissing,
    IndexOutdated,
    QueryError,
)
from indexer.sync import IndexReport, Progress

__all__ = [
    "MAX_PAGE",
    "MAX_PAGE_SIZE",
    "ArchiveError",
    "BackendUnavailable",
    "ConfigError",
    "Engine",
    "FacetValue",
    "Filters",
    "Hit",
    "IndexLocked",
    "IndexMissing",
    "IndexOutdated",
    "IndexReport",
    "IndexStats",
    "Progress",
    "QueryError",
    "SearchQuery",
    "SearchResult",
    "Searcher",
    "engine_from_env",
    "index_articles",
    "index_paths",
]

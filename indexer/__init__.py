"""The Whoosh side of newsarchive: build the index, search it.

Everything Whoosh-specific stays inside this package; callers (the CLI, the web app)
use only what is exported here and the plain types of :mod:`indexer.api`.
"""

from indexer.api import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    FacetValue,
    Filters,
    Hit,
    QueryError,
    SearchQuery,
    SearchResult,
)
from indexer.layout import IndexLocked, IndexMissing, IndexOutdated
from indexer.search import Archive, IndexStats, open_index
from indexer.writer import IndexReport, Progress, index_articles, index_paths

__all__ = [
    "MAX_PAGE",
    "MAX_PAGE_SIZE",
    "Archive",
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
    "index_articles",
    "index_paths",
    "open_index",
]

"""Attention over time on the Whoosh engine: articles per publication day with NumPy.

The facet columns hold every document's day as ``YYYYMMDD``. Once per snapshot the
distinct days are numbered (one ``numpy.unique``, kept in the facet cache); a query's
articles per day is then one ``bincount`` of those numbers under its mask, whatever
the number of hits. :mod:`indexer.trends` groups the days into periods.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from indexer.api import SearchQuery, TrendQuery, TrendResult
from indexer.trends import assemble, check_trend_query
from indexer.whoosh.facets import FacetData

#: ``select(SearchQuery) -> mask of the articles it selects`` (filters applied).
Select = Callable[[SearchQuery], np.ndarray]


def day_numbers(data: FacetData) -> tuple[np.ndarray, np.ndarray]:
    """The distinct days (``YYYYMMDD``, 0 first when some article is undated) and each
    document's position among them; computed once per snapshot."""
    cached = data.cache.get("trend_days")
    if cached is None:
        days, positions = np.unique(data.day, return_inverse=True)
        cached = (days, positions.astype(np.int32))
        data.cache["trend_days"] = cached
    return cached


def per_day(data: FacetData, mask: np.ndarray) -> dict[int, int]:
    """``{YYYYMMDD: articles}`` for the dated articles in ``mask``."""
    days, positions = day_numbers(data)
    counts = np.bincount(positions[mask], minlength=days.size)
    nonzero = np.flatnonzero(counts)
    nonzero = nonzero[days[nonzero] > 0]
    return dict(zip(days[nonzero].tolist(), counts[nonzero].tolist(), strict=True))


def trends(data: FacetData, select: Select, query: TrendQuery) -> TrendResult:
    """Counts per period for each query and for all articles under the filters."""
    texts = check_trend_query(query)
    totals = per_day(data, select(SearchQuery(text="", filters=query.filters)))
    counts = [per_day(data, select(SearchQuery(text=t, filters=query.filters))) for t in texts]
    return assemble(query, texts, counts, totals)

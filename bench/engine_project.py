"""The project itself, through its public API only (:mod:`indexer` and :mod:`indexer.api`).

Indexing is ``indexer.whoosh.index_paths`` over the corpus JSONL file, so the project's own
reader, normalisation and extraction are part of its indexing time (the peers only
``json.loads`` each line). A search is ``open_index(...).search(SearchQuery(...))``
with facets and snippets on: one call does the total, the top 10 with snippets and the
date, tag, place and site counts.
"""

from __future__ import annotations

import os
from pathlib import Path

from bench.engines import Answer
from bench.queries import BenchQuery, whoosh_text


class ProjectEngine:
    name = "project"

    def __init__(self) -> None:
        self.archive = None

    def build(self, corpus: Path, index_dir: Path) -> dict:
        from indexer.whoosh import index_paths, writer

        # A smaller posting pool per indexing worker makes a 10k run meet what a 1M
        # run meets (its pool fills many times): issue 15's measurements.
        limit = os.environ.get("BENCH_WORKER_LIMIT_MB")
        if limit:
            writer.WORKER_LIMIT_MB = float(limit)
        report = index_paths(index_dir, [corpus], rebuild=True)
        problems = [str(p) for p in report.problems]
        return {
            "articles": report.articles,
            "problems": len(problems),
            "first_problems": problems[:5],
            "warnings": len(report.warnings),
        }

    def open(self, index_dir: Path) -> None:
        from indexer.whoosh import open_index

        self.archive = open_index(index_dir)

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()
            self.archive = None

    def search(self, q: BenchQuery) -> Answer:
        return search_archive(self.archive, q)


def search_archive(archive, q: BenchQuery, facets: bool = True) -> Answer:
    """One workload search through the project's search API (either backend): top 10
    with snippets and (unless ``facets`` is off) the tag, place and year counts."""
    from indexer.api import Filters, SearchQuery

    query = SearchQuery(
        text=whoosh_text(q),
        filters=Filters(tags=list(q.tags), places=list(q.places)),
        page_size=10,
        facets=facets,
        snippets=True,
    )
    result = archive.search(query)
    facets = {
        "tag": {fv.value: fv.count for fv in result.facets.get("tag", [])},
        "place": {fv.value: fv.count for fv in result.facets.get("place", [])},
        "year": {fv.value: fv.count for fv in result.facets.get("date", []) if len(fv.value) == 4},
    }
    return Answer(
        total=result.total,
        top=[hit.url for hit in result.hits],
        snippets=[hit.snippet for hit in result.hits],
        facets=facets,
    )

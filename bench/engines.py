"""What every engine in the benchmark does, and the registry of engines.

Each engine indexes the same corpus file and answers :class:`bench.queries.BenchQuery`
searches with an :class:`Answer`: the total, the top 10 (by URL, the one identity all
engines share), 10 snippets, and tag, place and year counts. The facet semantics are
the project's (indexer_api): each facet's counts apply every filter except that
facet's own, so a search with a tag and a place filter needs up to three match sets;
:func:`facet_plan` says which, and every engine does that same work.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Protocol

from bench.queries import BenchQuery

ENGINES: dict[str, str] = {
    "project": "bench.engine_project:ProjectEngine",
    "sqlite": "bench.engine_sqlite:SqliteEngine",
    "tantivy": "bench.engine_tantivy:TantivyEngine",
    "whoosh": "bench.engine_whoosh:WhooshEngine",
    "typesense": "bench.engine_typesense:TypesenseEngine",
}
LABELS = {
    "project": "newsarchive",
    "sqlite": "SQLite FTS5",
    "tantivy": "Tantivy",
    "whoosh": "plain Whoosh",
    "typesense": "Typesense",
}
FACETS = ("tag", "place", "year")


@dataclass
class Answer:
    total: int
    #: URLs of the top 10, in order.
    top: list[str]
    snippets: list[str]
    #: ``{"tag": {value: count}, "place": {...}, "year": {"2016": n, ...}}``.
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


class Engine(Protocol):
    name: str

    def build(self, corpus: Path, index_dir: Path) -> dict:
        """Index the corpus into a new folder; returns at least ``{"articles": n}``."""

    def open(self, index_dir: Path) -> None: ...

    def search(self, q: BenchQuery) -> Answer: ...

    def close(self) -> None: ...


def make_engine(name: str) -> Engine:
    module, cls = ENGINES[name].split(":")
    return getattr(importlib.import_module(module), cls)()


def unavailable(name: str) -> str | None:
    """Why an engine cannot run on this machine (a module's ``unavailable()``), or None."""
    module = importlib.import_module(ENGINES[name].split(":")[0])
    check = getattr(module, "unavailable", None)
    return check() if check else None


def facet_plan(q: BenchQuery) -> list[tuple[list[str], list[str], list[str]]]:
    """The distinct filter sets a search needs, as ``(tags, places, facets counted)``.

    The first entry has every filter: the total, the top 10 and the year counts come
    from it. The tag counts drop the tag filter, the place counts the place filter.
    """
    plan: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}
    plan[(tuple(q.tags), tuple(q.places))] = ["year"]
    plan.setdefault(((), tuple(q.places)), []).append("tag")
    plan.setdefault((tuple(q.tags), ()), []).append("place")
    return [(list(t), list(p), f) for (t, p), f in plan.items()]


def parse_published(value: str) -> datetime | None:
    """A corpus date (``2016-03-04T10:22:33Z`` or ``2016-03-04``) as an aware datetime."""
    if not value:
        return None
    if len(value) == 10:
        d = date.fromisoformat(value)
        return datetime(d.year, d.month, d.day, tzinfo=UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))

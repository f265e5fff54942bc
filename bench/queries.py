"""The published workload: a fixed set of searches, and how each engine spells them.

Each search is stored engine-neutrally in ``bench/queries.json`` (written from the
definitions below by ``python -m bench.queries``): ``all`` items must match, one of
``any`` must match, no ``none`` item may match; an item of several words is a phrase;
``field`` restricts every item to the title. Filters are facet values (tags and place
paths). The renderers below turn one search into Whoosh/project syntax, SQLite FTS5
MATCH syntax and Tantivy's query language, so the engines answer the same question.

Query words avoid the tag and place names on purpose: the project also matches a word
against an article's tags and places, which the peers (title and body only) do not,
and the comparison is meant to be of the same work.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from archive.places import place_filter

QUERIES_FILE = Path(__file__).resolve().parent / "queries.json"

CLASSES = ("rare", "common", "phrase", "boolean", "field", "browse")

#: (class, spec) for each text query; every one runs with 0, 1 and 2 filters.
_TEXT_QUERIES: list[tuple[str, dict]] = [
    ("rare", {"all": ["hurricane"]}),
    ("rare", {"all": ["asthma"]}),
    ("rare", {"all": ["dictatorship"]}),
    ("rare", {"all": ["copper"]}),
    ("common", {"all": ["trump"]}),
    ("common", {"all": ["president"]}),
    ("common", {"all": ["government"]}),
    ("common", {"all": ["people"]}),
    ("phrase", {"all": ["white house"]}),
    ("phrase", {"all": ["prime minister"]}),
    ("phrase", {"all": ["islamic state"]}),
    ("phrase", {"all": ["foreign minister"]}),
    ("boolean", {"all": ["oil", "prices"]}),
    ("boolean", {"any": ["hurricane", "earthquake"]}),
    ("boolean", {"all": ["trump"], "none": ["putin"]}),
    ("boolean", {"all": ["nuclear"], "any": ["missile", "reactor"]}),
    ("field", {"all": ["trump"], "field": "title"}),
    ("field", {"all": ["police"], "field": "title"}),
    ("field", {"all": ["merkel"], "field": "title"}),
    ("field", {"all": ["white house"], "field": "title"}),
]

#: The filters of the 1- and 2-filter variants, cycled over the text queries: a tag
#: (or a place) alone, then tag and place together. Mid-popular values, country and
#: city level, so results shrink without vanishing.
_FILTER_CYCLE: list[tuple[dict, dict]] = [
    ({"tags": ["Politics"]}, {"tags": ["Politics"], "places": ["United States"]}),
    ({"places": ["United Kingdom"]}, {"tags": ["Europe"], "places": ["United Kingdom"]}),
    ({"tags": ["Economy"]}, {"tags": ["Economy"], "places": ["China"]}),
    ({"places": ["Germany"]}, {"tags": ["Health"], "places": ["Germany/Berlin"]}),
    ({"tags": ["Conflict"]}, {"tags": ["Conflict"], "places": ["Syria"]}),
]

_BROWSE: list[dict] = [
    {},
    {"tags": ["Politics"]},
    {"places": ["France"]},
    {"tags": ["Economy"], "places": ["China"]},
    {"tags": ["Health"], "places": ["United States/New York"]},
]


@dataclass
class BenchQuery:
    """One search of the workload."""

    id: str
    cls: str
    all: list[str] = dataclasses.field(default_factory=list)
    any: list[str] = dataclasses.field(default_factory=list)
    none: list[str] = dataclasses.field(default_factory=list)
    #: Restrict every item to this field (the title), or None for title and body.
    field: str | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    places: list[str] = dataclasses.field(default_factory=list)

    @property
    def is_browse(self) -> bool:
        return not (self.all or self.any)

    @property
    def n_filters(self) -> int:
        return len(self.tags) + len(self.places)

    def to_dict(self) -> dict:
        out = {"id": self.id, "class": self.cls}
        for key in ("all", "any", "none", "tags", "places"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.field:
            out["field"] = self.field
        out["whoosh"] = whoosh_text(self)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> BenchQuery:
        return cls(
            id=data["id"],
            cls=data["class"],
            all=list(data.get("all", [])),
            any=list(data.get("any", [])),
            none=list(data.get("none", [])),
            field=data.get("field"),
            tags=list(data.get("tags", [])),
            # As the archive reads a place filter (the peers match paths exactly).
            places=[place_filter(p) for p in data.get("places", [])],
        )


def build_queries() -> list[BenchQuery]:
    out: list[BenchQuery] = []
    for i, (cls, spec) in enumerate(_TEXT_QUERIES):
        one, two = _FILTER_CYCLE[i % len(_FILTER_CYCLE)]
        for n, filters in enumerate(({}, one, two)):
            out.append(BenchQuery(id=f"{cls}-{i % 4 + 1}-f{n}", cls=cls, **spec, **filters))
    for i, filters in enumerate(_BROWSE):
        out.append(BenchQuery(id=f"browse-{i + 1}", cls="browse", **filters))
    return out


def load_queries(path: Path = QUERIES_FILE) -> list[BenchQuery]:
    return [BenchQuery.from_dict(d) for d in json.loads(path.read_text())["queries"]]


# --- rendering --------------------------------------------------------------------


def _item(word: str, quote: str = '"') -> str:
    return f"{quote}{word}{quote}" if " " in word else word


def whoosh_text(q: BenchQuery) -> str:
    """Whoosh query language: what a user types into the project (and plain Whoosh)."""
    prefix = f"{q.field}:" if q.field else ""
    parts = [prefix + _item(w) for w in q.all]
    if q.any:
        alts = " OR ".join(prefix + _item(w) for w in q.any)
        parts.append(f"({alts})" if q.all or q.none else alts)
    text = " AND ".join(parts)
    for word in q.none:
        text += f" NOT {prefix}{_item(word)}"
    return text


def fts5_text(q: BenchQuery) -> str:
    """SQLite FTS5 MATCH syntax (``NOT`` is binary there, as used here)."""
    prefix = f"{q.field} : " if q.field else ""
    parts = [prefix + _item(w) for w in q.all]
    if q.any:
        alts = " OR ".join(prefix + _item(w) for w in q.any)
        parts.append(f"({alts})")
    text = " AND ".join(parts)
    for word in q.none:
        text += f" NOT {prefix}{_item(word)}"
    return text


def tantivy_text(q: BenchQuery) -> str:
    """Tantivy's query language: ``+`` must, ``-`` must not (its default is OR)."""
    prefix = f"{q.field}:" if q.field else ""
    parts = [f"+{prefix}{_item(w)}" for w in q.all]
    if q.any:
        alts = " OR ".join(prefix + _item(w) for w in q.any)
        parts.append(f"+({alts})")
    parts += [f"-{prefix}{_item(w)}" for w in q.none]
    return " ".join(parts)


def main() -> None:
    queries = build_queries()
    doc = {
        "about": (
            "The fixed benchmark workload (bench/queries.py). all: every item must match; "
            "any: one must; none: none may; an item of several words is a phrase; field: "
            "search the title only; tags/places: facet filters (OR within, AND across). "
            "Every search asks for the top 10 with snippets and tag, place and year counts; "
            "each facet's counts apply every filter but its own."
        ),
        "queries": [q.to_dict() for q in queries],
    }
    QUERIES_FILE.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(queries)} queries written to {QUERIES_FILE}")


if __name__ == "__main__":
    main()

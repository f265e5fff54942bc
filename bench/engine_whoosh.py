"""Plain Whoosh used the straightforward way: the baseline the project must beat.

A schema with Whoosh's stock ``StemmingAnalyzer`` on title and body, ``KEYWORD``
fields for tags and places (with ancestors), an ``ID`` year; one writer, one commit.
A search is ``searcher.search(q, filter=..., groupedby=...)`` with ``FieldFacet``s
counting (``maptype=Count``) and the stock highlighter for the snippets, exactly as the
Whoosh documentation shows it. Nothing is cached between searches but the searcher.
"""

from __future__ import annotations

from pathlib import Path

from whoosh import fields, index, sorting
from whoosh.analysis import StemmingAnalyzer
from whoosh.qparser import MultifieldParser
from whoosh.query import And, Every, Or, Term

from bench.corpus import place_values, read_jsonl
from bench.engines import Answer, facet_plan, parse_published
from bench.queries import BenchQuery, whoosh_text


def _schema() -> fields.Schema:
    stem = StemmingAnalyzer()
    return fields.Schema(
        url=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=stem, stored=True),
        body=fields.TEXT(analyzer=stem, stored=True),
        tags=fields.KEYWORD(stored=True, commas=True, lowercase=False),
        places=fields.KEYWORD(commas=True, lowercase=False),
        year=fields.ID(),
        published=fields.NUMERIC(sortable=True, bits=64),
    )


_FACETS = {
    "tag": lambda: sorting.FieldFacet("tags", allow_overlap=True, maptype=sorting.Count),
    "place": lambda: sorting.FieldFacet("places", allow_overlap=True, maptype=sorting.Count),
    "year": lambda: sorting.FieldFacet("year", maptype=sorting.Count),
}


class WhooshEngine:
    name = "whoosh"

    def __init__(self) -> None:
        self.ix = None
        self.searcher = None

    def build(self, corpus: Path, index_dir: Path) -> dict:
        index_dir.mkdir(parents=True, exist_ok=True)
        ix = index.create_in(str(index_dir), _schema())
        writer = ix.writer()
        count = 0
        for record in read_jsonl(corpus):
            count += 1
            when = parse_published(record["published"])
            writer.add_document(
                url=record["url"],
                title=record["title"],
                body=record["body"],
                tags=",".join(record["tags"]),
                places=",".join(place_values(record["places"])),
                year=str(when.year) if when else "",
                published=int(when.timestamp()) if when else 0,
            )
        writer.commit()
        return {"articles": count}

    def open(self, index_dir: Path) -> None:
        self.ix = index.open_dir(str(index_dir))
        self.searcher = self.ix.searcher()
        self.parser = MultifieldParser(["title", "body"], self.ix.schema)

    def close(self) -> None:
        if self.searcher is not None:
            self.searcher.close()
            self.searcher = None

    @staticmethod
    def _filter(tags: list[str], places: list[str]):
        parts = []
        if tags:
            parts.append(Or([Term("tags", t) for t in tags]))
        if places:
            parts.append(Or([Term("places", p) for p in places]))
        return And(parts) if parts else None

    def search(self, q: BenchQuery) -> Answer:
        searcher = self.searcher
        query = Every() if q.is_browse else self.parser.parse(whoosh_text(q))
        facets: dict[str, dict[str, int]] = {}
        total = 0
        top: list[str] = []
        snippets: list[str] = []
        for i, (tags, places, counted) in enumerate(facet_plan(q)):
            groupedby = {f: _FACETS[f]() for f in counted}
            kwargs = {"filter": self._filter(tags, places), "groupedby": groupedby}
            if q.is_browse:
                kwargs.update(sortedby="published", reverse=True)
            results = searcher.search(query, limit=10, **kwargs)
            if i == 0:
                total = len(results)
                top = [hit["url"] for hit in results]
                if q.is_browse:
                    snippets = [hit["body"][:200] for hit in results]
                else:
                    snippets = [hit.highlights("body", top=1) for hit in results]
            for facet in counted:
                facets[facet] = {str(k): int(v) for k, v in results.groups(facet).items()}
        return Answer(total=total, top=top, snippets=snippets, facets=facets)

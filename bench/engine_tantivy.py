"""Tantivy through the ``tantivy`` package: a native (Rust) engine, the practical limit.

Title and body use Tantivy's ``en_stem`` analyzer (lower-case + Snowball English);
tags and places (with ancestors) are ``raw`` text fast fields and the year an integer
fast field, so the facet counts are Tantivy's own ``terms`` aggregations (Elasticsearch
style, computed in Rust over the column store) with a size above the number of distinct
values, which makes them exact. Snippets come from its ``SnippetGenerator``.
"""

from __future__ import annotations

from pathlib import Path

import tantivy

from bench.corpus import place_values, read_jsonl
from bench.engines import Answer, facet_plan, parse_published
from bench.queries import BenchQuery, tantivy_text

#: Larger than the number of distinct tags, places or years: exact counts.
AGG_SIZE = 2000
HEAP = 256 * 1024 * 1024


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("url", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("body", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("tags", stored=True, tokenizer_name="raw", fast=True)
    sb.add_text_field("places", stored=False, tokenizer_name="raw", fast=True)
    sb.add_integer_field("year", indexed=True, fast=True)
    sb.add_integer_field("published", indexed=False, fast=True)
    return sb.build()


class TantivyEngine:
    name = "tantivy"

    def __init__(self) -> None:
        self.index: tantivy.Index | None = None

    def build(self, corpus: Path, index_dir: Path) -> dict:
        index_dir.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(_schema(), path=str(index_dir))
        writer = index.writer(HEAP, 0)  # 0: Tantivy picks the thread count (all cores)
        count = 0
        for record in read_jsonl(corpus):
            count += 1
            when = parse_published(record["published"])
            fields = {
                "url": record["url"],
                "title": record["title"],
                "body": record["body"],
                "tags": record["tags"],
                "places": place_values(record["places"]),
                "published": int(when.timestamp()) if when else 0,
            }
            if when:  # an undated article has no year to count
                fields["year"] = when.year
            writer.add_document(tantivy.Document(**fields))
        writer.commit()
        writer.wait_merging_threads()
        return {"articles": count}

    def open(self, index_dir: Path) -> None:
        self.index = tantivy.Index.open(str(index_dir))
        self.schema = self.index.schema
        self.searcher = self.index.searcher()

    def close(self) -> None:
        self.index = None

    def _filtered(self, base: tantivy.Query, tags: list[str], places: list[str]) -> tantivy.Query:
        clauses = [(tantivy.Occur.Must, base)]
        for name, values in (("tags", tags), ("places", places)):
            if values:
                terms = [
                    (tantivy.Occur.Should, tantivy.Query.term_query(self.schema, name, v))
                    for v in values
                ]
                clauses.append((tantivy.Occur.Must, tantivy.Query.boolean_query(terms)))
        return base if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)

    def search(self, q: BenchQuery) -> Answer:
        searcher = self.searcher
        if q.is_browse:
            base = tantivy.Query.all_query()
        else:
            base = self.index.parse_query(tantivy_text(q), ["title", "body"])
        facets: dict[str, dict[str, int]] = {}
        total = 0
        top: list[str] = []
        snippets: list[str] = []
        for i, (tags, places, counted) in enumerate(facet_plan(q)):
            query = self._filtered(base, tags, places)
            if i == 0:
                if q.is_browse:
                    result = searcher.search(query, 10, order_by_field="published")
                else:
                    result = searcher.search(query, 10)
                total = result.count
                docs = [searcher.doc(address) for _score, address in result.hits]
                top = [doc["url"][0] for doc in docs]
                if q.is_browse:
                    snippets = [doc["body"][0][:200] for doc in docs]
                else:
                    gen = tantivy.SnippetGenerator.create(searcher, base, self.schema, "body")
                    snippets = [gen.snippet_from_doc(doc).to_html() for doc in docs]
            fields = {"tag": "tags", "place": "places", "year": "year"}
            aggs = {f: {"terms": {"field": fields[f], "size": AGG_SIZE}} for f in counted}
            found = searcher.aggregate(query, aggs)
            for facet in counted:
                facets[facet] = {
                    str(b["key"]): int(b["doc_count"]) for b in found[facet]["buckets"]
                }
        return Answer(total=total, top=top, snippets=snippets, facets=facets)

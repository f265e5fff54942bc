"""Searching a Typesense collection through the same API as the Whoosh backend.

One search is one ``multi_search`` request. For each kind of article (English, whose
fields are stemmed, and the others; see :mod:`.translate`) it holds the main search
with every filter, and, when facets are wanted, one search per facet with every filter
except that facet's own: exactly the documented facet semantics, counted by Typesense.
The two kinds never share an article, so totals and facet counts simply add up, and
the two pages of hits merge by their sort key.

Snippets are built here, from the stored body, with the Whoosh backend's snippet
builder: Typesense's own highlights do not escape the article text (measured with
0.24.1: ``<script>`` comes back as ``<<mark>script</mark>>``).

The object is safe to share between threads (the client's connection pool is), and
needs no refreshing: it searches the collection alias, which a rebuild swaps
atomically on the server.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any, cast

import typesense
from typesense import exceptions as ts_errors
from whoosh import query as wq

from archive import Article
from archive.article import nfc
from indexer.api import (
    MAX_OTHER_VERSIONS,
    MAX_PAGE_SIZE,
    SORTS,
    TOP_WORDS_SAMPLE,
    UNKNOWN_SORT,
    FacetValue,
    Filters,
    Hit,
    IndexStats,
    Relaxed,
    SearchQuery,
    SearchResult,
    TopWordsResult,
    TrendQuery,
    TrendResult,
    drill_down,
    month_label,
)
from indexer.documents import facet_key, stored_hit, to_article, version_hit
from indexer.errors import N_, IndexDamaged, IndexMissing, QueryError
from indexer.query import ParsedQuery, make_parser, parse, positive_terms
from indexer.snippets import snippet, terms_for_snippets
from indexer.topwords import count_sample, query_keys, significant
from indexer.trends import assemble, check_trend_query
from indexer.typesense.collection_format import check_format
from indexer.typesense.connection import (
    Connection,
    TypesenseUnavailable,
    answering,
)
from indexer.typesense.documents import INDEX_ONLY
from indexer.typesense.facet_values import probe_size, uncertain
from indexer.typesense.nodes import NodeGuard
from indexer.typesense.translate import (
    KindQuery,
    Searches,
    one_search,
    refuse_unsupported,
    translate,
)

#: Typesense's largest page.
TS_PAGE = 250
#: Facet values asked for per facet; the top ``facet_limit`` are chosen here, with the
#: same tie-breaking as the Whoosh backend.
MAX_FACET_VALUES = 10_000
#: The fields that count each facet (see :func:`_fields` for which are asked for). The
#: labels (display spellings) come from :meth:`TypesenseArchive._labels`.
FACET_FIELDS = {
    "date": ("year", "month"),
    "tag": ("tag_key",),
    "place": ("place_country", "place_key"),
    "site": ("site_key",),
}
#: The fields of the display spellings, and how long their archive-wide counts are
#: kept before they are asked for again (sooner when a value shown has no label).
LABEL_FIELDS = "tag_label,place_label,site_label"
LABELS_FOR = 30.0
#: Matching exactly what the filter says: no typos, prefixes, dropped or split words.
EXACT = {
    "num_typos": 0,
    "typo_tokens_threshold": 0,
    "drop_tokens_threshold": 0,
    "prefix": "false",
    "split_join_tokens": "off",
    "highlight_fields": "none",
    "enable_overrides": "false",
}
#: Searches in one ``multi_search`` at most (the server's ``limit_multi_searches``).
MULTI_SEARCH_LIMIT = 50
#: Distinct days asked for in a trends search (a facet value a day: 270 years).
MAX_DAY_VALUES = 100_000
_NOTHING = "day:<0"
_KINDS = (True, False)


class TypesenseArchive:
    """A searchable archive in a Typesense collection (through its alias)."""

    def __init__(self, connection: Connection, client: typesense.Client | None = None):
        self.connection = connection
        # Searches go only to the nodes holding the whole archive (see .nodes).
        self._guard = None if client is not None else NodeGuard(connection)
        self._client = client
        self.index_dir = connection.describe()
        self._parser = make_parser()
        self._parse_lock = threading.Lock()
        self._label_cache: tuple[float, dict[str, dict[str, int]]] | None = None
        # Fail now, clearly, if there is no archive there or one of another format.
        self.check_format(self.collection_name())

    # -- Housekeeping ------------------------------------------------------------------

    @property
    def client(self) -> typesense.Client:
        """The client to read with: over the nodes that have caught up."""
        if self._guard is not None:
            return self._guard.client()
        assert self._client is not None
        return self._client

    def collection_name(self) -> str:
        """The collection the alias points to (raises IndexMissing when there is none)."""
        name = self.connection.collection
        try:
            with answering(self.connection, "when asked for the archive"):
                return self.client.aliases[name].retrieve()["collection_name"]
        except ts_errors.ObjectNotFound:
            raise IndexMissing(
                f"no archive in Typesense ({self.connection.describe()}): build one with "
                "`archive index PATH...`"
            ) from None

    def searched_nodes(self) -> tuple[str, ...]:
        """The nodes searches go to now: those holding the whole archive (.nodes)."""
        self.client  # noqa: B018 - checks the nodes when the last check is old
        return self._guard.nodes if self._guard is not None else self.connection.nodes

    def check_format(self, name: str) -> None:
        """Refuse (IndexOutdated) a collection built in another format; see
        :mod:`.collection_format`. Checked on opening and by ``stats()``, not on every
        search: that would cost a request each."""
        with answering(self.connection, "when asked for the archive"):
            schema = self.client.collections[name].retrieve()
        check_format(cast(dict, schema), self.index_dir)

    def close(self) -> None:
        """Nothing to release: the client's connections close with it."""

    def __enter__(self) -> TypesenseArchive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- The API -----------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        page, page_size = query.paging()
        parsed, kinds = self._translate(query)
        total, hits, facets, stories = self._run(query, parsed, kinds, page, page_size)
        relaxed = None
        if total == 0 and parsed is not None and len(parsed.groups) > 1:
            found = self._relaxed(parsed)
            if found is not None:
                kinds, relaxed = found
                total, hits, facets, stories = self._run(query, parsed, kinds, page, page_size)
        self._add_stories(hits, others=query.collapsed())
        return SearchResult(
            query=query,
            total=total,
            hits=hits,
            facets=facets,
            suggestion=None,
            interpreted_as=parsed.interpreted_as if parsed else None,
            relaxed=relaxed,
            stories=stories,
        )

    def _run(self, query: SearchQuery, parsed, kinds, page: int, page_size: int):
        """The total, one page of hits, the facet counts of translated ``kinds`` and
        how many stories the total makes.

        Each search of ``kinds`` (one, unless :func:`.translate.one_search` says
        otherwise) brings its page of hits; a facet with a filter is counted by one more
        search, with every filter but its own (the disjunctive-facet pattern
        InstantSearch uses). One search asks for the top values of each facet only, and
        counts again, in one more request, a facet that answer does not settle
        (:mod:`.facet_values`).

        Story clusters: collapsed (``versions=best``), the hits search groups by
        ``cluster`` (one hit a story; its ``found`` counts stories) and one more search
        without grouping counts the articles; with ``versions=all`` it is the other way
        round. The facets that have no filter of their own are counted by whichever of
        the two does not group, so that they count articles."""
        sort = query.effective_sort()
        collapse = query.collapsed()
        first = (page - 1) * page_size
        want = first + page_size
        clauses = _facet_filters(query.filters)
        limit = max(1, int(query.facet_limit or 50))
        values = probe_size(limit)
        filtered = [name for name in FACET_FIELDS if name in clauses] if query.facets else []
        unfiltered = [name for name in FACET_FIELDS if name not in filtered]
        searches: list[dict] = []
        slots: list[tuple[bool | None, str]] = []  # (kind, "hits", "count" or a facet)
        counting: dict[str, list[dict]] = {}  # facet name -> the searches counting it
        for kind, kq in kinds.items():
            filters = [kq.filter_by, *clauses.values()]
            main = self._main(kq, filters, sort, 1, min(want, TS_PAGE), collapse)
            count = self._main(kq, filters, sort, 1, 0, not collapse)
            if query.facets:
                ungrouped = count if collapse else main
                ungrouped.update(_facet_params(unfiltered, query.filters, values))
                for name in unfiltered:
                    counting.setdefault(name, []).append(ungrouped)
            searches += [main, count]
            slots += [(kind, "hits"), (kind, "count")]
            for name in filtered:
                others = [c for n, c in clauses.items() if n != name]
                search = {
                    **kq.params(),
                    "filter_by": _join([kq.filter_by, *others]),
                    **_facet_params([name], query.filters, values),
                    "per_page": 0,
                }
                counting.setdefault(name, []).append(search)
                searches.append(search)
                slots.append((kind, name))
        results = self._multi(searches)
        mains = {kind: r for (kind, slot), r in zip(slots, results, strict=True) if slot == "hits"}
        counted = [r for (_kind, slot), r in zip(slots, results, strict=True) if slot == "count"]
        total = sum(r["found"] for r in mains.values())
        other = sum(r["found"] for r in counted)
        articles, stories = (other, total) if collapse else (total, other)
        docs = self._page(query, kinds, clauses, sort, mains, first, page_size, collapse)
        hits = self._hits(parsed, docs, query.snippets)
        facets = {}
        if query.facets:
            counts = _add_counts(results)
            counts = self._settle(counts, results, slots, counting, query.filters, limit)
            countries = counts.pop("place_country", {})
            counts["place_key"] = {**countries, **counts.get("place_key", {})}
            known = self._labels(counts, query.filters)
            facets = _assemble_facets(counts, known, query.filters, limit)
        return articles, hits, facets, stories

    def _labels(self, counts: dict[str, dict[str, int]], filters: Filters):
        """The archive-wide counts of every spelling of the tags, places and sites
        (``{label field: {label: count}}``): the Whoosh backend labels each value with
        its most frequent spelling in the whole archive. Kept for :data:`LABELS_FOR`
        seconds, and asked for again at once when a value to show has none."""
        cached = self._label_cache
        if cached is not None and time.monotonic() - cached[0] < LABELS_FOR:
            labelled = {
                field: {facet_key(label) for label in labels} for field, labels in cached[1].items()
            }
            wanted = {
                "tag_label": set(counts.get("tag_key", {})) | {facet_key(v) for v in filters.tags},
                "place_label": set(counts.get("place_key", {}))
                | {facet_key(v) for v in filters.places},
                "site_label": set(counts.get("site_key", {}))
                | {facet_key(v) for v in filters.sites},
            }
            if all(keys <= labelled.get(f, set()) for f, keys in wanted.items()):
                return cached[1]
        search = {
            "q": "*",
            "query_by": "title_terms",
            "facet_by": LABEL_FIELDS,
            "max_facet_values": MAX_FACET_VALUES,
            "per_page": 0,
        }
        labels = _facet_map(self._multi([search])[0])
        self._label_cache = (time.monotonic(), labels)
        return labels

    def _settle(self, counts, results, slots, counting, filters: Filters, limit: int):
        """``counts`` with every facet the top values did not settle counted in full.

        With one search per kind, a facet is settled only when at most one kind's
        answer has values for it (the usual case: an archive in one language); the sum
        of two cut lists is not, and is counted in full."""
        by_name: dict[str, list[dict]] = {}  # facet name -> the answers counting it
        for (_kind, slot), result in zip(slots, results, strict=True):
            for name in (
                [n for n in counting if n not in dict(slots).values()]
                if slot in ("hits", "count")
                else [slot]
            ):
                by_name.setdefault(name, []).append(result)
        fields: dict[str, list[tuple[str, int]]] = {}
        again: list[str] = []
        for name, answers in by_name.items():
            lists: dict[str, list[list[tuple[str, int]]]] = {}
            for result in answers:
                for fc in result.get("facet_counts", []):
                    if fc["field_name"] in _fields(name, filters) and fc["counts"]:
                        pairs = [(c["value"], c["count"]) for c in fc["counts"]]
                        lists.setdefault(fc["field_name"], []).append(pairs)
            if any(len(found) > 1 for found in lists.values()):
                again.append(name)
            fields.update({f: found[0] for f, found in lists.items()})
        settled = [n for n in by_name if n not in again]
        again += uncertain(fields, settled, filters, limit, probe_size(limit))
        if not again:
            return counts
        recount = [
            (name, {**search, **_facet_params([name], filters, MAX_FACET_VALUES), "per_page": 0})
            for name in again
            for search in counting[name]
        ]
        recounted: dict[str, dict[str, int]] = {}
        for (name, _s), result in zip(recount, self._multi([s for _n, s in recount]), strict=True):
            for fieldname, values in _facet_map(result).items():
                if fieldname in _fields(name, filters):
                    target = recounted.setdefault(fieldname, {})
                    for value, n in values.items():
                        target[value] = target.get(value, 0) + n
        for name in again:
            for fieldname in _fields(name, filters):
                counts[fieldname] = recounted.get(fieldname, {})
        return counts

    def _relaxed(self, parsed: ParsedQuery) -> tuple[Searches, Relaxed] | None:
        """Typesense's part of the all-words-first ladder (see :class:`Relaxed`).

        When no article (filters aside) has every word of a plain query, the words no
        article has at all are dropped, and the rest are required: the same articles as
        on Whoosh whenever some article has all the remaining words. When none has,
        nothing is found (Whoosh would go further down the ladder; Typesense's filters
        cannot count words, see docs/typesense.md). None: no relaxing.
        """
        checks: list[tuple[int | None, dict]] = []
        for slot, q in [(None, parsed.query), *enumerate(g for _w, g in parsed.groups)]:
            for english in _KINDS:
                try:
                    kq = translate(q, english)
                except QueryError:
                    continue
                if not kq.matches_nothing:
                    checks.append((slot, self._count(kq, english)))
        results = self._multi([search for _slot, search in checks])
        found = [(slot, r["found"]) for (slot, _s), r in zip(checks, results, strict=True)]
        if any(n for slot, n in found if slot is None):
            return None  # the words are there together; the filters emptied the page
        present = sorted({slot for slot, n in found if slot is not None and n})
        if not present or len(present) == len(parsed.groups):
            return None
        kept = [parsed.groups[i][1] for i in present]
        rest = kept[0] if len(kept) == 1 else wq.And(kept)
        kinds = {english: translate(rest, english) for english in reversed(_KINDS)}
        kinds = {k: kq for k, kq in kinds.items() if not kq.matches_nothing}
        counted = self._multi([self._count(kq, k) for k, kq in kinds.items()])
        if not any(r["found"] for r in counted):
            return None
        absent = [w for i, (w, _g) in enumerate(parsed.groups) if i not in present]
        relaxed = Relaxed(words=len(parsed.groups), matched=len(kept), absent=absent)
        return one_search(kinds), relaxed

    @staticmethod
    def _count(kq: KindQuery, english: bool) -> dict:
        """A search that only counts the articles of one kind matching ``kq``."""
        filters = [f"english:{str(english).lower()}", kq.filter_by]
        return {**kq.params(), "filter_by": _join(filters), "per_page": 0}

    def iter_hits(self, query: SearchQuery) -> Iterator[Hit]:
        """Every hit in the query's sort order, both kinds merged, fetched in pages."""
        parsed, kinds = self._translate(query)
        if parsed is not None and len(parsed.groups) > 1:
            found = self._relaxed(parsed)
            if found is not None:
                kinds = found[0]
        sort = query.effective_sort()
        clauses = list(_facet_filters(query.filters).values())
        streams = []
        for kq in kinds.values():
            streams.append(
                self._stream(kq, [kq.filter_by, *clauses], sort, query.snippets, query.collapsed())
            )
        merged = heapq.merge(*streams, key=lambda doc: _merge_key(doc, sort))
        batch: list[dict] = []
        for doc in merged:
            batch.append(doc)
            if len(batch) == TS_PAGE:
                yield from self._story_hits(parsed, batch, query.snippets)
                batch = []
        yield from self._story_hits(parsed, batch, query.snippets)

    def _story_hits(self, parsed, batch: list[dict], snippets: bool) -> list[Hit]:
        hits = self._hits(parsed, batch, snippets)
        self._add_stories(hits, others=False)
        return hits

    def get(self, article_id: str) -> Article | None:
        try:
            with answering(self.connection, "when asked for an article"):
                doc = self._documents().documents[article_id].retrieve()
        except ts_errors.ObjectNotFound:
            return None
        return to_article(doc)

    def more_like_this(self, article_id: str, limit: int = 5) -> list[Hit]:
        """Articles of the same kind sharing the most words of this one's title and
        most frequent body terms (Typesense has no more-like-this of its own)."""
        limit = max(1, min(int(limit), MAX_PAGE_SIZE))
        try:
            with answering(self.connection, "when asked for an article"):
                doc = self._documents().documents[article_id].retrieve()
        except ts_errors.ObjectNotFound:
            return []
        words = _distinctive(doc.get("title_terms", ""), doc.get("body_terms", ""))
        if not words:
            return []
        params = {
            "q": " ".join(words),
            "query_by": "title_terms,body_terms",
            "query_by_weights": "3,1",
            "filter_by": f"english:{str(doc.get('english', True)).lower()}",
            "per_page": limit + 1,  # the article itself is usually the first
            "exclude_fields": INDEX_ONLY,
            # Dropping words is the point here: articles sharing some of them.
            "drop_tokens_threshold": 1000,
        }
        result = self._multi([params])[0]
        others = [h for h in result["hits"] if h["document"]["id"] != article_id]
        return self._hits(None, others[:limit], snippets=True)

    def stats(self) -> IndexStats:
        name = self.collection_name()
        self.check_format(name)
        browse = {
            "q": "*",
            "query_by": "title_terms",
            "facet_by": "tag_key,tag_label,place_key,place_label,site_key,site_label,lang",
            "max_facet_values": MAX_FACET_VALUES,
            "per_page": 0,
        }
        dated = {"q": "*", "query_by": "title_terms", "filter_by": "day:>0", "per_page": 1}
        dated["include_fields"] = "day"
        results = self._multi(
            [browse, {**dated, "sort_by": "day:asc"}, {**dated, "sort_by": "day:desc"}]
        )
        counts = _facet_map(results[0])
        top = 10

        def ranked(keyfield: str, labelfield: str | None) -> list[FacetValue]:
            values = counts.get(keyfield, {})
            labels = _labels(counts.get(labelfield, {})) if labelfield else {}
            order = sorted(values, key=lambda k: (-values[k], labels.get(k, k)))
            return [FacetValue(labels.get(k, k), values[k], labels.get(k, k)) for k in order[:top]]

        def day(result: dict) -> date | None:
            if not result["hits"]:
                return None
            value = int(result["hits"][0]["document"]["day"])
            return date(value // 10000, value // 100 % 100, value % 100)

        return IndexStats(
            articles=results[0]["found"],
            date_min=day(results[1]),
            date_max=day(results[2]),
            tags=ranked("tag_key", "tag_label"),
            places=ranked("place_key", "place_label"),
            sites=ranked("site_key", "site_label"),
            languages=ranked("lang", None),
            location=self.index_dir,
            memory_bytes=self._memory_bytes(),
            generation=name,
        )

    def trends(self, query: TrendQuery) -> TrendResult:
        """Articles per period for each query and for all articles under the filters,
        as facet counts on the interval's own field (``year``, ``month``, ``week`` or
        ``day``: the fewer distinct values, the faster Typesense counts them), in one
        ``multi_search``; :mod:`indexer.trends` lays out the periods."""
        texts = check_trend_query(query)
        fieldname = query.interval
        clauses = list(_facet_filters(query.filters).values())
        facet = {"facet_by": fieldname, "max_facet_values": MAX_DAY_VALUES, "per_page": 0}
        # All articles under the filters: one search, both kinds at once.
        searches: list[dict] = [
            {"q": "*", "query_by": "title_terms", "filter_by": _join(clauses), **facet}
        ]
        owners: list[int] = [-1]  # -1: the totals; else the query's position
        for owner, text in enumerate(texts):
            _parsed, kinds = self._translate(SearchQuery(text=text, filters=query.filters))
            for kq in kinds.values():
                filter_by = _join([kq.filter_by, *clauses])
                searches.append({**kq.params(), "filter_by": filter_by, **facet})
                owners.append(owner)
        try:
            results = []
            for start in range(0, len(searches), MULTI_SEARCH_LIMIT):
                results += self._multi(searches[start : start + MULTI_SEARCH_LIMIT])
        except TypesenseUnavailable as exc:
            if f"facet field named `{fieldname}`" in str(exc):
                raise IndexDamaged(
                    f"the collection in Typesense ({self.index_dir}) was built before "
                    f"trends existed (no {fieldname} facet): rebuild it with "
                    "`archive index --rebuild PATH...`"
                ) from None
            raise
        days: dict[int, dict[int, int]] = {owner: {} for owner in range(-1, len(texts))}
        for owner, result in zip(owners, results, strict=True):
            target = days[owner]
            for value, n in _facet_map(result).get(fieldname, {}).items():
                number = _period_day(value)
                if number:
                    target[number] = target.get(number, 0) + n
        return assemble(query, texts, [days[i] for i in range(len(texts))], days[-1])

    def top_words(self, query: SearchQuery, limit: int = 20) -> TopWordsResult:
        """The words over-represented in the best-ranked :data:`TOP_WORDS_SAMPLE` hits
        (:mod:`indexer.topwords`). A word's background is the number of articles whose
        ``body_terms`` have it (its stem for English articles, its folded form for the
        others), counted by one ``multi_search`` of empty pages."""
        _parsed, kinds = self._translate(query)
        sort = query.effective_sort()
        clauses = _facet_filters(query.filters)
        searches, owners = [], []
        for english, kq in kinds.items():
            base = [kq.filter_by]
            searches.append(
                self._main(kq, base + list(clauses.values()), sort, 1, TOP_WORDS_SAMPLE)
            )
            owners.append(english)
        searches.append({"q": "*", "query_by": "title_terms", "per_page": 0})
        results = self._multi(searches)
        mains = dict(zip(owners, results, strict=False))
        total = sum(r["found"] for r in mains.values())
        articles = results[-1]["found"]
        docs = self._page(query, kinds, clauses, sort, mains, 0, TOP_WORDS_SAMPLE)
        sample = count_sample(d["document"] for d in docs)

        def background(candidates: list[tuple[str, str]]) -> dict[str, int]:
            # The two kinds never share an article: a stem that is also the word
            # itself is one search over both, otherwise one search per kind.
            searches, owners = [], []
            for stem, word in candidates:
                terms = [(None, stem)] if stem == word else [(True, stem), (False, word)]
                for english, term in terms:
                    search = {"q": term, "query_by": "body_terms", "per_page": 0}
                    if english is not None:
                        search["filter_by"] = f"english:{str(english).lower()}"
                    searches.append(search)
                    owners.append(stem)
            counts: dict[str, int] = {}
            for start in range(0, len(searches), MULTI_SEARCH_LIMIT):
                batch = searches[start : start + MULTI_SEARCH_LIMIT]
                for stem, result in zip(owners[start:], self._multi(batch), strict=False):
                    counts[stem] = counts.get(stem, 0) + result["found"]
            return counts

        candidates = sample.candidates(query_keys(query.text))
        words = significant(sample, candidates, background, articles, limit)
        return TopWordsResult(query, total, sample.documents, articles, words)

    # -- Steps -------------------------------------------------------------------------

    def _documents(self):
        return self.client.collections[self.connection.collection]

    def _translate(self, query: SearchQuery) -> tuple[ParsedQuery | None, Searches]:
        if query.sort not in SORTS:
            raise QueryError(UNKNOWN_SORT, sort=repr(query.sort), sorts=", ".join(SORTS))
        text = nfc(query.text).strip()
        if not text:
            return None, one_search({kind: KindQuery() for kind in _KINDS})
        with self._parse_lock:
            try:
                raw = self._parser.parse(text)
            except Exception:  # noqa: BLE001 - parse() below reports it in user terms
                raw = None
            if raw is not None:
                refuse_unsupported(raw)
            # No reader: every construct that would need one was refused above.
            parsed = parse(self._parser, text, None)
        # The other languages' side first: its words are unstemmed, so a refusal quotes
        # the query as the user wrote it.
        kinds = {kind: translate(parsed.query, kind) for kind in reversed(_KINDS)}
        return parsed, one_search({k: kq for k, kq in kinds.items() if not kq.matches_nothing})

    def _main(
        self,
        kq: KindQuery,
        filters: list[str],
        sort: str,
        page: int,
        per_page: int,
        group: bool = False,
    ):
        search = {
            **kq.params(),
            "filter_by": _join(filters),
            "sort_by": _sort_by(sort, kq),
            "page": page,
            "per_page": per_page,
            "exclude_fields": INDEX_ONLY,
        }
        if group:
            # One hit per story, its best-ranked version; ``found`` counts stories
            # (reliably only with an explicit sort_by, measured with 0.24.1).
            search.update(group_by="cluster", group_limit=1)
        return search

    def _multi(self, searches: list[dict]) -> list[dict]:
        if not searches:
            return []
        collection = self.connection.collection
        # EXACT goes into each search, not into the common parameters: those would
        # override a search's own (more-like-this drops words on purpose).
        searches = [{**EXACT, **search, "collection": collection} for search in searches]
        with answering(self.connection, "the search"):
            # The client types each search as a TypedDict; ours are built as plain dicts.
            response = self.client.multi_search.perform({"searches": searches})  # type: ignore[typeddict-item]
        # The client types every result as a successful SearchResponse, but Typesense
        # answers a search it refuses with ``{"code", "error"}`` in its place.
        results = cast(list[dict[str, Any]], response["results"])
        for result in results:
            if "error" in result:
                # The translation built a search Typesense refused: a bug here, not the
                # user's, but say what it was.
                raise TypesenseUnavailable(
                    N_("Typesense refused a search: %(reason)s"), reason=str(result["error"])
                )
        return results

    def _page(
        self, query, kinds, clauses, sort, mains, first, count, group: bool = False
    ) -> list[dict]:
        """The documents of hits ``first .. first+count`` in sort order, both kinds."""
        want = first + count
        live = [kind for kind, r in mains.items() if r["found"] > 0]
        if not live:
            return []
        if len(live) == 1 and want > TS_PAGE:
            # One kind only (the usual case): ask Typesense for the page itself.
            kind = live[0]
            kq = kinds[kind]
            filters = [kq.filter_by, *clauses.values()]
            page = first // count + 1
            result = self._multi([self._main(kq, filters, sort, page, count, group)])[0]
            return _result_hits(result)
        lists = []
        for kind in live:
            hits = _result_hits(mains[kind])
            kq = kinds[kind]
            filters = [kq.filter_by, *clauses.values()]
            page = 1
            while len(hits) < min(want, mains[kind]["found"]):
                page += 1
                more = _result_hits(
                    self._multi([self._main(kq, filters, sort, page, TS_PAGE, group)])[0]
                )
                if not more:
                    break
                hits.extend(more)
            lists.append(hits[:want])
        merged = list(heapq.merge(*lists, key=lambda h: _merge_key(h, sort)))
        return merged[first:want]

    def _stream(
        self, kq: KindQuery, filters: list[str], sort: str, snippets: bool, group: bool = False
    ):
        page = 1
        while True:
            params = self._main(kq, filters, sort, page, TS_PAGE, group)
            if not snippets:
                params["exclude_fields"] = INDEX_ONLY + ",body,subtitle"
            hits = _result_hits(self._multi([params])[0])
            yield from hits
            if len(hits) < TS_PAGE:
                return
            page += 1

    def _hits(self, parsed: ParsedQuery | None, found: list[dict], snippets: bool) -> list[Hit]:
        terms = None
        if snippets:
            terms = terms_for_snippets(positive_terms(parsed.query, None) if parsed else {})
        hits = []
        for item in found:
            doc = item["document"]
            text = ""
            if terms is not None:  # snippets
                text = snippet(doc.get("body") or doc.get("subtitle", ""), terms)
            hits.append(
                stored_hit(
                    doc,
                    snippet=text,
                    score=float(item.get("text_match") or 0),
                    cluster=doc.get("cluster") or doc["id"],
                )
            )
        return hits

    def _add_stories(self, hits: list[Hit], others: bool) -> None:
        """Each hit's ``versions`` and, with ``others``, its story's other versions
        (oldest first): one search over the hits' clusters, its facet counting the
        versions of each."""
        clusters = list(dict.fromkeys(hit.cluster for hit in hits if hit.cluster))
        if not clusters:
            return
        search = {
            "q": "*",
            "query_by": "title_terms",
            "filter_by": f"cluster:={_values(clusters)}",
            "facet_by": "cluster",
            "max_facet_values": len(clusters),
            "sort_by": "oldest:asc,seq:desc",
            "per_page": TS_PAGE if others else 0,
            "include_fields": "id,title,published,site,url,tags,places,cluster",
        }
        result = self._multi([search])[0]
        sizes = _facet_map(result).get("cluster", {})
        members: dict[str, list[dict]] = {}
        for item in result.get("hits", []):
            doc = item["document"]
            members.setdefault(doc.get("cluster", ""), []).append(doc)
        for hit in hits:
            hit.versions = sizes.get(hit.cluster, 1)
            if others and hit.versions > 1:
                hit.others = [
                    version_hit(doc, hit)
                    for doc in members.get(hit.cluster, [])
                    if doc["id"] != hit.id
                ][:MAX_OTHER_VERSIONS]

    def _memory_bytes(self) -> int:
        """The memory Typesense holds (its index is in RAM): the node's own figure."""
        try:
            metrics = self.client.metrics.retrieve()
            return int(float(metrics.get("typesense_memory_active_bytes", 0)))
        except (ts_errors.TypesenseClientError, ValueError, TypeError):
            return 0


# -- Helpers ------------------------------------------------------------------------------


def _period_day(value: str) -> int | None:
    """A facet value of ``year``, ``month``, ``week`` or ``day`` as the ``YYYYMMDD`` of
    its period's first day (what :func:`indexer.trends.assemble` groups by)."""
    try:
        if "-W" in value:
            year, week = value.split("-W")
            first = date.fromisocalendar(int(year), int(week), 1)
            return first.year * 10000 + first.month * 100 + first.day
        if len(value) == 4:
            return int(value) * 10000 + 101
        if len(value) == 7:
            return int(value[:4]) * 10000 + int(value[5:7]) * 100 + 1
        return int(value)
    except ValueError:
        return None


def _sort_by(sort: str, kq: KindQuery) -> str:
    if sort == "oldest":
        return "oldest:asc,seq:desc"
    if sort == "relevance" and kq.ranked:
        return "_text_match:desc,seq:asc"
    # Relevance without words to rank by (only filters, OR groups): newest first.
    return "newest:desc,seq:desc"


def _result_hits(result: dict) -> list[dict]:
    """A search's hits; of a grouped search, each group's first (best-ranked) hit."""
    if "grouped_hits" in result:
        return [group["hits"][0] for group in result["grouped_hits"] if group["hits"]]
    return list(result.get("hits", []))


def _merge_key(hit: dict, sort: str):
    doc = hit["document"]
    if sort == "oldest":
        return (doc["oldest"], -doc["seq"])
    if sort == "relevance":
        return (-(hit.get("text_match") or 0), -doc["newest"], doc["seq"])
    return (-doc["newest"], -doc["seq"])


def _join(clauses: Sequence[str | None]) -> str:
    return " && ".join(c for c in clauses if c)


def _value(text: str) -> str:
    return "`" + text.replace("`", "") + "`"


def _values(values: list[str]) -> str:
    return "[" + ",".join(_value(v) for v in values) + "]"


def _date_value(value: str) -> str | None:
    """``2016`` or ``2016-03`` as given (checked), else None."""
    parts = value.strip().split("-")
    if len(parts) == 1 and parts[0].isdigit() and len(parts[0]) == 4:
        return parts[0]
    if len(parts) == 2 and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
        if 1 <= int(parts[1]) <= 12:
            return f"{parts[0]}-{int(parts[1]):02d}"
    return None


def _facet_filters(filters: Filters) -> dict[str, str]:
    """One ``filter_by`` clause per filtered facet (``lang`` too), as the Whoosh
    backend's masks: OR within a facet, drill-down parents replaced by their children."""
    out: dict[str, str] = {}
    date_parts = []
    if filters.dates:
        chosen = [_date_value(v) for v in drill_down(filters.dates, "-")]
        years = [v for v in chosen if v and len(v) == 4]
        months = [v for v in chosen if v and len(v) == 7]
        either = []
        if years:
            either.append(f"year:={_values(years)}")
        if months:
            either.append(f"month:={_values(months)}")
        date_parts.append("(" + " || ".join(either) + ")" if either else _NOTHING)
    if filters.date_from or filters.date_to:
        start = _day(filters.date_from) if filters.date_from else 1
        end = _day(filters.date_to) if filters.date_to else 99991231
        date_parts.append(f"day:>={start} && day:<={end}")
    if date_parts:
        out["date"] = " && ".join(date_parts)
    for name, values, fieldname, separator in (
        ("tag", filters.tags, "tag_key", None),
        ("place", filters.places, "place_key", "/"),
        ("site", filters.sites, "site_key", None),
        ("lang", filters.languages, "lang", None),
    ):
        if not values:
            continue
        if separator:
            values = drill_down(values, separator)
        keys = [facet_key(v) for v in values if facet_key(v)]
        out[name] = f"{fieldname}:={_values(keys)}" if keys else _NOTHING
    return out


def _day(value: date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def _facet_map(result: dict) -> dict[str, dict[str, int]]:
    """``{field: {value: count}}`` from one search's facet counts."""
    return {
        fc["field_name"]: {c["value"]: c["count"] for c in fc["counts"]}
        for fc in result.get("facet_counts", [])
    }


def _labels(label_counts: dict[str, int]) -> dict[str, str]:
    """The display form of each key: its most frequent spelling."""
    best: dict[str, tuple[int, str]] = {}
    for label, count in label_counts.items():
        k = facet_key(label)
        if k not in best or count > best[k][0]:
            best[k] = (count, label)
    return {k: label for k, (_n, label) in best.items()}


def _fields(name: str, filters: Filters) -> tuple[str, ...]:
    """The fields that count facet ``name``, no more than it shows, as every value
    returned costs Typesense time: months only inside a selected year, the places
    inside countries only inside a selected one."""
    if name == "date" and not any(_date_value(v) for v in filters.dates):
        return ("year",)
    if name == "place":
        return ("place_key",) if any(facet_key(v) for v in filters.places) else ("place_country",)
    return FACET_FIELDS[name]


def _facet_params(names: list[str], filters: Filters, values: int) -> dict:
    """What a search adds to count the facets ``names`` (nothing for none), asking for
    the top ``values`` of each field."""
    fields = [f for name in names for f in _fields(name, filters)]
    if not fields:
        return {}
    return {"facet_by": ",".join(fields), "max_facet_values": values}


def _add_counts(results: list[dict]) -> dict[str, dict[str, int]]:
    """Each facet field's counts, added up over ``results`` (the kinds never share an
    article, and each field is counted by one search per kind)."""
    counts: dict[str, dict[str, int]] = {}
    for result in results:
        for fieldname, values in _facet_map(result).items():
            target = counts.setdefault(fieldname, {})
            for value, n in values.items():
                target[value] = target.get(value, 0) + n
    return counts


def _assemble_facets(
    counts: dict[str, dict[str, int]],
    known: dict[str, dict[str, int]],
    filters: Filters,
    limit: int,
) -> dict[str, list[FacetValue]]:
    """Order each facet's counts as the Whoosh backend does (see
    :mod:`indexer.whoosh.facets`); ``known``: archive-wide labels of selected values."""

    def labels(fieldname: str) -> dict[str, str]:
        # Selected values absent from the results keep the label they have in the
        # whole archive, as on the Whoosh backend.
        return {**_labels(known.get(fieldname, {})), **_labels(counts.get(fieldname, {}))}

    return {
        "date": _date_facet(counts.get("year", {}), counts.get("month", {}), filters),
        "tag": _flat_facet(counts.get("tag_key", {}), labels("tag_label"), filters.tags, limit),
        "place": _place_facet(counts.get("place_key", {}), labels("place_label"), filters, limit),
        "site": _flat_facet(counts.get("site_key", {}), labels("site_label"), filters.sites, limit),
    }


def _flat_facet(values: dict[str, int], labels: dict[str, str], selected, limit):
    chosen = {facet_key(v) for v in selected}

    def rank(k: str) -> tuple[int, str, str]:
        label = labels.get(k, k)
        return (-values[k], label.casefold(), label)

    order = sorted((k for k, n in values.items() if n), key=rank)[:limit]
    out = [FacetValue(labels.get(k, k), values[k], labels.get(k, k), k in chosen) for k in order]
    for k in chosen - set(order):
        label = labels.get(k, k)
        out.append(FacetValue(label, values.get(k, 0), label, True))
    return out


def _place_facet(values: dict[str, int], labels: dict[str, str], filters: Filters, limit):
    chosen = {facet_key(v) for v in filters.places}
    nonzero = [k for k, n in values.items() if n]

    def ranked(keys: list[str]) -> list[str]:
        return sorted(keys, key=lambda k: (-values[k], labels.get(k, k)))

    def value(k: str, short: bool = False) -> FacetValue:
        label = labels.get(k, k)
        shown = label.rsplit("/", 1)[-1] if short else label
        return FacetValue(label, values.get(k, 0), shown, k in chosen)

    out = [value(k) for k in ranked([k for k in nonzero if "/" not in k])[:limit]]
    for country in sorted({p.split("/", 1)[0] for p in chosen}):
        inside = ranked([k for k in nonzero if k.startswith(country + "/")])
        out.extend(value(k, short=True) for k in inside[:limit])
    shown = {v.value.casefold() for v in out}
    for k in sorted(chosen - shown):
        label = labels.get(k, k)
        out.append(FacetValue(label, values.get(k, 0), label.rsplit("/", 1)[-1], True))
    return out


def _date_facet(years: dict[str, int], months: dict[str, int], filters: Filters):
    selected = {v.strip() for v in filters.dates}
    out = [FacetValue(y, n, y, y in selected) for y, n in sorted(years.items()) if n]
    open_years = {v[:4] for v in selected if _date_value(v) is not None}
    for m, n in sorted(months.items()):
        if n and m[:4] in open_years:
            label = month_label(m[:4], m[5:7])
            out.append(FacetValue(m, n, label, m in selected))
    return out


def _distinctive(title_terms: str, body_terms: str, count: int = 10) -> list[str]:
    """The title's terms, then the body's most frequent longer terms."""
    words = list(dict.fromkeys(w for w in title_terms.split() if len(w) > 2))
    frequency: dict[str, int] = {}
    for w in body_terms.split():
        if len(w) > 3 and not w.isdigit():
            frequency[w] = frequency.get(w, 0) + 1
    for w in sorted(frequency, key=lambda w: -frequency[w]):
        if len(words) >= count:
            break
        if w not in words:
            words.append(w)
    return words[:count]

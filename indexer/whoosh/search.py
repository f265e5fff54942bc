"""The search side: :func:`open_index` returns an :class:`Archive` that answers queries.

One Archive serves a whole process (a WSGI server's threads included). It holds a
*snapshot* of the live index: a Whoosh searcher plus the NumPy facet columns read from
it. Before each request it compares one ``stat`` of the pointer file with the snapshot's;
after a commit or a rebuild swap it opens a new snapshot and lets requests still running
finish on the old one. Whoosh searchers are not documented as thread-safe (and its
readers seek and read shared file objects), so parsing, matching and scoring (which
read postings, see :mod:`indexer.whoosh.postings`) and stored-field reads of one snapshot run
under its lock; filters, facet counts, sorting and snippet building run outside it.

Where the time goes, and what was done about it (100k articles, bench/RESULTS.md):
matching and BM25F scoring are vectorised over whole posting lists; decoded postings
and parsed queries are kept per snapshot (postings, not results: every search still
combines, filters and counts its own matches); facet counts gather the values of just
the matching documents; snippets scan only the words that may match. At 1M articles
(issue 15): a search with few matches works on their document numbers, not on masks
over the whole archive (:class:`_Selection`), so its cost follows its hits.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
from whoosh import query as wq

from archive import Article
from archive.article import nfc
from indexer.analysis import english_term, fold, is_english
from indexer.api import (
    MAX_OTHER_VERSIONS,
    MAX_PAGE_SIZE,
    TOP_WORDS_SAMPLE,
    FacetValue,
    Hit,
    IndexStats,
    Relaxed,
    SearchQuery,
    SearchResult,
    TopWordsResult,
    TrendQuery,
    TrendResult,
)
from indexer.documents import stored_hit, to_article, version_hit
from indexer.errors import IndexMissing, IndexOutdated, QueryError
from indexer.query import ParsedQuery, make_parser, parse, positive_terms
from indexer.snippets import snippet, terms_for_snippets
from indexer.termcounts import TermCounts
from indexer.whoosh.facets import (
    FacetData,
    build_facet_data,
    combine,
    facet_counts,
    filter_masks,
    inside_masks,
)
from indexer.whoosh.layout import Layout
from indexer.whoosh.postings import (
    ScoringIndex,
    Unsupported,
    evaluate,
    idf,
    match_present,
    phrase_as_term,
)
from indexer.whoosh.schema import SCHEMA_VERSION
from indexer.whoosh.spelling import WordCorrector, read_words
from indexer.whoosh.storage import open_mapped_index
from indexer.whoosh.topwords import background_counts
from indexer.whoosh.topwords import top_words as significant_words
from indexer.whoosh.trends import trends as count_trends

#: Below this many hits a spelling suggestion is looked for.
SUGGEST_BELOW = 3
#: Fewer articles than this with every word of a plain query: the articles with all
#: but one of them continue the list (:func:`_continue`). A page's worth, so that a
#: remembered word that is wrong does not leave the page to the article that happens
#: to have it; a fixed number, so totals do not depend on the page size.
CONTINUE_BELOW = 10
#: Queries of at least this many words are continued (two words: one of two is too
#: little to go on).
CONTINUE_MIN_WORDS = 3
#: A continuing article's score is its words' BM25F score, without the proximity bonus,
#: times the share of the query's weight (its words' idf) that the article has, to this
#: power: a coordination factor (classic Lucene's ``coord``, weighted by idf). Lacking
#: one of five equally rare words costs 0.8 ** 4 = 0.41 of the score, so four
#: remembered title words can still outrank five scattered through a body; lacking the
#: word that carries half the query's weight (``vietnam`` in ``vietnam economy
#: growth``) costs 0.5 ** 4 = 0.06, so articles without it stay below those with every
#: word. Chosen on the tuning queries of ``python -m bench.relevance`` and a set of
#: topical queries (bench/RESULTS.md).
CONTINUE_SHARE_POWER = 4.0
#: Facet values returned per facet (selected values are always included).
FACET_LIMIT = 50
#: Parsed queries kept per snapshot.
PARSE_CACHE_SIZE = 1000
#: Stored documents fetched per lock acquisition when streaming all hits.
_BATCH = 200
#: A text query matching at most 1/this of the archive's documents is a sparse
#: selection (:class:`_Selection`): its steps follow the hits, not the archive. At 1M
#: articles the sparse form was as fast or faster up to a quarter of the archive
#: (a phrase with 100k articles: 38 -> 33 ms; 1/16 was tried first).
SPARSE_FRACTION = 4
#: The proximity bonus is looked for in this many of a query's best-scored matches
#: (:func:`_window`): 20 pages of 10. On the tuning half of ``python -m bench.relevance``
#: windows of 200 and 500 rank as the whole list does; at 1M articles 500 took 131-144
#: ms at the median of ``python -m bench.cold`` against 92-106 (bench/RESULTS.md).
PROXIMITY_WINDOW = 200


class _Snapshot:
    """One open generation and commit of the index, with its facet columns."""

    def __init__(self, layout: Layout, signature):
        pointer = layout.read_pointer()
        if pointer is None:
            raise IndexMissing(f"no index in {layout.root}: build one with `archive index PATH...`")
        if pointer.schema != SCHEMA_VERSION:
            raise IndexOutdated(layout.root, pointer.schema, SCHEMA_VERSION)
        self.signature = signature
        self.generation = pointer.generation
        self.lock = threading.RLock()
        # Mapped, not copied: see indexer.whoosh.storage (9.6 GB per process at 1M).
        self.ix = open_mapped_index(layout.generation_dir(pointer.generation))
        self.searcher = self.ix.searcher()
        self.reader = self.searcher.reader()
        self.parser = make_parser(self.ix.schema)
        self.facets: FacetData = build_facet_data(
            self.reader, layout.generation_dir(pointer.generation)
        )
        self.scoring = ScoringIndex(self.searcher, self.facets.alive)
        #: Parsed queries by text: Whoosh's parser costs 1-3 ms a query, and a parse
        #: depends only on the text and this snapshot's lexicon (wildcard bounds).
        self.parsed: dict[str, ParsedQuery] = {}
        self.parse_cache_size = PARSE_CACHE_SIZE
        self.directory = layout.generation_dir(pointer.generation)
        self._corrector: WordCorrector | None = None
        self._background: TermCounts | None = None

    @property
    def background(self) -> TermCounts:
        """Articles per body term, for top words: read on first use (call under
        ``lock``; see :mod:`indexer.whoosh.topwords`)."""
        if self._background is None:
            self._background = background_counts(self.reader)
        return self._background

    @property
    def corrector(self) -> WordCorrector:
        """The spelling word list, read on first use (most searches never need it)."""
        if self._corrector is None:
            self._corrector = WordCorrector(read_words(self.directory))
        return self._corrector

    def parse(self, text: str) -> ParsedQuery:
        """``text`` parsed and checked (call under ``lock``); raises QueryError."""
        parsed = self.parsed.get(text)
        if parsed is None:
            parsed = parse(self.parser, text, self.reader)
            if len(self.parsed) >= self.parse_cache_size:
                self.parsed.clear()
            if self.parse_cache_size:
                self.parsed[text] = parsed
        return parsed

    def close(self) -> None:
        with self.lock:
            self.searcher.close()
            self.ix.close()


class Archive:
    """A searchable index; see the module docstring for how it stays current."""

    def __init__(self, index_dir: str | os.PathLike):
        self.layout = Layout(index_dir)
        self.index_dir = str(index_dir)
        self._open_lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._retired: list[_Snapshot] = []
        self._current()

    # -- Keeping current ---------------------------------------------------------------

    def _current(self) -> _Snapshot:
        signature = self.layout.pointer_signature()
        snapshot = self._snapshot
        if snapshot is not None and (signature is None or signature == snapshot.signature):
            # No pointer at all (the directory was removed): keep answering from what
            # is open rather than failing every request.
            return snapshot
        with self._open_lock:
            snapshot = self._snapshot
            if snapshot is not None and snapshot.signature == signature:
                return snapshot
            if signature is None:
                raise IndexMissing(
                    f"no index in {self.layout.root}: build one with `archive index PATH...`"
                )
            fresh = _Snapshot(self.layout, signature)
            if snapshot is not None:
                # Requests still running on the old snapshot finish on it; the one before
                # it has had a whole refresh interval to finish.
                while len(self._retired) >= 2:
                    self._retired.pop(0).close()
                self._retired.append(snapshot)
            self._snapshot = fresh
            return fresh

    def close(self) -> None:
        with self._open_lock:
            for snapshot in [*self._retired, self._snapshot]:
                if snapshot is not None:
                    snapshot.close()
            self._retired.clear()
            self._snapshot = None

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- Searching ---------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        """One page of hits, the facet counts and a suggestion; raises QueryError."""
        snap = self._current()
        page, page_size = query.paging()
        sort = query.effective_sort()
        chosen = self._select(snap, query, scored=sort == "relevance", continued=True)
        parsed = chosen.parsed
        total = chosen.total()
        facets = {}
        if query.facets:
            facets = self._facets(snap, query, chosen)
        first = (page - 1) * page_size
        collapse = query.collapsed()
        stories = _count_stories(snap, chosen)
        docnums, scores = self._story_page(
            snap, chosen, sort, first, page_size, collapse=collapse, stories=stories
        )
        hits = self._hits(snap, parsed, docnums, scores, query.snippets)
        _add_stories(snap, docnums, hits, others=collapse)
        _mark_missing(chosen, docnums, hits)
        suggestion = None
        # A continued list has articles with every word: nothing to correct there.
        laddered = chosen.relaxed is not None and not chosen.relaxed.strict
        if parsed is not None and (total < SUGGEST_BELOW or laddered):
            suggestion = self._suggest(snap, parsed, query, total, chosen.relaxed)
        return SearchResult(
            query=query,
            total=total,
            hits=hits,
            facets=facets,
            suggestion=suggestion,
            interpreted_as=parsed.interpreted_as if parsed else None,
            relaxed=chosen.relaxed,
            stories=stories,
        )

    def iter_hits(self, query: SearchQuery) -> Iterator[Hit]:
        """Every hit in the query's sort order, streamed in batches; no paging cap."""
        snap = self._current()
        sort = query.effective_sort()
        chosen = self._select(snap, query, scored=sort == "relevance", continued=True)
        total = chosen.total()
        docnums, scores = self._story_page(
            snap,
            chosen,
            sort,
            0,
            total,
            collapse=query.collapsed(),
            stories=_count_stories(snap, chosen),
        )
        for start in range(0, len(docnums), _BATCH):
            batch = docnums[start : start + _BATCH]
            hits = self._hits(
                snap, chosen.parsed, batch, scores[start : start + _BATCH], query.snippets
            )
            _add_stories(snap, batch, hits, others=False)
            yield from _mark_missing(chosen, batch, hits)

    def get(self, article_id: str) -> Article | None:
        snap = self._current()
        with snap.lock:
            docnum = snap.searcher.document_number(id=article_id)
            if docnum is None:
                return None
            return to_article(snap.searcher.stored_fields(docnum)["doc"])

    def more_like_this(self, article_id: str, limit: int = 5) -> list[Hit]:
        """Articles sharing the most distinctive words of this one."""
        snap = self._current()
        limit = max(1, min(int(limit), MAX_PAGE_SIZE))
        with snap.lock:
            docnum = snap.searcher.document_number(id=article_id)
            if docnum is None:
                return []
            stored = snap.searcher.stored_fields(docnum)["doc"]
            fieldname = "body" if is_english(stored.get("language", "")) else "body_plain"
            text = "\n\n".join(p for p in (stored["title"], stored["body"]) if p)
            results = snap.searcher.more_like(docnum, fieldname, text=text, top=limit)
            docnums = [hit.docnum for hit in results]
            scores = [hit.score or 0.0 for hit in results]
        return self._hits(snap, None, docnums, scores, snippets=True)

    def stats(self) -> IndexStats:
        snap = self._current()
        data = snap.facets
        alive = data.alive
        days = data.day[alive & (data.day > 0)]
        top = 10
        tag_counts = data.tag.counts(alive)
        place_counts = data.place.counts(alive)
        site_counts = data.site.counts(alive)
        lang_counts = data.lang.counts(alive)
        return IndexStats(
            articles=int(np.count_nonzero(alive)),
            date_min=_day_to_date(int(days.min())) if days.size else None,
            date_max=_day_to_date(int(days.max())) if days.size else None,
            tags=_top(data.tag, tag_counts, top),
            places=_top(data.place, place_counts, top),
            sites=_top(data.site, site_counts, top),
            languages=_top(data.lang, lang_counts, top),
            location=self.index_dir,
            disk_bytes=self.layout.size_bytes(snap.generation),
            generation=snap.generation,
        )

    def trends(self, query: TrendQuery) -> TrendResult:
        """Articles per period for each query (see :mod:`indexer.whoosh.trends`)."""
        snap = self._current()
        return count_trends(
            snap.facets, lambda q: self._select(snap, q, scored=False).selected_mask(), query
        )

    def top_words(self, query: SearchQuery, limit: int = 20) -> TopWordsResult:
        """The words over-represented in the hits (see :mod:`indexer.topwords`), from
        the best-ranked :data:`TOP_WORDS_SAMPLE` hits when there are more."""
        snap = self._current()
        sort = query.effective_sort()
        chosen = self._select(snap, query, scored=sort == "relevance")
        total = chosen.total()
        docnums, _scores = self._page(snap, chosen, sort, 0, TOP_WORDS_SAMPLE)
        articles = int(np.count_nonzero(snap.facets.alive))
        with snap.lock:
            stored = [snap.searcher.stored_fields(d)["doc"] for d in docnums]
            background = snap.background
        return significant_words(background, stored, total, articles, query, limit)

    # -- The steps of a search ---------------------------------------------------------

    def _select(
        self, snap: _Snapshot, query: SearchQuery, scored: bool, continued: bool = False
    ) -> _Selection:
        """Parse, match (scoring when the order is by relevance) and filter; with
        ``continued``, a short list continues with the next rung (:func:`_continue`)."""
        text = nfc(query.text).strip()
        data = snap.facets
        masks = filter_masks(data, query.filters)
        if text:
            with snap.lock:
                parsed = snap.parse(text)
                matched = _match(snap, parsed, data.size, scored)
            matches, scores, relaxed, ids, id_scores = matched
            if matches is None:
                chosen = _Selection(
                    parsed, masks, match_ids=ids, match_scores=id_scores, size=data.size
                )
            else:
                chosen = _Selection(
                    parsed, masks, matches, combine(matches, masks), scores, relaxed, size=data.size
                )
        else:
            parsed = None
            chosen = _Selection(None, masks, data.alive, combine(data.alive, masks), size=data.size)
        if continued and parsed is not None and chosen.relaxed is None:
            _continue(snap, chosen, scored)
        return chosen

    def _facets(self, snap, query: SearchQuery, chosen: _Selection) -> dict:
        limit = max(1, int(query.facet_limit or FACET_LIMIT))
        if chosen.match_ids is not None:
            return facet_counts(
                snap.facets, None, chosen.masks, query.filters, limit, match_ids=chosen.match_ids
            )
        if chosen.parsed is None and query.filters.is_empty():
            # The browse view: the same for every visitor until the index changes.
            cached = snap.facets.cache.get(("browse", limit))
            if cached is None:
                cached = facet_counts(
                    snap.facets, chosen.matches, chosen.masks, query.filters, limit
                )
                snap.facets.cache[("browse", limit)] = cached
            return {name: [_copy_value(v) for v in values] for name, values in cached.items()}
        assert chosen.selected is not None
        return facet_counts(
            snap.facets,
            chosen.matches,
            chosen.masks,
            query.filters,
            limit,
            selected=(chosen.selected, chosen.selected_ids()),
        )

    def _page(self, snap, chosen: _Selection, sort: str, first: int, count: int):
        """Document numbers and scores of hits ``first .. first+count`` in sort order.

        Relevance: by score, ties by document number (Whoosh's own order); newest and
        oldest: by date and time, undated last, ties newest-indexed first.
        """
        docnums = chosen.selected_ids()
        if count <= 0 or docnums.size == 0 or first >= docnums.size:
            return [], []
        want = min(first + count, docnums.size)
        if chosen.scored:
            keys = chosen.selected_scores().astype(np.float64)
            tiebreak = docnums  # lower first
        else:
            keys = snap.facets.sortkey[docnums].astype(np.float64)
            if sort == "oldest":
                keys = np.where(keys > 0, -keys, -np.inf)
            else:
                keys = np.where(keys > 0, keys, -np.inf)
            tiebreak = -docnums  # later-indexed first
        if want < docnums.size:
            # Every article whose key reaches the page's last key, ties included: an
            # argpartition alone would cut a run of equal keys arbitrarily, and page 2
            # would then not be the next slice of the full ordering.
            boundary = np.partition(-keys, want - 1)[want - 1]
            part = np.flatnonzero(-keys <= boundary)
        else:
            part = np.arange(docnums.size)
        order = part[np.lexsort((tiebreak[part], -keys[part]))][first:want]
        scores = keys[order].tolist() if chosen.scored else None
        return docnums[order].tolist(), scores or [0.0] * len(order)

    def _story_page(
        self,
        snap,
        chosen: _Selection,
        sort: str,
        first: int,
        count: int,
        *,
        collapse: bool,
        stories: int,
    ):
        """:meth:`_page`, and when ``collapse``: of the best-ranked hit of each story.

        When no two selected articles share a story (``stories``, as
        :func:`_count_stories` counts them, equals the selection) this is :meth:`_page`
        itself.
        Otherwise the ranking is read in growing prefixes until it holds enough stories:
        the first hit of a story in a prefix is its first hit in the whole ranking (the
        order is total), and versions are few, so a page rarely needs more than a
        prefix twice its length, not the whole selection ranked (87 ms at 100k hits).
        """
        total = chosen.total()
        if not collapse or stories == total:
            return self._page(snap, chosen, sort, first, count)
        want = first + count
        prefix = min(total, 2 * want + 64)
        while True:
            ranked, scores = self._page(snap, chosen, sort, 0, prefix)
            order = np.asarray(ranked, dtype=np.int64)
            _unique, firsts = np.unique(_story_codes(snap, order), return_index=True)
            if firsts.size >= want or prefix >= total:
                keep = np.sort(firsts)[first:want]
                return order[keep].tolist(), [scores[i] for i in keep.tolist()]
            prefix = min(total, prefix * 4)

    def _hits(self, snap, parsed, docnums, scores, snippets: bool) -> list[Hit]:
        with snap.lock:
            stored = [snap.searcher.stored_fields(d)["doc"] for d in docnums]
            terms = None
            if snippets and parsed is not None:
                terms = terms_for_snippets(positive_terms(parsed.query, snap.reader))
        hits = []
        for doc, score in zip(stored, scores, strict=True):
            text = ""
            if snippets:
                text = snippet(doc["body"] or doc.get("subtitle", ""), terms or _NO_TERMS)
            hits.append(stored_hit(doc, snippet=text, score=float(score)))
        return hits

    def _suggest(
        self,
        snap,
        parsed: ParsedQuery,
        query: SearchQuery,
        total: int,
        relaxed: Relaxed | None = None,
    ) -> str | None:
        """The query with unknown words replaced by the closest indexed words, when that
        finds more articles (after a relaxed match: when it finds any article with every
        word)."""
        text = parsed.text
        replaced = text
        changed = False
        with snap.lock:
            for start, end in reversed(parsed.words):
                word = fold(text[start:end])
                if word in snap.corrector or _known(snap.reader, word):
                    continue
                maxdist = 1 if len(word) <= 4 else 2
                found = snap.corrector.suggest(word, maxdist=maxdist, prefix=1)
                if found:
                    replaced = replaced[:start] + found + replaced[end:]
                    changed = True
        if not changed:
            return None
        try:
            better = self._select(
                snap, SearchQuery(text=replaced, filters=query.filters), scored=False
            )
        except QueryError:
            return None
        found = better.total()
        if relaxed is not None:
            # Better when it finds articles with more of the words.
            more = better.relaxed.matched if better.relaxed else len(parsed.groups)
            return replaced if found and more > relaxed.matched else None
        return replaced if better.relaxed is None and found > total else None


_NO_TERMS = terms_for_snippets({})


def _story_codes(snap: _Snapshot, docnums: np.ndarray) -> np.ndarray:
    """The cluster code of each document; a document without one (-1) is a story of
    its own, given a negative code of its own."""
    column = snap.facets.cluster
    if column is None:
        return -1 - docnums
    codes = column.codes[docnums].astype(np.int64)
    return np.where(codes >= 0, codes, -1 - docnums)


def _count_stories(snap: _Snapshot, chosen: _Selection) -> int:
    """How many stories the selected articles make: each article without a shared
    cluster is one, plus the shared clusters that have a selected article (counted with
    one pass over the selection, not a sort of it; a sort of the few when they are
    much fewer than the clusters)."""
    column = snap.facets.cluster
    ids = chosen.selected_ids()
    if column is None:
        return int(ids.size)
    codes = column.codes[ids]
    shared = codes[codes >= 0]
    if shared.size * 16 < len(column.keys):
        return int(codes.size - shared.size + np.unique(shared).size)
    present = np.bincount(shared, minlength=len(column.keys)) if shared.size else shared
    return int(codes.size - shared.size + np.count_nonzero(present))


def _add_stories(snap: _Snapshot, docnums: list[int], hits: list[Hit], others: bool) -> None:
    """Each hit's cluster and versions and, with ``others``, its other versions."""
    data = snap.facets
    column = data.cluster
    if column is None:
        return
    for docnum, hit in zip(docnums, hits, strict=True):
        code = int(column.codes[docnum])
        if code < 0:  # a unique article: its own story
            hit.cluster = hit.id
            continue
        hit.cluster = column.keys[code]
        hit.versions = int(data.cluster_sizes[code])
        if others and hit.versions > 1:
            members = data.cluster_members(code)
            members = members[members != docnum]
            members = members[np.lexsort((members, data.sortkey[members]))]
            members = members[:MAX_OTHER_VERSIONS].tolist()
            with snap.lock:
                stored = [snap.searcher.stored_fields(d)["doc"] for d in members]
            hit.others = [version_hit(doc, hit) for doc in stored]


@dataclass
class _Selection:
    """What a query selects: matches before filters, after them, and the scores.

    In one of two forms. Dense: ``matches`` and ``selected`` are masks over every
    document and ``scores`` a document-sized array. Sparse (a text query matching at
    most 1/:data:`SPARSE_FRACTION` of the archive): ``match_ids`` are the sorted live
    matches and ``match_scores`` their scores; filters, totals, facet counts, stories
    and the page then look up just those documents, and the masks are made only when
    asked for (:meth:`dense`). Why: at a million articles each pass over a
    document-sized array costs about a millisecond, and a search made a dozen of them
    however few its hits (a word with 300 articles took 6.6 ms; bench/RESULTS.md).
    """

    parsed: ParsedQuery | None
    masks: dict
    matches: np.ndarray | None = None
    selected: np.ndarray | None = None
    #: Relevance score per document (0 where it does not match), when scored.
    scores: np.ndarray | None = None
    #: How the query was relaxed when no article has all its words, else None.
    relaxed: Relaxed | None = None
    #: Which query word (its index in ``parsed.groups``) each article continuing a
    #: short list lacks, -1 for the others; None when the list was not continued.
    missing: np.ndarray | None = None
    #: The sparse form: sorted live matches (filters not applied) and, when scored,
    #: the score of each.
    match_ids: np.ndarray | None = None
    match_scores: np.ndarray | None = None
    #: The selected document numbers, ascending, once asked for; in the sparse form,
    #: which of ``match_ids`` they are (None: all).
    ids: np.ndarray | None = None
    keep: np.ndarray | None = None
    #: Documents in the archive (the masks' size).
    size: int = 0

    @property
    def scored(self) -> bool:
        if self.match_ids is not None:
            return self.match_scores is not None
        return self.scores is not None

    def selected_ids(self) -> np.ndarray:
        """The selected documents (filters applied), ascending."""
        if self.ids is None:
            if self.match_ids is not None:
                self.keep = inside_masks(self.match_ids, self.masks)
                self.ids = self.match_ids if self.keep is None else self.match_ids[self.keep]
            else:
                assert self.selected is not None
                self.ids = np.flatnonzero(self.selected)
        return self.ids

    def selected_scores(self) -> np.ndarray:
        """The score of each of :meth:`selected_ids` (when scored)."""
        ids = self.selected_ids()
        if self.match_ids is not None:
            assert self.match_scores is not None
            return self.match_scores if self.keep is None else self.match_scores[self.keep]
        assert self.scores is not None
        return self.scores[ids]

    def total(self) -> int:
        return int(self.selected_ids().size)

    def selected_mask(self) -> np.ndarray:
        """The selection as a mask over every document."""
        selected = self.dense().selected
        assert selected is not None
        return selected

    def dense(self) -> _Selection:
        """This selection in the dense form (in place), for the steps that need masks."""
        ids = self.match_ids
        if ids is None:
            return self
        self.matches = np.zeros(self.size, dtype=bool)
        self.matches[ids] = True
        if self.match_scores is not None:
            self.scores = np.zeros(self.size, dtype=np.float64)
            self.scores[ids] = self.match_scores
        self.selected = combine(self.matches, self.masks)
        self.match_ids = self.match_scores = None
        return self


def _match(snap: _Snapshot, parsed: ParsedQuery, size: int, scored: bool):
    """Every live document the query matches, as a mask, (when ``scored``) the
    relevance score of each, in one pass over the postings, and how the query was
    relaxed (None when it was not); then None for the sparse form. When the matches are
    few (:data:`SPARSE_FRACTION`), the sparse form instead: ``(None, None, None, ids,
    scores)``, the sorted live matches and their scores.

    A query of plain words that no live article matches is relaxed (:func:`_relax`);
    its articles with neighbouring query words side by side gain the proximity
    phrases' score (:func:`_add_proximity`).

    The postings are read as arrays and scored with NumPy (:mod:`indexer.whoosh.postings`,
    Whoosh's BM25F to rounding); a query node it does not know falls back to Whoosh's
    own matcher. Scoring every match here (facets need them all anyway) and choosing
    the page with NumPy avoids a second pass.
    """
    try:
        found = evaluate(parsed.query, snap.scoring, scored)
    except Unsupported:
        return (*_whoosh_match(snap, parsed, size, scored), None, None, None)
    live = snap.facets.alive[found.ids]
    ids = found.ids[live].astype(np.int64)
    few = ids.size * SPARSE_FRACTION <= size
    if few and (ids.size or len(parsed.groups) <= 1):
        id_scores = found.scores[live] if scored and found.scores is not None else None
        if id_scores is not None and parsed.proximity is not None and ids.size:
            docs, bonus = _proximity_bonus(snap, parsed, _window(ids, id_scores))
            id_scores[np.searchsorted(ids, docs)] += bonus
        return None, None, None, ids, id_scores
    mask = np.zeros(size, dtype=bool)
    mask[found.ids] = True
    mask &= snap.facets.alive
    scores = None
    if scored:
        scores = np.zeros(size, dtype=np.float64)
        scores[found.ids] = found.scores
    relaxed = None
    if len(parsed.groups) > 1 and not mask.any():
        mask, scores, relaxed = _relax(snap, parsed, size, scored)
    if scored and parsed.proximity is not None and mask.any():
        _add_proximity(snap, parsed, mask, scores)
    return mask, scores, relaxed, None, None


def _word_counts(
    snap: _Snapshot, parsed: ParsedQuery, size: int, scored: bool, which=None, documents=None
):
    """How many of the query's words each live article has, the sum of their scores
    (when ``scored``) and the words no article has; None for a query node the NumPy
    scorer does not know. ``which``, when given, gains each word's index where an
    article has it (the sum tells an article with all but one word which it lacks);
    ``documents``, when given, gains each word's number of live articles."""
    alive = snap.facets.alive
    counts = np.zeros(size, dtype=np.int16)
    scores = np.zeros(size, dtype=np.float64) if scored else None
    absent = []
    for index, (word, group) in enumerate(parsed.groups):
        try:
            found = evaluate(group, snap.scoring, scored)
        except Unsupported:
            return None
        ids = found.ids[alive[found.ids]]
        if documents is not None:
            documents.append(ids.size)
        if ids.size == 0:
            absent.append(word)
            continue
        counts[ids] += 1
        if which is not None:
            which[ids] += index
        if scores is not None and found.scores is not None:
            scores[ids] += found.scores[alive[found.ids]]
    return counts, scores, absent


def _relax(snap: _Snapshot, parsed: ParsedQuery, size: int, scored: bool):
    """The minimum-should-match ladder: the live articles having the most of the
    query's words (n-1 of n, else n-2, ...), each scored by the words it has.

    Taking the largest count any article reaches is the ladder in one step: it is
    the first rung with articles on it. No word in any article: nothing matches.
    """
    quick = _relax_past_absent_words(snap, parsed, size, scored)
    if quick is not None:
        return quick
    counted = _word_counts(snap, parsed, size, scored)
    if counted is None:
        return np.zeros(size, dtype=bool), np.zeros(size) if scored else None, None
    counts, scores, absent = counted
    best = int(counts.max()) if size else 0
    mask = counts == best if best else np.zeros(size, dtype=bool)
    if scores is not None:
        scores[~mask] = 0.0
    if not best:
        return mask, scores, None
    return mask, scores, Relaxed(words=len(parsed.groups), matched=best, absent=absent)


def _relax_past_absent_words(snap: _Snapshot, parsed: ParsedQuery, size: int, scored: bool):
    """:func:`_relax`'s answer when some of the words are in no article and some live
    article has all the others (they are then the top rung); None otherwise. The same
    answer, without counting every word's articles over the archive (:func:`~indexer.
    whoosh.postings.match_present`: ``hurricane said zzqxvw`` at 1M)."""
    try:
        found = match_present([group for _word, group in parsed.groups], snap.scoring, scored)
    except Unsupported:
        return None
    if found is None:
        return None
    match, absent = found
    live = snap.facets.alive[match.ids]
    ids = match.ids[live]
    if ids.size == 0:  # no live article has all the others: the counting finds the rung
        return None
    mask = np.zeros(size, dtype=bool)
    mask[ids] = True
    scores = None
    if scored and match.scores is not None:
        scores = np.zeros(size, dtype=np.float64)
        scores[ids] = match.scores[live]
    words = [parsed.groups[position][0] for position in absent]
    relaxed = Relaxed(
        words=len(parsed.groups), matched=len(parsed.groups) - len(absent), absent=words
    )
    return mask, scores, relaxed


def _continue(snap: _Snapshot, chosen: _Selection, scored: bool) -> None:
    """Continue a short list: fewer than :data:`CONTINUE_BELOW` articles (filters
    applied) have every word of a plain query of :data:`CONTINUE_MIN_WORDS` or more
    words, so the articles with all but one of them join, scored by their words times
    the share of the query's idf they have to the power :data:`CONTINUE_SHARE_POWER`,
    and marked with the word they lack.

    Why: a remembered word may be wrong, and another article may happen to have it;
    requiring every word would then hide the article looked for. ``chosen`` is updated
    in place (matches, selection, scores, ``missing`` and ``relaxed``), so totals and
    facets count what is shown.
    """
    parsed = chosen.parsed
    assert parsed is not None
    words = len(parsed.groups)
    strict = chosen.total()
    if words < CONTINUE_MIN_WORDS or not 0 < strict < CONTINUE_BELOW:
        return
    chosen.dense()
    assert chosen.matches is not None and chosen.selected is not None
    size = chosen.matches.size
    present = np.zeros(size, dtype=np.int32)
    with snap.lock:
        documents: list[int] = []
        counted = _word_counts(snap, parsed, size, scored, present, documents)
    if counted is None:
        return
    counts, scores, _absent = counted
    rung = (counts == words - 1) & ~chosen.matches
    shown = combine(rung, chosen.masks)
    more = int(np.count_nonzero(shown))
    if not more:
        return
    chosen.matches = chosen.matches | rung
    chosen.selected = chosen.selected | shown
    chosen.ids = None
    # The one index missing from 0 + 1 + ... + (words - 1).
    lacking = words * (words - 1) // 2 - present
    if chosen.scores is not None and scores is not None:
        weight = idf(snap.scoring, np.asarray(documents))
        share = 1 - weight[np.clip(lacking, 0, words - 1)] / weight.sum()
        chosen.scores = np.where(rung, scores * share**CONTINUE_SHARE_POWER, chosen.scores)
    missing = np.where(rung, lacking, -1)
    chosen.missing = missing.astype(np.int16)
    chosen.relaxed = Relaxed(words=words, matched=words - 1, strict=strict, continued=more)


def _mark_missing(chosen: _Selection, docnums, hits: list[Hit]) -> list[Hit]:
    """Set :attr:`Hit.missing` on the hits that continue a short list."""
    if chosen.missing is None or chosen.parsed is None:
        return hits
    groups = chosen.parsed.groups
    for docnum, hit in zip(docnums, hits, strict=True):
        lacking = int(chosen.missing[docnum])
        if lacking >= 0:
            hit.missing = [groups[lacking][0]]
    return hits


def _proximity_bonus(
    snap: _Snapshot, parsed: ParsedQuery, within: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The documents of ``within`` (sorted) with a proximity bonus and each one's bonus.

    Each pair of neighbouring query words that stands side by side in a field scores
    as one term there (:func:`~indexer.whoosh.postings.phrase_as_term`: BM25 with the
    pair's own idf, times :data:`~indexer.query.PROXIMITY_BOOST`); the pairs' scores
    add up within a field, and a document gains its best field's sum, not the sum over
    title and body. Why: a name standing together is one piece of evidence wherever
    it stands; the title's weight already counts in its words' scores, and adding the
    bonus once per field let an article with a common name (``white house``) in its
    title outrank the one whose title has the rare word remembered (bench/RESULTS.md).
    Sparse (cost follows the pairs' matches, not the index size: dense arrays cost
    about 3 ms a query at 100k articles).
    """
    proximity = parsed.proximity
    if proximity is None:
        return _NO_BONUS
    phrases = list(proximity.children()) if isinstance(proximity, wq.Or) else [proximity]
    # A field and its unstemmed twin hold different articles: one field.
    fields = sorted({phrase.fieldname.removesuffix("_plain") for phrase in phrases})
    ids, scores, codes = [], [], []
    try:
        for phrase in phrases:
            found = phrase_as_term(phrase, snap.scoring, within)
            if found.ids.size == 0 or found.scores is None:
                continue
            ids.append(found.ids.astype(np.int64))
            scores.append(found.scores)
            code = fields.index(phrase.fieldname.removesuffix("_plain"))
            codes.append(np.full(found.ids.size, code, dtype=np.int64))
    except Unsupported:
        return _NO_BONUS
    if not ids:
        return _NO_BONUS
    # Sum per (document, field), then the best field per document.
    keys, inverse = np.unique(
        np.concatenate(ids) * len(fields) + np.concatenate(codes), return_inverse=True
    )
    sums = np.bincount(inverse, weights=np.concatenate(scores))
    docs, starts = np.unique(keys // len(fields), return_index=True)
    return docs, np.maximum.reduceat(sums, starts)


_NO_BONUS = (np.zeros(0, dtype=np.int64), np.zeros(0))


def _window(ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """The :data:`PROXIMITY_WINDOW` best-scored of the matches ``ids`` (sorted, with
    their ``scores``), sorted; all of them when they are fewer.

    Why a window (Elasticsearch's rescore, Lucene's ``QueryRescorer``): looking for
    the pairs in every match reads the positions of most blocks of a common word (a
    plain three-word query typed for the first time took 0.6 s at 1M articles). The
    order stays one total order: the bonus only raises a score, so every article in
    the window still ranks above those after it, which keep their words' scores.
    """
    if ids.size <= PROXIMITY_WINDOW:
        return ids
    best = np.argpartition(-scores, PROXIMITY_WINDOW - 1)[:PROXIMITY_WINDOW]
    return np.sort(ids[best])


def _add_proximity(snap: _Snapshot, parsed: ParsedQuery, mask: np.ndarray, scores) -> None:
    """Add the proximity bonus to the best-scored matching articles (:func:`_window`)
    that have one."""
    matched = np.flatnonzero(mask)
    docs, bonus = _proximity_bonus(snap, parsed, _window(matched, scores[matched]))
    scores[docs] += bonus


def _whoosh_match(snap: _Snapshot, parsed: ParsedQuery, size: int, scored: bool):
    """:func:`_match` through Whoosh's matchers: one document at a time, in Python."""
    mask = np.zeros(size, dtype=bool)
    scores = np.zeros(size, dtype=np.float64) if scored else None
    for sub, offset in snap.searcher.leaf_searchers():
        if scores is None:  # not scored
            matcher = parsed.query.matcher(sub, sub.boolean_context())
            ids = np.fromiter(matcher.all_ids(), dtype=np.int64)
            if ids.size:
                mask[ids + offset] = True
            continue
        matcher = parsed.query.matcher(sub, sub.context())
        found: list[int] = []
        values: list[float] = []
        while matcher.is_active():
            found.append(matcher.id())
            values.append(matcher.score())
            matcher.next()
        if found:
            ids = np.asarray(found, dtype=np.int64) + offset
            mask[ids] = True
            scores[ids] = values
    mask &= snap.facets.alive
    return mask, scores


def _known(reader, word: str) -> bool:
    """Whether ``word`` (folded) is an indexed word in any title or body field."""
    if not word or word.isdigit():
        return True
    stem = english_term(word)
    candidates = [
        ("spell_body", word),
        ("spell_title", word),
        ("body_plain", word),
        ("title_plain", word),
    ]
    if stem:
        candidates += [("body", stem), ("title", stem)]
    return any((fieldname, text) in reader for fieldname, text in candidates)


def _day_to_date(day: int) -> date:
    return date(day // 10000, day // 100 % 100, day % 100)


def _top(column, counts: np.ndarray, limit: int) -> list[FacetValue]:
    order = sorted(
        np.flatnonzero(counts).tolist(), key=lambda i: (-int(counts[i]), column.labels[i])
    )
    return [
        FacetValue(value=column.labels[i], count=int(counts[i]), label=column.labels[i])
        for i in order[:limit]
    ]


def _copy_value(value: FacetValue) -> FacetValue:
    return FacetValue(value.value, value.count, value.label, value.selected)


def open_index(index_dir: str | os.PathLike) -> Archive:
    """Open the index in ``index_dir``; raises IndexMissing when there is none."""
    return Archive(index_dir)

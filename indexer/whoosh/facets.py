"""Exact facet counts, filters and date order with NumPy, over columns read once per searcher.

Whoosh's ``groupedby`` and ``DateRangeFacet`` cost microseconds per matching article
(the figures are in bench/RESULTS.md, beside the plain Whoosh peer). Instead, when a
searcher opens, the postings of the facet key fields are read once into arrays indexed
by document number:

- multi-valued fields (tags, places with every ancestor) as term-major CSR arrays:
  ``docs`` (document numbers grouped by term), ``offsets`` (where each term's group
  starts) and ``pair_term`` (the term of each entry);
- single-valued fields (site, language) as one code per document (``-1``: none);
- the date as ``YYYYMMDD`` per document (0: undated), and a sort key with the time.

A search then turns its matching document numbers into a boolean mask and counts each
facet with one ``numpy.bincount``; a filter is a boolean mask too. Counting is exact by
construction: every (document, value) pair is counted once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from indexer.api import FacetValue, Filters, drill_down, month_label
from indexer.documents import facet_key
from indexer.whoosh.segment_facets import FieldPostings, read_postings


@dataclass
class MultiColumn:
    """A multi-valued facet field as CSR arrays, both term-major (for filters) and
    document-major (for counting)."""

    keys: list[str]
    labels: list[str]
    index: dict[str, int]
    offsets: np.ndarray  # int64, len(keys) + 1
    docs: np.ndarray  # int32, document numbers grouped by term
    pair_term: np.ndarray  # int32, the term of each entry of ``docs``
    #: Document-major: where each document's values start in ``doc_terms`` (size + 1).
    doc_offsets: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    doc_terms: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    #: Counts over every live document, and that mask, for counting large sets by
    #: their complement.
    alive: np.ndarray | None = None
    alive_counts: np.ndarray | None = None
    alive_size: int = 0

    def counts(self, mask: np.ndarray, ids: np.ndarray | None = None) -> np.ndarray:
        """How many documents in ``mask`` carry each value (``ids``: the same documents
        as numbers, when the caller has them).

        Work follows the number of documents counted, not the size of the index: the
        values of just those documents are gathered from the document-major arrays.
        A set larger than half the live documents is counted as all live documents
        minus its complement.
        """
        if self.alive is not None and self.alive_counts is not None:
            selected = int(ids.size) if ids is not None else int(np.count_nonzero(mask))
            if selected * 2 > self.alive_size:
                return self.alive_counts - self._count_docs(np.flatnonzero(self.alive & ~mask))
        return self._count_docs(np.flatnonzero(mask) if ids is None else ids)

    def count_ids(self, ids: np.ndarray) -> np.ndarray:
        """:meth:`counts` of the documents ``ids`` (sorted, live, a small set: a
        sparse selection, see :func:`facet_counts`)."""
        return self._count_docs(ids)

    def set_alive(self, alive: np.ndarray) -> None:
        """Remember the live documents and their counts (once per searcher)."""
        self.alive = alive
        self.alive_size = int(np.count_nonzero(alive))
        self.alive_counts = self._count_docs(np.flatnonzero(alive))

    def _count_docs(self, ids: np.ndarray) -> np.ndarray:
        if ids.size == 0:
            return np.zeros(len(self.keys), dtype=np.int64)
        starts = self.doc_offsets[ids]
        sizes = self.doc_offsets[ids + 1] - starts
        total = int(sizes.sum())
        # Positions in ``doc_terms`` of every value of every chosen document.
        where = np.repeat(starts - (np.cumsum(sizes) - sizes), sizes) + np.arange(total)
        return np.bincount(self.doc_terms[where], minlength=len(self.keys))

    def mask_for(self, keys: list[str], size: int) -> np.ndarray:
        """Documents carrying any of ``keys``."""
        out = np.zeros(size, dtype=bool)
        for k in keys:
            i = self.index.get(k)
            if i is not None:
                out[self.docs[self.offsets[i] : self.offsets[i + 1]]] = True
        return out


@dataclass
class SingleColumn:
    """A single-valued facet field: one code per document, -1 where there is none."""

    keys: list[str]
    labels: list[str]
    index: dict[str, int]
    codes: np.ndarray  # int32 per document

    def counts(self, mask: np.ndarray) -> np.ndarray:
        codes = self.codes[mask]
        return np.bincount(codes[codes >= 0], minlength=len(self.keys))

    def count_ids(self, ids: np.ndarray) -> np.ndarray:
        """:meth:`counts` of the documents ``ids``: a gather of just their codes."""
        return self.counts(ids)

    def mask_for(self, keys: list[str], size: int) -> np.ndarray:
        wanted = [self.index[k] for k in keys if k in self.index]
        if not wanted:
            return np.zeros(size, dtype=bool)
        return np.isin(self.codes, np.asarray(wanted, dtype=np.int32))


@dataclass
class FacetData:
    """Everything a search needs about every document, as arrays; built once per reader."""

    size: int
    alive: np.ndarray
    tag: MultiColumn
    place: MultiColumn
    site: SingleColumn
    lang: SingleColumn
    #: YYYYMMDD per document, 0 when undated.
    day: np.ndarray
    #: YYYYMMDDHHMM per document (int64), 0 when undated: newest/oldest order.
    sortkey: np.ndarray
    #: Cached browse facets (empty query, no filters), computed on first use.
    cache: dict = field(default_factory=dict)
    #: Months since January of ``year0`` per document, -1 when undated: date counts
    #: are one ``bincount``.
    month_code: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    year0: int = 0
    #: The story cluster of each document (:func:`cluster_column`).
    cluster: SingleColumn | None = None
    #: Live articles per cluster code: a hit's ``versions``.
    cluster_sizes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: Filter masks by facet and values (:func:`filter_masks`), at most
    #: :data:`MASK_CACHE_SIZE`.
    masks: dict = field(default_factory=dict)

    def cluster_members(self, code: int) -> np.ndarray:
        """The live documents of the shared cluster ``code``, ascending.

        Why: finding them by comparing the whole column cost about 1 ms a hit at 1M
        articles; the cluster-major order (the shared clusters' documents only) is
        built once, on first use, and each lookup is then a slice.
        """
        found = self.cache.get("members")
        if found is None:
            assert self.cluster is not None
            codes = self.cluster.codes
            shared = np.flatnonzero((codes >= 0) & self.alive)
            order = shared[np.argsort(codes[shared], kind="stable")]
            offsets = np.zeros(len(self.cluster.keys) + 1, dtype=np.int64)
            np.cumsum(np.bincount(codes[shared], minlength=len(self.cluster.keys)), out=offsets[1:])
            found = (order, offsets)
            self.cache["members"] = found
        order, offsets = found
        return order[offsets[code] : offsets[code + 1]]

    @property
    def year(self) -> np.ndarray:
        return self.day // 10000

    @property
    def month(self) -> np.ndarray:
        return self.day // 100


def deleted_docs(leaf) -> frozenset[int]:
    """Deleted document numbers of one segment reader (a cached property in Whoosh)."""
    if not leaf.has_deletions():
        return frozenset()
    deleted = leaf.deleted_docs_set
    return deleted() if callable(deleted) else deleted


def _labels(postings: FieldPostings) -> dict[str, str]:
    """The display form of each key: the most frequent spelling among the articles."""
    best: dict[str, tuple[int, str]] = {}
    for term, ids in postings.as_dict().items():
        k = facet_key(term)
        if k not in best or ids.size > best[k][0]:
            best[k] = (ids.size, term)
    return {k: term for k, (_n, term) in best.items()}


def _multi(postings: FieldPostings, labels: FieldPostings, size: int) -> MultiColumn:
    by_key = postings.as_dict()
    label_of = _labels(labels)
    keys = sorted(by_key)
    sizes = np.array([by_key[k].size for k in keys], dtype=np.int64)
    offsets = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    docs = np.concatenate([by_key[k] for k in keys]) if keys else np.zeros(0, dtype=np.int32)
    pair_term = np.repeat(np.arange(len(keys), dtype=np.int32), sizes)
    by_doc = np.argsort(docs, kind="stable")
    doc_offsets = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(docs, minlength=size), out=doc_offsets[1:])
    return MultiColumn(
        keys=keys,
        labels=[label_of.get(k, k) for k in keys],
        index={k: i for i, k in enumerate(keys)},
        offsets=offsets,
        docs=docs,
        pair_term=pair_term,
        doc_offsets=doc_offsets,
        doc_terms=pair_term[by_doc],
    )


def _single(postings: FieldPostings, labels: FieldPostings | None, size: int) -> SingleColumn:
    by_key = postings.as_dict()
    label_of = _labels(labels) if labels is not None else {}
    keys = sorted(by_key)
    codes = np.full(size, -1, dtype=np.int32)
    for i, k in enumerate(keys):
        codes[by_key[k]] = i
    return SingleColumn(
        keys=keys,
        labels=[label_of.get(k, k) for k in keys],
        index={k: i for i, k in enumerate(keys)},
        codes=codes,
    )


def _numbers(postings: FieldPostings, size: int, dtype) -> np.ndarray:
    """The number each document's term spells (0 where it has none): one term a
    document, as the day and time fields hold."""
    values = np.zeros(size, dtype=dtype)
    numeric = np.char.isdigit(postings.terms)
    if numeric.any():
        per_doc = np.repeat(numeric, postings.sizes)
        numbers = np.where(numeric, postings.terms, b"0").astype(np.int64)
        values[postings.docs[per_doc]] = np.repeat(numbers, postings.sizes)[per_doc]
    return values


def build_facet_data(reader, directory: str | os.PathLike | None = None) -> FacetData:
    """Read the facet columns of ``reader`` (a Whoosh reader) into arrays; each
    segment's postings from its file in ``directory`` where it has one
    (:mod:`indexer.whoosh.segment_facets`)."""
    size = reader.doc_count_all()
    alive = np.zeros(size, dtype=bool)
    for leaf, offset in reader.leaf_readers():
        count = leaf.doc_count_all()
        alive[offset : offset + count] = True
        if leaf.has_deletions():
            deleted = np.fromiter(deleted_docs(leaf), dtype=np.int64)
            alive[deleted + offset] = False
    postings = {name: p.live(alive) for name, p in read_postings(reader, directory).items()}
    day = _numbers(postings["day"], size, np.int32)
    tod = _numbers(postings["tod"], size, np.int64)
    sortkey = np.where(day > 0, day.astype(np.int64) * 10000 + tod, 0)
    dated = day > 0
    year0 = int(day[dated].min() // 10000) if dated.any() else 0
    month_code = np.where(dated, (day // 10000 - year0) * 12 + day // 100 % 100 - 1, -1)
    tag = _multi(postings["tag_key"], postings["tag_label"], size)
    place = _multi(postings["place_key"], postings["place_label"], size)
    tag.set_alive(alive)
    place.set_alive(alive)
    return FacetData(
        size=size,
        alive=alive,
        tag=tag,
        place=place,
        site=_single(postings["site_key"], postings["site_label"], size),
        lang=_single(postings["lang"], None, size),
        day=day,
        sortkey=sortkey,
        month_code=month_code.astype(np.int32),
        year0=year0,
        **cluster_column(postings["cluster"], size, alive),
    )


def cluster_column(postings: FieldPostings, size: int, alive: np.ndarray) -> dict:
    """The story cluster of each document as a code, and the live articles per code.
    Collapsing a ranked list to one hit per story is then a ``numpy.unique`` over the
    codes in rank order.

    Only clusters of more than one document get a code: a unique article (most of an
    archive) is its own cluster, named by its own id, and keeps code -1, so the column
    costs 4 bytes a document plus the few shared clusters, not a string and an array
    for every article. A cluster's documents can lie in several segments: its terms are
    matched across them with one ``numpy.unique``, not a lookup per term."""
    codes = np.full(size, -1, dtype=np.int32)
    keys: list[str] = []
    if postings.terms.size:
        names, first, inverse = np.unique(postings.terms, return_index=True, return_inverse=True)
        documents = np.bincount(inverse, weights=postings.sizes, minlength=names.size)
        shared = np.flatnonzero(documents >= 2)
        code_of = np.full(names.size, -1, dtype=np.int32)
        code_of[shared] = np.arange(shared.size, dtype=np.int32)
        codes[postings.docs] = np.repeat(code_of[inverse], postings.sizes)
        keys = [postings.terms[first[i]].decode("utf-8") for i in shared]
    column = SingleColumn(keys=keys, labels=keys, index={}, codes=codes)
    live = codes[alive]
    sizes = np.bincount(live[live >= 0], minlength=len(keys)).astype(np.int64)
    return {"cluster": column, "cluster_sizes": sizes}


# -- Filters ---------------------------------------------------------------------------


def _date_value(value: str) -> int | None:
    """``2016`` -> 2016, ``2016-03`` -> 201603; None for anything else."""
    parts = value.strip().split("-")
    if len(parts) == 1 and parts[0].isdigit() and len(parts[0]) == 4:
        return int(parts[0])
    if len(parts) == 2 and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
        month = int(parts[1])
        if 1 <= month <= 12:
            return int(parts[0]) * 100 + month
    return None


def date_mask(data: FacetData, filters: Filters) -> np.ndarray | None:
    """The date facet's own filter: selected years/months, and the from/to range."""
    mask = None
    if filters.dates:
        selected = [_date_value(v) for v in drill_down(filters.dates, "-")]
        years = [v for v in selected if v is not None and v < 10000]
        months = [v for v in selected if v is not None and v >= 10000]
        mask = np.zeros(data.size, dtype=bool)
        if years:
            mask |= np.isin(data.year, years)
        if months:
            mask |= np.isin(data.month, months)
    if filters.date_from or filters.date_to:
        start = _day_number(filters.date_from) if filters.date_from else 1
        end = _day_number(filters.date_to) if filters.date_to else 99991231
        in_range = (data.day >= start) & (data.day <= end)
        mask = in_range if mask is None else mask & in_range
    return mask


def _day_number(value: date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


#: Filter masks kept per searcher: a million-article mask is built from a popular
#: value's postings in about a millisecond, and the same few filters recur.
MASK_CACHE_SIZE = 32


def _cached_mask(data: FacetData, key: tuple, build) -> np.ndarray | None:
    """``build()``, kept in ``data.masks`` under ``key`` (read-only: masks are shared
    by every search of the searcher, and must never be changed in place)."""
    found = data.masks.get(key)
    if found is None:
        found = build()
        if found is None:
            return None
        found.flags.writeable = False
        if len(data.masks) >= MASK_CACHE_SIZE:
            data.masks.clear()
        data.masks[key] = found
    return found


def filter_masks(data: FacetData, filters: Filters) -> dict[str, np.ndarray | None]:
    """One mask per facet (None when that facet is not filtered), plus ``lang``."""
    n = data.size
    places = drill_down(filters.places, "/") if filters.places else []
    wanted = {
        "tag": (data.tag, [facet_key(t) for t in filters.tags]),
        "place": (data.place, [facet_key(p) for p in places]),
        "site": (data.site, [facet_key(s) for s in filters.sites]),
        "lang": (data.lang, [facet_key(v) for v in filters.languages]),
    }
    masks: dict[str, np.ndarray | None] = {
        "date": _cached_mask(
            data,
            ("date", tuple(filters.dates), filters.date_from, filters.date_to),
            lambda: date_mask(data, filters),
        )
        if filters.dates or filters.date_from or filters.date_to
        else None
    }
    for name, (column, keys) in wanted.items():
        masks[name] = (
            _cached_mask(data, (name, *keys), lambda c=column, k=keys: c.mask_for(k, n))
            if keys
            else None
        )
    return masks


def combine(base: np.ndarray, masks: dict[str, np.ndarray | None], skip: str = "") -> np.ndarray:
    """``base`` AND every mask except the one named ``skip``."""
    out = base
    for name, mask in masks.items():
        if mask is not None and name != skip:
            out = out & mask
    return out


def combine_ids(ids: np.ndarray, masks: dict[str, np.ndarray | None], skip: str = "") -> np.ndarray:
    """:func:`combine` for a sparse selection: the documents of ``ids`` (sorted) inside
    every mask except the one named ``skip``, looked up one by one, not a pass over
    the index."""
    keep = inside_masks(ids, masks, skip)
    return ids if keep is None else ids[keep]


def inside_masks(
    ids: np.ndarray, masks: dict[str, np.ndarray | None], skip: str = ""
) -> np.ndarray | None:
    """Which of ``ids`` are inside every mask except ``skip``; None when no mask
    applies (all are)."""
    keep = None
    for name, mask in masks.items():
        if mask is not None and name != skip:
            inside = mask[ids]
            keep = inside if keep is None else keep & inside
    return keep


# -- Counting --------------------------------------------------------------------------


#: The facets counted for a search (``lang`` is a filter only).
FACETS = ("date", "tag", "place", "site")


def facet_counts(
    data: FacetData,
    matches: np.ndarray | None,
    masks: dict[str, np.ndarray | None],
    filters: Filters,
    limit: int,
    match_ids: np.ndarray | None = None,
    selected: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[str, list[FacetValue]]:
    """Every facet's values, each counted with all filters applied but its own.

    ``match_ids`` (sorted live document numbers, in place of the ``matches`` mask) is a
    sparse selection: each facet's documents are then found and counted by lookups of
    just those documents, so a search with few hits costs little at any archive size
    (passes over a million-entry mask cost about a millisecond each).

    Otherwise each facet's mask is turned into document numbers once, shared by the
    facets that apply the same filters (with none, all four count the same documents);
    ``selected`` is the mask and numbers with every filter applied, when the caller
    has them already.
    """
    if match_ids is not None:
        ids = {name: combine_ids(match_ids, masks, name) for name in FACETS}
        tag, place = data.tag.count_ids(ids["tag"]), data.place.count_ids(ids["place"])
        site, months = data.site.count_ids(ids["site"]), data.month_code[ids["date"]]
    else:
        assert matches is not None
        shared: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        if selected is not None:
            shared[tuple(n for n, m in masks.items() if m is not None)] = selected

        def documents(skip: str) -> tuple[np.ndarray, np.ndarray]:
            applied = tuple(n for n, m in masks.items() if m is not None and n != skip)
            if applied not in shared:
                mask = combine(matches, masks, skip)
                shared[applied] = (mask, np.flatnonzero(mask))
            return shared[applied]

        tag = data.tag.counts(*documents("tag"))
        place = data.place.counts(*documents("place"))
        site = data.site.count_ids(documents("site")[1])
        months = data.month_code[documents("date")[1]]
    return {
        "date": _date_facet(data, months, filters),
        "tag": _flat_facet(data.tag, tag, filters.tags, limit),
        "place": _place_facet(data.place, place, filters, limit),
        "site": _flat_facet(data.site, site, filters.sites, limit),
    }


def _flat_facet(column, counts: np.ndarray, selected: list[str], limit: int) -> list[FacetValue]:
    """Largest first, ties by value; selected values always included."""
    chosen = {facet_key(v) for v in selected}
    order = sorted(
        (i for i in np.flatnonzero(counts).tolist()),
        key=lambda i: (-int(counts[i]), column.labels[i].casefold(), column.labels[i]),
    )
    values = [_value(column, i, counts, chosen) for i in order[:limit]]
    shown = {column.keys[i] for i in order[:limit]}
    for k in chosen - shown:
        i = column.index.get(k)
        if i is not None:
            values.append(_value(column, i, counts, chosen))
        else:
            values.append(FacetValue(value=k, count=0, label=k, selected=True))
    return values


def _value(column, i: int, counts: np.ndarray, chosen: set[str], label: str = "") -> FacetValue:
    return FacetValue(
        value=column.labels[i],
        count=int(counts[i]),
        label=label or column.labels[i],
        selected=column.keys[i] in chosen,
    )


def _place_facet(
    column: MultiColumn, counts: np.ndarray, filters: Filters, limit: int
) -> list[FacetValue]:
    """The countries; then, for each selected country, the places inside it."""
    chosen = {facet_key(v) for v in filters.places}
    nonzero = np.flatnonzero(counts).tolist()

    def ranked(indices: list[int]) -> list[int]:
        return sorted(indices, key=lambda i: (-int(counts[i]), column.labels[i]))

    countries = ranked([i for i in nonzero if "/" not in column.keys[i]])[:limit]
    values = [_value(column, i, counts, chosen) for i in countries]
    selected_countries = {p.split("/", 1)[0] for p in chosen}
    for country in sorted(selected_countries):
        inside = ranked([i for i in nonzero if column.keys[i].startswith(country + "/")])
        for i in inside[:limit]:
            values.append(
                _value(column, i, counts, chosen, label=column.labels[i].rsplit("/", 1)[-1])
            )
    shown = {v.value.casefold() for v in values}
    for k in sorted(chosen - shown):
        at = column.index.get(k)
        label = (column.labels[at] if at is not None else k).rsplit("/", 1)[-1]
        value = column.labels[at] if at is not None else k
        count = int(counts[at]) if at is not None else 0
        values.append(FacetValue(value=value, count=count, label=label, selected=True))
    return values


def _date_facet(data: FacetData, codes: np.ndarray, filters: Filters) -> list[FacetValue]:
    """Every year in calendar order; then the months of the selected years, from the
    month code of each document counted."""
    by_month = np.bincount(codes[codes >= 0])
    by_month = np.pad(by_month, (0, -by_month.size % 12))
    by_year = by_month.reshape(-1, 12).sum(axis=1)
    selected = {v.strip() for v in filters.dates}
    values = []
    for i in np.flatnonzero(by_year).tolist():
        year = data.year0 + i
        values.append(
            FacetValue(
                value=str(year),
                count=int(by_year[i]),
                label=str(year),
                selected=str(year) in selected,
            )
        )
    open_years = sorted({int(v[:4]) for v in selected if _date_value(v) is not None})
    for code in np.flatnonzero(by_month).tolist():
        year, month = data.year0 + code // 12, code % 12 + 1
        if year in open_years:
            value = f"{year:04d}-{month:02d}"
            values.append(
                FacetValue(
                    value=value,
                    count=int(by_month[code]),
                    label=month_label(year, month),
                    selected=value in selected,
                )
            )
    return values

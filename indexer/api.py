"""The one search API every caller uses: plain query objects in, plain results out.

The CLI and the web app build a :class:`SearchQuery`, call a backend's ``search`` and
render the :class:`SearchResult`; ``SearchResult.to_dict()`` is the JSON contract of
``archive search --format json`` and ``/api/search`` alike. Nothing here knows which
engine answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from archive.article import iso8601, nfc
from indexer.errors import N_, QueryError

Sort = Literal["relevance", "newest", "oldest"]
SORTS: tuple[str, ...] = ("relevance", "newest", "oldest")
#: The refusal of a sort not in :data:`SORTS` (every engine says it the same way).
UNKNOWN_SORT = N_("unknown sort %(sort)s (use one of: %(sorts)s)")
FACETS: tuple[str, ...] = ("date", "tag", "place", "site")
#: ``best``: each story cluster shown once, as its best-ranked version (the default);
#: ``all``: every article.
Versions = Literal["best", "all"]
VERSIONS: tuple[str, ...] = ("best", "all")
#: The refusal of a ``versions`` value not in :data:`VERSIONS`.
UNKNOWN_VERSIONS = N_("unknown versions %(versions)s (use one of: %(choices)s)")
#: Other versions of a story listed with its hit, at most.
MAX_OTHER_VERSIONS = 20

#: Bounds on paging, so no request can ask for unbounded work.
MAX_PAGE_SIZE = 100
MAX_PAGE = 1000
#: Month abbreviations for date facet labels (``Mar 2016``): the one copy.
MONTHS: tuple[str, ...] = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
)  # fmt: skip


def month_label(year: int | str, month: int | str) -> str:
    """``month_label(2016, 3)`` -> ``"Mar 2016"``: the label of a month facet value."""
    return f"{MONTHS[int(month) - 1]} {year}"


@dataclass
class Filters:
    """Narrowing by facet values. Within one field values are OR'd, across fields AND'd.

    ``dates`` holds date-facet values: ``YYYY`` or ``YYYY-MM``. ``places`` holds place
    paths (``Vietnam`` or ``Vietnam/Da Nang``); a country matches every place inside it.
    """

    tags: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None

    def is_empty(self) -> bool:
        return not (
            self.tags
            or self.places
            or self.sites
            or self.languages
            or self.dates
            or self.date_from
            or self.date_to
        )


@dataclass
class SearchQuery:
    """What to search for. An empty ``text`` browses everything (newest first)."""

    text: str = ""
    filters: Filters = field(default_factory=Filters)
    sort: Sort = "relevance"
    page: int = 1
    page_size: int = 10
    #: Compute facet counts (the CLI's ``--format csv`` and exports can skip them).
    facets: bool = True
    #: Build highlighted snippets for the hits.
    snippets: bool = True
    #: At most this many values per facet (largest first; selected values always shown).
    facet_limit: int = 50
    #: ``best``: one hit per story cluster; ``all``: every article (:data:`VERSIONS`).
    versions: Versions = "best"

    def collapsed(self) -> bool:
        """Whether story clusters are collapsed; raises QueryError for an unknown value."""
        if self.versions not in VERSIONS:
            raise QueryError(
                UNKNOWN_VERSIONS, versions=repr(self.versions), choices=", ".join(VERSIONS)
            )
        return self.versions == "best"

    def paging(self) -> tuple[int, int]:
        """``(page, page_size)`` held within the bounds every engine serves."""
        try:
            page = int(self.page)
            page_size = int(self.page_size)
        except (TypeError, ValueError):
            raise QueryError(N_("page and page size must be whole numbers")) from None
        return max(1, min(page, MAX_PAGE)), max(1, min(page_size, MAX_PAGE_SIZE))

    def effective_sort(self) -> str:
        """The order to use: the one asked for, except that browsing (no text) has
        nothing to rank by and is newest first. Raises QueryError for an unknown one."""
        if self.sort not in SORTS:
            raise QueryError(UNKNOWN_SORT, sort=repr(self.sort), sorts=", ".join(SORTS))
        if not nfc(self.text).strip() and self.sort == "relevance":
            return "newest"
        return self.sort


@dataclass
class Hit:
    id: str
    title: str
    published: date | datetime | None
    site: str
    url: str
    tags: list[str]
    places: list[str]
    #: HTML: article text escaped, matches wrapped in ``<mark>``. Safe to insert as is.
    snippet: str
    score: float
    #: The story cluster: an id shared by every version of one story.
    cluster: str = ""
    #: How many articles the cluster holds (1: a unique article).
    versions: int = 1
    #: The other versions of the story (set on a collapsed search's page of hits; at
    #: most :data:`MAX_OTHER_VERSIONS`), oldest first; no snippets.
    others: list[Hit] = field(default_factory=list)
    #: The query words (as typed) this hit does not have: set only on the hits that
    #: continue a short list of articles with every word (see :class:`Relaxed`).
    missing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        out = {
            "id": self.id,
            "title": self.title,
            "published": iso8601(self.published) or None,
            "site": self.site,
            "url": self.url,
            "tags": list(self.tags),
            "places": list(self.places),
            "snippet": self.snippet,
            "score": round(self.score, 4),
            "cluster": self.cluster or self.id,
            "versions": self.versions,
        }
        if self.missing:
            out["missing"] = list(self.missing)
        return out

    def csv_row(self) -> list[str]:
        """The hit as a CSV row of :data:`CSV_COLUMNS`, safe to open in a spreadsheet."""
        cells = (
            self.id,
            iso8601(self.published),
            self.title,
            self.site,
            self.url,
            "; ".join(self.tags),
            "; ".join(self.places),
            f"{self.score:.4f}",
            self.cluster or self.id,
            str(self.versions),
        )
        return [csv_cell(cell) for cell in cells]


#: The columns of a hit in CSV form (``archive search --format csv``, ``/export.csv``).
#: What ``--excel`` and ``/export.csv?excel=1`` put first: Excel reads a CSV file as
#: the machine's legacy code page unless it starts with a UTF-8 byte-order mark.
EXCEL_BOM = "\ufeff"
CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "published",
    "title",
    "site",
    "url",
    "tags",
    "places",
    "score",
    "cluster",
    "versions",
)


def csv_cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection): a leading
    ``= + - @`` (or tab/CR, which some spreadsheets skip) gets a ``'`` in front."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


@dataclass
class FacetValue:
    """One facet value and how many articles it would give with the other filters."""

    value: str
    count: int
    #: Display label (a year, a month name, the last part of a place path).
    label: str = ""
    #: Whether this value is among the active filters.
    selected: bool = False

    def to_dict(self) -> dict:
        return {"value": self.value, "count": self.count}


@dataclass
class Relaxed:
    """How a query of plain words was relaxed because no article has all its words.

    All words are required first; when nothing has them all, the result holds the
    articles that have the most of them (``matched`` of ``words``), ranked by score: a
    minimum-should-match ladder, as Lucene's ``mm``. When only a few articles (fewer
    than a page) have every word, the articles with all but one word join them, each
    marked with the word it lacks (:attr:`Hit.missing`), as a web search engine's
    "Missing: word" results are; their score is discounted so that they rank below
    the articles with every word unless their words match far better (``strict`` and
    ``continued`` say how many of each). Queries with explicit operators (``AND``,
    quotes, ``+word``, ``field:``) are never relaxed.
    """

    #: How many words the query has.
    words: int
    #: How many of them every article shown has (the continued ones, with ``strict``).
    matched: int
    #: The words (as typed) that no article has at all.
    absent: list[str] = field(default_factory=list)
    #: When a few articles (fewer than a page) have every word: how many, and how many
    #: more, with ``matched`` of the words, join them (``continued``). Both 0 when no
    #: article has every word.
    strict: int = 0
    continued: int = 0

    @property
    def message(self) -> str:
        """The one line every surface shows."""
        all_words = "both words" if self.words == 2 else f"all {self.words} words"
        if self.strict:
            have = "article has" if self.strict == 1 else "articles have"
            return (
                f"{self.strict:,} {have} {all_words}; {self.continued:,} more "
                f"{'has' if self.continued == 1 else 'have'} {self.matched} of them"
            )
        shown = f"showing articles with {self.matched} of them"
        if self.absent:
            missing = ", ".join(f"“{w}”" for w in self.absent)
            shown += (
                f" ({missing} is in no article)"
                if len(self.absent) == 1
                else (f" ({missing} are in no article)")
            )
        return f"No article has {all_words}; {shown}"

    def to_dict(self) -> dict:
        return {
            "words": self.words,
            "matched": self.matched,
            "absent": list(self.absent),
            "strict": self.strict,
            "continued": self.continued,
            "message": self.message,
        }


@dataclass
class SearchResult:
    query: SearchQuery
    total: int
    hits: list[Hit]
    #: ``{"date": [...], "tag": [...], "place": [...], "site": [...]}``, largest first
    #: (dates in calendar order).
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    #: A corrected query when the query found little, else None.
    suggestion: str | None = None
    #: How the parser read the query, when it differs from what was typed (lenient
    #: parsing of an unbalanced quote, say), else None.
    interpreted_as: str | None = None
    #: Set when no article has every word of a plain query and the hits are the
    #: articles with most of them (:class:`Relaxed`); ``total`` and ``facets`` then
    #: describe those articles. None when every hit has every word.
    relaxed: Relaxed | None = None
    #: How many stories (clusters) the ``total`` articles make. ``total`` and the facet
    #: counts always count articles; a collapsed search shows one hit per story.
    stories: int = 0

    def to_dict(self) -> dict:
        return {
            "total": self.total,
            "stories": self.stories,
            "hits": [hit.to_dict() for hit in self.hits],
            "facets": {
                name: [value.to_dict() for value in self.facets.get(name, [])] for name in FACETS
            },
            "suggestion": self.suggestion,
            "relaxed": self.relaxed.to_dict() if self.relaxed else None,
        }


def drill_down(values: list[str], separator: str) -> list[str]:
    """Replace each selected value that has a selected descendant by its descendants:
    ``["2016", "2016-03"]`` means March 2016, ``["Vietnam", "Vietnam/Da Nang"]`` Da Nang."""
    chosen = list(dict.fromkeys(v for v in values if v))
    return [v for v in chosen if not any(o != v and o.startswith(v + separator) for o in chosen)]


@dataclass
class IndexStats:
    """What ``archive stats`` and ``/api/stats`` report about the archive.

    Engines keep an archive in different places, so sizes are named for what they
    measure: a Whoosh index has ``disk_bytes`` (its folder), a Typesense cluster
    ``memory_bytes`` (the RAM a node reports); the other one is None."""

    articles: int
    date_min: date | None
    date_max: date | None
    tags: list[FacetValue]
    places: list[FacetValue]
    sites: list[FacetValue]
    #: Where the archive is: an index folder, or the Typesense nodes and collection.
    location: str
    generation: str
    languages: list[FacetValue] = field(default_factory=list)
    disk_bytes: int | None = None
    memory_bytes: int | None = None

    def to_dict(self) -> dict:
        def values(items: list[FacetValue]) -> list[dict]:
            return [item.to_dict() for item in items]

        return {
            "articles": self.articles,
            "date_min": iso8601(self.date_min) or None,
            "date_max": iso8601(self.date_max) or None,
            "tags": values(self.tags),
            "places": values(self.places),
            "sites": values(self.sites),
            "languages": values(self.languages),
            "disk_bytes": self.disk_bytes,
            "memory_bytes": self.memory_bytes,
            "location": self.location,
            "generation": self.generation,
        }


# -- Attention over time ---------------------------------------------------------------

Interval = Literal["day", "week", "month", "year"]
INTERVALS: tuple[str, ...] = ("day", "week", "month", "year")
#: At most this many queries compared in one trends request (as Media Cloud's explorer).
MAX_TREND_QUERIES = 5
#: At most this many periods per series, so no request asks for unbounded work (ten
#: years of days, a century of weeks).
MAX_PERIODS = 3660


@dataclass
class TrendQuery:
    """Queries compared over time, each under the same ``filters``.

    An article counts in the period of its publication date; undated articles are in
    no period."""

    queries: list[str]
    filters: Filters = field(default_factory=Filters)
    interval: Interval = "month"


@dataclass
class TrendPoint:
    """One period of one series: ``count`` articles match the query (and the filters),
    out of ``total`` articles in the period under the same filters."""

    #: ``2017``, ``2017-02``, ``2017-W05`` (ISO week) or ``2017-02-03``.
    period: str
    #: First and last day of the period, clipped to the filters' date range.
    start: date
    end: date
    count: int
    total: int

    @property
    def share(self) -> float:
        """The count as a share of all articles in the period (0 when there are none)."""
        return self.count / self.total if self.total else 0.0

    def to_dict(self) -> dict:
        return {
            "period": self.period,
            "count": self.count,
            "total": self.total,
            "share": round(self.share, 6),
        }


@dataclass
class TrendSeries:
    query: str
    points: list[TrendPoint]


@dataclass
class TrendResult:
    query: TrendQuery
    series: list[TrendSeries]

    @property
    def interval(self) -> str:
        return self.query.interval

    def to_dict(self) -> dict:
        """The JSON contract of ``archive trends --format json`` and ``/api/trends``."""
        return {
            "interval": self.interval,
            "series": [
                {"query": s.query, "points": [p.to_dict() for p in s.points]} for s in self.series
            ],
        }


#: The columns of ``archive trends --format csv`` and ``/trends.csv``: one row a point.
TREND_CSV_COLUMNS: tuple[str, ...] = ("query", "period", "start", "end", "count", "total", "share")


def trend_csv_rows(result: TrendResult) -> list[list[str]]:
    """One row of :data:`TREND_CSV_COLUMNS` per point, safe to open in a spreadsheet."""
    return [
        [
            csv_cell(series.query),
            p.period,
            p.start.isoformat(),
            p.end.isoformat(),
            str(p.count),
            str(p.total),
            f"{p.share:.6f}",
        ]
        for series in result.series
        for p in series.points
    ]


# -- Top words -------------------------------------------------------------------------

#: Hits read for a search's top words: its best-ranked this many (newest when there is
#: no query text to rank by). More hits than this are sampled, and the result says so.
TOP_WORDS_SAMPLE = 100
#: Top words returned at most.
MAX_TOP_WORDS = 50


@dataclass
class TopWord:
    """A word over-represented in a search's hits compared with the whole archive."""

    #: As it is most often written in the hits (lower case, accents kept).
    word: str
    #: Elasticsearch's JLH significance: (fg - bg) * fg / bg of the two shares.
    score: float
    #: Sampled hits whose text has the word (any form with the same stem).
    count: int
    #: Articles in the whole archive whose body has it.
    background: int

    def to_dict(self) -> dict:
        return {
            "word": self.word,
            "score": round(self.score, 6),
            "count": self.count,
            "background": self.background,
        }


@dataclass
class TopWordsResult:
    query: SearchQuery
    #: Hits of the search.
    total: int
    #: Hits read: all of them, or the best-ranked :data:`TOP_WORDS_SAMPLE`.
    sampled: int
    #: Articles in the archive (the background).
    articles: int
    words: list[TopWord]

    @property
    def is_sample(self) -> bool:
        return self.sampled < self.total

    def to_dict(self) -> dict:
        """The JSON of ``archive top-words --format json`` and ``/api/top-words``."""
        return {
            "total": self.total,
            "sampled": self.sampled,
            "articles": self.articles,
            "words": [w.to_dict() for w in self.words],
        }

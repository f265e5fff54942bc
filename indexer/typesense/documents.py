"""The collection schema, and how an Article becomes a Typesense document.

Typesense's own analysis differs from the Whoosh backend's in ways users would see: it
does not fold ``Đ``/``đ`` (measured with 0.24.1: ``Da Nang`` and ``Đà Nẵng`` do not find
each other), it does not stem, and it keeps ``<script>`` glued to its neighbours. So the
text is analysed here, with the Whoosh backend's own analyzers, and Typesense is given
the resulting terms separated by spaces:

- ``title_terms``/``body_terms``: stems (stop words dropped) for an English article,
  folded words for any other language; ``english`` says which, and a query is
  analysed the same way for each of the two kinds (see :mod:`.translate`).
- ``tag_grams``/``place_grams``/``site_grams``: every run of consecutive terms inside
  one value (``ho chi minh`` gives ``ho``, ``chi``, ``ho chi``... ``ho chi minh``), so a
  word or phrase restricted to a tag, place or site is one exact filter, and a phrase
  never matches across two values, as in the Whoosh index.
- Facet keys and labels as in the Whoosh schema (places with every ancestor); ``year``
  , ``month`` and ``week`` as keyword fields (facets: articles per period); ``day`` for
  date ranges and (faceted) articles per day; ``newest``/``oldest`` sort
  keys (undated last either way) and ``seq`` (indexing order, for ties).
- What a hit and :meth:`get` need is stored but not indexed (not in the schema), so it
  costs disk, not RAM.
"""

from __future__ import annotations

import threading
import time
from datetime import date

from archive import Article
from archive.places import with_ancestors
from indexer.analysis import english_analyzer, is_english, plain_analyzer, site_analyzer
from indexer.clusters import article_signature, signature_to_text
from indexer.documents import day_and_time, facet_key, stored_fields
from indexer.trends import period_label, period_start
from indexer.typesense.collection_format import format_field

#: Longest run of terms kept per tag/place/site value (a longer phrase finds nothing).
MAX_GRAM = 8
#: ``oldest`` of an undated article: after every date.
UNDATED_LAST = 99_999_999_9999

_ENGLISH = english_analyzer()
_PLAIN = plain_analyzer()
_SITE = site_analyzer()


def _field(name: str, kind: str, *, facet: bool = False) -> dict:
    return {"name": name, "type": kind, "facet": facet, "optional": True}


FIELDS: list[dict] = [
    _field("title_terms", "string"),
    _field("body_terms", "string"),
    _field("tag_grams", "string[]"),
    _field("place_grams", "string[]"),
    _field("site_grams", "string[]"),
    {"name": "english", "type": "bool", "facet": False},
    _field("tag_key", "string[]", facet=True),
    _field("tag_label", "string[]", facet=True),
    _field("place_key", "string[]", facet=True),
    _field("place_label", "string[]", facet=True),
    # The countries alone (place_key without its "/" levels): the place facet's first
    # level, counted without the cities' values (each value costs Typesense time).
    _field("place_country", "string[]", facet=True),
    _field("site_key", "string", facet=True),
    _field("site_label", "string", facet=True),
    _field("lang", "string", facet=True),
    _field("year", "string", facet=True),
    _field("month", "string", facet=True),
    # ISO week (2017-W05): trends per week count this facet, not the days (Typesense's
    # facet time grows with the number of distinct values: 4,634 days took 1.8 s at
    # 10k articles, 180 months 36 ms, measured with 0.24.1).
    _field("week", "string", facet=True),
    # Faceted for attention over time: articles per day, grouped into periods.
    {"name": "day", "type": "int32", "facet": True},
    {"name": "newest", "type": "int64"},
    {"name": "oldest", "type": "int64"},
    {"name": "seq", "type": "int64"},
    # The story cluster (archive.clusters): faceted, so that a search can group by it
    # and count a story's versions. The MinHash signature it is computed from is stored
    # (``minhash``, base64) but not indexed.
    _field("cluster", "string", facet=True),
]

#: Indexed fields a hit never needs back (large, or only for matching).
INDEX_ONLY = ",".join(
    [
        *(
            f["name"]
            for f in FIELDS
            if f["name"].endswith(("_terms", "_grams", "_key", "_label", "_country"))
        ),
        "minhash",
    ]
)


def collection_schema(name: str) -> dict:
    """The schema of a new collection, with the format it is built in."""
    fields = [*FIELDS, format_field()]
    return {"name": name, "fields": fields, "token_separators": [], "symbols_to_index": []}


def terms(text: str, english: bool) -> str:
    """The index terms of ``text``, space-separated, as the Whoosh backend makes them."""
    analyzer = _ENGLISH if english else _PLAIN
    return " ".join(t.text for t in analyzer(text))


def grams(values: list[str], analyzer=_PLAIN) -> list[str]:
    """Every run of up to :data:`MAX_GRAM` consecutive terms inside each value."""
    out: dict[str, None] = {}
    for value in values:
        words = [t.text for t in analyzer(value)]
        for start in range(len(words)):
            for end in range(start + 1, min(len(words), start + MAX_GRAM) + 1):
                out[" ".join(words[start:end])] = None
    return list(out)


_last_seq = [0]
_seq_lock = threading.Lock()


def next_seq() -> int:
    """Strictly increasing, across runs too: microseconds since the epoch, bumped past
    the previous value when two documents fall in the same microsecond."""
    with _seq_lock:
        _last_seq[0] = max(time.time_ns() // 1000, _last_seq[0] + 1)
        return _last_seq[0]


def to_document(article: Article, file: str, seq: int) -> dict:
    """The Typesense document for one Article read from ``file``; its cluster is its
    own id until the run's reclustering (:mod:`indexer.clusters`) says otherwise."""
    english = is_english(article.language)
    searchable_body = "\n\n".join(part for part in (article.subtitle, article.body) if part)
    places = with_ancestors(article.places)
    day, tod = day_and_time(article.published)
    sortkey = int(day) * 10000 + int(tod) if day else 0
    doc = stored_fields(article)
    doc.update(
        {
            "file": file,
            "title_terms": terms(article.title, english),
            "body_terms": terms(searchable_body, english),
            "tag_grams": grams(article.tags),
            "place_grams": grams(
                [p.replace("/", " ") for p in [*article.places, *article.mentions]]
            ),
            "site_grams": grams([article.site], _SITE) if article.site else [],
            "english": english,
            "tag_key": [facet_key(t) for t in article.tags],
            "tag_label": list(article.tags),
            "place_key": [facet_key(p) for p in places],
            "place_label": places,
            "place_country": [facet_key(p) for p in places if "/" not in p],
            "day": int(day) if day else 0,
            "newest": sortkey,
            "oldest": sortkey or UNDATED_LAST,
            "seq": seq,
            "cluster": article.id,
            "minhash": signature_to_text(article_signature(article.body)),
        }
    )
    if article.site:
        doc["site_key"] = facet_key(article.site)
        doc["site_label"] = article.site
    if article.language:
        doc["lang"] = facet_key(article.language)
    if day:
        doc["year"], doc["month"] = day[:4], f"{day[:4]}-{day[4:6]}"
        first = period_start(date(int(day[:4]), int(day[4:6]), int(day[6:8])), "week")
        doc["week"] = period_label(first, "week")
    return doc

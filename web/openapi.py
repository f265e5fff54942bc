"""The OpenAPI 3.1 description of the JSON API, served at ``/api/openapi.json``."""

from __future__ import annotations

from indexer.api import INTERVALS, MAX_PERIODS, MAX_TOP_WORDS, MAX_TREND_QUERIES, TOP_WORDS_SAMPLE
from indexer.params import API, CSV, EXPORT, FEED, MAX_QUERY_CHARS, params_for


def parameters(surface: str) -> list[dict]:
    """The OpenAPI parameters of one surface, generated from :mod:`indexer.params`
    (the rules the server applies), so the document cannot drift from them."""
    return [p.openapi() for p in params_for(surface)]


#: The search filters ``/api/trends`` takes (as the search API does), and its own two.
_TREND_FILTERS = {"tag", "place", "site", "language", "date", "from", "to"}


def trend_parameters() -> list[dict]:
    """``/api/trends``: several queries, an interval, and the search's filters."""
    own: list[dict] = [
        {
            "name": "q",
            "in": "query",
            "required": True,
            "description": f"A query to chart (repeat for up to {MAX_TREND_QUERIES}; blank "
            "values are ignored). Each is counted under the same filters. None, or more "
            f"than {MAX_TREND_QUERIES}: HTTP 400.",
            "schema": {
                "type": "array",
                "items": {"type": "string", "maxLength": MAX_QUERY_CHARS},
                "minItems": 1,
                "maxItems": MAX_TREND_QUERIES,
            },
            "style": "form",
            "explode": True,
        },
        {
            "name": "interval",
            "in": "query",
            "description": "Count per day, ISO week, month or year. At most "
            f"{MAX_PERIODS} periods (else HTTP 400: narrow `from`/`to`).",
            "schema": {"type": "string", "enum": list(INTERVALS), "default": "month"},
        },
    ]
    return own + [p.openapi() for p in params_for(API) if p.name in _TREND_FILTERS]


def top_words_parameters() -> list[dict]:
    """``/api/top-words``: the search API's parameters, and how many words."""
    return [
        *parameters(API),
        {
            "name": "limit",
            "in": "query",
            "description": "How many words. Out of range: HTTP 400.",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_TOP_WORDS, "default": 20},
        },
    ]


#: The one form of a date on every surface (``archive.article.iso8601``).
PUBLISHED_PATTERN = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})?)?$"
_STRINGS = {"type": "array", "items": {"type": "string"}}
_ERROR = {
    "description": "An error, with a message fit to show a user.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}

SCHEMAS = {
    "Hit": {
        "type": "object",
        "required": [
            "id",
            "title",
            "published",
            "site",
            "url",
            "tags",
            "places",
            "snippet",
            "score",
            "cluster",
            "versions",
        ],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "published": {
                "type": ["string", "null"],
                "description": "ISO 8601: the date alone (2017-03-14) where only the date is "
                "known, else to the second with the offset (1987-02-26T16:08:33+00:00)",
                "pattern": PUBLISHED_PATTERN,
            },
            "site": {"type": "string"},
            "url": {"type": "string", "description": "The article's source; untrusted."},
            "tags": _STRINGS,
            "places": {**_STRINGS, "description": "`Country/Place` paths"},
            "snippet": {
                "type": "string",
                "description": "HTML: the article text escaped, matches in <mark>.",
            },
            "score": {"type": "number"},
            "cluster": {
                "type": "string",
                "description": "The story: shared by every version of one story (the "
                "same wire story on other sites, a copy saved in another format).",
            },
            "versions": {
                "type": "integer",
                "minimum": 1,
                "description": "How many articles the hit's story holds (1: a unique "
                "article). With versions=best (the default) the others are not hits.",
            },
            "missing": {
                **_STRINGS,
                "description": (
                    "Only on hits that continue a short list (see relaxed): the query "
                    "words (as typed) this hit does not have."
                ),
            },
        },
    },
    "FacetValue": {
        "type": "object",
        "required": ["value", "count"],
        "properties": {"value": {"type": "string"}, "count": {"type": "integer"}},
    },
    "SearchResult": {
        "type": "object",
        "required": ["total", "stories", "hits", "facets", "suggestion", "relaxed"],
        "properties": {
            "total": {
                "type": "integer",
                "description": "Matching articles (every version counted, as the facets do).",
            },
            "stories": {
                "type": "integer",
                "description": "How many stories those articles make; with versions=best "
                "(the default) the hits are pages of stories, one hit per story.",
            },
            "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "facets": {
                "type": "object",
                "properties": {
                    name: {"type": "array", "items": {"$ref": "#/components/schemas/FacetValue"}}
                    for name in ("date", "tag", "place", "site")
                },
            },
            "suggestion": {"type": ["string", "null"]},
            "relaxed": {
                "description": (
                    "Set when no article has every word of a query of plain words: the "
                    "hits (and total and facets) are then the articles with the most of "
                    "the words, ranked by score. Also set when fewer than 10 articles "
                    "have every word of a query of 3 or more plain words (strict): the "
                    "articles with all but one word join them (continued), each with the "
                    "word it lacks in missing, scored lower; total and facets count both. "
                    "Null when every hit has every word. "
                    "Queries with AND, quotes, +word or field: are never relaxed."
                ),
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": [
                            "words",
                            "matched",
                            "absent",
                            "strict",
                            "continued",
                            "message",
                        ],
                        "properties": {
                            "words": {"type": "integer", "description": "words in the query"},
                            "matched": {
                                "type": "integer",
                                "description": (
                                    "how many of them every hit has (the continued hits, "
                                    "when strict is above 0)"
                                ),
                            },
                            "strict": {
                                "type": "integer",
                                "description": (
                                    "hits with every word; 0 when no article has every word"
                                ),
                            },
                            "continued": {
                                "type": "integer",
                                "description": "hits with `matched` of the words",
                            },
                            "absent": {
                                "type": "array",
                                "items": {"type": "string"},
                                "description": "words (as typed) that no article has",
                            },
                            "message": {"type": "string", "description": "the note to show"},
                        },
                    },
                ],
            },
        },
    },
    "Article": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "subtitle": {"type": "string"},
            "body": {"type": "string", "description": "Paragraphs separated by blank lines."},
            "published": {"type": ["string", "null"], "pattern": PUBLISHED_PATTERN},
            "site": {"type": "string"},
            "url": {"type": "string"},
            "language": {"type": "string"},
            "authors": _STRINGS,
            "tags": _STRINGS,
            "places": {**_STRINGS, "description": "What the article is about: the place facet"},
            "mentions": {
                **_STRINGS,
                "description": "Places the text names but is not about (not in the facet)",
            },
        },
    },
    "TrendResult": {
        "type": "object",
        "description": "Per period from the first to the last holding an article under the "
        "filters (gaps included, undated articles in none): `count` articles match the query, "
        "out of `total` articles in the period under the same filters; `share` = count / "
        "total (0 when total is 0). `period` is YYYY, YYYY-MM, YYYY-Www (ISO week) or "
        "YYYY-MM-DD.",
        "required": ["interval", "series"],
        "properties": {
            "interval": {"type": "string", "enum": list(INTERVALS)},
            "series": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["query", "points"],
                    "properties": {
                        "query": {"type": "string"},
                        "points": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["period", "count", "total", "share"],
                                "properties": {
                                    "period": {"type": "string"},
                                    "count": {"type": "integer"},
                                    "total": {"type": "integer"},
                                    "share": {"type": "number"},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
    "TopWordsResult": {
        "type": "object",
        "description": "Words over-represented in a search's hits against the whole archive "
        f"(stop words and the query's own words left out). With more than {TOP_WORDS_SAMPLE} "
        f"hits, the best-ranked {TOP_WORDS_SAMPLE} are read: `sampled` < `total` says so.",
        "required": ["total", "sampled", "articles", "words"],
        "properties": {
            "total": {"type": "integer", "description": "Hits of the search."},
            "sampled": {"type": "integer", "description": "Hits read."},
            "articles": {"type": "integer", "description": "Articles in the archive."},
            "words": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["word", "score", "count", "background"],
                    "properties": {
                        "word": {"type": "string"},
                        "score": {
                            "type": "number",
                            "description": "JLH: (fg - bg) * fg / bg of the shares of hits "
                            "read and of the archive having the word.",
                        },
                        "count": {"type": "integer", "description": "Hits read having it."},
                        "background": {
                            "type": "integer",
                            "description": "Articles of the archive whose body has it.",
                        },
                    },
                },
            },
        },
    },
    "Error": {
        "type": "object",
        "required": ["error", "status", "code"],
        "properties": {
            "error": {"type": "string", "description": "For people, in English."},
            "status": {"type": "integer"},
            "code": {
                "type": "string",
                "description": "The kind of failure, stable for programs "
                "(bad_parameter, query_error, invalid_request, index_missing, ...).",
            },
        },
    },
}


_COUNTS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"value": {"type": "string"}, "count": {"type": "integer"}},
        "required": ["value", "count"],
    },
}
#: ``IndexStats.to_dict()``. Sizes are named for what they measure: a Whoosh index has
#: ``disk_bytes`` (its folder), a Typesense cluster ``memory_bytes``; the other is null.
_STATS = {
    "type": "object",
    "properties": {
        "articles": {"type": "integer"},
        "date_min": {"type": ["string", "null"], "format": "date"},
        "date_max": {"type": ["string", "null"], "format": "date"},
        "tags": _COUNTS,
        "places": _COUNTS,
        "sites": _COUNTS,
        "languages": _COUNTS,
        "disk_bytes": {"type": ["integer", "null"]},
        "memory_bytes": {"type": ["integer", "null"]},
        "location": {"type": "string"},
        "generation": {"type": "string"},
    },
    "required": ["articles", "disk_bytes", "memory_bytes", "generation"],
}


def openapi_document(server_url: str) -> dict:
    """The document; ``server_url`` is the app's root (with any deployment prefix)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "newsarchive API",
            "version": "1",
            "description": "Search a news archive: full text, facets by date, tag, place and "
            "site, single articles, and exports of every hit.",
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/api/search": {
                "get": {
                    "summary": "Search: one page of hits, facet counts and a suggestion",
                    "operationId": "search",
                    "parameters": parameters(API),
                    "responses": {
                        "200": {
                            "description": "The result, as `archive search --format json`",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/SearchResult"}
                                }
                            },
                        },
                        "400": _ERROR,
                        "503": _ERROR,
                    },
                }
            },
            "/api/article/{id}": {
                "get": {
                    "summary": "One article, with its full text",
                    "operationId": "getArticle",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "The article",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Article"}
                                }
                            },
                        },
                        "404": _ERROR,
                        "503": _ERROR,
                    },
                }
            },
            "/api/stats": {
                "get": {
                    "summary": "Size and coverage of the index",
                    "operationId": "stats",
                    "responses": {
                        "200": {
                            "description": "Article count, date range, top tags, places and sites",
                            "content": {"application/json": {"schema": _STATS}},
                        },
                        "503": _ERROR,
                    },
                }
            },
            "/export.csv": {
                "get": {
                    "summary": "Every hit of a search as CSV (streamed, no row limit)",
                    "operationId": "exportCsv",
                    "parameters": parameters(CSV),
                    "responses": {
                        "200": {"description": "CSV", "content": {"text/csv": {}}},
                        "400": _ERROR,
                        "503": _ERROR,
                    },
                }
            },
            "/export.json": {
                "get": {
                    "summary": "Every hit of a search as a JSON array (streamed, no row limit)",
                    "operationId": "exportJson",
                    "parameters": parameters(EXPORT),
                    "responses": {
                        "200": {
                            "description": "A JSON array of hits (snippets empty)",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Hit"},
                                    }
                                }
                            },
                        },
                        "400": _ERROR,
                        "503": _ERROR,
                    },
                }
            },
            "/api/trends": {
                "get": {
                    "summary": "Attention over time: articles per period for up to 5 queries",
                    "operationId": "trends",
                    "parameters": trend_parameters(),
                    "responses": {
                        "200": {
                            "description": "The series, as `archive trends --format json`",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/TrendResult"}
                                }
                            },
                        },
                        "400": _ERROR,
                        "503": _ERROR,
                    },
                }
            },
            "/trends.csv": {
                "get": {
                    "summary": "The trends as CSV: query, period, start, end, count, total, share",
                    "operationId": "trendsCsv",
                    "parameters": trend_parameters(),
                    "responses": {
                        "200": {"description": "CSV", "content": {"text/csv": {}}},
                        "400": _ERROR,
                    },
                }
            },
            "/trends.json": {
                "get": {
                    "summary": "The trends as a JSON download (the same document as /api/trends)",
                    "operationId": "trendsJson",
                    "parameters": trend_parameters(),
                    "responses": {
                        "200": {
                            "description": "The series",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/TrendResult"}
                                }
                            },
                        },
                        "400": _ERROR,
                    },
                }
            },
            "/api/top-words": {
                "get": {
                    "summary": "Top words: words over-represented in a search's hits",
                    "operationId": "topWords",
                    "parameters": top_words_parameters(),
                    "responses": {
                        "200": {
                            "description": "The words, as `archive top-words --format json`",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/TopWordsResult"}
                                }
                            },
                        },
                        "400": _ERROR,
                        "503": _ERROR,
                    },
                }
            },
            "/feed.atom": {
                "get": {
                    "summary": "An Atom feed of a search, newest first",
                    "operationId": "feed",
                    "parameters": parameters(FEED),
                    "responses": {
                        "200": {"description": "Atom", "content": {"application/atom+xml": {}}},
                        "400": _ERROR,
                        "503": _ERROR,
                    },
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }

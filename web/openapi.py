"""The OpenAPI 3.1 description of the JSON API, served at ``/api/openapi.json``."""

from __future__ import annotations

from indexer.api import MAX_PAGE, MAX_PAGE_SIZE, SORTS
from web.state import MAX_FILTER_VALUES, MAX_QUERY_CHARS


def _multi(name: str, description: str, pattern: str | None = None) -> dict:
    items: dict = {"type": "string"}
    if pattern:
        items["pattern"] = pattern
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": {"type": "array", "items": items, "maxItems": MAX_FILTER_VALUES},
        "style": "form",
        "explode": True,
    }


SEARCH_PARAMETERS = [
    {
        "name": "q",
        "in": "query",
        "description": 'Query text (Whoosh syntax: words, "phrases", AND/OR/NOT, field:value). '
        "Empty: every article.",
        "schema": {"type": "string", "maxLength": MAX_QUERY_CHARS},
    },
    _multi("tag", "Only articles with one of these tags."),
    _multi("place", "Only articles in one of these places (`Country` or `Country/Place`)."),
    _multi("site", "Only articles from one of these sites."),
    _multi("language", "Only articles in one of these languages (ISO 639-1)."),
    _multi("lang", "The older name of `language`, still read by the API."),
    _multi("date", "Only articles of these years or months.", r"^\d{4}(-\d{2})?$"),
    {
        "name": "from",
        "in": "query",
        "description": "Published on or after (YYYY-MM-DD; YYYY or YYYY-MM mean the first day).",
        "schema": {"type": "string"},
    },
    {
        "name": "to",
        "in": "query",
        "description": "Published on or before (YYYY-MM-DD; YYYY or YYYY-MM mean the last day).",
        "schema": {"type": "string"},
    },
    {
        "name": "sort",
        "in": "query",
        "schema": {"type": "string", "enum": list(SORTS), "default": "relevance"},
    },
    {
        "name": "page",
        "in": "query",
        "description": "Out of range: HTTP 400.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    },
    {
        "name": "size",
        "in": "query",
        "description": "Hits per page. Out of range: HTTP 400.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 10},
    },
]

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
        ],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "published": {"type": ["string", "null"], "description": "ISO 8601 date or date-time"},
            "site": {"type": "string"},
            "url": {"type": "string", "description": "The article's source; untrusted."},
            "tags": _STRINGS,
            "places": {**_STRINGS, "description": "`Country/Place` paths"},
            "snippet": {
                "type": "string",
                "description": "HTML: the article text escaped, matches in <mark>.",
            },
            "score": {"type": "number"},
        },
    },
    "FacetValue": {
        "type": "object",
        "required": ["value", "count"],
        "properties": {"value": {"type": "string"}, "count": {"type": "integer"}},
    },
    "SearchResult": {
        "type": "object",
        "required": ["total", "hits", "facets", "suggestion"],
        "properties": {
            "total": {"type": "integer"},
            "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "facets": {
                "type": "object",
                "properties": {
                    name: {"type": "array", "items": {"$ref": "#/components/schemas/FacetValue"}}
                    for name in ("date", "tag", "place", "site")
                },
            },
            "suggestion": {"type": ["string", "null"]},
        },
    },
    "Article": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "subtitle": {"type": "string"},
            "body": {"type": "string", "description": "Paragraphs separated by blank lines."},
            "published": {"type": ["string", "null"]},
            "site": {"type": "string"},
            "url": {"type": "string"},
            "language": {"type": "string"},
            "authors": _STRINGS,
            "tags": _STRINGS,
            "places": _STRINGS,
        },
    },
    "Error": {
        "type": "object",
        "required": ["error", "status"],
        "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
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
    params = SEARCH_PARAMETERS
    export_params = [p for p in params if p["name"] not in {"page", "size"}]
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
                    "parameters": params,
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
                    "parameters": export_params,
                    "responses": {
                        "200": {"description": "CSV", "content": {"text/csv": {}}},
                        "400": _ERROR,
                    },
                }
            },
            "/export.json": {
                "get": {
                    "summary": "Every hit of a search as a JSON array (streamed, no row limit)",
                    "operationId": "exportJson",
                    "parameters": export_params,
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
                    },
                }
            },
            "/feed.atom": {
                "get": {
                    "summary": "An Atom feed of a search, newest first",
                    "operationId": "feed",
                    "parameters": [p for p in export_params if p["name"] != "sort"],
                    "responses": {
                        "200": {"description": "Atom", "content": {"application/atom+xml": {}}}
                    },
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }

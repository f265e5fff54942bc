"""The JSON API: the same data as ``archive search --format json``, by the same
parameters as the search page."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from flask import Blueprint, jsonify, request

from archive.article import Article, iso8601
from indexer.params import API
from web.openapi import openapi_document
from web.pages import archive, find_article, settings
from web.state import SearchState

bp = Blueprint("api", __name__, url_prefix="/api")

#: Article fields the API publishes; the file path and content hash are the server's.
ARTICLE_FIELDS = (
    "id",
    "title",
    "subtitle",
    "body",
    "published",
    "site",
    "url",
    "language",
    "authors",
    "tags",
    "places",
    "mentions",
)


def article_to_dict(article: Article) -> dict:
    data = asdict(article)
    published = article.published
    return {
        name: (iso8601(published) or None if isinstance(published, date | datetime) else None)
        if name == "published"
        else data[name]
        for name in ARTICLE_FIELDS
    }


@bp.get("/search")
def search():
    """``SearchResult.to_dict()`` for the query in the URL (ParamError/QueryError -> 400)."""
    state = SearchState.from_args(request.args, API)
    result = archive().search(state.to_query(settings().page_size))
    return jsonify(result.to_dict())


@bp.get("/article/<article_id>")
def article(article_id: str):
    return jsonify(article_to_dict(find_article(article_id)))


@bp.get("/stats")
def stats():
    return jsonify(archive().stats().to_dict())


@bp.get("/openapi.json")
def openapi():
    # Paths are relative to the app's root, so a prefixed deployment's document
    # names its prefix as the server.
    return jsonify(openapi_document(request.script_root or "/"))

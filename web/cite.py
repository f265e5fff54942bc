"""Citation downloads: a whole search (``/export.ris``, ``/export.bib``,
``/export.csl.json``) and one article (``/article/<id>/citation.ris`` ...).

The formatting is :mod:`archive.citation`'s, shared with the CLI; this module only
finds the records. Search hits carry no authors or language, so each hit's article is
fetched as it streams (one stored-fields read per hit, measured in the README), which
keeps memory flat however many hits a search has.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from flask import Blueprint, Response, request, stream_with_context

from archive.citation import EXTENSIONS, MEDIA_TYPES, Citation, render
from indexer.params import EXPORT
from web.feeds import _first_hits, _streamed
from web.pages import archive, find_article, settings
from web.state import SearchState
from web.urls import UrlBuilder
from web.views import web_url

bp = Blueprint("cite", __name__)


def _citations(records: Iterable) -> Iterator[Citation]:
    urls = UrlBuilder()
    name = settings().site_name
    today = datetime.now(UTC).date()
    index = archive()
    for record in records:
        # A hit lacks authors and language; its article has them (and may have gone
        # since the search was run, in which case the hit itself is cited).
        full = index.get(record.id) if not hasattr(record, "authors") else record
        yield Citation.of(
            full or record,
            permalink=urls.permalink(record.id),
            accessed=today,
            archive=name,
            url=web_url(record.url) or "",
        )


def _download(fmt: str, records: Iterable, filename: str) -> Response:
    # The permalinks are built with the request's host and prefix while streaming.
    return Response(
        stream_with_context(_streamed(render(fmt, _citations(records)))),
        # RIS and BibTeX readers guess a file's encoding; say it is UTF-8.
        content_type=f"{MEDIA_TYPES[fmt]}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.{EXTENSIONS[fmt]}"'},
    )


def _export(fmt: str) -> Response:
    hits = _first_hits(SearchState.from_args(request.args, EXPORT))
    return _download(fmt, hits, "newsarchive-export")


@bp.get("/export.ris")
def export_ris():
    return _export("ris")


@bp.get("/export.bib")
def export_bibtex():
    return _export("bibtex")


@bp.get("/export.csl.json")
def export_csljson():
    return _export("csljson")


def _article(fmt: str, article_id: str) -> Response:
    found = find_article(article_id)
    return _download(fmt, [found], f"newsarchive-{found.id}")


@bp.get("/article/<article_id>/citation.ris")
def article_ris(article_id: str):
    return _article("ris", article_id)


@bp.get("/article/<article_id>/citation.bib")
def article_bibtex(article_id: str):
    return _article("bibtex", article_id)


@bp.get("/article/<article_id>/citation.csl.json")
def article_csljson(article_id: str):
    return _article("csljson", article_id)

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
        mimetype=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}.{EXTENSIONS[fmt]}"'},
    )


def _export(fmt: str) -> Response:
    hits = _first_hits(SearchState.from_args(request.args))
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


def meta_tags(article, permalink: str, source_url: str | None) -> list[tuple[str, str]]:
    """The ``<meta>`` tags reference managers read on an article page.

    Highwire Press ``citation_*`` tags carry the fields (Zotero's Embedded Metadata
    translator, Google Scholar, Mendeley all read them). Highwire has no tag for the
    item type, and a ``citation_title`` alone makes Zotero guess a journal article, so
    Dublin Core adds ``DC.type`` ``NewsItem`` (the Eprints type vocabulary, which
    Zotero maps to a newspaper article), plus the archive's permalink as
    ``DC.identifier``. COinS and unAPI are left out: Zotero reads these tags on an
    article page, and a search's hits go to a reference manager as one file through the
    RIS/BibTeX/CSL-JSON exports.
    """
    citation = Citation.of(article, permalink=permalink, url=source_url or "")
    tags: list[tuple[str, str]] = [("citation_title", citation.title)]
    tags += [("citation_author", name.inverted()) for name in citation.authors]
    if citation.published:
        day = citation.published
        tags.append(("citation_publication_date", f"{day.year:04d}/{day.month:02d}/{day.day:02d}"))
    if citation.container:
        tags.append(("citation_journal_title", citation.container))
    if citation.url:
        tags.append(("citation_public_url", citation.url))
    if citation.language:
        tags.append(("citation_language", citation.language))
    if citation.tags:
        tags.append(("citation_keywords", "; ".join(t.replace(";", ",") for t in citation.tags)))
    tags += [("DC.type", "NewsItem"), ("DC.title", citation.title)]
    tags += [("DC.creator", name.inverted()) for name in citation.authors]
    if citation.published:
        tags.append(("DC.date", citation.published.isoformat()))
    if citation.container:
        tags.append(("DC.publisher", citation.container))
    if citation.language:
        tags.append(("DC.language", citation.language))
    tags.append(("DC.identifier", permalink))
    return tags

"""Exports, the Atom feed and the OpenSearch description.

Exports stream every hit (``archive.iter_hits``) from a generator, so a search with
a million hits costs the server one row at a time, not a list in memory.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, request
from flask_babel import gettext as _

from archive.article import iso8601
from indexer.api import CSV_COLUMNS, EXCEL_BOM, Hit
from indexer.params import CSV, EXPORT, FEED
from web import i18n
from web.pages import archive
from web.state import SearchState
from web.urls import UrlBuilder
from web.views import safe_snippet, web_url

log = logging.getLogger(__name__)
bp = Blueprint("feeds", __name__)

#: Entries in the Atom feed unless the URL asks for fewer (``size``).
FEED_ENTRIES = 50
ATOM = "http://www.w3.org/2005/Atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
# Characters XML 1.0 cannot carry at all; an article may hold them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _first_hits(state: SearchState) -> Iterator[Hit]:
    """All hits, with the query parsed before the response starts: a QueryError
    must become a 400, which is impossible once streaming has begun."""
    hits = archive().iter_hits(state.to_query(facets=False, snippets=False))
    first = next(hits, None)
    return itertools.chain([first], hits) if first is not None else iter(())


def _streamed(chunks: Iterator[str]) -> Iterator[str]:
    try:
        yield from chunks
    except Exception:  # noqa: BLE001 - headers are sent; log, and end the body short
        log.exception("export interrupted")


@bp.get("/export.csv")
def export_csv():
    hits = _first_hits(SearchState.from_args(request.args, CSV))
    excel = request.args.get("excel", "").strip().lower() in {"1", "true"}

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        if excel:
            # Excel reads a CSV as the machine's legacy code page unless it starts
            # with a UTF-8 byte-order mark.
            buffer.write(EXCEL_BOM)
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for hit in hits:
            writer.writerow(hit.csv_row())
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return Response(
        _streamed(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="newsarchive-export.csv"'},
    )


@bp.get("/export.json")
def export_json():
    hits = _first_hits(SearchState.from_args(request.args, EXPORT))

    def chunks() -> Iterator[str]:
        yield "["
        for index, hit in enumerate(hits):
            yield ("\n" if index == 0 else ",\n") + json.dumps(hit.to_dict(), ensure_ascii=False)
        yield "\n]\n"

    return Response(
        _streamed(chunks()),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="newsarchive-export.json"'},
    )


def _xml_text(value: str) -> str:
    return _XML_INVALID.sub("", value or "")


def _timestamp(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return iso8601(value)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _xml_text(text)
    return element


@bp.get("/feed.atom")
def atom():
    """The search's newest articles. Built with ElementTree, which escapes every value."""
    state = SearchState.from_args(request.args, FEED)
    state = state.replace(sort="newest", page=1)
    result = archive().search(state.to_query(FEED_ENTRIES, facets=False, snippets=True))
    urls = UrlBuilder()
    site_name = i18n.site_name()

    ET.register_namespace("", ATOM)
    feed = ET.Element(
        f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": i18n.current_language()}
    )
    title = (
        f"{site_name}: {state.text}"
        if state.text
        else _("%(site)s: newest articles", site=site_name)
    )
    _sub(feed, "title", title)
    self_url = urls.feed(state, external=True)
    _sub(feed, "id", self_url)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    alternate = urls.search(state.replace(size=None), external=True)
    _sub(feed, "link", rel="alternate", type="text/html", href=alternate)
    stamps = [s for s in (_timestamp(h.published) for h in result.hits) if s]
    _sub(
        feed, "updated", max(stamps) if stamps else datetime.now(UTC).isoformat(timespec="seconds")
    )
    _sub(_sub(feed, "author"), "name", site_name)
    _sub(feed, "generator", "newsarchive")

    for hit in result.hits:
        entry = _sub(feed, "entry")
        _sub(entry, "title", hit.title or _("(untitled)"))
        page_url = urls.article(hit.id, external=True)
        _sub(entry, "id", page_url)
        _sub(entry, "link", rel="alternate", type="text/html", href=page_url)
        source = web_url(hit.url)
        if source:
            _sub(entry, "link", rel="related", href=source)
        stamp = _timestamp(hit.published)
        _sub(entry, "updated", stamp or datetime.now(UTC).isoformat(timespec="seconds"))
        if stamp:
            _sub(entry, "published", stamp)
        if hit.site:
            _sub(_sub(entry, "author"), "name", hit.site)
        for tag in hit.tags:
            _sub(entry, "category", term=tag)
        if hit.snippet:
            # The snippet is escaped HTML with <mark>; as type="html" content it is
            # escaped once more by ElementTree, as Atom requires.
            _sub(entry, "summary", str(safe_snippet(hit.snippet)), type="html")

    body = ET.tostring(feed, encoding="unicode", xml_declaration=False)
    return Response(
        '<?xml version="1.0" encoding="utf-8"?>\n' + body,
        mimetype="application/atom+xml",
    )


@bp.get("/opensearch.xml")
def opensearch():
    """The OpenSearch description browsers use to add the archive as a search engine."""
    urls = UrlBuilder()
    site_name = i18n.site_name()
    ET.register_namespace("", OPENSEARCH)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{OPENSEARCH}}}{tag}", attrs)
        if text is not None:
            element.text = _xml_text(text)
        return element

    root = ET.Element(f"{{{OPENSEARCH}}}OpenSearchDescription")
    sub(root, "ShortName", site_name[:16])
    sub(root, "Description", _("Search %(site)s", site=site_name)[:1024])
    sub(root, "Language", i18n.current_language())
    sub(root, "InputEncoding", "UTF-8")
    sub(root, "Url", type="text/html", method="get", template=urls.opensearch_template("html"))
    sub(root, "Url", type="application/atom+xml", template=urls.opensearch_template("atom"))
    sub(root, "Url", type="application/json", template=urls.opensearch_template("json"))
    sub(
        root,
        "Url",
        type="application/opensearchdescription+xml",
        rel="self",
        template=urls.opensearch(external=True),
    )
    body = ET.tostring(root, encoding="unicode")
    return Response(
        '<?xml version="1.0" encoding="utf-8"?>\n' + body,
        mimetype="application/opensearchdescription+xml",
    )

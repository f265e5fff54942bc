"""The HTML pages: search (``/``, ``/embed``, ``/?embed=1``) and article pages."""

from __future__ import annotations

import logging
import re

from babel import Locale, UnknownLocaleError
from flask import Blueprint, abort, current_app, g, render_template, request
from markupsafe import Markup

from archive.article import Article, clean_line
from archive.citation import meta_tags
from indexer.errors import QueryError
from indexer.highlight import highlight, query_terms
from web import i18n, views
from web.errors import translated
from web.security import is_embed_request
from web.state import MAX_QUERY_CHARS, ParamError, SearchState
from web.topwords import for_page
from web.urls import UrlBuilder

log = logging.getLogger(__name__)
bp = Blueprint("pages", __name__)

#: Article ids are short hashes; anything else (``../``, encoded slashes, megabytes
#: of junk) is a 404 without touching the index.
ARTICLE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: Similar articles shown under an article.
MORE_LIKE_THIS = 5


def archive():
    """The shared archive handle (raises an ArchiveError, 503, while there is none)."""
    return current_app.extensions["archive_index"].get()


def settings():
    return current_app.config["ARCHIVE"]


@bp.get("/")
def search():
    return _search_page(embed_route=False)


@bp.get("/embed")
def embed():
    return _search_page(embed_route=True)


def _search_page(*, embed_route: bool):
    urls = g.urls = UrlBuilder(embed=is_embed_request(request), embed_route=embed_route)
    page_size = settings().page_size
    try:
        state = SearchState.from_args(request.args)
    except ParamError as exc:
        # Keep what the user typed in the box; the rest of the URL was the problem.
        text = clean_line(request.args.get("q", ""))[:MAX_QUERY_CHARS]
        return _search_error(SearchState(text=text), translated(exc))
    try:
        result = archive().search(state.to_query(page_size))
    except QueryError as exc:
        return _search_error(state, translated(exc))
    page = views.search_page(result, state, state.size or page_size, urls)
    return render_template(
        "search.html", state=state, error=None, top_words=for_page(state, urls), **page
    )


def _search_error(state: SearchState, message: str):
    """The search page again with the query kept and a plain message: HTTP 400."""
    return render_template(
        "search.html", state=state, error=message, total=None, top_words=None
    ), 400


def find_article(article_id: str) -> Article:
    """The article with this id, or a 404; an id that cannot be one (``../``, a
    100 KB string) is refused before the index is asked."""
    if not ARTICLE_ID.match(article_id):
        abort(404)
    found = archive().get(article_id)
    if found is None:
        abort(404)
    return found


@bp.get("/article/<article_id>")
def article(article_id: str):
    found = find_article(article_id)
    urls: UrlBuilder = g.get("urls") or UrlBuilder(embed=is_embed_request(request))
    try:
        similar = archive().more_like_this(article_id, limit=MORE_LIKE_THIS)
    except Exception:  # noqa: BLE001 - "more like this" is an extra; the article still shows
        log.exception("more_like_this failed for %s", article_id)
        similar = []
    empty = SearchState()
    permalink = urls.permalink(found.id)
    # The search the reader came from (the parameters of the results page): the way
    # back to it, and the words to mark.
    state = SearchState.from_args(request.args)
    terms = query_terms(state.text)
    return render_template(
        "article.html",
        article=found,
        permalink=permalink,
        citation_meta=meta_tags(found, permalink, views.web_url(found.url)),
        language_name=_language_name(found.language),
        state=state,
        back_url=urls.back_to_results(state, found.id) if state != empty else None,
        paragraphs=[Markup(highlight(p, terms)) for p in found.body.split("\n\n") if p.strip()],
        published=views.display_date(found.published),
        published_iso=views.iso_date(found.published),
        source_url=views.web_url(found.url),
        tags=[views.Link(t, urls.search(empty.toggled("tag", t))) for t in found.tags],
        places=[
            views.Link(
                views.place_description(p, found.language), urls.search(empty.toggled("place", p))
            )
            for p in found.places
        ],
        # Mentions are not facet values: each links to the articles naming the place.
        mentions=[
            views.Link(
                views.place_description(p, found.language),
                urls.search(empty.replace(text=f'place:"{p.rsplit("/", 1)[-1]}"')),
            )
            for p in found.mentions
        ],
        site=views.Link(found.site, urls.search(empty.toggled("site", found.site)))
        if found.site
        else None,
        similar=[views.hit_view(hit, empty, urls) for hit in similar],
        api_url=urls.api_article(found.id),
    )


def _language_name(code: str) -> str:
    """An article's language named in the interface language (``vi`` -> ``Vietnamese``
    or ``Tiếng Việt``); the code itself when Babel does not know it."""
    try:
        return (
            Locale.parse(code.replace("-", "_")).get_display_name(i18n.current_language()) or code
        )
    except (ValueError, TypeError, UnknownLocaleError):
        return code

"""The one object that builds every URL the app emits.

Datasette's lesson (its issues #838 and #1519 were links that bypassed its URL
builder): when every link, form action, facet toggle, page link, feed, export and API
link comes from one place, a deployment under a path prefix is right everywhere at
once. Flask's ``url_for`` already honours ``SCRIPT_NAME`` (set by a WSGI mount, or by
ProxyFix from ``X-Forwarded-Prefix``); this class adds the search state, so templates
never concatenate a URL.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app, request, url_for

from web.i18n import LANG_PARAM, link_language
from web.state import SearchState


def _lang(args: dict | None = None) -> dict:
    """``args`` plus the language chosen in this request's URL, so links keep it."""
    args = dict(args or {})
    chosen = link_language()
    if chosen:
        args[LANG_PARAM] = chosen
    return args


class UrlBuilder:
    """URLs for one request. ``embed`` keeps the embedded (chrome-less) view on every
    search link; ``embed_route`` says the page is ``/embed`` itself rather than a
    ``?embed=1`` view of ``/``."""

    def __init__(self, *, embed: bool = False, embed_route: bool = False) -> None:
        self.embed = embed or embed_route
        self.embed_route = embed_route

    # -- pages -----------------------------------------------------------------------

    def search(self, state: SearchState | None = None, *, external: bool = False) -> str:
        """The search page for a state (the current view: ``/``, ``/?embed=1`` or ``/embed``)."""
        args = _lang(state.to_args() if state else {})
        if self.embed_route:
            return url_for("pages.embed", _external=external, **args)
        if self.embed:
            args["embed"] = "1"
        return url_for("pages.search", _external=external, **args)

    def form_action(self) -> str:
        """Where the search form goes; its fields carry the state."""
        return url_for("pages.embed" if self.embed_route else "pages.search")

    def home(self) -> str:
        return url_for("pages.search", **_lang())

    def embed_page(self, state: SearchState | None = None) -> str:
        return url_for("pages.embed", **_lang(state.to_args() if state else {}))

    def article(
        self, article_id: str, state: SearchState | None = None, *, external: bool = False
    ) -> str:
        """The article page; with the search it was found by, so that the page can lead
        back to the same results and mark the query's words.

        Article pages are never shown in the frame: embedded links open them in the
        parent page or a new tab, so they need no embed flag."""
        args = _lang(state.to_args() if state else {})
        return url_for("pages.article", article_id=article_id, _external=external, **args)

    def back_to_results(self, state: SearchState, article_id: str) -> str:
        """The results page the article was found on, scrolled to its entry."""
        return f"{url_for('pages.search', **_lang(state.to_args()))}#result-{article_id}"

    def permalink(self, article_id: str) -> str:
        """The article's permanent address: absolute, in no particular language."""
        return url_for("pages.article", article_id=article_id, _external=True)

    def language_switch(self, code: str) -> str:
        """This very page in another language (the switch in the page header): the
        same endpoint and arguments, ``lang`` replaced. Pages with no endpoint of
        their own (a 404) switch to the search page."""
        endpoint = request.endpoint if request.endpoint and request.url_rule else None
        if endpoint is None or endpoint.startswith(("api.", "static")):
            only_language: dict[str, Any] = {LANG_PARAM: code}
            return url_for("pages.search", **only_language)
        # Query arguments are the user's; url_for's own options (``_external``...) and
        # the view's arguments are not taken from them.
        args: dict[str, Any] = {  # Any: url_for's **values (see _args)
            k: v
            for k, v in request.args.lists()
            if k != LANG_PARAM and not k.startswith("_") and k not in (request.view_args or {})
        }
        args[LANG_PARAM] = [code]
        return url_for(endpoint, **args, **(request.view_args or {}))

    def trends(self, args: dict | None = None) -> str:
        """The trends page for a :meth:`TrendState.to_args` dict."""
        args = dict(args or {})
        if self.embed:
            args["embed"] = "1"
        return url_for("trends.page", **_lang(args))

    def trends_action(self) -> str:
        """Where the trends form goes (a GET form drops the action's query string, so
        the embed flag travels as a hidden field)."""
        return url_for("trends.page")

    def trends_of(self, state: SearchState) -> str:
        """The trends page for a search: its query over time, under its filters."""
        args = state.replace(text="", sort="relevance", page=1, size=None).to_args()
        if state.text:
            args["q"] = [state.text]
        return self.trends(args)

    # -- machine formats ----------------------------------------------------------------

    def api_search(self, state: SearchState | None = None) -> str:
        return url_for("api.search", **_args(state))

    def api_article(self, article_id: str) -> str:
        return url_for("api.article", article_id=article_id)

    def api_stats(self) -> str:
        return url_for("api.stats")

    def openapi(self) -> str:
        return url_for("api.openapi")

    def export(self, fmt: str, state: SearchState) -> str:
        """``/export.csv``, ``.json``, ``.ris``, ``.bib`` or ``.csl.json``: every hit,
        so paging is left out."""
        args = _args(state.replace(page=1, size=None))
        blueprint = "cite" if fmt in ("ris", "bibtex", "csljson") else "feeds"
        return url_for(f"{blueprint}.export_{fmt}", **args)

    def citation(self, fmt: str, article_id: str) -> str:
        """One article as ``ris``, ``bibtex`` or ``csljson``."""
        return url_for(f"cite.article_{fmt}", article_id=article_id)

    def feed(self, state: SearchState | None = None, *, external: bool = False) -> str:
        """The Atom feed of a search: always newest first, so sort and paging are left out."""
        args = state.replace(page=1, sort="relevance").to_args() if state else {}
        return url_for("feeds.atom", _external=external, **_lang(args))

    def trends_download(self, fmt: str, args: dict) -> str:
        """``/trends.csv`` or ``/trends.json`` for a :meth:`TrendState.to_args` dict."""
        return url_for(f"trends.download_{fmt}", **args)

    def api_trends(self, args: dict | None = None) -> str:
        return url_for("trends.api", **(args or {}))

    def opensearch(self, *, external: bool = False) -> str:
        return url_for("feeds.opensearch", _external=external, **_lang())

    def opensearch_template(self, kind: str) -> str:
        """An OpenSearch URL template (``...?q={searchTerms}``); the braces must stay
        literal, so they are appended here rather than escaped by ``url_for``."""
        base = {
            "html": url_for("pages.search", _external=True),
            "atom": url_for("feeds.atom", _external=True),
            "json": url_for("api.search", _external=True),
        }[kind]
        chosen = link_language() if kind != "json" else None
        return f"{base}?q={{searchTerms}}" + (f"&{LANG_PARAM}={chosen}" if chosen else "")

    def static(self, filename: str) -> str:
        """A static file's URL with a hash of its content (``?v=``): a reverse proxy may
        let browsers cache it for a year (deploy/nginx-newsarchive.conf), and a new
        release still reaches them at once, under a new URL."""
        version = static_version(current_app.static_folder or "", filename)
        if version:
            return url_for("static", filename=filename, v=version)
        return url_for("static", filename=filename)

    def root(self, *, external: bool = False) -> str:
        """The app's own root (with any prefix), e.g. for the OpenAPI ``servers`` entry."""
        return url_for("pages.search", _external=external)


def _args(state: SearchState | None) -> dict[str, Any]:
    """A state's URL arguments as ``url_for``'s ``**values`` (typed ``Any``): spread from
    their own type, mypy would match them against ``url_for``'s ``_external`` and
    ``_anchor`` keywords, which no state argument is."""
    return state.to_args() if state else {}


@lru_cache(maxsize=64)
def static_version(folder: str, filename: str) -> str:
    """The first 10 hex digits of the file's SHA-256 ('' if it cannot be read); read
    once per process, since static files change only with a release."""
    try:
        data = (Path(folder) / filename).read_bytes()
    except OSError:
        return ""
    return hashlib.sha256(data).hexdigest()[:10]

"""A search's top words on the web: beside the results (links that add the word to
the query) and as ``/api/top-words``.

Parameters: the search page's own (``q`` and the filters, read by
:class:`~web.state.SearchState`), and ``limit`` (how many words). The words come from
the search API (:meth:`Searcher.top_words`); nothing is counted here.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from indexer.api import MAX_TOP_WORDS, TopWordsResult
from indexer.params import API
from web.state import ParamError, SearchState
from web.urls import UrlBuilder

log = logging.getLogger(__name__)
bp = Blueprint("topwords", __name__)

#: Words shown beside the results.
SHOWN = 15
DEFAULT_LIMIT = 20
_OPERATOR = re.compile(r"\b(?:OR|NOT|AND)\b|(?:^|\s)[-+(]")


@dataclass
class WordLink:
    word: str
    #: The search with the word added to the query.
    url: str
    #: "in 12 of 40 hits, 30 of 3,000 articles"
    detail: str


@dataclass
class TopWordsView:
    words: list[WordLink]
    #: What was read: "all 40 articles found" or "the 100 best-ranked of 5,000 articles".
    basis: str


def with_word(text: str, word: str) -> str:
    """The query with ``word`` added (AND); a query with operators is bracketed first,
    so ``flood OR storm`` becomes ``(flood OR storm) word``, not ``flood OR storm word``."""
    text = text.strip()
    if not text:
        return word
    if _OPERATOR.search(text):
        return f"({text}) {word}"
    return f"{text} {word}"


def top_words_view(result: TopWordsResult, state: SearchState, urls: UrlBuilder) -> TopWordsView:
    basis = (
        _(
            "the %(sampled)s best-ranked of %(total)s articles found (a sample)",
            sampled=f"{result.sampled:,}",
            total=f"{result.total:,}",
        )
        if result.is_sample
        else _("all %(total)s articles found", total=f"{result.total:,}")
    )
    return TopWordsView(
        words=[
            WordLink(
                w.word,
                urls.search(state.replace(text=with_word(state.text, w.word), page=1)),
                _(
                    "in %(count)s of %(sampled)s articles read, %(background)s of "
                    "%(articles)s in the archive",
                    count=f"{w.count:,}",
                    sampled=f"{result.sampled:,}",
                    background=f"{w.background:,}",
                    articles=f"{result.articles:,}",
                ),
            )
            for w in result.words[:SHOWN]
        ],
        basis=basis,
    )


def _archive():
    """The shared archive handle, as :func:`web.pages.archive` (which imports this
    module, so it is not imported from there)."""
    return current_app.extensions["archive_index"].get()


def for_page(state: SearchState, urls: UrlBuilder) -> TopWordsView | None:
    """The search page's top words, or None: not for browsing everything (the hits
    are the archive), and never at the cost of the page (an error is logged)."""
    if not state.text and not state.has_filters():
        return None
    try:
        result = _archive().top_words(state.to_query(facets=False, snippets=False), SHOWN)
    except Exception:  # noqa: BLE001 - an extra beside the results; the page still shows
        log.exception("top words failed for %r", state.text)
        return None
    return top_words_view(result, state, urls) if result.words else None


def _limit(raw: str | None) -> int:
    text = (raw or "").strip()
    if not text:
        return DEFAULT_LIMIT
    if not (text.isascii() and text.isdigit() and 1 <= int(text[:4]) <= MAX_TOP_WORDS):
        raise ParamError(_("limit must be a whole number from 1 to %(most)s.", most=MAX_TOP_WORDS))
    return int(text)


@bp.get("/api/top-words")
def api():
    """``TopWordsResult.to_dict()`` for the search in the URL (400 for bad input)."""
    # The search's own parameters, by the JSON API's rules (indexer.params), and limit.
    search_args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k != "limit"])
    state = SearchState.from_args(search_args, API)
    limit = _limit(request.args.get("limit"))
    query = state.to_query(facets=False, snippets=False)
    return jsonify(_archive().top_words(query, limit).to_dict())

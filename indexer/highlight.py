"""The query's words marked in a whole article: what the article page shows when the
reader came from a search.

It uses the snippet builder's matching (:class:`indexer.snippets.TermSet`: the same
analysis the index used, so a word is marked exactly when it would have matched) over
the full text instead of a window, and the engine-neutral query language, so it works
whichever engine answered the search.
"""

from __future__ import annotations

import html
from functools import cache

from indexer.analysis import WORD_PATTERN
from indexer.query import make_parser, parse, positive_terms
from indexer.snippets import TermSet, terms_for_snippets

__all__ = ["highlight", "query_terms"]


@cache
def _parser():
    return make_parser()  # the core's own query schema


def query_terms(text: str) -> TermSet:
    """The terms an article matching ``text`` contains; empty for a query that cannot
    be read or has only wildcards (those need an index to expand)."""
    if not text.strip():
        return TermSet()
    try:
        parsed = parse(_parser(), text, None)
        return terms_for_snippets(positive_terms(parsed.query, None))
    except Exception:  # noqa: BLE001 - highlighting is an extra; the page still shows
        return TermSet()


def highlight(text: str, terms: TermSet) -> str:
    """HTML: ``text`` escaped, with every word that matches ``terms`` in ``<mark>``."""
    if not terms:
        return html.escape(text, quote=False)
    parts: list[str] = []
    cursor = 0
    for match in WORD_PATTERN.finditer(text):
        if terms.matches(match.group()):
            start, end = match.span()
            parts.append(html.escape(text[cursor:start], quote=False))
            parts.append("<mark>" + html.escape(text[start:end], quote=False) + "</mark>")
            cursor = end
    parts.append(html.escape(text[cursor:], quote=False))
    return "".join(parts)

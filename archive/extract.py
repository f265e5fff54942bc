"""Fill in what a file left out: dates from the URL or text, tags from the URL's
section, places from the gazetteer, a site from the URL's host, a title from the first
sentence. Metadata the file gave always wins."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from archive.article import Article
from archive.dates import date_from_text, date_from_url
from archive.language import guess_language
from archive.places import locate_places, resolve_place
from archive.tags import normalise_tags, tags_from_url

#: A derived title is cut at a word boundary near this many characters.
DERIVED_TITLE_CHARS = 100
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s")


def enrich(article: Article, *, dayfirst: bool = False, dateline: str = "") -> Article:
    """Complete ``article`` in place and return it."""
    if not article.title and article.body:
        article.title = title_from_body(article.body)
        article.warnings.append("no title: used the first sentence of the text")
    if not article.site and article.url:
        article.site = site_from_url(article.url)
    if article.published is None:
        article.published = date_from_url(article.url) or date_from_text(
            article.body, dayfirst=dayfirst
        )
    if not article.language:
        article.language = guess_language(f"{article.title}\n{article.body}")
    article.tags = normalise_tags(article.tags) or tags_from_url(article.url)
    found = locate_places(article.title, article.body, dateline)
    if article.places:
        # The file's own places are what it is about; whatever else the text names is
        # a mention.
        resolved = []
        for name in article.places:
            path = resolve_place(name)
            if path is None:
                article.warnings.append(f"unknown place {name!r} in metadata, kept as given")
                path = name
            if path not in resolved:
                resolved.append(path)
        article.places = resolved
        named = found.about + found.mentions
    else:
        article.places = found.about
        named = found.mentions
    article.mentions = [
        p for p in named if not any(a == p or a.startswith(p + "/") for a in article.places)
    ]
    return article


def title_from_body(body: str) -> str:
    """The first sentence of the text, shortened at a word boundary if it is long."""
    first = _SENTENCE_END.split(body.split("\n", 1)[0], maxsplit=1)[0].strip()
    if len(first) <= DERIVED_TITLE_CHARS:
        return first
    cut = first[:DERIVED_TITLE_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def site_from_url(url: str) -> str:
    """The host a URL names, without ``www.``: ``https://www.bbc.co.uk/x`` -> ``bbc.co.uk``."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host.removeprefix("www.")

"""Fill in what a file left out: dates from the URL or text, tags from the URL's
section, places from the gazetteer. Metadata the file gave always wins."""

from __future__ import annotations

from archive.article import Article
from archive.dates import date_from_text, date_from_url
from archive.language import guess_language
from archive.places import find_places, resolve_place
from archive.tags import normalise_tags, tags_from_url


def enrich(article: Article, *, dayfirst: bool = False, dateline: str = "") -> Article:
    """Complete ``article`` in place and return it."""
    if article.published is None:
        article.published = date_from_url(article.url) or date_from_text(
            article.body, dayfirst=dayfirst
        )
    if not article.language:
        article.language = guess_language(f"{article.title}\n{article.body}")
    article.tags = normalise_tags(article.tags) or tags_from_url(article.url)
    if article.places:
        resolved = []
        for name in article.places:
            path = resolve_place(name)
            if path is None:
                article.warnings.append(f"unknown place {name!r} in metadata, kept as given")
                path = name
            if path not in resolved:
                resolved.append(path)
        article.places = resolved
    else:
        article.places = find_places(article.title, article.body, dateline)
    return article

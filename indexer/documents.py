"""The stored form of an Article, shared by every engine.

An engine keeps, for each article, what is needed to rebuild the :class:`Article` and to
show a hit; both engines store the same dictionary (:func:`stored_fields`), so a hit, an
article page and an export look the same whichever engine answers. Facet keys
(:func:`facet_key`) and the day/time split of a date are shared for the same reason: a
filter must select the same articles on every engine.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from archive import Article
from archive.tags import tag_key as facet_key
from indexer.api import Hit

__all__ = [
    "day_and_time",
    "facet_key",
    "parse_published",
    "stored_fields",
    "to_article",
    "version_hit",
]


def day_and_time(published: date | datetime | None) -> tuple[str, str]:
    """``("YYYYMMDD", "HHMM")`` in UTC; a date without a time sorts at 00:00."""
    if published is None:
        return "", ""
    if isinstance(published, datetime):
        moment = published.astimezone(UTC) if published.tzinfo else published
        return moment.strftime("%Y%m%d"), moment.strftime("%H%M")
    return published.strftime("%Y%m%d"), "0000"


def stored_fields(article: Article) -> dict:
    """What the index keeps of an Article: enough to rebuild it and to show a hit."""
    return {
        "id": article.id,
        "title": article.title,
        "subtitle": article.subtitle,
        "body": article.body,
        "published": article.published.isoformat() if article.published else "",
        "site": article.site,
        "url": article.url,
        "language": article.language,
        "authors": list(article.authors),
        "tags": list(article.tags),
        "places": list(article.places),
        "mentions": list(article.mentions),
        "source_path": article.source_path,
        "content_hash": article.content_hash,
    }


def parse_published(value: str) -> date | datetime | None:
    if not value:
        return None
    if "T" in value:
        return datetime.fromisoformat(value)
    return date.fromisoformat(value)


def to_article(stored: dict) -> Article:
    """Rebuild the Article from its stored fields."""
    return Article(
        id=stored["id"],
        title=stored["title"],
        body=stored["body"],
        subtitle=stored.get("subtitle", ""),
        published=parse_published(stored.get("published", "")),
        site=stored.get("site", ""),
        url=stored.get("url", ""),
        language=stored.get("language", ""),
        authors=list(stored.get("authors", [])),
        tags=list(stored.get("tags", [])),
        places=list(stored.get("places", [])),
        mentions=list(stored.get("mentions", [])),
        source_path=stored.get("source_path", ""),
        content_hash=stored.get("content_hash", ""),
    )


def stored_hit(
    stored: dict, *, snippet: str = "", score: float = 0.0, cluster: str = "", versions: int = 1
) -> Hit:
    """A hit from an article's stored fields (both engines store the same ones)."""
    return Hit(
        id=stored["id"],
        title=stored.get("title", ""),
        published=parse_published(stored.get("published", "")),
        site=stored.get("site", ""),
        url=stored.get("url", ""),
        tags=list(stored.get("tags", [])),
        places=list(stored.get("places", [])),
        snippet=snippet,
        score=score,
        cluster=cluster,
        versions=versions,
    )


def version_hit(stored: dict, of: Hit) -> Hit:
    """Another version of ``of``'s story, from its stored fields, as a hit without
    snippet or score (both engines list a story's other versions this way)."""
    return stored_hit(stored, cluster=of.cluster, versions=of.versions)

"""The Whoosh schema, and how an Article becomes a Whoosh document.

Three kinds of fields, each for one job:

- **Search text.** ``title``/``body`` hold English articles, stemmed;
  ``title_plain``/``body_plain`` hold articles in other languages, folded but not
  stemmed (so ``English stemming where the article is English`` costs no second copy of
  any text). ``tag``, ``place`` and ``site`` are folded text too, so ``place:"da nang"``
  and ``tag:politics`` find what a user expects. Queries search both variants.
- **Facet keys.** ``tag_key``, ``place_key`` (every ancestor of every place),
  ``site_key``, ``lang``, ``day`` (``YYYYMMDD``) and ``tod`` (``HHMM``, UTC) are exact
  keys. Facet counting, filtering and date sorting read their postings once per
  searcher into NumPy arrays (see :mod:`indexer.facets`), which is why there is no
  date column or ``DateRangeFacet``: year and month derive from ``day``.
- **Display.** ``*_label`` fields hold display forms (the key is case-folded);
  ``doc`` stores everything needed to rebuild the Article; the ``manifest`` column
  holds ``id, content hash, file`` for incremental indexing without unpickling bodies.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from whoosh import columns, fields
from whoosh.analysis import RegexTokenizer

from archive import Article
from archive.places import with_ancestors
from indexer.analysis import (
    VALUE_SEPARATOR,
    DirectPositions,
    english_analyzer,
    is_english,
    plain_analyzer,
    site_analyzer,
)

#: Bumped whenever the schema or analysis changes in a way that needs a rebuild.
SCHEMA_VERSION = 1

#: Fields a user may name in a query, and the index fields each one searches.
QUERY_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "title_plain"),
    "body": ("body", "body_plain"),
    "tag": ("tag",),
    "place": ("place",),
    "site": ("site",),
}
#: What an unfielded word searches, with boosts: a match in the title counts more.
DEFAULT_FIELDS: dict[str, float] = {
    "title": 3.0,
    "title_plain": 3.0,
    "body": 1.0,
    "body_plain": 1.0,
}
ENGLISH_FIELDS = ("title", "body")
PLAIN_FIELDS = ("title_plain", "body_plain")


def _values_field() -> fields.KEYWORD:
    """A multi-valued exact field: values separated by VALUE_SEPARATOR, kept verbatim."""
    return fields.KEYWORD(analyzer=RegexTokenizer(rf"[^{VALUE_SEPARATOR}]+"), scorable=False)


def _text(analyzer) -> fields.TEXT:
    """A TEXT field (positions, scorable) whose postings are made by
    :class:`DirectPositions`: the same postings as Whoosh's, made faster."""
    field = fields.TEXT(analyzer=analyzer)
    field.format = DirectPositions(field_boost=field.format.field_boost)
    return field


def build_schema() -> fields.Schema:
    english = english_analyzer()
    plain = plain_analyzer()
    return fields.Schema(
        id=fields.ID(unique=True),
        title=_text(english),
        body=_text(english),
        title_plain=_text(plain),
        body_plain=_text(plain),
        tag=_text(plain),
        place=_text(plain),
        site=_text(site_analyzer()),
        tag_key=_values_field(),
        place_key=_values_field(),
        tag_label=_values_field(),
        place_label=_values_field(),
        site_key=fields.ID(),
        site_label=fields.ID(),
        lang=fields.ID(),
        day=fields.ID(),
        tod=fields.ID(),
        doc=fields.STORED(),
        manifest=fields.COLUMN(columns.VarBytesColumn()),
    )


def key(value: str) -> str:
    """The facet key of a tag, place or site: matched case-insensitively."""
    return " ".join(value.split()).casefold()


def day_and_time(published: date | datetime | None) -> tuple[str, str]:
    """``("YYYYMMDD", "HHMM")`` in UTC; a date without a time sorts at 00:00."""
    if published is None:
        return "", ""
    if isinstance(published, datetime):
        moment = published.astimezone(UTC) if published.tzinfo else published
        return moment.strftime("%Y%m%d"), moment.strftime("%H%M")
    return published.strftime("%Y%m%d"), "0000"


def manifest_entry(article_id: str, content_hash: str, file: str) -> bytes:
    return f"{article_id}\x1f{content_hash}\x1f{file}".encode()


def parse_manifest(value: bytes) -> tuple[str, str, str]:
    article_id, content_hash, file = value.decode("utf-8").split("\x1f", 2)
    return article_id, content_hash, file


def to_document(article: Article, file: str | Path) -> dict:
    """The Whoosh document for one Article read from ``file`` (an absolute path)."""
    searchable_body = "\n\n".join(part for part in (article.subtitle, article.body) if part)
    places = with_ancestors(article.places)
    day, tod = day_and_time(article.published)
    doc = {
        "id": article.id,
        "tag": VALUE_SEPARATOR.join(article.tags),
        "place": VALUE_SEPARATOR.join(p.replace("/", " ") for p in article.places),
        "site": article.site,
        "tag_key": VALUE_SEPARATOR.join(key(t) for t in article.tags),
        "tag_label": VALUE_SEPARATOR.join(article.tags),
        "place_key": VALUE_SEPARATOR.join(key(p) for p in places),
        "place_label": VALUE_SEPARATOR.join(places),
        "site_key": key(article.site),
        "site_label": article.site,
        "lang": key(article.language),
        "day": day,
        "tod": tod,
        "doc": stored_fields(article),
        "manifest": manifest_entry(article.id, article.content_hash, str(file)),
    }
    if is_english(article.language):
        doc["title"], doc["body"] = article.title, searchable_body
    else:
        doc["title_plain"], doc["body_plain"] = article.title, searchable_body
    # Whoosh indexes an empty string as nothing, but an empty ID would become a term.
    return {name: value for name, value in doc.items() if value != ""}


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
        source_path=stored.get("source_path", ""),
        content_hash=stored.get("content_hash", ""),
    )

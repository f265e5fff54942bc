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
  searcher into NumPy arrays (see :mod:`indexer.whoosh.facets`), which is why there is no
  date column or ``DateRangeFacet``: year and month derive from ``day``.
- **Display.** ``*_label`` fields hold display forms (the key is case-folded);
  ``doc`` stores everything needed to rebuild the Article; the ``manifest`` column
  holds ``id, content hash, file`` for incremental indexing without unpickling bodies.
"""

from __future__ import annotations

from pathlib import Path

from whoosh import columns, fields
from whoosh.analysis import RegexTokenizer

from archive import Article
from archive.clusters import NUM_PERM
from archive.places import with_ancestors
from indexer.analysis import (
    VALUE_SEPARATOR,
    DirectPositions,
    is_english,
)
from indexer.clusters import article_signature
from indexer.documents import day_and_time, facet_key, stored_fields
from indexer.query import query_schema

#: Bumped whenever the schema or analysis changes in a way that needs a rebuild.
#: 2: words split at dots and commas (acronyms kept); split query words are phrases.
#: 3: the place field also holds the places an article only mentions (Article.mentions).
#: 4: story clusters: the ``cluster`` key and the ``story`` column (signature, cluster).
SCHEMA_VERSION = 4


#: The fields that hold an article's title, subtitle and body (:func:`to_document`):
#: the text its spelling words come from.
ARTICLE_TEXT_FIELDS = frozenset({"title", "body", "title_plain", "body_plain"})

#: Bytes of a stored signature (32-bit values).
SIGNATURE_BYTES = NUM_PERM * 4


def _values_field() -> fields.KEYWORD:
    """A multi-valued exact field: values separated by VALUE_SEPARATOR, kept verbatim."""
    return fields.KEYWORD(analyzer=RegexTokenizer(rf"[^{VALUE_SEPARATOR}]+"), scorable=False)


def build_schema() -> fields.Schema:
    """The index's schema: the searchable fields of :func:`indexer.query.query_schema`
    (the same analysers the query parser uses, by construction), with postings made by
    :class:`DirectPositions` (the same postings as Whoosh's, made faster), and the
    facet, display and bookkeeping fields."""
    schema = query_schema()
    for _name, field in schema.items():
        field.format = DirectPositions(field_boost=field.format.field_boost)
    for name, field in dict(
        id=fields.ID(unique=True),
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
        # The story cluster (indexed: the per-document cluster column of a searcher;
        # a new document's is added to its segment's postings once the run's clusters
        # are known, see indexer.whoosh.writer) and, in the ``story`` column, the
        # MinHash signature the next run reclusters from.
        cluster=fields.ID(),
        story=fields.COLUMN(columns.VarBytesColumn()),
    ).items():
        schema.add(name, field)
    return schema


def manifest_entry(article_id: str, content_hash: str, file: str) -> bytes:
    return f"{article_id}\x1f{content_hash}\x1f{file}".encode()


def parse_manifest(value: bytes) -> tuple[str, str, str]:
    article_id, content_hash, file = value.decode("utf-8").split("\x1f", 2)
    return article_id, content_hash, file


def story_entry(signature: bytes) -> bytes:
    """The ``story`` column: a flag byte, then the signature if there is one."""
    return b"S" + signature if signature else b"-"


def parse_story(value: bytes) -> bytes:
    """The signature in a ``story`` column value (``b""``: none)."""
    return value[1 : 1 + SIGNATURE_BYTES] if value[:1] == b"S" else b""


def cluster_posting(cluster: str, docnum: int) -> tuple:
    """The posting of ``cluster`` for document ``docnum`` of a segment being written,
    as Whoosh's writer adds an ID field's term to its posting pool."""
    return ("cluster", cluster.encode("utf-8"), docnum, 1.0, b"")


def to_document(
    article: Article,
    file: str | Path,
    *,
    cluster: str | None = None,
    signature: bytes | None = None,
) -> dict:
    """The Whoosh document for one Article read from ``file`` (an absolute path).

    Its MinHash ``signature`` is computed here unless given: this runs in the writer's
    worker processes, in parallel. Without a ``cluster`` the document has none yet:
    the writer adds it when the run's clusters are known (:func:`cluster_posting`)."""
    if signature is None:
        signature = article_signature(article.body)
    searchable_body = "\n\n".join(part for part in (article.subtitle, article.body) if part)
    places = with_ancestors(article.places)
    day, tod = day_and_time(article.published)
    doc = {
        "id": article.id,
        "tag": VALUE_SEPARATOR.join(article.tags),
        # place: finds what an article is about and what it mentions; the facet
        # (place_key) counts only what it is about.
        "place": VALUE_SEPARATOR.join(
            p.replace("/", " ") for p in [*article.places, *article.mentions]
        ),
        "site": article.site,
        "tag_key": VALUE_SEPARATOR.join(facet_key(t) for t in article.tags),
        "tag_label": VALUE_SEPARATOR.join(article.tags),
        "place_key": VALUE_SEPARATOR.join(facet_key(p) for p in places),
        "place_label": VALUE_SEPARATOR.join(places),
        "site_key": facet_key(article.site),
        "site_label": article.site,
        "lang": facet_key(article.language),
        "day": day,
        "tod": tod,
        "doc": stored_fields(article),
        "manifest": manifest_entry(article.id, article.content_hash, str(file)),
        "cluster": cluster or "",
        "story": story_entry(signature),
    }
    if is_english(article.language):
        doc["title"], doc["body"] = article.title, searchable_body
    else:
        doc["title_plain"], doc["body_plain"] = article.title, searchable_body
    # Whoosh indexes an empty string as nothing, but an empty ID would become a term.
    return {name: value for name, value in doc.items() if value != ""}

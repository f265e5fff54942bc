"""Map a record's own field names (``headline``, ``pubDate``, ``article_source_link``)
onto the Article's, for every format that carries named fields: CSV, JSON, JSONL and
Markdown front matter.

Exports name the same thing in many ways, so names are compared case-insensitively and
without separators (``publish_date``, ``Publish Date`` and ``publishDate`` are one
name). An explicit mapping from the user wins over these defaults.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

#: Article field -> the names it goes by in exports, most specific first.
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "name"),
    "body": ("body", "text", "content", "article", "articlebody", "fulltext", "maintext"),
    "subtitle": ("subtitle", "summary", "description", "dek", "standfirst", "abstract"),
    "published": (
        "date",
        "published",
        "publishdate",
        "pubdate",
        "datepublished",
        "publishedat",
        "publicationdate",
        "createdat",
    ),
    "url": ("url", "link", "articlesourcelink", "sourceurl", "permalink", "weburl"),
    "tags": ("tags", "keywords", "categories", "category", "topics", "section"),
    "places": ("places", "locations", "location"),
    "authors": ("authors", "author", "byline", "creator"),
    "site": ("site", "source", "publisher", "sitename"),
    "language": ("language", "lang"),
    "id": ("id", "articleid"),
}

#: Names a user may give as keys of an explicit mapping, besides the Article fields.
_MAPPING_ALIASES = {"date": "published", "text": "body", "summary": "subtitle", "link": "url"}
#: Fields whose values are lists; every matching name contributes (a file may have
#: both ``keywords`` and ``section``).
_LIST_FIELDS = {"tags", "places", "authors"}
#: Keys of a nested object that hold its display value: ``{"name": "BBC News"}``.
_VALUE_KEYS = ("name", "title", "main", "label", "term", "value", "text", "rendered", "@value")
_TAG_SPLIT = re.compile(r"\s*[,;|]\s*")
#: A place such as ``Hanoi, Vietnam`` is one place: split place strings on ; and | only.
_PLACE_SPLIT = re.compile(r"\s*[;|]\s*")
_AUTHOR_SPLIT = re.compile(r"\s*(?:[,;|&]|\band\b)\s*", re.IGNORECASE)
_BYLINE_PREFIX = re.compile(r"^\s*by\s+", re.IGNORECASE)
_NAME_SEPARATORS = re.compile(r"[\s_.\-]+")


def name_key(name: object) -> str:
    """The comparison form of a field name: case-folded, no spaces, ``_``, ``-`` or ``.``."""
    return _name_key(str(name))


@lru_cache(maxsize=4096)
def _name_key(name: str) -> str:
    # Every record of a file repeats the same few field names: a memo spares the
    # regex for all but the first.
    return _NAME_SEPARATORS.sub("", name).casefold()


@dataclass
class MappedFields:
    """What a record says, in :func:`archive.readers.base.make_article`'s terms."""

    #: Keyword arguments for ``make_article`` (title, body, published, ...).
    values: dict[str, object] = field(default_factory=dict)
    #: The record's own id (``id``/``article_id``), or "" when it has none.
    record_id: str = ""
    #: Non-fatal findings, such as a mapped column the record lacks.
    warnings: list[str] = field(default_factory=list)


def map_fields(
    record: Mapping[str, object],
    mapping: Mapping[str, str] | None = None,
    *,
    body_elsewhere: bool = False,
) -> MappedFields:
    """Pick the Article's fields out of one record.

    ``mapping`` is ``{article field: record field}`` (``{"title": "Headline"}``); a
    record field may be a dotted path into nested objects (``source.name``). Where the
    mapping names a field this record lacks, the defaults apply and a warning says so.
    ``body_elsewhere`` says the body is not in the record (it is the text after
    Markdown front matter), so ``description`` there is a summary, not the body.
    """
    index = {name_key(key): key for key in record}
    chosen: dict[str, list[object]] = {}
    out = MappedFields()

    for target, source in (mapping or {}).items():
        target = _MAPPING_ALIASES.get(name_key(target), name_key(target))
        if target not in FIELD_NAMES:
            out.warnings.append(f"mapping names unknown article field {target!r}")
            continue
        exists, value = _lookup(record, index, str(source))
        if exists:
            chosen[target] = [value]
        else:
            out.warnings.append(f"mapped field {source!r} (for {target}) is not in this record")

    for target, names in FIELD_NAMES.items():
        if target in chosen:
            continue
        if target == "subtitle" and "body" not in chosen and not body_elsewhere:
            # With no body field, ``description`` is the body, not a summary.
            names = tuple(n for n in names if n != "description")
            if _present(record, index, "description"):
                chosen["body"] = [record[index["description"]]]
        present = [record[index[n]] for n in names if _present(record, index, n)]
        if present:
            chosen[target] = present if target in _LIST_FIELDS else present[:1]

    values = out.values
    for target, found in chosen.items():
        if target == "id":
            out.record_id = as_text(found[0])
        elif target == "published":
            values["published"] = _as_date_value(found[0])
        elif target == "tags":
            values["tags"] = [t for v in found for t in as_list(v, _TAG_SPLIT)]
        elif target == "places":
            values["places"] = [p for v in found for p in as_list(v, _PLACE_SPLIT)]
        elif target == "authors":
            values["authors"] = [
                _BYLINE_PREFIX.sub("", a) for v in found[:1] for a in as_list(v, _AUTHOR_SPLIT)
            ]
        elif target == "body":
            values["body"] = as_text(found[0], joiner="\n\n")
        else:
            values[target] = as_text(found[0])
    return out


def _lookup(
    record: Mapping[str, object], index: dict[str, str], source: str
) -> tuple[bool, object]:
    """A mapped field's value: exact name, then name by comparison key, then dotted path."""
    if source in record:
        return True, record[source]
    if name_key(source) in index:
        return True, record[index[name_key(source)]]
    value: object = record
    for part in source.split("."):
        if not isinstance(value, Mapping):
            return False, None
        keys = {name_key(k): k for k in value}
        if name_key(part) not in keys:
            return False, None
        value = value[keys[name_key(part)]]
    return True, value


def _present(record: Mapping[str, object], index: dict[str, str], name: str) -> bool:
    return name in index and not _blank(record[index[name]])


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict):
        return not value
    return False


def as_text(value: object, joiner: str = " ") -> str:
    """A field value as text: lists joined, nested objects by their name or title."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        for key in _VALUE_KEYS:
            if key in value and not _blank(value[key]):
                return as_text(value[key], joiner)
        return ""
    if isinstance(value, list | tuple):
        return joiner.join(t for t in (as_text(v, joiner) for v in value) if t.strip())
    return str(value)


def as_list(value: object, split: re.Pattern[str] = _TAG_SPLIT) -> list[str]:
    """A list-valued field as strings: lists kept, strings split (``a, b; c | d``)."""
    if value is None or isinstance(value, bool):
        return []
    if isinstance(value, str):
        return [part for part in split.split(value) if part.strip()]
    if isinstance(value, list | tuple):
        out: list[str] = []
        for item in value:
            # A list of strings is already split: ``["Hanoi, Vietnam"]`` is one place.
            text = as_text(item)
            if text.strip():
                out.append(text)
        return out
    text = as_text(value)
    return [text] if text.strip() else []


def _as_date_value(value: object) -> object:
    """Dates go to ``parse_date`` as they are (strings, numbers, date objects), except
    a list or nested object, of which the first or named value is taken."""
    if isinstance(value, list | tuple):
        return _as_date_value(value[0]) if value else None
    if isinstance(value, Mapping):
        return as_text(value) or None
    return value

"""What every reader shares: the read context, file loading with limits, and the one
function that turns a reader's raw fields into a finished :class:`Article`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

from archive.article import (
    Article,
    clean_body,
    clean_line,
    content_hash,
    make_id,
    relative_path,
    restore_paragraphs,
    unique,
)
from archive.dates import InvalidDate, parse_date
from archive.encoding import BOMS, DecodeError, decode
from archive.extract import enrich
from archive.repair import damage, repair

#: A single-article file larger than this is not an article (a dump, a disk image).
MAX_ARTICLE_BYTES = 32 * 1024 * 1024
#: Record files (CSV, JSON, JSONL) hold many articles; they may be larger, but past
#: this they are refused rather than read into memory.
MAX_RECORDS_BYTES = 1024 * 1024 * 1024
#: How much of a file is looked at for binary data before the rest is read.
_SNIFF_BYTES = 64 * 1024


class SkipFile(Exception):
    """Raised by a reader for a file that is readable but not an article (a home page,
    an RSS page); the message is the reason reported to the user."""


@dataclass
class ReadContext:
    """Where a file lies and how its values are to be read."""

    path: Path
    #: The data root: ids and reports use paths relative to it.
    root: Path | None = None
    #: Explicit field mapping for record formats: ``{"title": "Headline", ...}``.
    mapping: dict[str, str] = field(default_factory=dict)
    #: Numeric dates day-first (``03/10/2024`` is 3 October)? None: the reader decides.
    dayfirst: bool | None = None

    @cached_property
    def relpath(self) -> str:
        # Cached: a records file asks once per record, and resolving costs syscalls.
        return relative_path(self.path, self.root)


def read_text(ctx: ReadContext, limit: int = MAX_ARTICLE_BYTES) -> str:
    """The file's text, decoded (BOM, UTF-8, detected legacy encodings).

    Raises ``ValueError`` (with a one-line reason) for oversized, empty or binary files.
    """
    with ctx.path.open("rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            raise ValueError(f"file too large ({size:,} bytes; the limit is {limit:,})")
        # Binary data shows in its first bytes: refuse it before reading the whole file
        # (a 200 MB disk image named .json would otherwise be read into memory first).
        head = f.read(_SNIFF_BYTES)
        if b"\x00" in head and not head.startswith(tuple(bom for bom, _ in BOMS)):
            raise DecodeError("binary data (NUL bytes) and no UTF-16/32 byte-order mark")
        # Read at most one byte past the limit: the file may have grown since the stat.
        data = head + f.read(max(0, limit + 1 - len(head)))
    if len(data) > limit:
        raise ValueError(f"file too large (over {limit:,} bytes)")
    if not data.strip():
        raise ValueError("empty file")
    text, _encoding = decode(data)
    return text


def make_article(
    ctx: ReadContext,
    *,
    title: str,
    body: str,
    subtitle: str = "",
    published: object = None,
    site: str = "",
    url: str = "",
    language: str = "",
    authors: list[str] | None = None,
    tags: list[str] | str | None = None,
    places: list[str] | None = None,
    dateline: str = "",
    record_key: str = "",
    dayfirst: bool = False,
) -> Article:
    """Normalise a reader's raw fields, fill in what is missing, and hash the result.

    ``published`` may be a string in the source's convention (``dayfirst``), a date or
    a datetime; an impossible date becomes a warning and no date.
    """
    if ctx.dayfirst is not None:
        dayfirst = ctx.dayfirst
    warnings: list[str] = []
    try:
        when: date | datetime | None = parse_date(published, dayfirst=dayfirst)
    except InvalidDate as exc:
        warnings.append(str(exc))
        when = None
    url = clean_line(url)
    if isinstance(tags, str):
        tags = [tags]
    # Mojibake is undone before anything else reads the text (see archive.repair).
    title, subtitle, body = repair(title or ""), repair(subtitle or ""), repair(body or "")
    body = restore_paragraphs(body)
    lost = damage(title) or damage(subtitle) or damage(body)
    if lost:
        warnings.append(lost)
    article = Article(
        id=make_id(url, ctx.relpath, record_key),
        title=clean_line(title),
        subtitle=clean_line(subtitle),
        body=clean_body(body),
        published=when,
        site=clean_line(site),
        url=url,
        language=clean_line(language).lower(),
        authors=unique(authors or []),
        tags=list(tags or []),
        places=unique(places or []),
        source_path=ctx.relpath,
        warnings=warnings,
    )
    enrich(article, dayfirst=dayfirst, dateline=clean_line(dateline))
    if not article.title and not article.body:
        raise ValueError("no title and no text")
    article.content_hash = content_hash(article)
    return article

"""The Article: the one shape every reader produces and every backend indexes.

Readers fill in what their file says; :func:`archive.extract.enrich` then finds what
the file left out (a date in the URL, places in the text, tags from the URL's section)
and :func:`make_article` normalises everything, so downstream code never has to
wonder whether a title carries a BOM or a tag is spelled twice.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True)
class Problem:
    """A file (or one record in it) that could not be read, and why, in one line."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class Article:
    """One news article, clean and complete as far as its file allows."""

    id: str
    title: str
    body: str
    subtitle: str = ""
    published: date | datetime | None = None
    site: str = ""
    url: str = ""
    language: str = ""
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    #: Hierarchical place paths of English names, country first: ``Vietnam/Da Nang``.
    places: list[str] = field(default_factory=list)
    #: Places the text names but is not about (a buyer "of Lugano, Switzerland"):
    #: searchable and shown as "also mentioned", never counted in the place facet.
    mentions: list[str] = field(default_factory=list)
    source_path: str = ""
    content_hash: str = ""
    #: Non-fatal findings (an impossible date, an unknown encoding guess), for reports.
    warnings: list[str] = field(default_factory=list)


def iso8601(value: date | datetime | None) -> str:
    """The one written form of a publication date on every surface (JSON, CSV, API,
    ``<time datetime>``): ISO 8601, the date alone where only the date is known, else
    the time to the second with its offset. Fractions of a second are dropped: HTML's
    ``datetime`` and many CSV readers refuse them, and no source means them.
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat(timespec="seconds")
    return value.isoformat()


def nfc(text: str | None) -> str:
    """Unicode NFC, so that composed and decomposed spellings are one string."""
    return unicodedata.normalize("NFC", text or "")


def clean_line(text: str | None) -> str:
    """One line of display text: NFC, no BOM or control characters, spaces collapsed."""
    text = " ".join(nfc(text).replace("\ufeff", "").split())
    # Collapsing whitespace first leaves most text printable, so the per-character
    # pass (a third of the main process's time when indexing) only runs when needed.
    if not text.isprintable():
        text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return text


def clean_body(text: str | None) -> str:
    """Body text with paragraphs kept: blank-line separated, each paragraph one clean line."""
    text = nfc(text).replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = []
    for block in text.split("\n\n"):
        line = clean_line(block)
        if line:
            paragraphs.append(line)
    return "\n\n".join(paragraphs)


#: Where a body flattened onto one line still shows its paragraph breaks: a run of
#: spaces after a sentence's end, before the next sentence's start (what CSV exports of
#: news sites leave where a newline was), and the run-in "READ MORE:" promotions.
_PARAGRAPH_BREAK = re.compile(
    r"(?<=[.!?\"”’)\]])[ \t\u00a0]{2,}(?=[\"“‘(\[A-Z0-9\u00c0-\u024f])"
    r"|[ \t]+(?=READ MORE:|Read more:|RELATED:)"
)


def restore_paragraphs(text: str) -> str:
    """Paragraph breaks put back in a body that lost its newlines, where the text still
    shows them (see ``_PARAGRAPH_BREAK``); a body with newlines is left as it is."""
    if not text or "\n" in text:
        return text
    return _PARAGRAPH_BREAK.sub("\n\n", text)


def normalise_url(url: str) -> str:
    """A canonical form of a URL for identity: lower-case scheme and host, no fragment,
    no trailing slash, ``http`` and ``https`` treated alike."""
    url = clean_line(url)
    if not url:
        return ""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "http":
        scheme = "https"
    host = parts.netloc.lower()
    if host.startswith("www."):
        host = host[4:]
    path = parts.path.rstrip("/") or ""
    return urlunsplit((scheme, host, path, parts.query, ""))


def make_id(url: str = "", source_path: str = "", record_key: str = "") -> str:
    """A stable id: from the normalised URL where there is one, else the source path
    (relative to the data root) plus the record's key inside a multi-record file.

    Hashed to 16 hex characters so that ids are safe in URLs and file names whatever
    the source looked like.
    """
    key = normalise_url(url)
    if not key:
        key = f"path:{source_path}"
        if record_key:
            key += f"#{record_key}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def unique(values: list[str]) -> list[str]:
    """Values in first-seen order without case-insensitive duplicates or blanks."""
    seen: set[str] = set()
    out = []
    for value in values:
        value = clean_line(value)
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            out.append(value)
    return out


def content_hash(article: Article) -> str:
    """A hash of everything that would change what the index holds for this article."""
    h = hashlib.sha256()
    for part in (
        article.title,
        article.subtitle,
        article.body,
        article.published.isoformat() if article.published else "",
        article.site,
        article.url,
        article.language,
        "\x1f".join(article.authors),
        "\x1f".join(article.tags),
        "\x1f".join(article.places),
        "\x1f".join(article.mentions),
    ):
        h.update(part.encode("utf-8"))
        h.update(b"\x1e")
    return h.hexdigest()


def relative_path(path: Path, root: Path | None) -> str:
    """The path as the id should see it: relative to the data root where it lies inside."""
    path = Path(path)
    if root is not None:
        try:
            return path.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()

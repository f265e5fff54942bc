"""Citations of articles as reference managers read them: RIS, BibTeX and CSL-JSON.

One engine-neutral module that the CLI (``archive search --format ris``) and the web
exports (``/export.ris``, ``/article/<id>/cite.bib``) share. A :class:`Citation` is made
from anything shaped like the search API's ``Hit`` or an ``Article`` (``id``,
``title``, ``published``, ``site``, ``url``, ``tags``, and where present ``authors``
and ``language``), so neither this module nor its callers branch on the engine.

Conventions followed, and why:

* **RIS** follows Zotero's ``RIS.js`` field map for ``newspaperArticle``:
  ``TY  - NEWS``, ``TI`` title, ``AU`` "Family, Given", ``T2`` the outlet
  (``publicationTitle``), ``PY`` year and ``DA`` ``YYYY/MM/DD``, ``UR`` the source URL,
  ``Y2`` the accessed date, ``LA``, ``KW`` per tag, and the archive's own copy as
  ``DB`` (Zotero's ``archive``: the archive's name) + ``AN`` (``archiveLocation``: its
  permalink). A RIS reader starts a field or a record only at the start of a line, so
  every value is made one clean line: a title holding ``"\\nTY  - JOUR"`` stays inside
  its ``TI`` line.
* **BibTeX** follows biblatex's rule for newspaper articles, ``@article`` with
  ``entrysubtype = {newspaper}`` and ``journaltitle``, plus ``journal`` and ``year`` so
  that classic BibTeX styles print it too (what Zotero's own BibTeX export emits for a
  ``newspaperArticle`` is ``@article`` with ``journal``). ``url`` + ``urldate`` carry the
  source and the accessed date; the archive's permalink goes in ``note``. Values are
  brace-delimited with LaTeX's specials escaped, so a title with ``}``, ``%`` or ``@``
  can neither end its field nor start an entry.
* **CSL-JSON** (``type: article-newspaper``) is what citeproc processors and Zotero
  read; ``archive`` + ``archive_location`` mirror RIS's ``DB`` + ``AN``.

Names: "Family, Given" is kept as written; otherwise the last word is the family name,
except in Vietnamese articles, where Vietnamese order puts the family name first
(``Nguyễn Văn An`` -> family ``Nguyễn``). A one-word byline (``Reuters``) is a family name
only, which every style prints as written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from archive.article import clean_line

#: Media types of the three formats (RIS and BibTeX have only informal ones).
MEDIA_TYPES = {
    "ris": "application/x-research-info-systems",
    "bibtex": "application/x-bibtex",
    "csljson": "application/vnd.citationstyles.csl+json",
}
#: File extensions, for downloads.
EXTENSIONS = {"ris": "ris", "bibtex": "bib", "csljson": "csl.json"}
FORMATS = tuple(MEDIA_TYPES)

_BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_TABLE = str.maketrans(_BIBTEX_SPECIALS)
# In ``url`` (read verbatim by biblatex) only what would unbalance the braces or break
# the line is percent-encoded.
_URL_TABLE = str.maketrans({"{": "%7B", "}": "%7D", "\\": "%5C", " ": "%20"})


@dataclass(frozen=True)
class Name:
    family: str
    given: str = ""

    def inverted(self) -> str:
        """``Family, Given`` (RIS, BibTeX); just ``Family`` for a one-word byline."""
        return f"{self.family}, {self.given}" if self.given else self.family


def split_name(name: str, language: str = "") -> Name:
    """A byline as family and given names (see the module docstring for the rules)."""
    name = clean_line(name)
    if "," in name:
        family, _, given = name.partition(",")
        return Name(family.strip(), given.strip())
    words = name.split()
    if len(words) < 2:
        return Name(name)
    if language.lower().startswith("vi"):
        return Name(words[0], " ".join(words[1:]))
    return Name(words[-1], " ".join(words[:-1]))


@dataclass(frozen=True)
class Citation:
    """One article as a reference: everything the three formats carry."""

    id: str
    title: str
    #: The outlet (the article's site): a newspaper article's container.
    container: str
    published: date | None
    authors: tuple[Name, ...]
    #: The article's own address at its source (may be empty).
    url: str
    #: This archive's permanent page for the article (may be empty on the CLI).
    permalink: str
    accessed: date
    language: str
    tags: tuple[str, ...]
    #: The archive's name (Zotero's ``archive`` field).
    archive: str

    @classmethod
    def of(
        cls,
        record: Any,
        *,
        permalink: str = "",
        accessed: date | None = None,
        archive: str = "",
        url: str | None = None,
    ) -> Citation:
        """From a ``Hit`` or an ``Article`` (authors and language when it has them).
        ``url`` overrides the record's own (the web passes only a safe http(s) one)."""
        language = clean_line(getattr(record, "language", "") or "")
        published = record.published
        if isinstance(published, datetime):
            published = published.date()
        authors = tuple(
            split_name(a, language) for a in getattr(record, "authors", ()) or () if clean_line(a)
        )
        return cls(
            id=record.id,
            title=clean_line(record.title) or "(untitled)",
            container=clean_line(record.site),
            published=published,
            authors=authors,
            url=clean_line(record.url if url is None else url),
            permalink=clean_line(permalink),
            accessed=accessed or date.today(),
            language=language,
            tags=tuple(t for t in (clean_line(t) for t in record.tags) if t),
            archive=clean_line(archive),
        )


# -- RIS -------------------------------------------------------------------------------


def to_ris(citation: Citation) -> str:
    """One RIS record, ending with ``ER`` and a blank line."""
    fields: list[tuple[str, str]] = [("TY", "NEWS"), ("TI", citation.title)]
    fields += [("AU", name.inverted()) for name in citation.authors]
    if citation.container:
        fields.append(("T2", citation.container))
    if citation.published:
        day = citation.published
        fields += [
            ("PY", f"{day.year:04d}"),
            ("DA", f"{day.year:04d}/{day.month:02d}/{day.day:02d}"),
        ]
    if citation.url:
        fields.append(("UR", citation.url))
    fields.append(("Y2", citation.accessed.strftime("%Y/%m/%d")))
    if citation.language:
        fields.append(("LA", citation.language))
    # Zotero splits a KW line at semicolons: one tag must stay one keyword.
    fields += [("KW", tag.replace(";", ",")) for tag in citation.tags]
    if citation.archive:
        fields.append(("DB", citation.archive))
    if citation.permalink:
        fields.append(("AN", citation.permalink))
    lines = [f"{tag}  - {clean_line(value)}" for tag, value in fields]
    return "\n".join(lines) + "\nER  - \n\n"


# -- BibTeX ----------------------------------------------------------------------------


def bibtex_escape(text: str) -> str:
    """Text as a brace-delimited BibTeX value: one line, LaTeX specials escaped."""
    return clean_line(text).translate(_BIBTEX_TABLE)


def bibtex_key(citation: Citation) -> str:
    """A citation key from the article id (ids are ``[A-Za-z0-9_-]``)."""
    safe = "".join(ch for ch in citation.id if ch.isascii() and (ch.isalnum() or ch in "_-"))
    return f"newsarchive-{safe or 'article'}"


def _bibtex_name(name: Name) -> str:
    # A family name of several words ("Nguyen Thi") would otherwise be split again.
    family = (
        f"{{{bibtex_escape(name.family)}}}" if " " in name.family else bibtex_escape(name.family)
    )
    return f"{family}, {bibtex_escape(name.given)}" if name.given else family


def to_bibtex(citation: Citation) -> str:
    """One biblatex/BibTeX entry (see the module docstring)."""
    fields: list[tuple[str, str]] = [
        ("entrysubtype", "newspaper"),
        ("title", bibtex_escape(citation.title)),
    ]
    if citation.authors:
        fields.append(("author", " and ".join(_bibtex_name(n) for n in citation.authors)))
    if citation.container:
        container = bibtex_escape(citation.container)
        fields += [("journaltitle", container), ("journal", container)]
    if citation.published:
        fields += [
            ("date", citation.published.isoformat()),
            ("year", f"{citation.published.year:04d}"),
        ]
    if citation.url:
        fields.append(("url", clean_line(citation.url).translate(_URL_TABLE)))
    fields.append(("urldate", citation.accessed.isoformat()))
    if citation.language:
        fields.append(("language", bibtex_escape(citation.language)))
    if citation.tags:
        fields.append(("keywords", ", ".join(bibtex_escape(t) for t in citation.tags)))
    if citation.permalink:
        where = f" ({bibtex_escape(citation.archive)})" if citation.archive else ""
        fields.append(("note", f"Archived copy{where}: {bibtex_escape(citation.permalink)}"))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@article{{{bibtex_key(citation)},\n{body}\n}}\n\n"


# -- CSL-JSON --------------------------------------------------------------------------


def _date_parts(day: date) -> dict:
    return {"date-parts": [[day.year, day.month, day.day]]}


def to_csl(citation: Citation) -> dict:
    """One CSL-JSON item (a dict; :func:`csl_json_stream` writes the array)."""
    item: dict[str, Any] = {
        "id": citation.id,
        "type": "article-newspaper",
        "title": citation.title,
    }
    if citation.authors:
        item["author"] = [
            {"family": n.family, "given": n.given} if n.given else {"family": n.family}
            for n in citation.authors
        ]
    if citation.container:
        item["container-title"] = citation.container
    if citation.published:
        item["issued"] = _date_parts(citation.published)
    if citation.url:
        item["URL"] = citation.url
    item["accessed"] = _date_parts(citation.accessed)
    if citation.language:
        item["language"] = citation.language
    if citation.tags:
        item["keyword"] = ", ".join(citation.tags)
    if citation.archive:
        item["archive"] = citation.archive
    if citation.permalink:
        item["archive_location"] = citation.permalink
    return item


# -- whole files, streamed ---------------------------------------------------------------


def ris_stream(citations: Iterable[Citation]) -> Iterator[str]:
    """A RIS file, one record at a time (no hits: an empty file, which RIS readers
    read as no records)."""
    for citation in citations:
        yield to_ris(citation)


def bibtex_stream(citations: Iterable[Citation]) -> Iterator[str]:
    """A ``.bib`` file, one entry at a time (no hits: an empty file)."""
    for citation in citations:
        yield to_bibtex(citation)


def csl_json_stream(citations: Iterable[Citation]) -> Iterator[str]:
    """A CSL-JSON array, one item at a time (no hits: ``[]``)."""
    first = True
    for citation in citations:
        yield ("[\n" if first else ",\n") + json.dumps(to_csl(citation), ensure_ascii=False)
        first = False
    yield "[]\n" if first else "\n]\n"


STREAMS = {"ris": ris_stream, "bibtex": bibtex_stream, "csljson": csl_json_stream}


def render(fmt: str, citations: Iterable[Citation]) -> Iterator[str]:
    """The file of ``citations`` in ``fmt`` (one of :data:`FORMATS`), in chunks."""
    return STREAMS[fmt](citations)


# -- meta tags of an article page ----------------------------------------------------------


def meta_tags(article: Any, permalink: str, source_url: str | None) -> list[tuple[str, str]]:
    """The ``<meta>`` tags reference managers read on an article page.

    Highwire Press ``citation_*`` tags carry the fields (Zotero's Embedded Metadata
    translator, Google Scholar, Mendeley all read them). Highwire has no tag for the
    item type, and a ``citation_title`` alone makes Zotero guess a journal article, so
    Dublin Core adds ``DC.type`` ``NewsItem`` (the Eprints type vocabulary, which
    Zotero maps to a newspaper article), plus the archive's permalink as
    ``DC.identifier``. COinS and unAPI are left out: Zotero reads these tags on an
    article page, and a search's hits go to a reference manager as one file through the
    RIS/BibTeX/CSL-JSON exports.
    """
    citation = Citation.of(article, permalink=permalink, url=source_url or "")
    tags: list[tuple[str, str]] = [("citation_title", citation.title)]
    tags += [("citation_author", name.inverted()) for name in citation.authors]
    if citation.published:
        day = citation.published
        tags.append(("citation_publication_date", f"{day.year:04d}/{day.month:02d}/{day.day:02d}"))
    if citation.container:
        tags.append(("citation_journal_title", citation.container))
    if citation.url:
        tags.append(("citation_public_url", citation.url))
    if citation.language:
        tags.append(("citation_language", citation.language))
    if citation.tags:
        tags.append(("citation_keywords", "; ".join(t.replace(";", ",") for t in citation.tags)))
    tags += [("DC.type", "NewsItem"), ("DC.title", citation.title)]
    tags += [("DC.creator", name.inverted()) for name in citation.authors]
    if citation.published:
        tags.append(("DC.date", citation.published.isoformat()))
    if citation.container:
        tags.append(("DC.publisher", citation.container))
    if citation.language:
        tags.append(("DC.language", citation.language))
    tags.append(("DC.identifier", permalink))
    return tags

"""What Zotero's "Embedded Metadata" translator makes of a page's ``<meta>`` tags.

A port of the rules in zotero/translators ``Embedded Metadata.js`` (``init``,
``addHighwireMetadata``) and the ``detectType`` of ``RDF.js`` that it hands Dublin Core
and OpenGraph statements to, limited to what a page without RDF/XML can trigger:

* only ``<meta>`` elements in ``<head>`` count; ``name`` (else ``property``) may hold
  several space-separated keys, each split at the first ``.``, ``:`` or ``_``
  into a prefix and a property;
* a known prefix (``dc``, ``dcterms``, ``og``, ``prism``, ``eprints``...) makes an RDF
  statement; the item type comes from those first (``dc:type`` a Zotero item type name
  or an Eprints/DCMI type word such as ``NewsItem``; ``og:type``), and only then from
  the Highwire guess: ``citation_journal_title`` -> journalArticle, a bare
  ``citation_title`` -> journalArticle as a last resort;
* Highwire fields are found by the *end* of the meta name (``getContentText``) and
  override the RDF ones; ``citation_author`` values split at ``;``; a name with a comma
  is "Last, First", otherwise the last word is the last name (``ZU.cleanAuthor``);
  ``citation_keywords`` split at ``;``.
"""

from __future__ import annotations

import re

import lxml.html

PREFIXES = {"bib", "bibo", "dc", "dcterms", "prism", "foaf", "vcard", "link", "z", "eprint",
            "eprints", "og", "article", "book", "rdf"}  # fmt: skip
ITEM_TYPES = {"newspaperArticle", "journalArticle", "magazineArticle", "webpage", "blogPost",
              "book", "bookSection", "report", "thesis"}  # fmt: skip
# RDF.js detectType: dc:type words that are not item type names.
DC_TYPE_WORDS = {"newsitem": "newspaperArticle", "article": "journalArticle",
                 "journalarticle": "journalArticle", "webpage": "webpage",
                 "text": None}  # fmt: skip
HIGHWIRE = {
    "citation_title": "title",
    "citation_publication_date": "date",
    "citation_date": "date",
    "citation_journal_title": "publicationTitle",
    "citation_public_url": "url",
    "citation_language": "language",
    "citation_publisher": "publisher",
    "citation_abstract": "abstractNote",
}


def _metas(html: str) -> list[tuple[str, str]]:
    doc = lxml.html.document_fromstring(html)
    out = []
    for meta in doc.xpath("/html/head/meta"):
        name = meta.get("name") or meta.get("property")
        value = meta.get("content")
        if name and value:
            out.append((name, value))
    return out


def _content(metas: list[tuple[str, str]], key: str) -> list[str]:
    # getContentText: substring(@name, ...) = key, i.e. names ending with the key.
    return [value for name, value in metas if name.endswith(key)]


def _clean_author(name: str) -> dict:
    name = " ".join(name.split())
    if "," in name:
        last, _, first = name.partition(",")
        return {"lastName": last.strip(), "firstName": first.strip()}
    words = name.split(" ")
    return {"lastName": words[-1], "firstName": " ".join(words[:-1])}


def read(html: str) -> dict:
    """The item Zotero would save from this page (the fields this archive sets)."""
    metas = _metas(html)
    statements: dict[str, list[str]] = {}
    hw_type = hw_guess = None
    for name, value in metas:
        for tag in name.split():
            match = re.search(r"[.:_]", tag)
            prefix = tag[: match.start()].lower() if match else ""
            if prefix in PREFIXES:
                prop = tag[match.end() :]
                prop = prop[:1].lower() + prop[1:]
                statements.setdefault(f"{prefix}:{prop}", []).append(value)
                continue
            short = tag[tag.rfind("citation_") :] if "citation_" in tag else tag
            if short == "citation_journal_title":
                hw_type = "journalArticle"
            elif short in ("citation_title", "citation_series_title"):
                hw_guess = hw_guess or "journalArticle"
    default = hw_type or hw_guess or ("webpage" if statements else None)
    item_type = None
    dc_type = (statements.get("dc:type") or statements.get("dcterms:type") or [None])[0]
    if dc_type:
        if dc_type in ITEM_TYPES:
            item_type = dc_type
        else:
            item_type = DC_TYPE_WORDS.get(re.sub(r"\s", "", dc_type.lower()))
    og_type = (statements.get("og:type") or [None])[0]
    if not item_type and og_type == "website":
        item_type = "webpage"
    item: dict = {"itemType": item_type or default}
    # RDF fields first (title from dc:title), then Highwire overrides.
    if statements.get("dc:title"):
        item["title"] = statements["dc:title"][0]
    for key, field in HIGHWIRE.items():
        values = _content(metas, key)
        if values and values[0].strip():
            item[field] = " ".join(values[0].split())
    creators = []
    for value in _content(metas, "citation_author") + _content(metas, "citation_authors"):
        for author in re.split(r"\s*;\s*", value):
            if author.strip() and re.search(r"[^\s,\-.;]", author):
                creators.append(_clean_author(author))
    item["creators"] = creators
    tags = []
    for value in _content(metas, "citation_keywords"):
        tags += [t.strip() for t in value.split(";") if t.strip()]
    item["tags"] = tags
    return item

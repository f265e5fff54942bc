"""Saved HTML pages: one article per page, its main text found by trafilatura and its
metadata read from what the page declares about itself.

Why not trafilatura alone: its title is the page's ``<title>``/``og:title`` choice, which
carries site suffixes (``| CNN Politics``, ``-新华网``) or SEO rewrites on about half of
real pages, and its date search falls back to guesses. So the page's own declarations
are read first, with lxml (``<meta>``, OpenGraph, ``article:*``, JSON-LD, hNews
microformats), and trafilatura/htmldate fill what the page does not declare.

A saved page is not always an article: home pages, section fronts, RSS feeds and
meta-refresh redirect stubs are refused with :class:`SkipFile` and a reason, decided from
the page's signals (``og:type``, JSON-LD ``@type``, a site-root URL, link density,
amount of main text), never from the file name.
"""

from __future__ import annotations

import codecs
import copy
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import Message
from urllib.parse import urlsplit

import lxml.html
import trafilatura
from htmldate import find_date
from lxml import etree
from trafilatura.settings import Document

from archive.article import Article, Problem, clean_line
from archive.dates import InvalidDate, parse_date
from archive.encoding import DecodeError
from archive.readers.base import ReadContext, SkipFile, make_article, read_text

log = logging.getLogger(__name__)

#: JSON-LD types that mark the page as one article (schema.org's Article subtypes).
_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "blogposting",
    "liveblogposting",
    "socialmediaposting",
    "report",
    "techarticle",
    "scholarlyarticle",
    "satiricalarticle",
}
#: JSON-LD types that mark a page listing other pages. (``WebSite`` is not one: it
#: describes the site and sits on article pages too.)
_LISTING_TYPES = {"collectionpage", "itemlist", "searchresultspage"}
#: Below this much main text, a page without article markup is not an article.
MIN_TEXT_CHARS = 200
#: Above this share of text inside links, a page without article markup is a listing.
MAX_LINK_DENSITY = 0.5
#: A meta refresh sooner than this (seconds) to another URL is a redirect, not a reload.
_REDIRECT_SECONDS = 30
#: Most tags kept from one page; keyword lists past this are SEO padding.
_MAX_TAGS = 30
#: WHATWG treats these legacy labels as their superset encodings, and so do browsers.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "euc-kr": "cp949",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "iso-8859-9": "cp1254",
}
#: Separators between a headline and the site or section name in a page title.
_TITLE_SEPARATOR = re.compile(r"\s+(?:[|｜\-–—:：/·•»«]|--|::)\s+|\s*[|｜»«]\s*|\s+[:：]")
#: Words of a page URL's host that are no site name.
_HOST_NOISE = {"www", "com", "net", "org", "co", "news", "edition", "m", "amp", "en", "html"}
#: Byline words that trafilatura's author search returns but that name nobody.
_NOT_NAMES = {"submitted", "admin", "administrator", "staff", "editor", "unknown", "anonymous"}


def read_html(ctx: ReadContext) -> Iterator[Article | Problem]:
    """Read one saved page: its Article, or :class:`SkipFile` when it is no article."""
    text = _page_text(ctx)
    tree = _parse(text)
    page = Page.from_tree(tree)
    feed = page.feed_root()
    if feed:
        raise SkipFile(f"RSS page: the file is an {feed} feed, not an article page")
    redirect = page.redirect_target()
    main_text, extracted = _main_text(tree, page.url)
    if redirect is not None and len(main_text) < MIN_TEXT_CHARS:
        raise SkipFile(f"redirect stub: the page only forwards to {redirect or 'another page'}")
    reason = page.not_an_article(main_text)
    if reason:
        raise SkipFile(reason)
    title = page.headline() or clean_line(getattr(extracted, "title", "") or "")
    if not main_text:
        shown = f" (title {title[:60]!r})" if title else ""
        raise SkipFile(f"no article text on the page{shown}")
    yield make_article(
        ctx,
        title=title,
        body=main_text,
        subtitle=page.description(),
        published=page.published() or _found_date(tree, page.url),
        site=page.site_name(),
        url=page.url,
        # Undeclared, it is guessed from the text by make_article's enrichment.
        language=page.language(),
        authors=page.authors() or _found_authors(extracted, page),
        tags=page.tags(),
    )


# --- bytes to a tree ---------------------------------------------------------------


def _page_text(ctx: ReadContext) -> str:
    """The page decoded: the project's decoding, unless the bytes are not UTF-8 and the
    page declares its charset, which browsers honour and so do we."""
    try:
        text: str | None = read_text(ctx)
        failure: DecodeError | None = None
    except DecodeError as exc:
        text, failure = None, exc
    data = ctx.path.read_bytes()
    if text is not None and (
        data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        or _is_utf8(data)
    ):
        return text
    declared = _declared_charset(data)
    if declared and b"\x00" not in data:
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            log.debug("%s: declared charset %s does not fit its bytes", ctx.relpath, declared)
    if text is None:
        raise failure or DecodeError("undecodable page")
    return text


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _declared_charset(data: bytes) -> str | None:
    """The encoding named by ``<meta charset>`` or ``<meta http-equiv=Content-Type>``.

    The head is parsed as Latin-1, which maps every byte to a character, so the ASCII
    markup reads right whatever the real encoding is.
    """
    head = data[:16384]
    try:
        tree = lxml.html.fromstring(head, parser=lxml.html.HTMLParser(encoding="iso-8859-1"))
    except (etree.ParserError, ValueError, LookupError):
        return None
    labels = list(tree.xpath("//meta/@charset"))
    for meta in tree.xpath("//meta[@http-equiv and @content]"):
        if meta.get("http-equiv", "").strip().lower() == "content-type":
            header = Message()
            header["content-type"] = meta.get("content", "")
            charset = header.get_param("charset")
            if isinstance(charset, str):
                labels.append(charset)
    for label in labels:
        label = label.strip().strip("'\"").lower()
        if not label:
            continue
        label = _CHARSET_ALIASES.get(label, label)
        try:
            return codecs.lookup(label).name
        except LookupError:
            continue
    return None


def _parse(text: str) -> lxml.html.HtmlElement:
    """Parse decoded text; passed as UTF-8 bytes with the encoding named, so an XML
    declaration or a stale ``<meta charset>`` inside cannot make lxml re-decode it."""
    data = text.encode("utf-8", "surrogatepass")
    try:
        # A whole document always (<html><body>), even for a fragment or a feed.
        return lxml.html.document_fromstring(data, parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError) as exc:
        raise ValueError(f"not parseable as HTML: {exc}") from exc


# --- main text ---------------------------------------------------------------------


def _main_text(tree: lxml.html.HtmlElement, url: str) -> tuple[str, object]:
    """The article's main text by trafilatura, paragraphs blank-line separated, and
    trafilatura's document (for the metadata it found)."""
    try:
        doc = trafilatura.bare_extraction(
            copy.deepcopy(tree),
            url=url or None,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
        )
    except Exception as exc:  # noqa: BLE001 - a library failure is one page's problem
        log.warning("trafilatura failed: %s", exc)
        return "", None
    if not isinstance(doc, Document):  # None; a dict only with as_dict=True
        return "", None
    lines = []
    for line in (doc.text or "").splitlines():
        # Layout tables come out as "| cell | cell |": keep the words, not the grid.
        line = line.strip()
        if line.startswith("|") and line.endswith("|"):
            line = line.strip("|").strip()
        if line:
            lines.append(line)
    return "\n\n".join(lines), doc


def _found_authors(extracted: object, page: Page) -> list[str]:
    """trafilatura's byline search, for pages that declare no author; it reads any
    element with an author-like class, so words like "Submitted" are dropped."""
    value = getattr(extracted, "author", "") or ""
    return [n for n in _split_names(value, page) if _key(n) not in _NOT_NAMES]


def _found_date(tree: lxml.html.HtmlElement, url: str) -> str | None:
    """htmldate's find on the page's date markup, for pages that declare no date.

    Its extensive text search is off: on these pages it guessed a year's first day for
    a page that states no date at all. Even so it can take a "today" box in a page
    header (the day the page was saved) for the publication date.
    """
    try:
        return find_date(
            copy.deepcopy(tree), url=url or None, original_date=True, extensive_search=False
        )
    except Exception as exc:  # noqa: BLE001 - a library failure only costs the date
        log.debug("htmldate failed: %s", exc)
        return None


# --- what the page declares ----------------------------------------------------------


@dataclass
class Page:
    """What a page says about itself: meta tags, JSON-LD objects, headings."""

    tree: lxml.html.HtmlElement
    #: ``<meta>`` values by lower-cased name/property/itemprop, in document order.
    meta: dict[str, list[str]] = field(default_factory=dict)
    #: Every JSON-LD object on the page, nested ones included.
    jsonld: list[dict] = field(default_factory=list)
    url: str = ""

    @classmethod
    def from_tree(cls, tree: lxml.html.HtmlElement) -> Page:
        page = cls(tree=tree)
        for meta in tree.iter("meta"):
            content = meta.get("content")
            if content is None:
                continue
            for attr in ("property", "name", "itemprop", "http-equiv"):
                key = (meta.get(attr) or "").strip().lower()
                if key:
                    page.meta.setdefault(key, []).append(content)
        for script in tree.xpath("//script[@type]"):
            if script.get("type", "").strip().lower() == "application/ld+json":
                page.jsonld.extend(_jsonld_objects(script.text or ""))
        page.url = page._own_url()
        return page

    # values

    def first(self, *keys: str) -> str:
        """The first non-blank meta value among ``keys``."""
        for key in keys:
            for value in self.meta.get(key, []):
                value = clean_line(value)
                if value:
                    return value
        return ""

    def article_node(self) -> dict | None:
        """The JSON-LD object describing the article itself."""
        for node in self.jsonld:
            if _types(node) & _ARTICLE_TYPES:
                return node
        return None

    def og_type(self) -> str:
        return self.first("og:type").lower()

    def _own_url(self) -> str:
        candidates = [
            link.get("href", "")
            for link in self.tree.iter("link")
            if "canonical" in (link.get("rel") or "").lower().split()
        ]
        candidates.append(self.first("og:url"))
        node = self.article_node()
        if node:
            candidates.append(_text(node.get("url")))
        for candidate in candidates:
            candidate = clean_line(candidate)
            parts = urlsplit(candidate)
            if parts.scheme in ("http", "https") and parts.netloc:
                return candidate
        return ""

    def has_article_markup(self) -> bool:
        """Does the page declare itself one article (OpenGraph, JSON-LD, microdata,
        hNews)?"""
        if self.og_type().startswith("article") or self.article_node() is not None:
            return True
        if self.first("article:published_time"):
            return True
        for itemtype in self.tree.xpath("//*[@itemtype]/@itemtype"):
            if itemtype.rstrip("/").rsplit("/", 1)[-1].lower() in _ARTICLE_TYPES:
                return True
        return bool(self._by_class("hentry") or self._by_class("hnews"))

    # decisions

    def feed_root(self) -> str:
        """``RSS``/``Atom``... when the document is a syndication feed (the HTML parser
        puts a feed's root element first in the body)."""
        body = self.tree.find("body")
        if body is None:
            return ""
        tag = next((e.tag for e in body if isinstance(e.tag, str)), None)
        if tag is None or (body.text or "").strip():
            return ""
        root = tag.lower().rsplit(":", 1)[-1].rsplit("}", 1)[-1]
        return {"rss": "RSS", "feed": "Atom", "rdf": "RSS 1.0 (RDF)"}.get(root, "")

    def redirect_target(self) -> str | None:
        """The URL of a prompt meta refresh (``""`` when it names none), else None.

        ``<meta http-equiv=refresh content=600>`` (a periodic reload without a URL) is
        no redirect: news pages use it to keep a story fresh.
        """
        for value in self.meta.get("refresh", []):
            delay, _, rest = value.partition(";")
            try:
                seconds = float(delay.strip() or 0)
            except ValueError:
                continue
            key, _, target = rest.strip().partition("=")
            if seconds <= _REDIRECT_SECONDS and key.strip().lower() == "url":
                return target.strip().strip("'\"")
        return None

    def not_an_article(self, main_text: str) -> str | None:
        """Why the page is no article (a reason for :class:`SkipFile`), or None.

        A site-root address alone is not enough (some sites give every article the
        front page as its canonical URL): it takes no article markup or a link-heavy
        page as well.
        """
        markup = self.has_article_markup()
        density = self.link_density()
        if self.url and _is_site_root(self.url) and (not markup or density > MAX_LINK_DENSITY):
            return f"home page: its address {self.url} is the site's front page"
        types = set().union(*(_types(node) for node in self.jsonld))
        if types & _LISTING_TYPES and not markup:
            listed = ", ".join(sorted(types & _LISTING_TYPES))
            return f"section front: its JSON-LD marks it a listing ({listed}), not an article"
        if markup:
            return None
        if density > MAX_LINK_DENSITY:
            return (
                f"home page or section front: {density:.0%} of its text is links "
                "and it has no article markup"
            )
        if len(main_text) < MIN_TEXT_CHARS:
            return f"not an article: {len(main_text)} characters of main text and no article markup"
        return None

    def link_density(self) -> float:
        """Share of the body's visible text that sits inside links."""
        body = self.tree.find("body")
        if body is None:
            return 0.0
        visible = "[not(ancestor::script or ancestor::style or ancestor::noscript)]"
        total = sum(len(t.strip()) for t in body.xpath(f".//text(){visible}"))
        linked = sum(len(t.strip()) for t in body.xpath(f".//a//text(){visible}"))
        return linked / total if total else 0.0

    # fields

    def headline(self) -> str:
        """The article's own headline, without site names around it.

        JSON-LD ``headline`` and ``og:title`` are the publisher's statement of the
        headline; an ``<h1>`` found inside one of them is the same headline with less
        furniture; ``<title>`` comes last because sites decorate it most.
        """
        sites = self._site_keys()
        node = self.article_node() or {}
        declared = [
            _text(node.get("headline")),
            _text(node.get("name")),
            self.first("og:title"),
            self.first("twitter:title"),
            self.first("headline"),
            *(_visible(e) for e in self._by_class("entry-title")),
        ]
        declared = [_strip_site(clean_line(t), sites) for t in declared if clean_line(t)]
        h1s = [_visible(h) for h in self.tree.iter("h1")]
        h1s = [h for h in h1s if h and _key(h) not in sites]
        page_title = ""
        title_el = self.tree.find(".//title")
        if title_el is not None:
            page_title = _strip_site(clean_line(title_el.text_content()), sites)
        if declared:
            # An h1 that is the declared headline minus a prefix or suffix is cleaner.
            best = declared[0]
            inner = [h for h in h1s if _key(h) in _key(best) and len(h) >= len(best) / 2]
            return max(inner, key=len) if inner else best
        if page_title:
            inner = [h for h in h1s if _key(h) in _key(page_title)]
            if inner:
                return max(inner, key=len)
        if h1s:
            return h1s[0]
        return page_title

    def description(self) -> str:
        node = self.article_node() or {}
        return (
            self.first("og:description")
            or self.first("twitter:description")
            or _text(node.get("description"))
            or self.first("description")
        )

    def published(self) -> str | date | datetime | None:
        """The first declared publication date that parses.

        ISO 8601 values (nearly all metadata) are read exactly, keeping their offset, so
        ``...Z`` stays UTC; anything else is left to the project's date parser.
        """
        node = self.article_node() or {}
        candidates = [
            *self.meta.get("article:published_time", []),
            _text(node.get("datePublished")),
            *self.meta.get("datepublished", []),
            *self.meta.get("og:published_time", []),
            *self.meta.get("pubdate", []),
            *self.meta.get("publishdate", []),
            *self.meta.get("publish-date", []),
            *self.meta.get("dc.date.issued", []),
            *self.meta.get("dcterms.issued", []),
            *self.meta.get("parsely-pub-date", []),
            *self.meta.get("sailthru.date", []),
            *self.tree.xpath("//time[@itemprop='datePublished']/@datetime"),
            *self.tree.xpath("//time[@pubdate]/@datetime"),
            *(e.get("title", "") for e in self._by_class("published")),
            *self.meta.get("date", []),
            _text(node.get("dateCreated")),
        ]
        for candidate in candidates:
            candidate = clean_line(candidate)
            if not candidate:
                continue
            try:
                if ":" in candidate:
                    return datetime.fromisoformat(candidate)
                return date.fromisoformat(candidate)
            except ValueError:
                pass
            try:
                if parse_date(candidate) is not None:
                    return candidate
            except InvalidDate:
                continue
        return None

    def authors(self) -> list[str]:
        """Persons named as authors, then bylines, then organisations as a last resort."""
        node = self.article_node() or {}
        people, organisations = _jsonld_names(node.get("author"))
        if people:
            return people
        for key in (
            "author",
            "article:author",
            "article_author",
            "dc.creator",
            "byl",
            "sailthru.author",
            "parsely-author",
        ):
            for value in self.meta.get(key, []):
                names = _split_names(value, self)
                if names:
                    return names
        # hNews/hAtom bylines; only inside an entry, as comment authors use the class too.
        for entry in self._by_class("hentry") + self._by_class("hnews"):
            for element in _by_class_in(entry, "author"):
                found = [_visible(fn) for fn in _by_class_in(element, "fn")]
                names = [
                    n for name in found or [_visible(element)] for n in _split_names(name, self)
                ]
                if names:
                    return names
        return organisations

    def tags(self) -> list[str]:
        """Keywords and sections. The generic ``keywords`` meta, often the site's SEO
        list, only counts when the page names no article keywords."""
        node = self.article_node() or {}
        tags: list[str] = []
        for value in [*self.meta.get("news_keywords", []), *self.meta.get("article:tag", [])]:
            tags.extend(_split_list(value))
        tags.extend(_jsonld_list(node.get("keywords")))
        if not tags:
            for value in self.meta.get("keywords", []):
                tags.extend(_split_list(value))
        for value in self.meta.get("article:section", []):
            tags.extend(_split_list(value))
        tags.extend(_jsonld_list(node.get("articleSection")))
        seen: set[str] = set()
        out = []
        for tag in tags:
            if tag.casefold() not in seen and len(tag) <= 80:
                seen.add(tag.casefold())
                out.append(tag)
        return out[:_MAX_TAGS]

    def language(self) -> str:
        """The declared language's primary subtag (``en-US`` gives ``en``)."""
        root = self.tree
        node = self.article_node() or {}
        candidates = [
            root.get("lang"),
            root.get("{http://www.w3.org/XML/1998/namespace}lang"),
            root.get("xml:lang"),
            _text(node.get("inLanguage")),
            self.first("content-language"),
            self.first("dc.language"),
            self.first("language"),
            self.first("og:locale"),
        ]
        for candidate in candidates:
            primary = re.split(r"[-_]", clean_line(candidate or ""))[0].lower()
            if primary.isascii() and primary.isalpha() and 2 <= len(primary) <= 3:
                return primary
        return ""

    def site_name(self) -> str:
        node = self.article_node() or {}
        publisher = node.get("publisher")
        names, organisations = _jsonld_names(publisher)
        return (
            self.first("og:site_name")
            or (organisations or names or [""])[0]
            or self.first("application-name")
            or _host(self.url)
        )

    # helpers

    def _by_class(self, name: str) -> list[lxml.html.HtmlElement]:
        return _by_class_in(self.tree, name)

    def _site_keys(self) -> set[str]:
        """Comparison keys of the names a site calls itself, for affix stripping."""
        node = self.article_node() or {}
        names = [self.first("og:site_name"), self.first("application-name")]
        names.extend(sum(_jsonld_names(node.get("publisher")), []))
        host = urlsplit(self.url).hostname or ""
        names.append(host)
        names.extend(part for part in host.split(".") if part not in _HOST_NOISE)
        return {_key(name) for name in names if len(_key(name)) >= 3}


# --- small helpers -------------------------------------------------------------------


def _key(text: str) -> str:
    """A comparison key: case-folded letters and digits only."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def _visible(element: lxml.html.HtmlElement) -> str:
    return clean_line(element.text_content())


def _by_class_in(root: lxml.html.HtmlElement, name: str) -> list[lxml.html.HtmlElement]:
    return root.xpath(
        ".//*[contains(concat(' ', normalize-space(@class), ' '), $name)]", name=f" {name} "
    )


def _strip_site(title: str, sites: set[str]) -> str:
    """``Headline - CNN.com`` and ``Sott.net -- Headline`` become ``Headline``: leading
    and trailing title segments that name the site are dropped."""
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) < 2 or not sites:
        return title

    def is_site(part: str) -> bool:
        key = _key(part)
        return bool(key) and any(site in key or key in site for site in sites)

    start, end = 0, len(parts)
    while end - start > 1 and is_site(parts[end - 1]):
        end -= 1
    while end - start > 1 and is_site(parts[start]):
        start += 1
    if (start, end) == (0, len(parts)):
        return title
    # Cut the original string, so separators inside the headline survive.
    kept_first, kept_last = parts[start], parts[end - 1]
    begin = title.find(kept_first)
    finish = title.rfind(kept_last) + len(kept_last)
    return title[begin:finish].strip() if begin >= 0 and finish > begin else title


def _split_names(value: str, page: Page | None = None) -> list[str]:
    """Author names from a byline or meta value: ``By A, B and C, CNN`` gives A, B, C."""
    value = clean_line(value)
    if not value or value.startswith(("http://", "https://", "//")):
        return []
    sites = page._site_keys() if page is not None else set()
    names = []
    for part in re.split(r"\s*(?:[,;、，&]|\band\b|\bund\b|\bet\b)\s*", value):
        part = re.sub(r"^(?:by|von|par|por)\s+", "", part.strip(), flags=re.IGNORECASE)
        if not part or "@" in part or part.startswith("http") or len(part) > 80:
            continue
        if _key(part) in sites:
            continue
        names.append(part)
    return names


def _split_list(value: str) -> list[str]:
    return [clean_line(v) for v in re.split(r"[,;，、]", value or "") if clean_line(v)]


def _text(value: object) -> str:
    """A JSON-LD value as one line of text (first item of a list)."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    return clean_line(value) if isinstance(value, str) else ""


def _jsonld_list(value: object) -> list[str]:
    if isinstance(value, str):
        return _split_list(value)
    if isinstance(value, list):
        return [t for item in value for t in _jsonld_list(item)]
    if isinstance(value, dict):
        return _jsonld_list(value.get("name"))
    return []


def _jsonld_names(value: object) -> tuple[list[str], list[str]]:
    """``(people, organisations)`` named in a JSON-LD author or publisher value."""
    people: list[str] = []
    organisations: list[str] = []
    items: Iterable = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, str):
            people.extend(_split_names(item))
        elif isinstance(item, dict):
            name = _text(item.get("name"))
            if not name or name.startswith("http"):
                continue
            if _types(item) & {"person"} or not _types(item):
                people.append(name)
            else:
                organisations.append(name)
    return people, organisations


def _types(node: dict) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1].lower() for k in kinds if isinstance(k, str)}


def _jsonld_objects(source: str) -> list[dict]:
    """Every object in one JSON-LD block, ``@graph`` members and nested objects
    included; a block that is not JSON (sites ship broken ones) gives nothing."""
    source = source.strip()
    for wrapper in ("<!--", "-->", "//<![CDATA[", "//]]>", "<![CDATA[", "]]>"):
        source = source.replace(wrapper, "")
    try:
        data = json.loads(source, strict=False)
    except ValueError:
        return []
    found: list[dict] = []

    def walk(value: object, depth: int = 0) -> None:
        if depth > 8:
            return
        if isinstance(value, dict):
            found.append(value)
            for child in value.values():
                walk(child, depth + 1)
        elif isinstance(value, list):
            for child in value:
                walk(child, depth + 1)

    walk(data)
    return found


def _is_site_root(url: str) -> bool:
    parts = urlsplit(url)
    path = parts.path.lower().rstrip("/")
    return not parts.query and path in ("", "/index.html", "/index.htm", "/index.php", "/home")


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "") if url else ""
    return host[4:] if host.startswith("www.") else host

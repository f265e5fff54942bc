"""Tags: from explicit metadata, else from the URL's section path; normalised once.

A tag keeps a display form (the first spelling seen, tidied) and is compared by a key
(case-folded, whitespace collapsed, so ``World News`` and ``world  news`` are one tag).
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from archive.article import clean_line

#: Path segments that are never sections: languages, formats, furniture.
_NOT_SECTIONS = {
    "",
    "www",
    "news",
    "story",
    "stories",
    "article",
    "articles",
    "index",
    "amp",
    "en",
    "english",
    "content",
    "pages",
    "page",
    "html",
    "index.html",
    "home",
    "default",
    "tin-tuc",
    "web",
    "post",
    "posts",
    "p",
    "a",
    "id",
    "item",
    "items",
    "doc",
    "docs",
    "epaper",
    "wirestory",
    "print",
}
_SECTION_SHAPE = re.compile(r"^[a-z][a-z\-_]{1,29}$")
_DATE_PART = re.compile(r"[\d\-]+|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")
_INDEX_PAGE = re.compile(r"^(?:index|default)\.\w+$|^$", re.IGNORECASE)


def tag_key(tag: str) -> str:
    """The comparison key of a tag: case-folded and whitespace-collapsed."""
    return clean_line(tag).casefold()


def display_tag(tag: str) -> str:
    """A tag's display form: tidied, with all-lowercase slugs given a capital."""
    text = clean_line(tag.replace("_", " ") if " " not in tag else tag)
    if text and text == text.lower() and "-" in text and " " not in text:
        text = text.replace("-", " ")
    if text and text == text.lower():
        text = text[0].upper() + text[1:]
    return text


def normalise_tags(values: list[str] | str | None) -> list[str]:
    """Split, tidy and de-duplicate tags, keeping the first display form of each."""
    if values is None:
        return []
    if isinstance(values, str):
        values = re.split(r"[;,|]", values)
    out: list[str] = []
    seen: set[str] = set()
    for value in values:
        if not isinstance(value, str):
            value = str(value)
        text = display_tag(value)
        key = tag_key(text)
        if text and key not in seen and len(text) <= 80:
            seen.add(key)
            out.append(text)
    return out


def tags_from_url(url: str) -> list[str]:
    """Section names from a URL path: ``/Politics/...`` gives ``Politics``.

    Only the leading path segments that look like words count (at most two); date
    parts (``/2017/02/07/``) are stepped over, and a slug or id (anything long, or with
    several hyphens) ends the walk: what follows it is the article, not a section.
    """
    if not url:
        return []
    segments = unquote(urlsplit(url).path).split("/")[1:]
    if segments and _INDEX_PAGE.match(segments[-1]):
        segments = segments[:-1]  # /politics/some-slug/index.html: the slug is the article
    sections = []
    for segment in segments[:-1]:
        lowered = segment.lower()
        if lowered in _NOT_SECTIONS or _DATE_PART.fullmatch(lowered):
            continue
        if not _SECTION_SHAPE.match(lowered) or lowered.count("-") > 1 or len(sections) == 2:
            break
        sections.append(segment)
    return normalise_tags(sections)

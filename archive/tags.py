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
    "", "www", "news", "story", "stories", "article", "articles", "index", "amp", "en",
    "english", "content", "pages", "page", "html", "index.html", "home", "default",
    "tin-tuc", "web", "post", "posts", "p", "a", "id", "item", "items", "doc", "docs",
}
_SECTION_SHAPE = re.compile(r"^[a-z][a-z\-_]{1,29}$")


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

    Only the leading path segments that look like words count; ids, dates and slugs
    (anything long, numeric or with many hyphens) stop the walk.
    """
    if not url:
        return []
    path = unquote(urlsplit(url).path)
    sections = []
    for segment in path.split("/")[1:-1][:2]:
        lowered = segment.lower()
        if lowered in _NOT_SECTIONS:
            continue
        if not _SECTION_SHAPE.match(lowered) or lowered.count("-") > 1:
            break
        sections.append(segment)
    return normalise_tags(sections)

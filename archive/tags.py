"""Tags: from explicit metadata, else from the URL's section path; normalised once.

A tag keeps a display form (the first spelling seen, tidied) and is compared by a key
(case-folded, whitespace collapsed, so ``World News`` and ``world  news`` are one tag).
Explicit tags keep their spelling but for a capital on all-lowercase ones (Reuters'
``money-fx`` becomes ``Money-fx``); section names taken from URL slugs are also
un-slugged (``middle-east`` -> ``Middle east``).
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from archive.article import clean_line

#: Path segments that are never sections: languages, formats, containers.
_NOT_SECTIONS = frozenset(
    "www news story stories article articles index amp en english content pages page html "
    "home default tin-tuc web post posts p a id item items doc docs epaper wirestory print "
    "video videos live".split()
)
_SECTION_SHAPE = re.compile(r"^[a-z][a-z_]{1,29}(?:-[a-z]{2,})?$")
_DATE_PART = re.compile(r"[\d\-]+|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")
_INDEX_PAGE = re.compile(r"^(?:index|default)\.\w+$|^$", re.IGNORECASE)
#: BBC-style article names that carry their section: ``uk-politics-38895007``.
_SECTION_WITH_ID = re.compile(r"^([a-z]{2,}(?:-[a-z]{2,}){0,2})-\d{6,}$")
#: Short segments that are abbreviations when shown: ``us`` -> ``US``.
_ABBREVIATIONS = frozenset("us uk eu un usa uae nhs".split())
MAX_TAG_CHARS = 80


def tag_key(tag: str) -> str:
    """The comparison key of a tag: case-folded and whitespace-collapsed."""
    return clean_line(tag).casefold()


def normalise_tags(values: list[str] | str | None) -> list[str]:
    """Split, tidy and de-duplicate tags, keeping the first spelling of each."""
    if values is None:
        return []
    if isinstance(values, str):
        values = re.split(r"[;,|]", values)
    out: list[str] = []
    seen: set[str] = set()
    for value in values:
        text = clean_line(value if isinstance(value, str) else str(value))
        if text.islower():
            # Facet lists read better with one convention: "winter storm" -> "Winter storm".
            text = text[0].upper() + text[1:]
        key = text.casefold()
        if text and key not in seen and len(text) <= MAX_TAG_CHARS:
            seen.add(key)
            out.append(text)
    return out


def _section_label(slug: str) -> str:
    words = slug.replace("_", "-").split("-")
    words = [w.upper() if w in _ABBREVIATIONS else w for w in words]
    text = " ".join(words)
    return text[0].upper() + text[1:]


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
    sections: list[str] = []
    for i, segment in enumerate(segments[:-1]):
        lowered = segment.lower()
        if lowered in _NOT_SECTIONS or _DATE_PART.fullmatch(lowered):
            continue
        if not _SECTION_SHAPE.match(lowered) or len(sections) == 2:
            break
        if "-" in lowered and i == len(segments) - 2:
            break  # /jane-doe/story-slug: right before the article, a hyphen is a byline
        sections.append(segment if segment != lowered else _section_label(lowered))
    if not sections and segments:
        with_id = _SECTION_WITH_ID.match(segments[-1].lower())
        if with_id:
            sections.append(_section_label(with_id.group(1)))
    return normalise_tags(sections)

"""Plain-text page exports, modelled on the seed (``../shared/corpora/seed/``).

Such an export is a web page flattened to text::

    Vietnam.vn - Nền tảng quảng bá Việt Nam        <- site header: "site - tagline"
    Dien Bien and Da Nang City Party Committee ... <- the title
    Việt NamViệt Nam03/10/2024                     <- byline glued to a dd/mm/yyyy date
    Comrade Lo Thi Minh Phuong, ...                <- body paragraphs (captions among them)
    Source: https://baodienbienphu.com.vn/...       <- the original article
    Comment (0) / No data / Same tag / ...          <- page furniture: never part of the body

Exports vary (CRLF, a BOM, extra blank lines, no ``Source:`` line, Vietnamese labels), so
each part is found by its shape rather than by line number. A plain text file with none
of this structure still reads: first line as title, the rest as body.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from archive.article import Article, Problem
from archive.readers.base import ReadContext, make_article, read_text

#: "Vietnam.vn - tagline", "VnExpress | tagline": a site name that looks like a host.
_SITE_HEADER = re.compile(r"^(?P<site>[\w.-]+\.[a-z]{2,})\s*[-–—|:]\s*\S", re.IGNORECASE)
#: A short line ending in a dd/mm/yyyy date, optionally with a time: the byline.
_DATE_LINE = re.compile(
    r"(?P<date>\d{1,2}[/.-]\d{1,2}[/.-]\d{4})(?:\s*[-,|]?\s*(?P<time>\d{1,2}:\d{2}(?::\d{2})?))?"
    r"\s*(?:\(?GMT[+-]\d+\)?)?\s*$"
)
_SOURCE = re.compile(r"^(?:Source|Nguồn|Nguồn tin)\s*:\s*(?P<url>\S+)", re.IGNORECASE)
#: Lines that start the page furniture after an article. Matched on the whole line.
_FURNITURE = re.compile(
    r"^(?:Comment|Comments|Bình luận)\s*\(\d+\)$|^No data$|^Same (?:tag|category|author)$"
    r"|^Related (?:news|articles|posts)$|^Cùng (?:chủ đề|chuyên mục|tác giả)$|^Tin liên quan$"
    r"|^Không có dữ liệu$",
    re.IGNORECASE,
)
#: How far into the file the title and byline may lie (non-blank lines).
_HEAD_LINES = 6
_MAX_BYLINE_CHARS = 120


def read_export(ctx: ReadContext) -> Iterator[Article | Problem]:
    """Read one page export (or any plain text file) into one Article."""
    text = read_text(ctx)
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [line.replace("\ufeff", "") for line in lines]
    filled = [i for i, line in enumerate(lines) if line]
    if not filled:
        raise ValueError("empty file")

    site = ""
    head = filled[:_HEAD_LINES]
    first = lines[head[0]]
    header = _SITE_HEADER.match(first)
    if header and len(head) > 1:
        site = header.group("site")
        head = head[1:]

    byline_at, published = _find_byline(lines, head)
    if byline_at is not None:
        before = [i for i in head if i < byline_at]
        title_at = before[-1] if before else None
        body_from = byline_at + 1
    else:
        title_at = head[0]
        body_from = head[0] + 1
    title = lines[title_at] if title_at is not None else ""

    url = ""
    body_lines: list[str] = []
    for line in lines[body_from:]:
        source = _SOURCE.match(line)
        if source:
            url = source.group("url")
            break
        if _FURNITURE.match(line):
            break
        body_lines.append(line)
    # Paragraphs are separated by blank lines in exports; keep one blank line between them.
    body = "\n".join(body_lines)
    body = re.sub(r"\n{2,}", "\n\n", body).strip()
    if not title and not body:
        raise ValueError("no title and no text")

    yield make_article(
        ctx,
        title=title,
        body=body,
        published=published,
        site=site,
        url=url,
        dayfirst=True,  # these exports come from day-first (Vietnamese, European) sites
    )


def _find_byline(lines: list[str], head: list[int]) -> tuple[int | None, str | None]:
    """The index of the byline (a short line ending in a date) and its date text."""
    for i in head[1:]:
        line = lines[i]
        if len(line) > _MAX_BYLINE_CHARS:
            continue
        match = _DATE_LINE.search(line)
        if match:
            when = match.group("date")
            if match.group("time"):
                when += " " + match.group("time")
            return i, when
    return None, None

"""Reuters-21578: the classic research corpus, in either of its two shapes.

The original ``.sgm`` files hold many ``<REUTERS>`` documents each and are SGML, not
XML: control-character references (``&#3;`` ends every body), bare ``&`` in company
names, a DOCTYPE with no DTD at hand. The XML redistributions hold one document per
file. Both are read the same way: the text is cut at ``<REUTERS ...>`` boundaries,
each document is made well-formed with two small substitutions and parsed with lxml's
recovering XML parser, so one damaged document is reported and the others still load.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

from lxml import etree

from archive.article import Article, Problem
from archive.readers.base import ReadContext, SkipFile, make_article, read_text

SITE = "Reuters"

_OPEN = re.compile(r"<REUTERS\b")
_CLOSE = "</REUTERS>"
#: Character references to C0 controls (``&#2;``, ``&#3;``, ``&#31;``) are not allowed
#: in XML; they are teletype framing in this corpus and carry no text.
_CHAR_REF = re.compile(r"&#(\d+|[xX][0-9a-fA-F]+);")
_CONTROL_CHAR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: An ``&`` that does not start an entity or character reference (``AT&T``).
_BARE_AMP = re.compile(r"&(?!(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);)")
_DATE = re.compile(
    r"(\d{1,2})-([A-Za-z]{3})-(\d{4})(?:\s+(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?"
)
_MONTHS = {m: i for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), 1)}
#: The wire sign-off that ends nearly every body: `` Reuter``, ``REUTER``, ``REUTER...``.
_SIGN_OFF = re.compile(r"\s*\bREUTER\b[.\s]*$", re.IGNORECASE)
#: A body line that starts indented begins a new paragraph (or a table row).
_PARAGRAPH = re.compile(r"\n[ \t]+")
_BY = re.compile(r"^\s*by\s+|,\s*reuters?\s*$", re.IGNORECASE)


def read_reuters(ctx: ReadContext) -> Iterator[Article | Problem]:
    """Every document in a Reuters-21578 ``.sgm`` or ``.xml`` file."""
    text = read_text(ctx)
    starts = [m.start() for m in _OPEN.finditer(text)]
    if not starts:
        raise SkipFile("not a Reuters-21578 file (no <REUTERS> document in it)")
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        line = text.count("\n", 0, start) + 1
        where = f"{ctx.relpath}:{line}"
        chunk = text[start:end]
        close = chunk.find(_CLOSE)
        if close < 0:
            yield Problem(where, "Reuters document not closed by </REUTERS> (truncated?)")
            continue
        try:
            yield _document(ctx, chunk[: close + len(_CLOSE)])
        except Exception as exc:  # noqa: BLE001 - one bad document must not stop the file
            yield Problem(where, " ".join(str(exc).split())[:300] or type(exc).__name__)


def _document(ctx: ReadContext, markup: str) -> Article:
    """One ``<REUTERS>...</REUTERS>`` document as an Article."""
    markup = _CHAR_REF.sub(_drop_control_ref, markup)
    markup = _CONTROL_CHAR.sub("", markup)
    markup = _BARE_AMP.sub("&amp;", markup)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(markup.encode("utf-8"), parser)
    if root is None:
        raise ValueError("Reuters document is not readable as markup")

    text = root.find("TEXT")
    title = _text(text, "TITLE")
    body = _text(text, "BODY")
    if text is not None and not title and not body and text.get("TYPE") == "UNPROC":
        body = "".join(text.itertext())  # unprocessed stories have no inner tags
    author = _BY.sub("", _text(text, "AUTHOR")).strip()
    raw_date = _text(root, "DATE").strip()
    return make_article(
        ctx,
        title=title,
        body=_clean_body(body),
        published=_parse_date(raw_date) or raw_date or None,
        site=SITE,
        language="en",
        authors=[author] if author else [],
        tags=_codes(root, "TOPICS"),
        places=_codes(root, "PLACES"),
        dateline=_text(text, "DATELINE"),
        record_key=root.get("NEWID", ""),
    )


def _drop_control_ref(match: re.Match[str]) -> str:
    ref = match.group(1)
    code = int(ref[1:], 16) if ref[0] in "xX" else int(ref)
    return "" if code < 32 and code not in (9, 10, 13) else match.group(0)


def _text(parent: etree._Element | None, tag: str) -> str:
    if parent is None:
        return ""
    node = parent.find(tag)
    return "".join(node.itertext()) if node is not None else ""


def _codes(root: etree._Element, tag: str) -> list[str]:
    """The ``<D>`` codes of a category (``<PLACES><D>usa</D></PLACES>``)."""
    return [d.text.strip() for d in root.findall(f"{tag}/D") if d.text and d.text.strip()]


def _clean_body(body: str) -> str:
    body = body.replace("\r\n", "\n")
    body = _SIGN_OFF.sub("", body.rstrip())
    return _PARAGRAPH.sub("\n\n", body.strip())


def _parse_date(value: str) -> date | datetime | None:
    """``26-FEB-1987 15:18:06.67`` as an aware datetime (the corpus names no zone; UTC,
    as everywhere in the archive). A garbled time of day keeps just the date."""
    match = _DATE.search(value)
    if not match:
        return None
    day, month_name, year, hour, minute, second, fraction = match.groups()
    month = _MONTHS.get(month_name.upper())
    if month is None:
        return None
    try:
        day_start = datetime(int(year), month, int(day), tzinfo=UTC)
    except ValueError:
        return None
    if hour is None:
        return day_start.date()
    try:
        micro = int((fraction or "0").ljust(6, "0"))
        return day_start.replace(
            hour=int(hour), minute=int(minute), second=int(second), microsecond=micro
        )
    except ValueError:
        return day_start.date()

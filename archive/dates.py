"""Publication dates from metadata, URLs and text.

Numeric dates are ambiguous (``03/10/2024``): the caller says which convention the
source uses (``dayfirst``). An impossible date raises :class:`InvalidDate` so the
reader can record a warning and carry on without a date; nothing here crashes on junk.
A datetime with a time of day is always returned timezone-aware (UTC when the source
names no zone), so the index and the API never mix naive and aware values.
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, date, datetime

from dateutil import parser as dateutil_parser

#: Earliest and latest plausible publication years; outside them a "date" is noise.
MIN_YEAR = 1800
MAX_YEAR = 2100


class InvalidDate(ValueError):
    """A value that looks like a date but cannot be one (``31/02/2024``)."""


_NUMERIC = re.compile(r"^\s*(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})\s*$")
_URL_DATE = re.compile(
    r"/((?:19|20)\d\d)[/\-_]?(0[1-9]|1[0-2])[/\-_]?(0[1-9]|[12]\d|3[01])(?=[/\-_.]|$)"
)
_URL_MONTH = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/")
_TEXT_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})[/.](\d{1,2})[/.]((?:19|20)\d\d)(?!\d)")
_TEXT_ISO = re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d\d)-(\d\d)(?!\d)")
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_TEXT_WORDY = re.compile(
    rf"\b(?:(\d{{1,2}})\s+({_MONTHS})\.?,?\s+((?:19|20)\d\d)"
    rf"|({_MONTHS})\.?\s+(\d{{1,2}}),?\s+((?:19|20)\d\d))\b",
    re.IGNORECASE,
)


def _checked(year: int, month: int, day: int, original: str) -> date:
    try:
        value = date(year, month, day)
    except ValueError as exc:
        raise InvalidDate(f"impossible date {original!r}: {exc}") from exc
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise InvalidDate(f"implausible year in date {original!r}")
    return value


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_date(value: object, *, dayfirst: bool = False) -> date | datetime | None:
    """Parse a metadata date value.

    Returns a ``date`` when the value has no time of day, an aware ``datetime`` when it
    has one, ``None`` for an empty value; raises :class:`InvalidDate` for a value that
    is not a possible date.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Epoch seconds (or milliseconds) from JSON exports.
        seconds = value / 1000 if value > 10**11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise InvalidDate(f"impossible timestamp {value!r}") from exc
    text = " ".join(str(value).split())
    if not text:
        return None
    iso = _iso(text)
    if iso is not None:
        return iso
    numeric = _NUMERIC.match(text)
    if numeric:
        a, b, c = numeric.groups()
        if len(a) == 4:  # year first: 2017/2/7
            return _checked(int(a), int(b), int(c), text)
        if len(c) == 4:
            day, month = (int(a), int(b)) if dayfirst else (int(b), int(a))
            return _checked(int(c), month, day, text)
        raise InvalidDate(f"cannot tell the year in date {text!r}")
    try:
        with warnings.catch_warnings():
            # An unknown zone name (EET) is read as UTC rather than warned about.
            warnings.simplefilter("ignore", dateutil_parser.UnknownTimezoneWarning)
            parsed, _tokens = dateutil_parser.parse(
                text,
                dayfirst=dayfirst,
                fuzzy_with_tokens=True,
                default=_NO_DEFAULT,
                tzinfos=_ZONES,
            )
    except (ValueError, OverflowError) as exc:
        raise InvalidDate(f"unreadable date {text!r}") from exc
    if parsed.year == _NO_DEFAULT.year:
        raise InvalidDate(f"no year in date {text!r}")
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise InvalidDate(f"implausible year in date {text!r}")
    has_time = bool(re.search(r"\d:\d\d", text))
    if has_time:
        return _aware(parsed)
    return parsed.date()


def _iso(text: str) -> date | datetime | None:
    """ISO 8601 (``2024-10-03``, ``2023-11-06T08:00:00Z``) read exactly, offsets kept."""
    if not _ISO_SHAPE.match(text):
        return None
    year, month, day = (int(part) for part in text[:10].split("-"))
    _checked(year, month, day, text)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None  # a zone name like EET: dateutil reads those
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise InvalidDate(f"implausible year in date {text!r}")
    if len(text) == 10:
        return value.date()
    return _aware(value)


_ISO_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}|$)")
#: Zone abbreviations news sites use that dateutil does not know; the rest read as UTC.
_ZONES = {
    "EET": 2 * 3600,
    "EEST": 3 * 3600,
    "CET": 3600,
    "CEST": 2 * 3600,
    "BST": 3600,
    "IST": 19800,
    "ICT": 7 * 3600,
    "JST": 9 * 3600,
    "KST": 9 * 3600,
    "HKT": 8 * 3600,
    "SGT": 8 * 3600,
    "AEST": 10 * 3600,
    "AEDT": 11 * 3600,
    "EST": -5 * 3600,
    "EDT": -4 * 3600,
    "CST": -6 * 3600,
    "CDT": -5 * 3600,
    "MST": -7 * 3600,
    "MDT": -6 * 3600,
    "PST": -8 * 3600,
    "PDT": -7 * 3600,
    "GMT": 0,
    "UTC": 0,
    "Z": 0,
}

#: A default whose year no real article has, to detect "no year given".
_NO_DEFAULT = datetime(1, 1, 1)


def date_from_url(url: str) -> date | None:
    """A date spelled in a URL path: ``/2023/11/06/``, ``/2023-11-06/``, ``/20231106/``."""
    if not url:
        return None
    match = _URL_DATE.search(url)
    if match:
        try:
            year, month, day = (int(g) for g in match.groups())
            return _checked(year, month, day, match.group(0))
        except InvalidDate:
            return None
    return None


def date_from_text(text: str, *, dayfirst: bool = False, window: int = 600) -> date | None:
    """The first plausible date near the start of a text (where bylines put it)."""
    head = text[:window]
    candidates: list[tuple[int, date]] = []
    for match in _TEXT_ISO.finditer(head):
        try:
            year, month, day = (int(g) for g in match.groups())
            candidates.append((match.start(), _checked(year, month, day, match.group(0))))
        except InvalidDate:
            pass
    for match in _TEXT_NUMERIC.finditer(head):
        a, b, year = (int(g) for g in match.groups())
        day, month = (a, b) if dayfirst else (b, a)
        try:
            candidates.append((match.start(), _checked(year, month, day, match.group(0))))
        except InvalidDate:
            pass
    for match in _TEXT_WORDY.finditer(head):
        try:
            candidates.append((match.start(), parse_date(match.group(0)) or date.min))
        except InvalidDate:
            pass
    candidates = [c for c in candidates if c[1] != date.min]
    if not candidates:
        return None
    value = min(candidates, key=lambda c: c[0])[1]
    return value.date() if isinstance(value, datetime) else value

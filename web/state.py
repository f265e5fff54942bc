"""A search as the URL holds it: parsing request arguments, and writing them back.

All state of a search lives in the URL, so that a search is a permalink. This module
is the one place that knows the parameter names; :class:`SearchState` is immutable,
and every link on a page is a changed copy of the current state handed to the URL
builder.
"""

from __future__ import annotations

import calendar
import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from archive.article import clean_line
from indexer.api import MAX_PAGE, MAX_PAGE_SIZE, SORTS, Filters, SearchQuery
from indexer.errors import ArchiveError

#: Longer queries are refused rather than handed to the parser (bounded work per request).
MAX_QUERY_CHARS = 1000
#: At most this many values of one filter, each at most this long.
MAX_FILTER_VALUES = 50
MAX_FILTER_CHARS = 200

_DATE_VALUE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2]))?$")
_ISO_DAY = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")

#: URL parameter of each multi-valued filter, and the SearchState field behind it.
#: The articles' language is ``language``: ``lang`` chooses the interface language
#: (web.i18n), except on the JSON API, which still reads ``lang`` as this filter.
FILTER_PARAMS = {
    "tag": "tags",
    "place": "places",
    "site": "sites",
    "language": "languages",
    "date": "dates",
}
#: The JSON API's older name of the language filter, still accepted there.
API_LANGUAGE_ALIAS = "lang"


class ParamError(ArchiveError):
    """A request parameter that cannot be used; the message is shown to the user (HTTP 400)."""

    status = 400
    exit_code = 2
    title = "Bad request"


@dataclass(frozen=True)
class SearchState:
    """Everything that defines one page of one search."""

    text: str = ""
    tags: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    page: int = 1
    #: None: the deployment's default page size.
    size: int | None = None

    # -- reading -------------------------------------------------------------------

    @classmethod
    def from_args(cls, args: Mapping, *, api: bool = False) -> SearchState:
        """Parse request arguments (a Werkzeug MultiDict). Raises :class:`ParamError`
        with a plain message for a value out of bounds or malformed. ``api``: also read
        the language filter under its API name ``lang``."""
        text = clean_line(args.get("q", ""))
        if len(text) > MAX_QUERY_CHARS:
            raise ParamError(
                _("The query is too long (at most %(n)s characters).", n=MAX_QUERY_CHARS)
            )
        values = {field: _values(args, param) for param, field in FILTER_PARAMS.items()}
        if api and not values["languages"]:
            values["languages"] = _values(args, API_LANGUAGE_ALIAS)
        for value in values["dates"]:
            if not _DATE_VALUE.match(value):
                raise ParamError(
                    _("%(value)s is not a year (YYYY) or a month (YYYY-MM).", value=repr(value))
                )
        date_from = _parse_day(args.get("from", ""), "from", end=False)
        date_to = _parse_day(args.get("to", ""), "to", end=True)
        if date_from and date_to and date_from > date_to:
            raise ParamError(_("The ‘from’ date is after the ‘to’ date."))
        sort = (args.get("sort") or "relevance").strip().lower()
        if sort not in SORTS:
            raise ParamError(_("Sort must be one of: %(sorts)s.", sorts=", ".join(SORTS)))
        page = _bounded_int(args.get("page"), "page", 1, MAX_PAGE)
        size = _bounded_int(args.get("size"), "size", 1, MAX_PAGE_SIZE)
        return cls(
            text=text,
            date_from=date_from,
            date_to=date_to,
            sort=sort,
            page=page or 1,
            size=size,
            **values,
        )

    # -- writing -------------------------------------------------------------------

    def to_args(self) -> dict[str, str | list[str]]:
        """URL arguments for this state, defaults left out so permalinks stay short."""
        args: dict[str, str | list[str]] = {}
        if self.text:
            args["q"] = self.text
        for param, field in FILTER_PARAMS.items():
            values = getattr(self, field)
            if values:
                args[param] = list(values)
        if self.date_from:
            args["from"] = self.date_from.isoformat()
        if self.date_to:
            args["to"] = self.date_to.isoformat()
        if self.sort != "relevance":
            args["sort"] = self.sort
        if self.page != 1:
            args["page"] = str(self.page)
        if self.size is not None:
            args["size"] = str(self.size)
        return args

    def to_query(
        self, default_size: int = 10, *, facets: bool = True, snippets: bool = True
    ) -> SearchQuery:
        """The search API's query for this state."""
        return SearchQuery(
            text=self.text,
            filters=self.to_filters(),
            sort=self.sort,  # type: ignore[arg-type]  # validated against SORTS
            page=self.page,
            page_size=self.size or default_size,
            facets=facets,
            snippets=snippets,
        )

    def to_filters(self) -> Filters:
        """The search API's filters for this state."""
        return Filters(
            tags=list(self.tags),
            places=list(self.places),
            sites=list(self.sites),
            languages=list(self.languages),
            dates=list(self.dates),
            date_from=self.date_from,
            date_to=self.date_to,
        )

    # -- changed copies (always back to page 1 when the result set changes) ----------

    def replace(self, **changes) -> SearchState:
        return dataclasses.replace(self, **changes)

    def has_filters(self) -> bool:
        return not self.to_filters().is_empty()

    def is_selected(self, param: str, value: str) -> bool:
        return value in getattr(self, FILTER_PARAMS[param])

    def toggled(self, param: str, value: str) -> SearchState:
        """The state with ``value`` of filter ``param`` switched on or off.

        Switching off a year or a country also drops its months or places, which
        would otherwise silently keep narrowing the search.
        """
        field = FILTER_PARAMS[param]
        current = getattr(self, field)
        if value in current:
            kept = tuple(v for v in current if v != value and not _descends(param, v, value))
        else:
            kept = (*current, value)
        return self.replace(**{field: kept, "page": 1})

    def without_range(self, which: str) -> SearchState:
        return self.replace(**{f"date_{which}": None, "page": 1})

    def cleared(self) -> SearchState:
        """Same query text, sort and page size, no filters."""
        return SearchState(text=self.text, sort=self.sort, size=self.size)


def _descends(param: str, value: str, ancestor: str) -> bool:
    if param == "date":
        return value.startswith(ancestor + "-")
    if param == "place":
        return value.startswith(ancestor + "/")
    return False


def _values(args: Mapping, param: str) -> tuple[str, ...]:
    raw: Iterable[str | None] = (
        args.getlist(param) if hasattr(args, "getlist") else [args.get(param)]
    )
    out: list[str] = []
    for value in raw:
        value = clean_line(value)
        if not value or value in out:
            continue
        if len(value) > MAX_FILTER_CHARS:
            raise ParamError(
                _(
                    "A %(param)s value is too long (at most %(n)s characters).",
                    param=param,
                    n=MAX_FILTER_CHARS,
                )
            )
        out.append(value)
    if len(out) > MAX_FILTER_VALUES:
        raise ParamError(
            _("Too many %(param)s values (at most %(n)s).", param=param, n=MAX_FILTER_VALUES)
        )
    return tuple(out)


def _bounded_int(raw: str | None, name: str, low: int, high: int) -> int | None:
    if raw is None or not str(raw).strip():
        return None
    text = str(raw).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise ParamError(
            _(
                "%(name)s must be a whole number from %(low)s to %(high)s.",
                name=name,
                low=low,
                high=high,
            )
        )
    number = int(text)
    if not low <= number <= high:
        raise ParamError(
            _(
                "%(name)s must be a whole number from %(low)s to %(high)s.",
                name=name,
                low=low,
                high=high,
            )
        )
    return number


def _parse_day(raw: str | None, name: str, *, end: bool) -> date | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; a partial ``to`` date means its last day."""
    text = (raw or "").strip()
    if not text:
        return None
    match = _ISO_DAY.match(text)
    try:
        if not match:
            raise ValueError
        year = int(match[1])
        month = int(match[2]) if match[2] else (12 if end else 1)
        if match[3]:
            day = int(match[3])
        else:
            day = calendar.monthrange(year, month)[1] if end else 1
        return date(year, month, day)
    except (ValueError, calendar.IllegalMonthError):
        raise ParamError(_("‘%(name)s’ must be a date written YYYY-MM-DD.", name=name)) from None

"""A search as the URL holds it: parsing request arguments, and writing them back.

All state of a search lives in the URL, so that a search is a permalink. This module
is the one place that knows the parameter names; :class:`SearchState` is immutable,
and every link on a page is a changed copy of the current state handed to the URL
builder.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from archive.article import clean_line
from archive.places import place_filter
from indexer import params
from indexer.api import Filters, SearchQuery
from indexer.params import (
    API,
    MAX_FILTER_CHARS,
    MAX_FILTER_VALUES,
    MAX_QUERY_CHARS,
    PAGE,
    ParamError,
    check_names,
    params_for,
    parse_day,
    rule_for,
    values,
)

__all__ = ["MAX_FILTER_CHARS", "MAX_QUERY_CHARS", "ParamError", "SearchState"]

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
    #: ``best``: one hit per story; ``all``: every article (indexer.api.VERSIONS).
    versions: str = "best"
    page: int = 1
    #: None: the deployment's default page size.
    size: int | None = None

    # -- reading -------------------------------------------------------------------

    @classmethod
    def from_args(cls, args: Mapping, surface: str = PAGE) -> SearchState:
        """Parse request arguments (a Werkzeug MultiDict) by the rules of
        :mod:`indexer.params` for ``surface``. Raises :class:`ParamError` naming the
        parameter for an unknown one, or a value out of bounds or malformed."""
        check_names(args.keys(), surface)
        for rule in params_for(surface):
            # Those read elsewhere (embed, excel, the interface's lang) are checked here
            # all the same, so that every surface refuses what its rules refuse.
            if rule.kind == "multi":
                for value in values(args, rule.name):
                    rule.check(value)
            else:
                _single(args, rule.name, surface)
        names = ("q", "from", "to", "sort", "page", "size", "versions")
        one = {name: _single(args, name) for name in names}
        text = clean_line(one["q"])
        if len(text) > MAX_QUERY_CHARS:
            raise ParamError(params.TOO_LONG_QUERY, n=MAX_QUERY_CHARS)
        filters = {field: _filter_values(args, param) for param, field in FILTER_PARAMS.items()}
        if surface == API and not filters["languages"]:
            filters["languages"] = _filter_values(args, API_LANGUAGE_ALIAS, surface)
        # A place by any of its names or by its former province's own path
        # (Vietnam/Binh Duong) filters by its facet path.
        filters["places"] = tuple(dict.fromkeys(place_filter(v) for v in filters["places"]))
        date_from = parse_day(one["from"], "from", end=False)
        date_to = parse_day(one["to"], "to", end=True)
        if date_from and date_to and date_from > date_to:
            raise ParamError(params.FROM_AFTER_TO)
        page, size = one["page"], one["size"]
        return cls(
            text=text,
            date_from=date_from,
            date_to=date_to,
            sort=one["sort"].lower() or "relevance",
            versions=one["versions"].lower() or "best",
            page=int(page) if page else 1,
            size=int(size) if size else None,
            **filters,
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
        if self.versions != "best":
            args["versions"] = self.versions
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
            versions=self.versions,  # type: ignore[arg-type]  # validated against VERSIONS
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
        return SearchState(text=self.text, sort=self.sort, size=self.size, versions=self.versions)


def _descends(param: str, value: str, ancestor: str) -> bool:
    if param == "date":
        return value.startswith(ancestor + "-")
    if param == "place":
        return value.startswith(ancestor + "/")
    return False


def _single(args: Mapping, name: str, surface: str = PAGE) -> str:
    """The one value of a single-valued parameter, checked ('' when absent or empty)."""
    given = values(args, name)
    if len(given) > 1:
        raise ParamError(params.GIVEN_TWICE, name=name)
    return rule_for(name, surface).check(given[0]) if given else ""


def _filter_values(args: Mapping, param: str, surface: str = PAGE) -> tuple[str, ...]:
    rule = rule_for(param, surface)
    out: list[str] = []
    for raw in values(args, param):
        value = rule.check(clean_line(raw))
        if value not in out:
            out.append(value)
    if len(out) > MAX_FILTER_VALUES:
        raise ParamError(params.TOO_MANY, param=param, n=MAX_FILTER_VALUES)
    return tuple(out)

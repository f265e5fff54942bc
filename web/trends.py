"""Attention over time on the web: ``/trends`` (a chart drawn on the server and a
table), ``/trends.csv`` and ``/trends.json`` (downloads) and ``/api/trends``.

:class:`TrendState` is the one place that knows this page's parameters: ``q`` (one
per query, at most five; blank boxes of the form are ignored), ``interval``, and the
search page's filters (``tag``, ``place``, ``site``, ``language``, ``date``, ``from``,
``to``; ``lang`` is the interface language, as everywhere), read by
:class:`~web.state.SearchState` so they mean exactly what they mean there. The
counting is the search API's (:meth:`Searcher.trends`); this module only parses, calls
and renders.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import Blueprint, Response, g, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from archive.article import clean_line
from indexer import params
from indexer.api import (
    INTERVALS,
    MAX_TREND_QUERIES,
    TREND_CSV_COLUMNS,
    TrendQuery,
    TrendResult,
    trend_csv_rows,
)
from indexer.errors import QueryError
from web.chart import trend_chart, trend_table
from web.errors import translated
from web.pages import archive
from web.security import is_embed_request
from web.state import MAX_QUERY_CHARS, ParamError, SearchState
from web.urls import UrlBuilder

bp = Blueprint("trends", __name__)

#: The parameters this page reads itself; every other one is a search filter.
OWN_PARAMS = ("q", "interval")
DEFAULT_INTERVAL = "month"


@dataclass(frozen=True)
class TrendState:
    """One trends view as its URL holds it."""

    queries: tuple[str, ...] = ()
    interval: str = DEFAULT_INTERVAL
    #: The filters, as the search page holds them (its text, sort and page unused).
    filters: SearchState = field(default_factory=SearchState)

    @classmethod
    def from_args(cls, args: Mapping) -> TrendState:
        """Parse request arguments; raises :class:`ParamError` (400) with a plain line."""
        queries = _typed_queries(args)
        for query in queries:
            if len(query) > MAX_QUERY_CHARS:
                raise ParamError(
                    _("A query is too long (at most %(count)s characters).", count=MAX_QUERY_CHARS)
                )
        if len(queries) > MAX_TREND_QUERIES:
            raise ParamError(
                _(
                    "%(count)s queries: at most %(most)s can be compared.",
                    count=len(queries),
                    most=MAX_TREND_QUERIES,
                )
            )
        unknown = sorted({k for k, _v in _items(args)} - KNOWN_PARAMS)
        if unknown:
            raise ParamError(
                params.UNKNOWN,
                names=", ".join(repr(n[:40]) for n in unknown),
                known=", ".join(sorted(KNOWN_PARAMS)),
            )
        interval = (args.get("interval") or DEFAULT_INTERVAL).strip().lower()
        if interval not in INTERVALS:
            raise ParamError(
                _("The interval must be one of: %(values)s.", values=", ".join(INTERVALS))
            )
        others = MultiDict(
            [(k, v) for k, v in _items(args) if k not in OWN_PARAMS and k in _FILTER_ARGS]
        )
        return cls(tuple(queries), interval, SearchState.from_args(others))

    def to_args(self) -> dict[str, str | list[str]]:
        args: dict[str, str | list[str]] = dict(self.filters.to_args())
        if self.queries:
            args["q"] = list(self.queries)
        if self.interval != DEFAULT_INTERVAL:
            args["interval"] = self.interval
        return args

    def to_query(self) -> TrendQuery:
        return TrendQuery(
            list(self.queries),
            self.filters.to_filters(),
            self.interval,  # type: ignore[arg-type]  # checked against INTERVALS
        )


#: The search filters a trends URL may carry (sorting and paging mean nothing here),
#: checked by the search's own rules (:mod:`indexer.params`).
_FILTER_ARGS = ("tag", "place", "site", "language", "date", "from", "to")
#: Every parameter a trends address takes (``lang``: the interface language; ``embed``:
#: the page without chrome); any other is refused by name, as on every surface.
KNOWN_PARAMS = frozenset({*OWN_PARAMS, *_FILTER_ARGS, "lang", "embed"})


def _items(args: Mapping) -> list[tuple[str, str]]:
    if hasattr(args, "items") and isinstance(args, MultiDict):
        return list(args.items(multi=True))
    return list(args.items())


def _typed_queries(args: Mapping) -> list[str]:
    raw = args.getlist("q") if hasattr(args, "getlist") else [args.get("q", "")]
    return [text for text in (clean_line(v) for v in raw) if text]


def _kept_input(args: Mapping) -> TrendState:
    """What the user typed, for the page shown with an error: the queries (cut to a
    sane length), the interval if it is one, the filters if they parse."""
    queries = tuple(q[:MAX_QUERY_CHARS] for q in _typed_queries(args)[: MAX_TREND_QUERIES * 2])
    interval = (args.get("interval") or "").strip().lower()
    try:
        filters = SearchState.from_args(
            MultiDict([(k, v) for k, v in _items(args) if k in _FILTER_ARGS])
        )
    except ParamError:
        filters = SearchState()
    return TrendState(queries, interval if interval in INTERVALS else DEFAULT_INTERVAL, filters)


def _result(state: TrendState) -> TrendResult:
    return archive().trends(state.to_query())


# -- Routes --------------------------------------------------------------------------------


@bp.get("/trends")
def page():
    urls = g.urls = UrlBuilder(embed=is_embed_request(request))
    try:
        state = TrendState.from_args(request.args)
    except ParamError as exc:
        return _page(_kept_input(request.args), urls, error=translated(exc)), 400
    if not state.queries:
        if "q" in request.args:  # the form sent with every box blank
            return _page(state, urls, error=_("Give at least one query to chart.")), 400
        # The first visit: the form, nothing charted yet.
        return _page(state, urls)
    try:
        result = _result(state)
    except QueryError as exc:
        return _page(state, urls, error=translated(exc)), 400
    return _page(state, urls, result=result)


def _page(
    state: TrendState, urls: UrlBuilder, *, result: TrendResult | None = None, error: str = ""
) -> str:
    boxes = list(state.queries) + [""] * max(0, MAX_TREND_QUERIES - len(state.queries))
    names = interval_names()
    return render_template(
        "trends.html",
        state=state,
        boxes=boxes,
        max_query=MAX_QUERY_CHARS,
        intervals=[(value, names[value]) for value in INTERVALS],
        texts=_texts(state.interval),
        error=error,
        result=result,
        chart=trend_chart(result, state.filters, urls) if result else None,
        table=trend_table(result, state.filters, urls) if result else None,
        downloads={
            "csv": urls.trends_download("csv", state.to_args()),
            "json": urls.trends_download("json", state.to_args()),
            "api": urls.api_trends(state.to_args()),
        },
    )


def interval_names() -> dict[str, str]:
    """Each interval as the page names it, in the page's language."""
    return {"day": _("day"), "week": _("week"), "month": _("month"), "year": _("year")}


def _texts(interval: str) -> dict[str, str]:
    """The headings that name the interval (one whole sentence each, to translate)."""
    headings = {
        "day": (_("Share of all articles per day"), _("Day")),
        "week": (_("Share of all articles per week"), _("Week")),
        "month": (_("Share of all articles per month"), _("Month")),
        "year": (_("Share of all articles per year"), _("Year")),
    }
    heading, period = headings.get(interval, headings[DEFAULT_INTERVAL])
    return {
        "heading": heading,
        "period": period,
        "caption": _(
            "Articles per period: each query's count and its share of all articles in the period"
        ),
    }


def _checked(args: Mapping) -> TrendResult:
    state = TrendState.from_args(args)
    if not state.queries:
        raise ParamError(_("Give at least one query (q) to chart."))
    return _result(state)


@bp.get("/api/trends")
def api():
    """``TrendResult.to_dict()`` for the queries in the URL (400 for bad input)."""
    return jsonify(_checked(request.args).to_dict())


@bp.get("/trends.json")
def download_json():
    result = _checked(request.args)
    return Response(
        json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n",
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="newsarchive-trends.json"'},
    )


@bp.get("/trends.csv")
def download_csv():
    result = _checked(request.args)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TREND_CSV_COLUMNS)
    writer.writerows(trend_csv_rows(result))
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="newsarchive-trends.csv"'},
    )

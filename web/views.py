"""View models: what a template shows, computed in Python with every URL built.

Datasette's facet lesson: each facet value is a small record (value, label, count,
selected, toggle URL), so templates only lay things out. Nothing here computes a
count: the search API does; this turns its answer into links.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from markupsafe import Markup

from archive.article import iso8601
from archive.place_names import local_name
from archive.places import MERGER_YEAR, former_province, merged_into
from indexer.api import MAX_PAGE, FacetValue, Hit, SearchResult
from web import i18n
from web.state import SearchState
from web.urls import UrlBuilder

#: Facet values shown before "show more".
TOP_VALUES = 8
_WEB_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
# Any "<" that does not open or close a <mark>: defence in depth for the snippet,
# which the search API promises is escaped text plus <mark> tags.
_NOT_MARK = re.compile(r"<(?!/?mark>)")


def web_url(url: str | None) -> str | None:
    """The URL if it is an http(s) link safe to put in ``href``, else None
    (``javascript:``, ``data:``, relative or whitespace-smuggled URLs)."""
    if url and _WEB_URL.match(url) and url.isprintable():
        return url
    return None


def safe_snippet(snippet: str) -> Markup:
    """The highlighted snippet as markup: only ``<mark>`` and ``</mark>`` survive."""
    return Markup(_NOT_MARK.sub("&lt;", snippet or ""))


def display_date(value: date | datetime | None) -> str:
    """A day in the interface language (``3 Oct 2024``, ``03/10/2024``)."""
    return i18n.display_date(value)


def iso_date(value: date | datetime | None) -> str:
    return iso8601(value)


def place_label(path: str) -> str:
    """``Vietnam/Da Nang`` -> ``Da Nang, Vietnam`` (most specific first, as people
    write), or ``Đà Nẵng, Việt Nam`` on the Vietnamese interface."""
    parts = [part for part in path.split("/") if part]
    return ", ".join(i18n.place_part("/".join(parts[: i + 1])) for i in reversed(range(len(parts))))


def place_description(path: str, article_language: str = "") -> str:
    """A place as the article page shows it, most specific first, with what the 2025
    merger made of it: "Binh Duong, since 2025 part of Ho Chi Minh City, Vietnam",
    "Thu Dau Mot, Ho Chi Minh City (Binh Duong until 2025), Vietnam". Vietnamese places
    keep their diacritics on a Vietnamese-language article, and every name is in the
    interface language on the Vietnamese interface."""
    interface_vi = i18n.current_language() == "vi"
    vietnamese = interface_vi or article_language.lower().startswith("vi")

    def name(p: str) -> str:
        return i18n.place_part(p) if interface_vi else local_name(p, vietnamese)

    parts = [part for part in path.split("/") if part]
    if not parts:
        return path
    current, former = merged_into(path), former_province(path)
    if former:
        place = _(
            "%(place)s, %(province)s (%(former)s until %(year)s)",
            place=name(path),
            province=name("/".join(parts[:2])),
            former=name(former),
            year=MERGER_YEAR,
        )
    elif current:
        place = _(
            "%(place)s, since %(year)s part of %(province)s",
            place=name(path),
            year=MERGER_YEAR,
            province=name(current),
        )
    else:
        return ", ".join(name("/".join(parts[: i + 1])) for i in reversed(range(len(parts))))
    return f"{place}, {name(parts[0])}"


def month_label(value: str) -> str:
    """``2024-10`` -> ``Oct 2024`` or ``tháng 10 năm 2024``."""
    year, _sep, month = value.partition("-")
    if year.isdigit() and month.isdigit() and 1 <= int(month) <= 12:
        return i18n.month_label(int(year), int(month))
    return value


@dataclass
class Link:
    label: str
    url: str


@dataclass
class FacetLink:
    """One facet value as the page shows it."""

    param: str
    value: str
    label: str
    count: int
    selected: bool
    #: The page with this value switched on or off.
    toggle_url: str
    #: Bar length relative to the largest sibling, 0-100 (date histogram).
    percent: int = 0
    children: list[FacetLink] = field(default_factory=list)
    #: A unique, HTML-id-safe key (checkbox ids).
    key: str = ""


@dataclass
class FacetView:
    param: str
    title: str
    top: list[FacetLink]
    more: list[FacetLink]
    #: Selected values the list does not show; kept as hidden form fields so that
    #: submitting the form does not silently drop them.
    hidden_selected: list[str]


@dataclass
class HitView:
    id: str
    title: str
    url: str
    published: str
    published_iso: str
    site: Link | None
    places: list[Link]
    tags: list[Link]
    snippet: Markup
    source_url: str | None
    #: How many articles the hit's story holds (1: a unique article).
    versions: int = 1
    #: The story's other versions (a collapsed search only).
    others: list[VersionView] = field(default_factory=list)
    #: Query words this hit lacks (it continues a short list, see indexer.api.Relaxed).
    missing: list[str] = field(default_factory=list)


@dataclass
class VersionView:
    """Another version of a hit's story: where and when it ran, its headline, links."""

    title: str
    url: str
    published: str
    published_iso: str
    site: str
    source_url: str | None


@dataclass
class Chip:
    """An active filter and the link that removes it."""

    kind: str
    label: str
    remove_url: str


@dataclass
class PageLink:
    number: int | None  # None: a gap ("…")
    url: str = ""
    current: bool = False


@dataclass
class Pagination:
    page: int
    last_page: int
    first_rank: int
    last_rank: int
    prev_url: str | None
    next_url: str | None
    pages: list[PageLink]


def hit_view(hit: Hit, state: SearchState, urls: UrlBuilder) -> HitView:
    """A result as shown; its tags, places and site link to the search narrowed by them."""
    base = state.replace(page=1)
    return HitView(
        id=hit.id,
        title=hit.title or _("(untitled)"),
        url=urls.article(hit.id, state if state != SearchState() else None),
        published=display_date(hit.published),
        published_iso=iso_date(hit.published),
        site=Link(hit.site, urls.search(_with(base, "site", hit.site))) if hit.site else None,
        places=[Link(place_label(p), urls.search(_with(base, "place", p))) for p in hit.places],
        tags=[Link(t, urls.search(_with(base, "tag", t))) for t in hit.tags],
        snippet=safe_snippet(hit.snippet),
        source_url=web_url(hit.url),
        versions=hit.versions,
        others=[version_view(other, state, urls) for other in hit.others],
        missing=list(hit.missing),
    )


def version_view(hit: Hit, state: SearchState, urls: UrlBuilder) -> VersionView:
    return VersionView(
        title=hit.title or _("(untitled)"),
        url=urls.article(hit.id, state if state != SearchState() else None),
        published=display_date(hit.published),
        published_iso=iso_date(hit.published),
        site=hit.site,
        source_url=web_url(hit.url),
    )


def _with(state: SearchState, param: str, value: str) -> SearchState:
    return state if state.is_selected(param, value) else state.toggled(param, value)


def _link(
    param: str, fv: FacetValue, state: SearchState, urls: UrlBuilder, label: str
) -> FacetLink:
    selected = fv.selected or state.is_selected(param, fv.value)
    return FacetLink(
        param=param,
        value=fv.value,
        # Dates and places are labelled here, in the interface language; tags and
        # sites keep the engine's display spelling.
        label=label if param in ("date", "place") else (fv.label or label),
        count=fv.count,
        selected=selected,
        toggle_url=urls.search(state.toggled(param, fv.value)),
    )


def date_histogram(
    values: list[FacetValue], state: SearchState, urls: UrlBuilder
) -> list[FacetLink]:
    """Years in calendar order, each with its months when the year is selected."""
    years = [v for v in values if "-" not in v.value]
    months = [v for v in values if "-" in v.value]
    out = []
    top = max((v.count for v in years), default=0)
    for fv in years:
        link = _link("date", fv, state, urls, fv.value)
        link.percent = _percent(fv.count, top)
        own = [m for m in months if m.value.startswith(fv.value + "-")]
        month_top = max((m.count for m in own), default=0)
        for m in own:
            child = _link("date", m, state, urls, month_label(m.value))
            child.percent = _percent(m.count, month_top)
            link.children.append(child)
        out.append(link)
    return out


def _percent(count: int, top: int) -> int:
    if not top or not count:
        return 0
    return max(2, round(100 * count / top))


def facet_view(
    param: str, title: str, values: list[FacetValue], state: SearchState, urls: UrlBuilder
) -> FacetView:
    """A checkbox list; for places a tree (countries, then the places inside)."""
    links = [
        _link(param, fv, state, urls, place_label(fv.value) if param == "place" else fv.value)
        for fv in values
    ]
    if param == "place":
        links = _tree(links)
    for index, link in enumerate(links):
        _number(link, f"{param}-{index}")
    top = links[:TOP_VALUES] + [link for link in links[TOP_VALUES:] if _any_selected(link)]
    more = [link for link in links[TOP_VALUES:] if link not in top]
    shown = {value for link in links for value in _all_values(link)}
    selected = getattr(state, {"tag": "tags", "place": "places", "site": "sites"}[param])
    return FacetView(
        param=param,
        title=title,
        top=top,
        more=more,
        hidden_selected=[v for v in selected if v not in shown],
    )


def _tree(links: list[FacetLink]) -> list[FacetLink]:
    """Nest ``Country/Place`` under ``Country`` when both are present."""
    by_value = {link.value: link for link in links}
    roots = []
    for link in links:
        parent = by_value.get(link.value.rsplit("/", 1)[0]) if "/" in link.value else None
        if parent is not None and parent is not link:
            if link.label == place_label(link.value):
                link.label = i18n.place_part(link.value)
            parent.children.append(link)
        else:
            roots.append(link)
    return roots


def _number(link: FacetLink, key: str) -> None:
    link.key = key
    for index, child in enumerate(link.children):
        _number(child, f"{key}-{index}")


def _any_selected(link: FacetLink) -> bool:
    return link.selected or any(_any_selected(c) for c in link.children)


def _all_values(link: FacetLink) -> list[str]:
    return [link.value, *[v for c in link.children for v in _all_values(c)]]


def chips(state: SearchState, urls: UrlBuilder) -> list[Chip]:
    """One removable chip per active filter."""
    out = []
    names = {
        "tag": _("Tag"),
        "place": _("Place"),
        "site": _("Site"),
        "language": _("Language"),
        "date": _("Date"),
    }
    for param, field_name in (
        ("date", "dates"),
        ("tag", "tags"),
        ("place", "places"),
        ("site", "sites"),
        ("language", "languages"),
    ):
        for value in getattr(state, field_name):
            if param == "place":
                label = place_label(value)
            elif param == "date":
                label = month_label(value)
            else:
                label = value
            out.append(Chip(names[param], label, urls.search(state.toggled(param, value))))
    if state.date_from:
        out.append(
            Chip(_("From"), display_date(state.date_from), urls.search(state.without_range("from")))
        )
    if state.date_to:
        out.append(
            Chip(_("To"), display_date(state.date_to), urls.search(state.without_range("to")))
        )
    return out


def pagination(total: int, state: SearchState, page_size: int, urls: UrlBuilder) -> Pagination:
    """Previous/next and a window of page numbers; never a link past ``MAX_PAGE``."""
    last = max(1, min(MAX_PAGE, math.ceil(total / page_size)))
    page = state.page
    numbers = sorted({1, last, *range(max(1, page - 2), min(last, page + 2) + 1)})
    pages: list[PageLink] = []
    previous = 0
    for number in numbers:
        if number - previous > 1:
            pages.append(PageLink(None))
        pages.append(PageLink(number, urls.search(state.replace(page=number)), number == page))
        previous = number
    first_rank = (page - 1) * page_size + 1
    return Pagination(
        page=page,
        last_page=last,
        first_rank=first_rank,
        last_rank=min(total, page * page_size),
        prev_url=urls.search(state.replace(page=page - 1)) if page > 1 else None,
        next_url=urls.search(state.replace(page=page + 1)) if page < last else None,
        pages=pages if last > 1 else [],
    )


def search_page(result: SearchResult, state: SearchState, page_size: int, urls: UrlBuilder) -> dict:
    """Everything the search template needs from one result."""
    facets = result.facets or {}
    collapsed = state.versions == "best"
    # A collapsed search pages through stories; the totals count articles.
    ranked = result.stories if collapsed else result.total
    return {
        "total": result.total,
        "stories": result.stories,
        "collapsed": collapsed,
        # Every article, or back to one hit per story: shown when they differ.
        "versions_url": (
            urls.search(state.replace(versions="all" if collapsed else "best", page=1))
            if result.stories != result.total
            else None
        ),
        "hits": [hit_view(hit, state, urls) for hit in result.hits],
        "histogram": date_histogram(facets.get("date", []), state, urls),
        "facets": [
            facet_view("tag", _("Tags"), facets.get("tag", []), state, urls),
            facet_view("place", _("Places"), facets.get("place", []), state, urls),
            facet_view("site", _("Sites"), facets.get("site", []), state, urls),
        ],
        "chips": chips(state, urls),
        "clear_url": urls.search(state.cleared()) if state.has_filters() else None,
        "pagination": pagination(ranked, state, page_size, urls),
        "suggestion": (
            Link(result.suggestion, urls.search(state.replace(text=result.suggestion, page=1)))
            if result.suggestion
            else None
        ),
        "interpreted_as": result.interpreted_as,
        "relaxed": result.relaxed,
    }

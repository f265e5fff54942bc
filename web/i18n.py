"""The interface language: English or Vietnamese, with Flask-Babel.

One place decides the language of a request, in this order:

1. ``?lang=`` (:data:`LANG_PARAM`): a supported code wins; any other value means
   English, without an error (a mistyped link still shows a page);
2. the ``lang`` cookie, set whenever a page is asked for with a supported ``?lang=``
   (the visible switch on every page is a pair of such links);
3. the browser's ``Accept-Language``;
4. English.

The JSON API is always English: its messages are read by programs, and there ``lang``
keeps its older meaning, a filter on the articles' language.

Links keep an explicitly chosen language (``?lang=`` in the request) through the URL
builder, so an embedded Vietnamese search stays Vietnamese even where the browser
refuses the frame's cookie. Dates, numbers, month names and country names come from
Babel's locale data; Vietnamese place spellings from the gazetteer
(:mod:`archive.place_names`).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from babel import Locale
from babel.dates import format_skeleton
from flask import Flask, Request, Response, current_app, has_request_context, request
from flask_babel import Babel, format_date, format_decimal, get_locale
from flask_babel import gettext as _

from archive.place_names import country_code, vietnamese_name

#: The request parameter and cookie that choose the language.
LANG_PARAM = "lang"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
LOCALES = ("en", "vi")
DEFAULT_LOCALE = "en"
#: Names of the languages in themselves, for the switch.
LANGUAGE_NAMES = {"en": "English", "vi": "Tiếng Việt"}
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

#: A day as the interface writes it (``3 Oct 2024``, ``03/10/2024``).
_DAY_PATTERNS = {"en": "d MMM y", "vi": "dd/MM/y"}
#: A month as a Babel skeleton (``Oct 2024``, ``tháng 10 năm 2024``).
_MONTH_SKELETONS = {"en": "yMMM", "vi": "yMMMM"}


def _is_api(req: Request) -> bool:
    return req.blueprint == "api" or req.path.startswith("/api/")


def requested_language(req: Request) -> str | None:
    """The supported language named by ``?lang=``, if any (the API has none)."""
    if _is_api(req):
        return None
    value = (req.args.get(LANG_PARAM) or "").strip().lower()
    return value if value in LOCALES else None


def select_locale() -> str:
    """Flask-Babel's locale selector: see the module docstring for the order."""
    if not has_request_context() or _is_api(request):
        return DEFAULT_LOCALE
    if LANG_PARAM in request.args:
        return requested_language(request) or DEFAULT_LOCALE
    cookie = (request.cookies.get(COOKIE) or "").strip().lower()
    if cookie in LOCALES:
        return cookie
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def current_language() -> str:
    locale = get_locale() if has_request_context() else None
    return str(locale) if locale else DEFAULT_LOCALE


def link_language() -> str | None:
    """The language links must carry: the one chosen in this request's URL."""
    return requested_language(request) if has_request_context() else None


def site_name() -> str:
    """The configured name, or the default name in the current language."""
    name = current_app.config["ARCHIVE"].site_name
    return _("News archive") if name == "News archive" else name


# -- formatting -------------------------------------------------------------------------


def display_date(value: date | datetime | None) -> str:
    if not value:
        return ""
    day = value.date() if isinstance(value, datetime) else value
    return format_date(day, _DAY_PATTERNS.get(current_language(), "medium"))


def month_label(year: int, month: int) -> str:
    skeleton = _MONTH_SKELETONS.get(current_language(), "yMMM")
    return format_skeleton(skeleton, date(year, month, 1), locale=current_language())


def number(value: int) -> str:
    return format_decimal(value)


def place_part(path: str) -> str:
    """The last part of a ``Country/Place`` path in the interface language: Babel's
    country names, the gazetteer's Vietnamese spellings of Vietnamese places."""
    last = path.rsplit("/", 1)[-1]
    if current_language() != "vi":
        return last
    if "/" not in path:
        code = country_code(path)
        if code:
            return Locale.parse("vi").territories.get(code, last)
        return last
    return vietnamese_name(path) or last


# -- wiring -----------------------------------------------------------------------------


def _remember_choice(response: Response) -> Response:
    chosen = requested_language(request)
    if chosen and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(
            COOKIE, chosen, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True, path="/"
        )
    if not _is_api(request):
        response.vary.update(("Accept-Language", "Cookie"))
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    Babel(app, locale_selector=select_locale)
    app.after_request(_remember_choice)
    app.jinja_env.filters["number"] = number

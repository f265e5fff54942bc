"""The rules for search parameters, in one place for every surface.

The CLI (``archive search``), the search page, the JSON API, the exports and the feed
all take the same parameters; before this table each surface checked them its own way,
so ``--date banana`` printed ``0 articles`` while the web answered 400, and the web
allowed queries the parser then refused. Each :class:`Param` here says what a value
may be, which surfaces take it, and its name on the command line; ``web.state`` parses
requests with it, the CLI's options call :meth:`Param.check`, and ``web.openapi``
generates the OpenAPI parameters from it. Adding a parameter is one row in
:data:`PARAMS` (and one field where the value is used).

Rules that hold everywhere:

- an unknown parameter is refused with its name (the CLI's option names are not
  aliases: ``limit`` is refused with a pointer to ``size``);
- an empty value is refused, except for the fields an HTML form sends empty when they
  are left blank (``q``, ``from``, ``to``, ``sort``), where it means "not given";
- a query is at most :data:`indexer.query.MAX_QUERY_CHARS` characters, the parser's
  own limit.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from indexer.api import MAX_PAGE, MAX_PAGE_SIZE, SORTS, VERSIONS
from indexer.errors import N_, ArchiveError
from indexer.query import MAX_QUERY_CHARS

__all__ = [
    "MAX_FILTER_CHARS",
    "MAX_FILTER_VALUES",
    "MAX_QUERY_CHARS",
    "PARAMS",
    "Param",
    "ParamError",
    "check_names",
    "params_for",
    "parse_day",
]

#: At most this many values of one filter, each at most this long.
MAX_FILTER_VALUES = 50
MAX_FILTER_CHARS = 200

#: Every message a refused parameter gets: ``%``-templates marked for the catalogue, so
#: that the web can show them translated; the CLI and the API show them in English.
TOO_LONG_QUERY = N_("The query is too long (at most %(n)s characters).")
TOO_LONG_VALUE = N_("A %(param)s value is too long (at most %(n)s characters).")
TOO_MANY = N_("Too many %(param)s values (at most %(n)s).")
EMPTY = N_("%(name)s: an empty value (leave it out instead).")
NOT_A_MONTH = N_("%(value)s is not a year (YYYY) or a month (YYYY-MM).")
NOT_A_PATTERN = N_("%(name)s: %(value)s is not of the form %(pattern)s.")
NOT_A_DAY = N_("‘%(name)s’ must be a date written YYYY-MM-DD.")
NOT_A_SORT = N_("Sort must be one of: %(sorts)s.")
NOT_A_CHOICE = N_("%(name)s must be one of: %(choices)s.")
NOT_A_NUMBER = N_("%(name)s must be a whole number from %(low)s to %(high)s.")
NOT_A_FLAG = N_("%(name)s must be 1 or 0.")
UNKNOWN = N_("Unknown parameters: %(names)s; this address takes: %(known)s.")
GIVEN_TWICE = N_("%(name)s is given more than once; give it once.")
FROM_AFTER_TO = N_("The ‘from’ date is after the ‘to’ date.")

#: The surfaces that take search parameters.
PAGE, API, CSV, EXPORT, FEED = "page", "api", "csv", "export", "feed"
ALL = frozenset({PAGE, API, CSV, EXPORT, FEED})
LISTS = frozenset({PAGE, API})

DATE_VALUE = r"^\d{4}(-(0[1-9]|1[0-2]))?$"
DAY_VALUE = r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"
_DATE_VALUE = re.compile(DATE_VALUE)
_DAY_VALUE = re.compile(DAY_VALUE)


class ParamError(ArchiveError, ValueError):
    """A parameter that cannot be used; the message names it and is shown to the user
    (HTTP 400 on the web, a usage error, exit 2, on the command line)."""

    status = 400
    exit_code = 2
    title = N_("Bad request")
    code = "bad_parameter"


@dataclass(frozen=True)
class Param:
    """One search parameter: its URL name, what a value may be, where it is taken."""

    name: str
    description: str
    #: ``text`` (one string), ``multi`` (repeatable filter), ``day``, ``choice``, ``int``,
    #: ``flag`` (``1``/``0``/``true``/``false``).
    kind: str = "text"
    surfaces: frozenset[str] = ALL
    #: The option on the command line, where the CLI takes it (``--limit`` for ``size``).
    cli: str | None = None
    pattern: str | None = None
    max_length: int = MAX_FILTER_CHARS
    choices: tuple[str, ...] = ()
    minimum: int = 1
    maximum: int = 0
    default: object = None
    #: Whether an empty value means "not given" (a form field left blank) rather than
    #: being refused.
    empty_ok: bool = False
    #: Extra OpenAPI schema keys (e.g. ``format``).
    schema_extra: dict = field(default_factory=dict)

    @property
    def cli_option(self) -> str:
        return self.cli or f"--{self.name}"

    def check(self, value: str) -> str:
        """The value, stripped, if this parameter accepts it; else :class:`ParamError`."""
        text = value.strip()
        if len(text) > self.max_length:
            if self.name == "q":
                raise ParamError(TOO_LONG_QUERY, n=self.max_length)
            raise ParamError(TOO_LONG_VALUE, param=self.name, n=self.max_length)
        if not text and not self.empty_ok:
            raise ParamError(EMPTY, name=self.name)
        if self.pattern and text and not re.match(self.pattern, text):
            if self.name == "date":
                raise ParamError(NOT_A_MONTH, value=repr(text))
            raise ParamError(NOT_A_PATTERN, name=self.name, value=repr(text), pattern=self.pattern)
        if self.kind == "day" and text:
            parse_day(text, self.name, end=False)
        if self.kind == "choice" and text and text.lower() not in self.choices:
            if self.name == "sort":
                raise ParamError(NOT_A_SORT, sorts=", ".join(self.choices))
            raise ParamError(NOT_A_CHOICE, name=self.name, choices=", ".join(self.choices))
        if self.kind == "int" and text:
            if not (text.isascii() and text.isdigit() and len(text) <= 9) or not (
                self.minimum <= int(text) <= self.maximum
            ):
                raise ParamError(NOT_A_NUMBER, name=self.name, low=self.minimum, high=self.maximum)
        if self.kind == "flag" and text.lower() not in {"", "0", "1", "true", "false"}:
            raise ParamError(NOT_A_FLAG, name=self.name)
        return text

    def openapi(self) -> dict:
        """This parameter as an OpenAPI 3.1 parameter object."""
        if self.kind == "multi":
            item: dict = {"type": "string", "minLength": 1, "maxLength": self.max_length}
            if self.pattern:
                item["pattern"] = self.pattern
            schema: dict = {"type": "array", "items": item, "maxItems": MAX_FILTER_VALUES}
            return {
                "name": self.name,
                "in": "query",
                "description": self.description,
                "schema": schema,
                "style": "form",
                "explode": True,
            }
        if self.kind == "int":
            schema = {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}
        elif self.kind == "choice":
            schema = {"type": "string", "enum": [*([""] if self.empty_ok else []), *self.choices]}
        elif self.kind == "flag":
            schema = {"type": "string", "enum": ["0", "1", "true", "false"]}
        else:
            schema = {"type": "string", "maxLength": self.max_length}
            pattern = DAY_VALUE if self.kind == "day" else self.pattern
            if pattern:
                schema["pattern"] = pattern.replace("^", "^$|^", 1) if self.empty_ok else pattern
            elif not self.empty_ok:
                schema["minLength"] = 1
        if self.default is not None:
            schema["default"] = self.default
        schema.update(self.schema_extra)
        return {
            "name": self.name,
            "in": "query",
            "description": self.description,
            "schema": schema,
        }


#: Every search parameter; the order is the order of the OpenAPI document.
PARAMS: tuple[Param, ...] = (
    Param(
        "q",
        'Query text (words, "phrases", AND/OR/NOT, field:value). Empty: every article. '
        "A query the parser cannot read is a 400 naming the problem.",
        max_length=MAX_QUERY_CHARS,
        cli="QUERY",
        empty_ok=True,
    ),
    Param("tag", "Only articles with one of these tags.", "multi"),
    Param("place", "Only articles in one of these places (`Country` or `Country/Place`).", "multi"),
    Param("site", "Only articles from one of these sites.", "multi"),
    Param(
        "language",
        "Only articles in one of these languages (ISO 639-1).",
        "multi",
        cli="--language",
    ),
    # ``lang`` is the interface language on the pages, exports and feed (web.i18n: any
    # value it does not know means English), and on the JSON API the older name of
    # ``language``.
    Param(
        "lang",
        "The interface language (`en`, `vi`); another value means English.",
        surfaces=frozenset({PAGE, CSV, EXPORT, FEED}),
        empty_ok=True,
    ),
    Param(
        "lang",
        "The older name of `language`, still read by the API.",
        "multi",
        surfaces=frozenset({API}),
    ),
    Param(
        "date",
        "Only articles of these years or months (YYYY or YYYY-MM).",
        "multi",
        pattern=DATE_VALUE,
    ),
    Param(
        "from",
        "Published on or after (YYYY-MM-DD; YYYY or YYYY-MM mean the first day).",
        "day",
        empty_ok=True,
    ),
    Param(
        "to",
        "Published on or before (YYYY-MM-DD; YYYY or YYYY-MM mean the last day).",
        "day",
        empty_ok=True,
    ),
    Param(
        "sort",
        "Order of the hits (the feed is always newest first).",
        "choice",
        surfaces=frozenset({PAGE, API, CSV, EXPORT}),
        choices=tuple(SORTS),
        default="relevance",
        empty_ok=True,
    ),
    Param(
        "versions",
        "`best`: each story (its versions on other sites, copies in other formats) "
        "once, as its best-ranked version; `all`: every article. Totals and facet "
        "counts count articles either way.",
        "choice",
        surfaces=frozenset({PAGE, API, CSV, EXPORT}),
        choices=tuple(VERSIONS),
        default="best",
    ),
    Param(
        "page",
        "Page of hits. Out of range: HTTP 400.",
        "int",
        surfaces=LISTS,
        maximum=MAX_PAGE,
        default=1,
    ),
    Param(
        "size",
        "Hits per page (entries in the feed). Out of range: HTTP 400.",
        "int",
        surfaces=frozenset({PAGE, API, FEED}),
        maximum=MAX_PAGE_SIZE,
        cli="--limit",
    ),
    Param(
        "embed", "The page without site chrome, for an iframe.", "flag", surfaces=frozenset({PAGE})
    ),
    Param(
        "excel",
        "1: a UTF-8 byte-order mark first, so that Excel reads the text right.",
        "flag",
        surfaces=frozenset({CSV}),
    ),
)
#: Each parameter by name (``lang``: its first row; see :func:`rule_for`).
BY_NAME: dict[str, Param] = {}
for _param in PARAMS:
    BY_NAME.setdefault(_param.name, _param)


def rule_for(name: str, surface: str) -> Param:
    """The rule for ``name`` on ``surface`` (a name may mean different things on
    different surfaces, as ``lang`` does)."""
    for param in PARAMS:
        if param.name == name and surface in param.surfaces:
            return param
    return BY_NAME[name]


def params_for(surface: str) -> list[Param]:
    """The parameters one surface takes, in document order."""
    return [p for p in PARAMS if surface in p.surfaces]


def check_names(names: Iterable[str], surface: str, *, also: Iterable[str] = ()) -> None:
    """Refuse parameters this surface does not take, naming them (and what the user
    probably meant, where the CLI's name was used)."""
    known = {p.name for p in params_for(surface)} | set(also)
    unknown = sorted({n for n in names if n not in known})
    if not unknown:
        return
    hints = {
        p.cli_option.lstrip("-"): p.name
        for p in PARAMS
        if p.cli and p.cli.startswith("-") and p.cli_option.lstrip("-") != p.name
    }
    described = []
    for name in unknown:
        shown = name if len(name) <= 40 else name[:40] + "…"
        hint = hints.get(name.lower())
        described.append(f"{shown!r} (→ {hint!r})" if hint else repr(shown))
    raise ParamError(UNKNOWN, names=", ".join(described), known=", ".join(sorted(known)))


def values(args: Mapping, name: str) -> list[str]:
    """Every value of ``name`` in request arguments (a Werkzeug MultiDict or a dict)."""
    if hasattr(args, "getlist"):
        return list(args.getlist(name))
    value = args.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def parse_day(text: str, name: str, *, end: bool) -> date | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; a partial ``to`` date means its last day."""
    text = text.strip()
    if not text:
        return None
    match = _DAY_VALUE.match(text)
    try:
        if not match:
            raise ValueError
        year, _, rest = text.partition("-")
        month_text, _, day_text = rest.partition("-")
        month = int(month_text) if month_text else (12 if end else 1)
        if day_text:
            day = int(day_text)
        else:
            day = calendar.monthrange(int(year), month)[1] if end else 1
        return date(int(year), month, day)
    except ValueError:
        raise ParamError(NOT_A_DAY, name=name) from None

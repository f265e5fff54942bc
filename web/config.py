"""The web app's configuration: one small object, loaded from the environment.

Everything the app needs to know about its deployment lives here, so that a test can
build an app for any deployment (framed by an intranet, behind two proxies) without
touching ``os.environ``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from indexer.backends import Engine, engine_from_env
from indexer.errors import ConfigError
from indexer.location import resolve_index_dir

#: Where article links in the embedded view open: the page that frames the search
#: (``parent``, the default) or a new tab (``blank``).
EMBED_LINK_TARGETS = ("parent", "blank")
#: ``ARCHIVE_ACCESS_LOG``: one line per request in Apache's combined format (the
#: default), as JSON lines, or none.
ACCESS_LOG_FORMATS = ("combined", "json", "off")

# One CSP source expression: a keyword, a scheme (``https:``) or a host source
# (``https://intranet.example:8443``, ``*.example.org``). Anything else (a ``;`` or a
# newline above all) could smuggle another directive into the header, so it is refused.
_KEYWORD = r"'(?:self|none)'"
_SCHEME = r"[a-zA-Z][a-zA-Z0-9+.-]*:"
_HOST = r"(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?(?:\*\.)?[a-zA-Z0-9.-]+(?::(?:\d{1,5}|\*))?(?:/[^\s;,']*)?"
_SOURCE = re.compile(rf"^(?:{_KEYWORD}|{_SCHEME}|{_HOST}|\*)$")


def parse_frame_ancestors(value: str) -> tuple[str, ...]:
    """``ARCHIVE_FRAME_ANCESTORS`` as CSP sources: space- or comma-separated.

    ``self`` and ``none`` are accepted without their quotes, since shells make the
    quotes awkward.
    """
    sources = []
    for token in value.replace(",", " ").split():
        if token.lower() in {"self", "none"}:
            token = f"'{token.lower()}'"
        if not _SOURCE.match(token):
            raise ConfigError(f"ARCHIVE_FRAME_ANCESTORS: {token!r} is not a CSP source")
        sources.append(token)
    if not sources:
        return ("'self'",)
    if "'none'" in sources and len(sources) > 1:
        raise ConfigError("ARCHIVE_FRAME_ANCESTORS: 'none' cannot be combined with other sources")
    return tuple(sources)


@dataclass(frozen=True)
class Config:
    """How one deployment of the web app behaves."""

    index_dir: Path
    #: CSP ``frame-ancestors`` sources for the pages that may be framed (``/embed``
    #: and ``?embed=1`` views). Every other page refuses framing.
    frame_ancestors: tuple[str, ...] = ("'self'",)
    #: How many reverse proxies in front of the app to trust for ``X-Forwarded-*``
    #: (Werkzeug's ProxyFix); 0 trusts none, which is right when nothing is in front.
    trusted_proxies: int = 0
    #: Where article links open in the embedded view, see :data:`EMBED_LINK_TARGETS`.
    embed_link_target: str = "parent"
    #: The name shown in page titles, the header and the OpenSearch description.
    site_name: str = "News archive"
    #: Hits per page when the URL does not say.
    page_size: int = 10
    #: Which engine holds the archive (``ARCHIVE_BACKEND`` and its settings); None:
    #: Whoosh in ``index_dir``.
    engine: Engine | None = None
    #: The access log's format, see :data:`ACCESS_LOG_FORMATS`.
    access_log: str = "combined"
    #: Whether search words (``q``) appear in the access log; a researcher's queries
    #: can be confidential (``ARCHIVE_LOG_QUERIES=0``).
    log_queries: bool = True
    #: ``/readyz`` fails when the index was last brought up to date longer ago than
    #: this (``ARCHIVE_MAX_INDEX_AGE``, hours); None: never stale.
    max_index_age_hours: float | None = None

    def __post_init__(self) -> None:
        if self.access_log not in ACCESS_LOG_FORMATS:
            raise ConfigError(
                f"ARCHIVE_ACCESS_LOG must be one of {', '.join(ACCESS_LOG_FORMATS)}, "
                f"not {self.access_log!r}"
            )
        if self.max_index_age_hours is not None and not self.max_index_age_hours > 0:
            raise ConfigError("ARCHIVE_MAX_INDEX_AGE must be a number of hours above 0")
        if self.embed_link_target not in EMBED_LINK_TARGETS:
            raise ConfigError(
                f"embed link target must be one of {', '.join(EMBED_LINK_TARGETS)}, "
                f"not {self.embed_link_target!r}"
            )
        if self.trusted_proxies < 0:
            raise ConfigError("ARCHIVE_TRUSTED_PROXIES must be 0 or more")

    @classmethod
    def from_env(
        cls,
        index_dir: str | os.PathLike | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Config:
        """Read ``ARCHIVE_INDEX_DIR`` (unless ``index_dir`` is given),
        ``ARCHIVE_FRAME_ANCESTORS`` (default ``'self'``), ``ARCHIVE_TRUSTED_PROXIES``
        (default 0), ``ARCHIVE_EMBED_LINK_TARGET`` (``parent`` or ``blank``) and
        ``ARCHIVE_SITE_NAME``, the operational settings ``ARCHIVE_ACCESS_LOG``,
        ``ARCHIVE_LOG_QUERIES`` and ``ARCHIVE_MAX_INDEX_AGE``, and the backend
        (``ARCHIVE_BACKEND``, see :mod:`indexer.backends`). Raises :class:`ConfigError`
        for an unusable value."""
        env = os.environ if environ is None else environ
        if index_dir is None and env.get("ARCHIVE_INDEX_DIR"):
            index_dir = env["ARCHIVE_INDEX_DIR"]
        proxies = env.get("ARCHIVE_TRUSTED_PROXIES", "").strip() or "0"
        try:
            trusted = int(proxies)
        except ValueError:
            raise ConfigError(
                f"ARCHIVE_TRUSTED_PROXIES must be a whole number, not {proxies!r}"
            ) from None
        folder = resolve_index_dir(index_dir)
        return cls(
            index_dir=folder,
            engine=engine_from_env(folder, env),
            frame_ancestors=parse_frame_ancestors(env.get("ARCHIVE_FRAME_ANCESTORS", "'self'")),
            trusted_proxies=trusted,
            embed_link_target=(
                env.get("ARCHIVE_EMBED_LINK_TARGET", "").strip().lower() or "parent"
            ),
            site_name=env.get("ARCHIVE_SITE_NAME", "").strip() or "News archive",
            access_log=env.get("ARCHIVE_ACCESS_LOG", "").strip().lower() or "combined",
            log_queries=_flag(env, "ARCHIVE_LOG_QUERIES", default=True),
            max_index_age_hours=_hours(env, "ARCHIVE_MAX_INDEX_AGE"),
        )


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE or raw in _FALSE:
        return raw in _TRUE
    raise ConfigError(f"{name} must be 1 or 0 (yes/no, on/off), not {raw!r}")


def _hours(env: Mapping[str, str], name: str) -> float | None:
    raw = env.get(name, "").strip()
    if not raw or raw == "0":
        return None
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of hours, not {raw!r}") from None

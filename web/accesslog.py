"""One access-log line per request, the same under waitress and gunicorn.

Why a WSGI wrapper of its own rather than the servers' logs: waitress has none, and
gunicorn's would leave the single-process server without one; one wrapper gives both
the same lines. It sits outside ProxyFix, so the address logged is the client's as the
trusted proxies report it, and it counts the bytes of streamed exports as they go.

Formats (``ARCHIVE_ACCESS_LOG``): ``combined`` (Apache's and nginx's combined log
format, which every log tool reads), ``json`` (one object a line) or ``off``.

``ARCHIVE_LOG_QUERIES=0`` replaces the value of every ``q`` parameter with ``-``, in the
request line and in the ``Referer`` (the previous page's URL holds the previous
search), because a researcher's queries can be confidential. Every logged value comes
from the client, so quotes, backslashes and control characters are escaped the way
Apache does (``\\"``, ``\\xHH``): a request cannot forge a second log line.
"""

from __future__ import annotations

import json
import logging
import re
import time
import urllib.parse
from collections.abc import Callable, Iterable
from datetime import datetime

LOGGER = "newsarchive.access"
log = logging.getLogger(LOGGER)

_QUERY_PARAM = re.compile(r"(^|[&;])(q=)[^&;]*")
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f"\\]')


def redact_queries(query_string: str) -> str:
    """``a=1&q=secret+words`` -> ``a=1&q=-``."""
    return _QUERY_PARAM.sub(r"\1\2-", query_string)


def _redact_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if not parts.query:
        return url
    return urllib.parse.urlunsplit(parts._replace(query=redact_queries(parts.query)))


def _escape(value: str) -> str:
    return _UNSAFE.sub(lambda m: "\\" + m[0] if m[0] in '"\\' else f"\\x{ord(m[0]):02x}", value)


class AccessLog:
    """WSGI middleware: calls the app, then logs the request when the body is done."""

    def __init__(self, app: Callable, fmt: str = "combined", log_queries: bool = True):
        self.app = app
        self.fmt = fmt
        self.log_queries = log_queries

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.monotonic()
        state: dict = {"status": "500"}

        def recording_start_response(status: str, headers, exc_info=None):
            state["status"] = status.split(" ", 1)[0]
            return start_response(status, headers, exc_info)

        body = self.app(environ, recording_start_response)
        return _CountingBody(body, lambda sent: self._write(environ, state, sent, started))

    def _write(self, environ: dict, state: dict, sent: int, started: float) -> None:
        path = urllib.parse.quote(
            environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe="/%;:@&=+$,!~*'()"
        )
        query = environ.get("QUERY_STRING", "")
        referer = environ.get("HTTP_REFERER", "")
        if not self.log_queries:
            query = redact_queries(query)
            referer = _redact_url(referer)
        target = f"{path}?{query}" if query else path
        method = environ.get("REQUEST_METHOD", "-")
        protocol = environ.get("SERVER_PROTOCOL", "-")
        client = environ.get("REMOTE_ADDR", "-")
        agent = environ.get("HTTP_USER_AGENT", "")
        now = datetime.now().astimezone()
        if self.fmt == "json":
            line = json.dumps(
                {
                    "time": now.isoformat(timespec="milliseconds"),
                    "client": client,
                    "method": method,
                    "path": target,
                    "protocol": protocol,
                    "status": int(state["status"]) if state["status"].isdigit() else 0,
                    "bytes": sent,
                    "referer": referer or None,
                    "user_agent": agent or None,
                    "seconds": round(time.monotonic() - started, 4),
                },
                ensure_ascii=True,
            )
        else:
            stamp = now.strftime("%d/%b/%Y:%H:%M:%S %z")
            request_line = _escape(f"{method} {target} {protocol}")
            line = (
                f'{_escape(client)} - - [{stamp}] "{request_line}" {state["status"]} '
                f'{sent if sent else "-"} "{_escape(referer) or "-"}" "{_escape(agent) or "-"}"'
            )
        log.info("%s", line)


class _CountingBody:
    """The response body, passed through, counting bytes; reports once when closed."""

    def __init__(self, body: Iterable[bytes], done: Callable[[int], None]) -> None:
        self.body = body
        self.done = done
        self.sent = 0
        self.reported = False

    def __iter__(self):
        for chunk in self.body:
            self.sent += len(chunk)
            yield chunk

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            if not self.reported:
                self.reported = True
                self.done(self.sent)


def install(app, fmt: str, log_queries: bool) -> None:
    """Wrap a Flask app's WSGI callable (outermost, so after ProxyFix)."""
    if fmt == "off":
        return
    app.wsgi_app = AccessLog(app.wsgi_app, fmt, log_queries)


def configure_logging(stream=None) -> None:
    """Send access lines to stderr (the journal under systemd), once per process."""
    if log.handlers:
        return
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False

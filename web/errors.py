"""Every failure becomes a plain page or a JSON error with the right status, never a
traceback. An :class:`~indexer.errors.ArchiveError` carries its own status (bad
parameters and rejected queries 400, a missing index or a silent search cluster 503);
unknown addresses are 404, and anything unforeseen a logged 500 with a plain page."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from indexer.errors import ArchiveError
from web.i18n import number

log = logging.getLogger(__name__)


def wants_json() -> bool:
    # Every machine-read address answers errors as the OpenAPI document says: JSON.
    path = request.path
    return (
        request.blueprint in {"api", "feeds"}
        or path.startswith("/api/")
        or path.endswith((".json", ".csv", ".atom", ".xml"))
    )


#: The stable ``code`` of the JSON errors that are not an ArchiveError.
HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    500: "internal_error",
}


def error_response(status: int, title: str, message: str, code: str, headers: dict | None = None):
    """A JSON ``{"error", "status", "code"}`` for API paths, else the plain error page.

    ``code`` is stable (a program may branch on it); the message is for people."""
    if wants_json():
        response = jsonify({"error": message, "status": status, "code": code})
    else:
        response = make_response(
            render_template("error.html", status=status, title=title, message=message)
        )
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def translated(exc: ArchiveError) -> str:
    """The error's public message in the interface language.

    A subclass's fixed public message (no server paths for readers) is looked up as
    is; otherwise the error's template (marked with ``N_`` in the core) is looked up
    and filled in with its values, counts written the language's way. A template the
    catalogue lacks (an operator's message) shows in English."""
    fixed = exc.public_message()
    if fixed != exc.message:
        return _(fixed)
    if not exc.params:
        return _(exc.template)
    values = {
        name: number(value) if isinstance(value, int) and not isinstance(value, bool) else value
        for name, value in exc.params.items()
    }
    return _(exc.template) % values


def register(app: Flask) -> None:
    @app.errorhandler(ArchiveError)
    def _archive(exc: ArchiveError):
        # Every failure the archive knows (a bad parameter or query, a missing or
        # outdated index, a search cluster that does not answer) says its own status,
        # title and advice; readers see the public message, the log the details.
        if exc.status >= 500:
            log.warning("%s", exc)
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
        # Titles and message templates are marked in the core (indexer.errors.N_) and
        # translated here; the JSON API is English (web.i18n picks no language there).
        return error_response(exc.status, _(exc.title), translated(exc), exc.code, headers)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        headers = {}
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            headers["Allow"] = ", ".join(m for m in exc.valid_methods if m != "OPTIONS")
        titles = {
            400: _("Bad request"),
            404: _("Not found"),
            405: _("Method not allowed"),
            413: _("Request too large"),
        }
        messages = {
            404: _("There is nothing at this address."),
            405: _("Only GET and HEAD requests are answered here."),
            413: _("The request is too large."),
        }
        code = exc.code or 500
        message = messages.get(code) or (exc.description or exc.name)
        return error_response(
            code, titles.get(code, exc.name), message, HTTP_CODES.get(code, f"http_{code}"), headers
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.full_path)
        return error_response(
            500,
            _("Something went wrong"),
            _("The server could not answer this request; it has been logged."),
            "internal_error",
        )

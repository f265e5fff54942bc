"""Every failure becomes a plain page or a JSON error with the right status, never a
traceback. An :class:`~indexer.errors.ArchiveError` carries its own status (bad
parameters and rejected queries 400, a missing index or a silent search cluster 503);
unknown addresses are 404, and anything unforeseen a logged 500 with a plain page."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from indexer.errors import ArchiveError

log = logging.getLogger(__name__)


def wants_json() -> bool:
    path = request.path
    return request.blueprint == "api" or path.startswith("/api/") or path.endswith(".json")


def error_response(status: int, title: str, message: str, headers: dict | None = None):
    """A JSON ``{"error": ...}`` for API paths, else the plain error page."""
    if wants_json():
        response = jsonify({"error": message, "status": status})
    else:
        response = make_response(
            render_template("error.html", status=status, title=title, message=message)
        )
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register(app: Flask) -> None:
    @app.errorhandler(ArchiveError)
    def _archive(exc: ArchiveError):
        # Every failure the archive knows (a bad parameter or query, a missing or
        # outdated index, a search cluster that does not answer) says its own status,
        # title and advice; readers see the public message, the log the details.
        if exc.status >= 500:
            log.warning("%s", exc)
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
        return error_response(exc.status, exc.title, exc.public_message(), headers)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        headers = {}
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            headers["Allow"] = ", ".join(m for m in exc.valid_methods if m != "OPTIONS")
        messages = {
            404: "There is nothing at this address.",
            405: "Only GET and HEAD requests are answered here.",
        }
        message = messages.get(exc.code or 500) or (exc.description or exc.name)
        return error_response(exc.code or 500, exc.name, message, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.full_path)
        return error_response(
            500,
            "Something went wrong",
            "The server could not answer this request; it has been logged.",
        )

"""Every failure becomes a plain page or a JSON error with the right status, never a
traceback: bad parameters and rejected queries are 400, unknown things 404, a missing
index 503, and anything unforeseen a logged 500 with a plain page."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from indexer import IndexOutdated
from indexer.api import QueryError
from indexer.backends import BackendUnavailable
from web.backend import OUTDATED, IndexUnavailable
from web.state import ParamError

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
    @app.errorhandler(ParamError)
    def _param(exc: ParamError):
        return error_response(400, "Bad request", str(exc))

    @app.errorhandler(QueryError)
    def _query(exc: QueryError):
        return error_response(400, "The query cannot be run", str(exc))

    @app.errorhandler(IndexUnavailable)
    def _unavailable(exc: IndexUnavailable):
        return error_response(503, "The archive is not ready", str(exc), {"Retry-After": "60"})

    @app.errorhandler(IndexOutdated)
    def _outdated(exc: IndexOutdated):
        # A running server that meets an index rebuilt by another version.
        log.warning("%s", exc)
        return error_response(503, "The archive is not ready", OUTDATED, {"Retry-After": "60"})

    @app.errorhandler(BackendUnavailable)
    def _backend_down(exc: BackendUnavailable):
        # A search cluster with no node answering: temporary, so 503, never a 500.
        return error_response(
            503, "The search service is not answering", str(exc), {"Retry-After": "10"}
        )

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

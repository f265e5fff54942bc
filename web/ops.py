"""Operational routes for the people who run the archive: health, readiness, metrics.

``/healthz``  the process answers (always 200 while it can answer at all);
``/readyz``   the archive can be searched and is current: the index opens (or the
              Typesense nodes answer and hold the archive) and, with
              ``ARCHIVE_MAX_INDEX_AGE``, was brought up to date recently enough;
              otherwise 503 with the reason, so a load balancer takes the node out
              while ``/healthz`` keeps the process from being restarted for nothing;
``/metrics``  the Prometheus text format (``prometheus_client``).

Why the metrics are built this way: under ``archive serve --workers N`` every worker
is its own process, and a counter kept in one of them would show one worker's share
at random. ``prometheus_client``'s multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``,
set by the serve command before any worker starts) sums the workers' files at scrape
time. The index figures (articles, generation, last update) are not counted by the
workers at all: they are read from the index by whichever process answers the scrape,
so they are right however many processes there are.

These routes take no parameters and are left out of the OpenAPI document, which
describes the public API only.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily

from indexer.api import IndexStats
from indexer.errors import ArchiveError
from indexer.runlog import last_update, read_run

bp = Blueprint("ops", __name__)

#: The route label of a request that matched no route (bounded label values).
UNMATCHED = "<unmatched>"

#: The classic text format, which every Prometheus version reads (the names here need
#: none of the newer format's escaping).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

# The ``_created`` series double the output for nothing a dashboard uses.
disable_created_metrics()

# Created once per process and registered in no global registry: each scrape builds
# its own registry (see ``metrics``), so several apps in one process (tests) and the
# multiprocess mode work the same way.
REQUESTS = Counter(
    "archive_http_requests",
    "HTTP requests answered, by route, method and status.",
    ["route", "method", "status"],
    registry=None,
)
REQUEST_SECONDS = Histogram(
    "archive_http_request_duration_seconds",
    "Time to answer a request (until the response starts), by route.",
    ["route"],
    buckets=_LATENCY_BUCKETS,
    registry=None,
)
ERRORS = Counter(
    "archive_http_errors",
    "Requests answered with a server error (HTTP 5xx), by route and status.",
    ["route", "status"],
    registry=None,
)
SEARCH_SECONDS = Histogram(
    "archive_search_duration_seconds",
    "Time the search engine took for one search (pages, API and feeds).",
    buckets=_LATENCY_BUCKETS,
    registry=None,
)
_PROCESS_METRICS = (REQUESTS, REQUEST_SECONDS, ERRORS, SEARCH_SECONDS)


# --- the routes ------------------------------------------------------------------------


@bp.get("/healthz")
def healthz():
    return _plain({"status": "ok"}, 200)


@bp.get("/readyz")
def readyz():
    reason = not_ready_reason()
    if reason:
        return _plain({"status": "unavailable", "reason": reason}, 503, {"Retry-After": "30"})
    return _plain({"status": "ready"}, 200)


@bp.get("/metrics")
def metrics():
    registry = CollectorRegistry(auto_describe=True)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        prometheus_multiprocess.MultiProcessCollector(registry)
    else:
        for metric in _PROCESS_METRICS:
            registry.register(metric)
    registry.register(_IndexCollector(current_app))
    response = Response(generate_latest(registry), 200)
    response.headers["Content-Type"] = CONTENT_TYPE
    response.headers["Cache-Control"] = "no-store"
    return response


def _plain(body: dict, status: int, headers: dict | None = None):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


# --- readiness -------------------------------------------------------------------------


def not_ready_reason(app: Flask | None = None) -> str | None:
    """Why the archive cannot be searched right now, or None when it can."""
    return check_readiness(app or current_app)[0]


def check_readiness(app: Flask) -> tuple[str | None, IndexStats | None]:
    """``(why not ready or None, the archive's stats when it could give them)``: one
    look at the archive serves both /readyz and a /metrics scrape."""
    config = app.config["ARCHIVE"]
    holder = app.extensions["archive_index"]
    # The engine's own look at where the archive is (the index folder's pointer, the
    # Typesense nodes' health), when it has one: an open Whoosh index keeps answering
    # after its folder is gone, so opening alone would not tell.
    reason = holder.engine.not_ready_reason()
    if reason:
        return reason, None
    try:
        stats = holder.get().stats()  # opens the newest generation, or asks the cluster
    except ArchiveError as exc:
        # The admin's reason (which folder, which nodes), not the page's advice.
        return exc.message, None
    except Exception as exc:  # noqa: BLE001 - any failure here is "not ready", with why
        return f"the archive cannot be searched: {exc}", None
    if config.max_index_age_hours is not None:
        updated = last_update(config.index_dir)
        if updated is None:
            return "the index has no recorded update", stats
        age = (datetime.now(UTC) - updated).total_seconds() / 3600
        if age > config.max_index_age_hours:
            return (
                f"the index is stale: last updated {updated.isoformat(timespec='seconds')}, "
                f"{age:.1f} hours ago (ARCHIVE_MAX_INDEX_AGE is {config.max_index_age_hours:g})"
            ), stats
    return None, stats


# --- counting requests -------------------------------------------------------------------


def install(app: Flask) -> None:
    """Register the routes, count every request, and time every search."""
    app.register_blueprint(bp)
    app.before_request(_start_timer)
    app.after_request(_count)
    holder = app.extensions["archive_index"]
    app.extensions["archive_index"] = _TimedHolder(holder)


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED


def _start_timer() -> None:
    g.ops_started = time.perf_counter()


def _count(response):
    route = _route()
    status = str(response.status_code)
    REQUESTS.labels(route, request.method, status).inc()
    started = g.get("ops_started")
    if started is not None:
        REQUEST_SECONDS.labels(route).observe(time.perf_counter() - started)
    if response.status_code >= 500:
        ERRORS.labels(route, status).inc()
    return response


class _TimedHolder:
    """The app's index holder, handing out archives whose searches are timed."""

    def __init__(self, holder) -> None:
        self._holder = holder

    def get(self):
        return _TimedArchive(self._holder.get())

    def __getattr__(self, name: str):
        return getattr(self._holder, name)


class _TimedArchive:
    def __init__(self, archive) -> None:
        self._archive = archive

    def search(self, query):
        started = time.perf_counter()
        try:
            return self._archive.search(query)
        finally:
            SEARCH_SECONDS.observe(time.perf_counter() - started)

    def __getattr__(self, name: str):
        return getattr(self._archive, name)


# --- the index's own figures ---------------------------------------------------------------


class _IndexCollector:
    """Articles, generation and last update, read from the index at scrape time."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):
        config = self.app.config["ARCHIVE"]
        ready = GaugeMetricFamily("archive_ready", "1 when /readyz would answer 200, else 0.")
        reason, stats = check_readiness(self.app)
        ready.add_metric([], 0 if reason else 1)
        yield ready
        if stats is not None:  # no index: the figures are left out, and ready is 0
            articles = GaugeMetricFamily("archive_index_articles", "Articles in the index.")
            articles.add_metric([], stats.articles)
            yield articles
            info = InfoMetricFamily("archive_index", "The index generation being served.")
            engine = self.app.extensions["archive_index"].engine
            info.add_metric([], {"generation": str(stats.generation), "backend": engine.name})
            yield info
        updated = last_update(config.index_dir)
        if updated is not None:
            last = GaugeMetricFamily(
                "archive_index_last_update_timestamp_seconds",
                "When the index was last brought up to date (Unix time).",
            )
            last.add_metric([], updated.timestamp())
            yield last
        run = read_run(config.index_dir)
        if run is not None:
            ok = GaugeMetricFamily(
                "archive_index_last_run_success",
                "1 when the last `archive index` run wrote the index, 0 when it failed.",
            )
            ok.add_metric([], 0 if run["outcome"] == "failed" else 1)
            yield ok

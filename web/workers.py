"""``archive serve --workers N``: the app in N processes under gunicorn (POSIX only).

Why: one Python process searches on one core at a time (the GIL); a server with more
cores and more readers needs more processes. Each worker opens the index itself after
the fork (nothing of Whoosh is shared across a fork) and follows rebuilds exactly as
the single-process server does: every request compares the index pointer with what it
has open. Waitress stays the default for one process.

The Prometheus multiprocess directory must exist, and be named in the environment,
before ``prometheus_client`` is first imported (it picks its value store at import);
the serve command makes a fresh one and names it before it imports the app. Workers
that exit are marked dead so their gauges are dropped (their counters stay in the
totals, as they should). The index figures are gauges of no worker: ``web.ops`` reads
them from the index at scrape time.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from typing import Any

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def serve_workers(
    make_app: Callable[[], Any],
    *,
    host: str,
    port: int,
    workers: int,
    threads: int,
) -> None:
    """Run gunicorn (gthread workers) until it is stopped, then remove the metrics dir."""
    from gunicorn.app.base import BaseApplication

    def child_exit(server, worker) -> None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        # The app writes its own access log (web.accesslog), the same as under waitress.
        "accesslog": None,
        "errorlog": "-",
        # A search of a big archive can take seconds; exports stream for longer.
        "timeout": 120,
        "graceful_timeout": 30,
        # X-Forwarded-* is the app's business alone (ProxyFix, ARCHIVE_TRUSTED_PROXIES
        # proxies, or none): gunicorn must not act on it by itself, e.g. by switching
        # to https for any local client that says so.
        "forwarded_allow_ips": "",
        "secure_scheme_headers": {},
        "child_exit": child_exit,
        "proc_name": "archive-serve",
    }

    class _Gunicorn(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return make_app()

    metrics_dir = os.environ.get(MULTIPROC_ENV)
    try:
        _Gunicorn().run()
    finally:
        if metrics_dir and os.path.basename(metrics_dir).startswith("newsarchive-metrics-"):
            shutil.rmtree(metrics_dir, ignore_errors=True)

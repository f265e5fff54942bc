"""What the browser tests share: the skip when Chromium is missing, the app served by
waitress on a free loopback port (which the tests of the access log and of proxy
headers use too), another origin serving fixed pages (an intranet page
that frames the embed view), and a module-wide headless Chromium.

Before this module, ``test_browser``, ``test_browser_i18n`` and ``test_browser_trends``
each had their own copy of the marks, the server thread and the driver fixture (and
``test_browser_i18n`` imported a test module for the server). A test module uses them
as::

    from browser_support import BROWSER_MARKS, Running, chromium_session

    pytestmark = BROWSER_MARKS
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import chromium
import pytest

import web

#: The marks of a module whose every test drives Chromium: ``browser`` (``-m "not
#: browser"`` leaves them out) and a skip with what to install.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not chromium.available(),
        reason="Chromium not installed (apt-get install chromium chromium-driver)",
    ),
]


class Running:
    """A Flask app under waitress in a thread, on a free loopback port."""

    def __init__(self, app) -> None:
        self.server = web.make_server(app, "127.0.0.1", 0)
        self.port = self.server.effective_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        # Closing the server from another thread ends its select() with EBADF: that
        # is how it stops, not an error (unsuppressed, pytest reports it as a warning
        # against whichever test runs then).
        with contextlib.suppress(OSError, ValueError):
            self.server.run()

    def stop(self) -> None:
        self.server.task_dispatcher.shutdown()
        self.server.close()
        self.thread.join(timeout=5)


class StaticPages:
    """Another origin (another loopback port) serving fixed HTML by path, e.g. an
    intranet page that frames the embed view; set ``pages["/"] = html``."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                path = self.path.split("?")[0]
                body = pages.get(path, "not found").encode()
                self.send_response(200 if path in pages else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def chromium_session(*, javascript: bool = True) -> Iterator:
    """A headless Chromium for a module's tests (its own profile, removed after), as
    the body of a module-scoped fixture::

        @pytest.fixture(scope="module")
        def browser():
            yield from chromium_session()

    ``javascript=False``: what the server alone draws must work."""
    pytest.importorskip("selenium.webdriver")
    driver = chromium.make_driver(javascript=javascript)
    try:
        yield driver
    finally:
        chromium.quit_driver(driver)

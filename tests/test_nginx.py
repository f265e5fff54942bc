"""The archive behind Debian's nginx under ``/news/``, with deploy/'s own site file.

Everything here is real: ``archive index`` builds the index, ``archive serve --workers
2`` (gunicorn) serves it as archive-serve.service would, and nginx (its own prefix,
config and temp folders, a random loopback port, no root needed) runs
``deploy/nginx-newsarchive.conf`` in front of it, changed only in its listen address
and upstream port. Chromium then uses the search page, facets, article pages and the
embed view through nginx, and every link must stay under ``/news/``; the API, exports,
feed, OpenSearch, static files (long cache, gzip), health and metrics are fetched
through it too.

Skipped with a reason where nginx (``make nginx``: apt-get install nginx) or, for the
browser part, Chromium is not installed.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import chromium
import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx-newsarchive.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
ARCHIVE = [sys.executable, "-m", "newsarchive"]
PREFIX = "/news"

pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx not installed (make nginx, or apt-get install nginx)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited: {log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer within 60 s: {log.read_text(errors='replace')}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def site_config(app_port: int, port: int, log_dir: Path) -> str:
    """deploy/'s site file with a loopback listen address and the app's port: each
    change must find its line, so a reworded file fails here rather than passing."""
    text = SITE.read_text("utf-8")
    changes = [
        (r"(?m)^(\s*)listen 80;$", rf"\1listen 127.0.0.1:{port};"),
        (r"(?m)^\s*listen \[::\]:80;\n", ""),
        (r"server 127\.0\.0\.1:8080;", f"server 127.0.0.1:{app_port};"),
        (r"/var/log/nginx/newsarchive\.access\.log", str(log_dir / "access.log")),
    ]
    for pattern, replacement in changes:
        text, count = re.subn(pattern, replacement, text)
        assert count == 1, f"{pattern} not found once in {SITE}"
    return text


class Nginx:
    def __init__(self, folder: Path, app_port: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = folder
        for sub in ("tmp", "logs"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        (folder / "site.conf").write_text(site_config(app_port, self.port, folder / "logs"))
        temp = "\n".join(
            f"    {kind}_temp_path {folder / 'tmp' / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        # As root, nginx's workers would switch to nobody, who cannot use these folders.
        user = "user root;\n" if os.geteuid() == 0 else ""
        mime = Path("/etc/nginx/mime.types")
        types = f"include {mime};" if mime.exists() else "types { text/css css; }"
        (folder / "nginx.conf").write_text(
            f"""{user}daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "logs" / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    {types}
    default_type application/octet-stream;
    access_log {folder / "logs" / "other-access.log"};
{temp}
    include {folder / "site.conf"};
}}
"""
        )
        self.log = folder / "logs" / "error.log"
        self.log.touch()
        check = subprocess.run(
            [NGINX, "-t", *self.options()],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen(
            [NGINX, *self.options()],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_for(self.url + PREFIX + "/healthz", self.process, "nginx", self.log)

    def options(self) -> list[str]:
        """Its own prefix, configuration and error log (``-e``: not even the startup
        message goes to /var/log/nginx, which an unprivileged user cannot open)."""
        folder = self.folder
        return ["-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(self.log)]


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[tuple[str, Path, Path]]:
    """(nginx's URL of the archive, the app's log, nginx's folder)."""
    from test_web import write_corpus

    corpus = write_corpus(tmp_path_factory.mktemp("nginx-corpus"))
    index_dir = tmp_path_factory.mktemp("nginx-index") / "index"
    built = subprocess.run(
        [*ARCHIVE, "index", "--format", "json", "--index-dir", str(index_dir), str(corpus)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert built.returncode == 0, built.stderr
    app_port = free_port()
    app_log = tmp_path_factory.mktemp("nginx-app") / "serve.log"
    env = {
        **os.environ,
        "ARCHIVE_INDEX_DIR": str(index_dir),
        "ARCHIVE_TRUSTED_PROXIES": "1",
        "ARCHIVE_LOG_QUERIES": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with open(app_log, "wb") as log:
        app = subprocess.Popen(
            [*ARCHIVE, "serve", "--port", str(app_port), "--workers", "2", "--threads", "4"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
        )
    try:
        wait_for(f"http://127.0.0.1:{app_port}/healthz", app, "archive serve", app_log)
        nginx = Nginx(tmp_path_factory.mktemp("nginx"), app_port)
        try:
            yield nginx.url + PREFIX, app_log, nginx.folder
        finally:
            stop(nginx.process)
    finally:
        stop(app)


def fetch(url: str, **headers: str) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def inside(url: str, base: str) -> bool:
    """A URL of the archive's own host is under the prefix; other hosts (the source
    articles' sites) are not the deployment's business."""
    own = urllib.parse.urlsplit(base)
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != own.netloc:
        return True
    return parts.path.startswith(PREFIX + "/")


# --- without a browser --------------------------------------------------------------


def test_api_exports_and_machine_formats_under_the_prefix(stack) -> None:
    base, _, _ = stack
    status, _, body = fetch(base + "/api/search?q=harbour")
    assert status == 200 and json.loads(body)["total"] > 0
    status, _, body = fetch(base + "/api/openapi.json")
    assert json.loads(body)["servers"] == [{"url": PREFIX}]
    assert not any(p in json.loads(body)["paths"] for p in ("/healthz", "/readyz", "/metrics"))
    status, headers, body = fetch(base + "/export.csv?q=harbour")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert status == 200 and len(rows) > 2
    status, _, body = fetch(base + "/export.json?q=harbour")
    assert status == 200 and body.strip()
    # A citation export, compressed on the way (a search's hits can be many).
    status, headers, body = fetch(base + "/export.ris?q=harbour", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("Content-Encoding") == "gzip"
    assert b"TY  - NEWS" in gzip.decompress(body)
    for path in ("/feed.atom?q=harbour", "/opensearch.xml"):
        status, _, body = fetch(base + path)
        assert status == 200
        urls = re.findall(r'(?:href|template)="([^"]+)"', body.decode())
        urls += [e.text or "" for e in ET.fromstring(body).iter() if e.tag.endswith("}id")]
        own = [u for u in urls if u.startswith("http://127.0.0.1")]
        assert own and all(u.startswith(base + "/") for u in own), own


def test_static_files_cached_long_and_gzipped(stack) -> None:
    base, _, _ = stack
    _, _, page = fetch(base + "/")
    match = re.search(r'href="(/news/static/style\.css\?v=[0-9a-f]+)"', page.decode())
    assert match, "the stylesheet's URL carries its content hash"
    status, headers, body = fetch(
        base.rsplit(PREFIX, 1)[0] + match[1].replace("&amp;", "&"), **{"Accept-Encoding": "gzip"}
    )
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers.get("Content-Encoding") == "gzip"
    assert b".site-header" in gzip.decompress(body)
    # Pages are compressed too, and not cached for a year.
    status, headers, _ = fetch(base + "/?q=harbour", **{"Accept-Encoding": "gzip"})
    assert headers.get("Content-Encoding") == "gzip"
    assert "31536000" not in headers.get("Cache-Control", "")


def test_health_readiness_and_metrics_through_nginx(stack) -> None:
    base, _, _ = stack
    assert fetch(base + "/healthz")[0] == 200
    status, _, body = fetch(base + "/readyz")
    assert status == 200 and json.loads(body)["status"] == "ready"
    for _ in range(6):
        fetch(base + "/api/search?q=harbour")
    status, headers, body = fetch(base + "/metrics")
    text = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    # Six searches spread over two gunicorn workers: the total is all of them.
    count = re.search(
        r'archive_http_requests_total\{method="GET",route="/api/search",status="200"\} ([\d.]+)',
        text,
    )
    assert count and float(count[1]) >= 6
    assert re.search(r"^archive_index_articles \d", text, re.M)


def test_access_logs_name_the_client_and_leave_out_search_words(stack) -> None:
    base, app_log, folder = stack
    fetch(base + "/?q=confidential+words&tag=Politics", Referer=base + "/?q=earlier+secret")
    time.sleep(0.5)
    app_lines = [
        line for line in app_log.read_text(errors="replace").splitlines() if "tag=Politics" in line
    ]
    assert app_lines, app_log.read_text(errors="replace")[-2000:]
    line = app_lines[-1]
    assert line.startswith("127.0.0.1 - - [")
    assert '"GET /news/?q=-&tag=Politics HTTP/1.' in line
    assert "confidential" not in line and "secret" not in line
    nginx_log = (folder / "logs" / "access.log").read_text(errors="replace")
    assert "tag=Politics" in nginx_log
    assert "confidential" not in nginx_log and "secret" not in nginx_log


# --- in Chromium ------------------------------------------------------------------


needs_chromium = pytest.mark.skipif(
    not chromium.available(),
    reason="Chromium not installed (apt-get install chromium chromium-driver)",
)

_LINKS = """
const out = [];
const selector = 'a[href], link[href], script[src], img[src], form[action]';
for (const el of document.querySelectorAll(selector)) {
  out.push(el.href || el.src || el.action);
}
return out;
"""


@pytest.fixture(scope="module")
def browser():
    pytest.importorskip("selenium.webdriver")
    if not chromium.available():
        pytest.skip("Chromium not installed (apt-get install chromium chromium-driver)")
    driver = chromium.make_driver()
    yield driver
    chromium.quit_driver(driver)


def _links(driver, base: str) -> list[str]:
    urls = driver.execute_script(_LINKS)
    assert urls
    outside = [u for u in urls if not inside(u, base)]
    assert not outside, outside
    return urls


@pytest.mark.browser
@needs_chromium
def test_pages_facets_articles_and_embed_in_chromium(stack, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    base, _, _ = stack
    browser.get(base + "/?q=harbour")
    hits = browser.find_elements(By.CSS_SELECTOR, "ol.hits h3 a")
    assert hits
    _links(browser, base)
    # The stylesheet came through nginx (applied, so fetched and parsed).
    colour = browser.execute_script(
        "return getComputedStyle(document.querySelector('.site-header')).backgroundColor"
    )
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")

    # A facet: follow the Politics tag's control; the filtered page stays under /news/.
    box = browser.find_element(By.CSS_SELECTOR, 'input[name="tag"][value="Politics"]')
    browser.execute_script(
        "const d = arguments[0].closest('details'); if (d) { d.open = true; }", box
    )
    label = browser.find_element(By.CSS_SELECTOR, f'label[for="{box.get_attribute("id")}"]')
    label.click()
    WebDriverWait(browser, 15).until(EC.url_contains("tag=Politics"))
    assert browser.current_url.startswith(base + "/?")
    _links(browser, base)

    # An article page and its links.
    first = browser.find_element(By.CSS_SELECTOR, "ol.hits h3 a")
    first.click()
    WebDriverWait(browser, 15).until(EC.url_contains("/article/"))
    assert browser.current_url.startswith(base + "/article/")
    assert browser.find_element(By.TAG_NAME, "h1").text
    _links(browser, base)

    # The embed view.
    browser.get(base + "/embed?q=harbour")
    assert browser.find_elements(By.CSS_SELECTOR, "ol.hits h3 a")
    _links(browser, base)

    # Feed and OpenSearch as the browser receives them.
    for path in ("/feed.atom?q=harbour", "/opensearch.xml"):
        browser.get(base + path)
        assert base + "/" in browser.page_source

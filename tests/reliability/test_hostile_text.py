"""Case 5: hostile text rendered in headless Chromium on every page type.

The corpus (:mod:`hostile_corpus`) puts XSS payloads, broken markup, right-to-left
overrides and endless words in titles, bodies, tags, places and sites, and
``javascript:``/``data:`` URLs in the articles' own ``url``. Every page type is loaded
in Debian's Chromium from the real server (waitress): the results page, the embed view
(both routes), every article page, the Atom feed and the OpenSearch description, plus
the same payloads reflected through the query box. On each page: no script ran
(``window.__xss`` stays undefined, no alert), no element carries an event handler, no
markup of the article's became an element, no link has a scheme other than http(s),
the page does not scroll sideways, and bidi controls in article text are isolated.
The feed, OpenSearch document and exports are also parsed as data.
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.parse
import urllib.request
from xml.etree import ElementTree as ET

import pytest
from hostile_corpus import PAYLOADS, URLS, WORD
from hostile_corpus import write as write_hostile
from reliability_helpers import InThread, figures, have_chromium, make_driver, quit_driver

pytestmark = pytest.mark.skipif(
    not have_chromium(), reason="Chromium not installed (apt-get install chromium chromium-driver)"
)

import web  # noqa: E402
from indexer.whoosh import index_paths  # noqa: E402
from web import Config  # noqa: E402

#: Elements no page of the app has of its own; any of them is article markup injected.
FOREIGN = "iframe, img, math, object, embed, frame, style:not([data-app]), form form, marquee"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

INSPECT = """
const out = {xss: typeof window.__xss, handlers: [], foreign: [], links: [], scripts: [],
             overflow: 0, bidi: []};
for (const el of document.querySelectorAll('*')) {
  for (const a of el.attributes) {
    if (a.name.toLowerCase().startsWith('on')) out.handlers.push(el.tagName + ' ' + a.name);
  }
}
for (const el of document.querySelectorAll(arguments[0])) {
  out.foreign.push(el.outerHTML.slice(0, 120));
}
for (const svg of document.querySelectorAll('svg')) {
  if (!svg.classList.contains('bar')) out.foreign.push(svg.outerHTML.slice(0, 120));
}
for (const a of document.querySelectorAll('a[href], area[href]')) {
  if (!['http:', 'https:'].includes(a.protocol)) out.links.push(a.getAttribute('href'));
}
for (const s of document.querySelectorAll('script')) {
  if (!s.src || new URL(s.src).origin !== location.origin) {
    out.scripts.push(s.outerHTML.slice(0, 120));
  }
}
out.overflow = document.documentElement.scrollWidth - window.innerWidth;
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const controls = new RegExp('[' + arguments[1] + ']');
while (walker.nextNode()) {
  const node = walker.currentNode;
  if (!controls.test(node.data)) continue;
  const el = node.parentElement;
  const bidi = getComputedStyle(el).unicodeBidi;
  const isolated = el.tagName === 'BDI' || el.hasAttribute('dir') ||
      ['isolate', 'isolate-override', 'plaintext'].includes(bidi) ||
      ['INPUT', 'TEXTAREA', 'TITLE', 'OPTION'].includes(el.tagName);
  if (!isolated) out.bidi.push(el.tagName + '.' + el.className);
}
return out;
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    corpus = write_hostile(tmp_path_factory.mktemp("hostile-text"))
    index_dir = tmp_path_factory.mktemp("hostile-text-index") / "index"
    report = index_paths(index_dir, [corpus])
    assert not report.problems, report.problems
    running = InThread(web.create_app(Config.from_env(index_dir=index_dir, environ={})))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    driver = make_driver()
    yield driver
    quit_driver(driver)


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def _article_ids(base: str) -> list[str]:
    data = json.loads(_get(f"{base}/api/search?q={WORD}&size=100"))
    assert data["total"] == len(PAYLOADS) + len(URLS)
    return [hit["id"] for hit in data["hits"]]


def _inspect(browser, url: str) -> dict:
    browser.get(url)
    result = browser.execute_script(INSPECT, FOREIGN, BIDI)
    try:
        alert = browser.switch_to.alert
        result["alert"] = alert.text
        alert.dismiss()
    except Exception:  # noqa: BLE001 - no alert is the expected case
        result["alert"] = None
    return result


def _pages(base: str) -> list[str]:
    q = urllib.parse.quote
    pages = [
        f"{base}/?q={WORD}&size=100",
        f"{base}/?q={WORD}&size=10&page=2",
        f"{base}/embed?q={WORD}&size=100",
        f"{base}/?q={WORD}&size=100&embed=1",
        f"{base}/?q={WORD}&tag={q(PAYLOADS[0][:150])}&place={q('Vietnam/' + PAYLOADS[1][:100])}",
        f"{base}/feed.atom?q={WORD}",
        f"{base}/opensearch.xml",
    ]
    pages += [f"{base}/article/{article_id}" for article_id in _article_ids(base)]
    # Reflected: the payloads as the query, a filter value, and an unknown field.
    for payload in PAYLOADS[:12]:
        pages.append(f"{base}/?q={q(payload)}")
        pages.append(f"{base}/feed.atom?q={q(payload)}")
    pages.append(f"{base}/?q={q('<script>window.__xss=30</script>:x')}")
    pages.append(f"{base}/?q=x&sort={q('<script>window.__xss=31</script>')}")
    return pages


def test_no_script_runs_and_no_markup_is_injected(browser, server) -> None:
    pages = _pages(server.url)
    # The layout is checked on a desktop and on a phone-width window.
    visits = [(1280, url) for url in pages] + [(380, url) for url in pages[:5] + pages[7:10]]
    failures = {}
    for width, url in visits:
        if browser.get_window_size()["width"] != width:
            browser.set_window_size(width, 1000)
        found = _inspect(browser, url)
        bad = {
            key: value
            for key, value in found.items()
            if (key == "xss" and value != "undefined")
            or (key in ("handlers", "foreign", "links", "scripts", "bidi") and value)
            or (key == "alert" and value is not None)
            or (key == "overflow" and value > 1)
        }
        if bad:
            failures[url] = bad
    figures(
        "hostile text in Chromium",
        payloads=len(PAYLOADS),
        hostile_urls=len(URLS),
        pages_loaded=len(visits),
        failing_pages=len(failures),
    )
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)[:6000]


def test_feed_and_opensearch_are_well_formed_and_escaped(server) -> None:
    base = server.url
    feed = ET.fromstring(_get(f"{base}/feed.atom?q={WORD}"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert len(entries) == len(PAYLOADS) + len(URLS)
    for entry in entries:
        # Titles are the article's text, exactly (escaped by XML, not interpreted).
        title = entry.find("a:title", ns).text
        assert WORD in title
        assert not [
            e for e in entry.iter() if not e.tag.startswith("{http://www.w3.org/2005/Atom}")
        ]
        for link in entry.findall("a:link", ns):
            assert link.get("href", "").startswith(("http://", "https://")), link.attrib
        summary = entry.find("a:summary", ns)
        if summary is not None:
            # type="html": once unescaped it is HTML in which only <mark> is markup.
            html = summary.text or ""
            tags = {name.lower() for name in re.findall(r"<\s*/?\s*([A-Za-z][\w:-]*)", html)}
            assert tags <= {"mark"}, html[:300]
    titles = [e.find("a:title", ns).text for e in entries]
    assert any(PAYLOADS[0] in t for t in titles)
    # A hostile query in the feed's own title and links.
    hostile_q = urllib.parse.quote(PAYLOADS[10])
    feed = ET.fromstring(_get(f"{base}/feed.atom?q={hostile_q}"))
    assert PAYLOADS[10] in feed.find("a:title", ns).text
    ET.fromstring(_get(f"{base}/opensearch.xml"))


def test_exports_carry_the_text_as_data(server) -> None:
    base = server.url
    rows = list(csv.DictReader(io.StringIO(_get(f"{base}/export.csv?q={WORD}").decode())))
    assert len(rows) == len(PAYLOADS) + len(URLS)
    for row in rows:
        for value in row.values():
            assert not value or value[0] not in "=+-@\t\r", row
    data = json.loads(_get(f"{base}/export.json?q={WORD}"))
    assert {hit["title"] for hit in data} >= {f"{PAYLOADS[0]} {WORD} title 0"}
    assert {hit["url"] for hit in data} >= set(u.strip() for u in URLS if "\t" not in u)

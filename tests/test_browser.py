"""End to end in Debian's headless Chromium, against the real server (waitress) on a
free loopback port: what a researcher does on the page, the embed in another origin's
iframe, a deployment behind a reverse proxy under ``/search/``, and hostile titles.

Skipped with a reason where Chromium or its driver is not installed
(``apt-get install chromium chromium-driver``).
"""

from __future__ import annotations

import http.client
import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from browser_support import BROWSER_MARKS, Running, StaticPages, chromium_session
from chromium import make_driver, quit_driver

pytestmark = BROWSER_MARKS

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import (  # noqa: E402
    NoAlertPresentException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from test_web import write_corpus  # noqa: E402  (the same hostile fixture corpus)

import web  # noqa: E402
from indexer.whoosh import index_paths  # noqa: E402
from web import Config  # noqa: E402

# --- servers -----------------------------------------------------------------------


class PrefixProxy:
    """A minimal reverse proxy: ``/search/...`` on its own port goes to the app with
    ``X-Forwarded-Prefix/-Host/-Proto/-For``, the way nginx or Apache would send it."""

    def __init__(self, upstream_port: int, prefix: str = "/search") -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                if not (self.path == prefix or self.path.startswith(prefix + "/")):
                    self.send_error(404)
                    return
                conn = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
                conn.request(
                    "GET",
                    self.path[len(prefix) :] or "/",
                    headers={
                        "Host": f"127.0.0.1:{upstream_port}",
                        "X-Forwarded-Prefix": prefix,
                        "X-Forwarded-Host": self.headers.get("Host", ""),
                        "X-Forwarded-Proto": "http",
                        "X-Forwarded-For": self.client_address[0],
                        "Accept": self.headers.get("Accept", "*/*"),
                    },
                )
                response = conn.getresponse()
                body = response.read()
                self.send_response(response.status)
                for name, value in response.getheaders():
                    if name.lower() not in {"transfer-encoding", "connection", "content-length"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                conn.close()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{prefix}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    corpus = write_corpus(tmp_path_factory.mktemp("browser-corpus"))
    target = tmp_path_factory.mktemp("browser-index") / "index"
    index_paths(target, [corpus])
    return target


@pytest.fixture(scope="module")
def parents() -> Iterator[tuple[StaticPages, StaticPages]]:
    """Two intranet origins: the first on the frame allow-list, the second not."""
    allowed, refused = StaticPages(), StaticPages()
    yield allowed, refused
    allowed.stop()
    refused.stop()


@pytest.fixture(scope="module")
def server(index_dir, parents) -> Iterator[Running]:
    allowed, _ = parents
    config = Config.from_env(
        index_dir=index_dir,
        environ={"ARCHIVE_FRAME_ANCESTORS": f"'self' {allowed.url}"},
    )
    running = Running(web.create_app(config))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def proxied(index_dir) -> Iterator[PrefixProxy]:
    app = web.create_app(
        Config.from_env(index_dir=index_dir, environ={"ARCHIVE_TRUSTED_PROXIES": "1"})
    )
    running = Running(app)
    proxy = PrefixProxy(running.port)
    yield proxy
    proxy.stop()
    running.stop()


@pytest.fixture(scope="module")
def browser():
    yield from chromium_session()


# --- helpers ---------------------------------------------------------------------------


def api(base: str, path: str = "/api/search", **params) -> dict:
    query = urllib.parse.urlencode(params, doseq=True)
    with urllib.request.urlopen(f"{base}{path}?{query}", timeout=30) as response:
        return json.load(response)


def wait(driver, condition, timeout: float = 15):
    return WebDriverWait(driver, timeout).until(condition)


def shown_total(driver) -> int:
    text = driver.find_element(By.ID, "results-heading").text
    if text.startswith("No "):
        return 0
    return int(text.split()[0].replace(",", ""))


def page_left(element):
    """``EC.staleness_of``, except that while a page is being replaced Chromium can
    answer for its element with "Node with given id does not belong to the document",
    an unknown error rather than a stale reference (seen on a loaded machine): that,
    too, means the page is gone."""

    def left(_driver) -> bool:
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return True
            raise
        return False

    return left


def click_and_wait(driver, element) -> None:
    """Click something that loads a new page, and wait for it."""
    element.click()
    wait(driver, page_left(element))
    wait(driver, EC.presence_of_element_located((By.ID, "main")))


def tick(driver, name: str, value: str) -> None:
    box = driver.find_element(By.CSS_SELECTOR, f'input[name="{name}"][value="{value}"]')
    # The script submits on change; a hidden facet ("show more") is opened first.
    driver.execute_script(
        "const d = arguments[0].closest('details'); if (d) { d.open = true; }", box
    )
    label = driver.find_element(By.CSS_SELECTOR, f'label[for="{box.get_attribute("id")}"]')
    click_and_wait(driver, label)


def no_script_ran(driver) -> None:
    assert driver.execute_script("return typeof window.__xss") == "undefined"
    try:
        alert = driver.switch_to.alert
        text = alert.text
        alert.dismiss()
        raise AssertionError(f"an alert opened: {text}")
    except NoAlertPresentException:
        pass


def csp_violations(driver) -> list[str]:
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]
    ]


# --- the researcher's path ---------------------------------------------------------------


def test_search_tick_narrow_page_and_open(browser, server):
    base = server.url
    browser.get(base + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys("harbour", Keys.ENTER)
    wait(browser, EC.url_contains("q=harbour"))
    assert shown_total(browser) == api(base, q="harbour")["total"] > 10
    # sort empty fields out of the URL (the script's enhancement)
    assert "from=" not in browser.current_url and "sort=" not in browser.current_url

    tick(browser, "tag", "Politics")
    assert "tag=Politics" in browser.current_url
    expected = api(base, q="harbour", tag="Politics")["total"]
    assert shown_total(browser) == expected > 0
    facet_count = browser.find_element(
        By.CSS_SELECTOR, 'input[name="tag"][value="Politics"] + label .count'
    ).text
    assert int(facet_count.split()[0]) == expected

    tick(browser, "place", "Vietnam")
    assert "place=Vietnam" in browser.current_url
    assert shown_total(browser) == api(base, q="harbour", tag="Politics", place="Vietnam")["total"]
    # the country opens its places
    assert browser.find_elements(By.CSS_SELECTOR, 'input[name="place"][value="Vietnam/Da Nang"]')

    year = browser.find_element(By.CSS_SELECTOR, ".histogram.years > li > a")
    label = year.find_element(By.CSS_SELECTOR, ".label").text
    click_and_wait(browser, year)
    assert f"date={label}" in browser.current_url
    params = {"q": "harbour", "tag": "Politics", "place": "Vietnam", "date": label}
    assert shown_total(browser) == api(base, **params)["total"]
    months = browser.find_elements(By.CSS_SELECTOR, ".histogram.months a")
    assert months, "a chosen year shows its months"

    # remove every filter with the chip links, then page
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Clear all filters"))
    assert shown_total(browser) == api(base, q="harbour")["total"]
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, 'a[rel="next"]'))
    assert "page=2" in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, "ol.hits").get_attribute("start") == "11"
    page2 = [h["title"] for h in api(base, q="harbour", page=2)["hits"]]
    shown = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "ol.hits h3 a")]
    assert shown == page2

    first = browser.find_element(By.CSS_SELECTOR, "ol.hits h3 a")
    title = first.text
    click_and_wait(browser, first)
    assert "/article/" in browser.current_url
    assert browser.find_element(By.TAG_NAME, "h1").text == title
    assert browser.find_element(By.ID, "similar-heading")
    assert not csp_violations(browser)


def test_relaxed_match_is_noted_and_counted(browser, server):
    """No article has both words: the page shows those with one, says so, and its
    total and facets are the JSON API's; a strict query shows no such note."""
    base = server.url
    browser.get(base + "/")
    browser.find_element(By.ID, "q").send_keys("harbour zqxwvy", Keys.ENTER)
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "p.relaxed")))
    note = browser.find_element(By.CSS_SELECTOR, "p.relaxed")
    assert note.is_displayed()
    assert note.text == (
        "No article has both words; showing articles with 1 of them (“zqxwvy” is in no article)."
    )
    body = api(base, q="harbour zqxwvy")
    assert body["relaxed"]["matched"] == 1
    assert shown_total(browser) == body["total"] == api(base, q="harbour")["total"] > 10
    tick(browser, "tag", "Economy")
    assert browser.find_element(By.CSS_SELECTOR, "p.relaxed").is_displayed()
    assert shown_total(browser) == api(base, q="harbour zqxwvy", tag="Economy")["total"] > 0
    browser.get(base + "/?q=harbour+AND+zqxwvy")
    assert shown_total(browser) == 0
    assert not browser.find_elements(By.CSS_SELECTOR, "p.relaxed")
    assert not csp_violations(browser)


def test_a_continued_list_is_noted_and_marked(browser, server):
    """One article has all three words: the articles with two of them join it, each
    marked with the word it lacks; the note, total and marks are the JSON API's."""
    base = server.url
    browser.get(base + "/")
    browser.find_element(By.ID, "q").send_keys("harbour number 7", Keys.ENTER)
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "p.relaxed")))
    body = api(base, q="harbour number 7")
    relaxed = body["relaxed"]
    assert relaxed["strict"] == 1 and relaxed["continued"] > 10
    note = browser.find_element(By.CSS_SELECTOR, "p.relaxed")
    assert note.is_displayed() and note.text == relaxed["message"] + "."
    assert shown_total(browser) == body["total"] == relaxed["strict"] + relaxed["continued"]
    marks = [m.text for m in browser.find_elements(By.CSS_SELECTOR, "ol.hits p.missing")]
    assert marks == [f"Missing: {', '.join(h['missing'])}" for h in body["hits"] if "missing" in h]
    assert marks and all(m == "Missing: 7" for m in marks)
    first = browser.find_element(By.CSS_SELECTOR, "ol.hits li.hit")
    assert not first.find_elements(By.CSS_SELECTOR, "p.missing")
    browser.get(base + "/?q=harbour+AND+number+AND+7")
    assert shown_total(browser) == 1
    assert not browser.find_elements(By.CSS_SELECTOR, "p.missing, p.relaxed")
    assert not csp_violations(browser)


def test_works_without_javascript(server):
    driver = make_driver(javascript=False)
    try:
        base = server.url
        driver.get(base + "/?q=harbour")
        box = driver.find_element(By.CSS_SELECTOR, 'input[name="tag"][value="Economy"]')
        box.click()
        apply = box.find_element(By.XPATH, "ancestor::fieldset//button[@type='submit']")
        assert apply.is_displayed()
        click_and_wait(driver, apply)
        assert "tag=Economy" in driver.current_url and "q=harbour" in driver.current_url
        assert shown_total(driver) == api(base, q="harbour", tag="Economy")["total"]
    finally:
        quit_driver(driver)


def test_hostile_title_runs_no_script(browser, server):
    browser.get(server.url + "/?q=flood")
    no_script_ran(browser)
    titles = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "ol.hits h3 a")]
    assert any(t.startswith("<script>window.__xss=1</script>") for t in titles)
    assert not browser.find_elements(
        By.CSS_SELECTOR, "ol.hits b, ol.hits i, ol.hits img, ol.hits svg"
    )
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "<script>")
    click_and_wait(browser, link)
    no_script_ran(browser)
    # the javascript: URL is shown as text, never as a link
    assert not browser.find_elements(By.CSS_SELECTOR, 'a[href^="javascript"]')
    assert "javascript:" in browser.find_element(By.CSS_SELECTOR, ".untrusted-url").text
    for path in ("/embed?q=flood", "/?q=flood&embed=1", "/?q=data"):
        browser.get(server.url + path)
        no_script_ran(browser)
    assert not csp_violations(browser)


# --- embedding --------------------------------------------------------------------------


def _frame_page(src: str) -> str:
    return (
        "<!doctype html><title>Intranet</title><h1>Intranet page</h1>"
        f'<iframe id="archive" src="{src}" width="900" height="700"></iframe>'
    )


def test_embed_framed_by_allowed_origin_only(browser, server, parents):
    allowed, refused = parents
    for parent in (allowed, refused):
        parent.pages["/embed"] = _frame_page(server.url + "/embed?q=harbour")
        parent.pages["/param"] = _frame_page(server.url + "/?q=harbour&embed=1")
        parent.pages["/full"] = _frame_page(server.url + "/?q=harbour")

    def framed_search_box(parent: StaticPages, page: str) -> bool:
        browser.get(parent.url + page)
        wait(browser, EC.presence_of_element_located((By.ID, "archive")))
        browser.switch_to.frame(browser.find_element(By.ID, "archive"))
        try:
            # a refused frame shows the browser's error page: no search form in it
            WebDriverWait(browser, 5).until(EC.presence_of_element_located((By.ID, "q")))
            return True
        except Exception:  # noqa: BLE001 - a timeout is the answer "not shown"
            return False
        finally:
            browser.switch_to.default_content()

    assert framed_search_box(allowed, "/embed")
    assert framed_search_box(allowed, "/param")
    assert not framed_search_box(allowed, "/full")  # the full page refuses any framing
    assert not framed_search_box(refused, "/embed")
    assert not framed_search_box(refused, "/param")

    # inside the allowed frame: no site chrome, and an article opens in the parent page
    browser.get(allowed.url + "/embed")
    browser.switch_to.frame(browser.find_element(By.ID, "archive"))
    wait(browser, EC.presence_of_element_located((By.ID, "q")))
    assert not browser.find_elements(By.CSS_SELECTOR, ".site-header")
    link = browser.find_element(By.CSS_SELECTOR, "ol.hits h3 a")
    assert link.get_attribute("target") == "_parent"
    link.click()
    browser.switch_to.default_content()
    wait(browser, EC.url_contains(server.url + "/article/"))
    assert browser.find_element(By.TAG_NAME, "h1").text


# --- behind a reverse proxy under /search/ -------------------------------------------------


def test_prefixed_deployment_links(browser, proxied):
    browser.get(proxied.url + "/?q=harbour")
    assert shown_total(browser) > 0
    urls = browser.execute_script(
        """
        const out = [];
        const selector = 'a[href], link[href], script[src], form[action]';
        for (const el of document.querySelectorAll(selector)) {
          out.push(el.href || el.src || el.action);
        }
        return out;
        """
    )
    assert urls
    outside = [u for u in urls if not u.startswith(proxied.url + "/")]
    assert not outside, outside
    # the stylesheet arrived through the prefix (a static file, fetched by the browser)
    header_colour = browser.execute_script(
        "return getComputedStyle(document.querySelector('.site-header')).backgroundColor"
    )
    assert header_colour not in ("rgba(0, 0, 0, 0)", "transparent")
    tick(browser, "tag", "Politics")
    assert (
        browser.current_url.startswith(proxied.url + "/?") and "tag=Politics" in browser.current_url
    )
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "ol.hits h3 a"))
    assert browser.current_url.startswith(proxied.url + "/article/")
    for path in ("/feed.atom?q=harbour", "/opensearch.xml"):
        browser.get(proxied.url + path)
        assert proxied.url + "/" in browser.page_source

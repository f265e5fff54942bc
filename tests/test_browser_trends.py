"""The trends page in Debian's headless Chromium with JavaScript off, served by waitress
on a free loopback port: the server-drawn chart shows, a point opens the search for
its period (whose total is the point's count), the CSP reports nothing, and the
embedded view draws the chart inside another origin's iframe.

Skipped with a reason where Chromium or its driver is not installed.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import BROWSER_MARKS, Running, StaticPages, chromium_session

pytestmark = BROWSER_MARKS

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402

import web  # noqa: E402
from indexer.whoosh import index_paths  # noqa: E402

FIXTURE = Path(__file__).parent / "fixtures" / "news-articles-trends.csv"


@pytest.fixture(scope="module")
def framer() -> Iterator[StaticPages]:
    """Another origin whose page (``/``) frames the embedded trends view."""
    pages = StaticPages()
    yield pages
    pages.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, framer: StaticPages) -> Iterator[str]:
    index_dir = tmp_path_factory.mktemp("trends-browser") / "index"
    index_paths(index_dir, [FIXTURE])
    config = web.Config.from_env(
        index_dir=index_dir, environ={"ARCHIVE_FRAME_ANCESTORS": f"'self' {framer.url}"}
    )
    running = Running(web.create_app(config))
    yield running.url
    running.stop()


@pytest.fixture(scope="module")
def driver():
    yield from chromium_session(javascript=False)


def _json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def test_a_chart_point_opens_the_search_for_its_period(server, driver):
    params = urllib.parse.urlencode({"q": ["trump", "russia"], "interval": "week"}, doseq=True)
    driver.get(f"{server}/trends?{params}")
    circles = driver.find_elements(By.CSS_SELECTOR, ".series-0 circle")
    assert circles and all(c.is_displayed() and c.size["width"] > 0 for c in circles[:3])
    assert len(driver.find_elements(By.CSS_SELECTOR, ".trend-chart path")) == 2
    points = _json(f"{server}/api/trends?{params}")["series"][0]["points"]
    counts = {p["period"]: p["count"] for p in points if p["count"]}
    label = circles[-1].find_element(By.TAG_NAME, "title").get_attribute("textContent")
    period = re.search(r"(\d{4}-W\d{2})", label)[1]
    circles[-1].click()
    assert "/?q=trump&from=" in driver.current_url
    heading = driver.find_element(By.ID, "results-heading").text
    assert heading == f"{counts[period]:,} article{'s' if counts[period] != 1 else ''}"
    csp = [e for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]
    assert not csp, csp


def test_the_embedded_chart_draws_inside_another_origins_iframe(server, driver, framer):
    framer.pages["/"] = (
        '<!doctype html><title>Intranet</title><iframe id="f" width="900" height="700" '
        f'src="{server}/trends?q=trump&amp;embed=1"></iframe>'
    )
    driver.get(framer.url + "/")
    driver.switch_to.frame(driver.find_element(By.ID, "f"))
    try:
        assert driver.find_elements(By.CSS_SELECTOR, ".trend-chart svg circle")
        assert not driver.find_elements(By.CSS_SELECTOR, ".site-header")
    finally:
        driver.switch_to.default_content()

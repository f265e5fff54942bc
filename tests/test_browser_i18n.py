"""Both interface languages in Debian's headless Chromium against the real server:
the visible switch, the cookie that remembers it, links that keep it, the embed view
asked for in Vietnamese. Skipped with a reason where Chromium is not installed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import BROWSER_MARKS, Running, chromium_session
from citation_articles import copy_citation_articles

pytestmark = BROWSER_MARKS
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

import web  # noqa: E402
from indexer.whoosh import index_paths  # noqa: E402
from web import Config  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Running]:
    corpus = tmp_path_factory.mktemp("i18n-corpus")
    copy_citation_articles(corpus)
    target = tmp_path_factory.mktemp("i18n-index") / "index"
    index_paths(target, [corpus])
    running = Running(web.create_app(Config(index_dir=target)))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    yield from chromium_session()


def text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def test_switch_read_and_keep_both_languages(server, browser):
    browser.delete_all_cookies()
    browser.get(server.url + "/?q=Nang")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert "Search the archive" in text(browser)
    assert "3 Oct 2024" in text(browser)

    browser.find_element(By.LINK_TEXT, "Tiếng Việt").click()
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    page = text(browser)
    assert "Tìm kiếm trong kho lưu trữ" in page and "Bộ lọc" in page
    assert "03/10/2024" in page and "Đà Nẵng" in page and "Việt Nam" in page
    assert "Search the archive" not in page

    # a facet link, then the article: still Vietnamese, by the links themselves
    browser.find_element(By.CSS_SELECTOR, ".histogram.years a").click()
    assert "tháng 10 năm 2024" in text(browser)
    browser.find_element(By.CSS_SELECTOR, ".hits h3 a").click()
    page = text(browser)
    assert "Ngày đăng" in page and "Trích dẫn bài báo này:" in page
    assert "lang=vi" in browser.current_url

    # the cookie remembers the choice on a bare URL, and the switch goes back
    browser.get(server.url + "/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    browser.find_element(By.LINK_TEXT, "English").click()
    assert "Search the archive" in text(browser)
    browser.get(server.url + "/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"


def test_embed_in_vietnamese(server, browser):
    browser.delete_all_cookies()
    browser.get(server.url + "/embed?lang=vi&q=thanksgiving")
    page = text(browser)
    assert "1 bài báo" in page and "Sắp xếp theo" in page
    browser.find_element(By.ID, "q").clear()
    browser.find_element(By.ID, "q").send_keys("Nang\n")
    # The form's answer is a new page: wait for it, or the old page's body goes stale.
    WebDriverWait(browser, 15).until(lambda driver: "q=Nang" in driver.current_url)
    assert "lang=vi" in browser.current_url
    assert "Từ khóa tìm kiếm" in text(browser) or "Sắp xếp theo" in text(browser)

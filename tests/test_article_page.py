"""The article page is no dead end: the way back to the same results page and entry, a
search box, the language by name, paragraphs restored from the source's spacing, and
the query's words marked in the text, escaped."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import web
from indexer.whoosh import index_paths
from web import Config

BODY = (
    "The flood reached the harbour wall on Monday.   Officials said the <b>harbour</b> "
    "would reopen & boats return.  READ MORE: Harbour history Residents were told to "
    "move to higher ground."
)


@pytest.fixture(scope="module")
def client(tmp_path_factory, demo: Path):
    data = tmp_path_factory.mktemp("article-data")
    with (data / "news.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["title", "text", "url", "language", "date"])
        writer.writerow(["Harbour flood", BODY, "https://x.example/flood", "vi", "2017-03-01"])
        for i in range(24):
            writer.writerow(
                [f"Harbour note {i}", f"Harbour note number {i}.", f"https://x.example/{i}",
                 "en", "2017-02-01"]
            )  # fmt: skip
    target = tmp_path_factory.mktemp("article-index") / "index"
    index_paths(target, [data])
    app = web.create_app(Config(index_dir=target))
    app.testing = False
    return app.test_client()


def _article_link(client, url: str, title: str) -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'<a href="([^"]+)"[^>]*>' + re.escape(title) + "</a>", page)
    assert match, page
    return html.unescape(match.group(1))


def test_back_to_the_same_results_page_and_entry(client):
    link = _article_link(client, "/?q=harbour&size=5&page=5&sort=oldest", "Harbour flood")
    path, _, query = link.partition("?")
    assert parse_qs(query) == {"q": ["harbour"], "size": ["5"], "page": ["5"], "sort": ["oldest"]}
    article = client.get(link)
    assert article.status_code == 200
    text = article.get_data(as_text=True)
    back = html.unescape(re.search(r'<a class="back" href="([^"]+)"', text).group(1))
    parts = urlsplit(back)
    assert parts.path == "/" and parse_qs(parts.query) == parse_qs(query)
    article_id = path.rsplit("/", 1)[1]
    assert parts.fragment == f"result-{article_id}"
    results = client.get(back).get_data(as_text=True)
    assert f'id="result-{article_id}"' in results  # the entry the link returns to
    # straight from outside (no search): no back link, but a search box
    plain = client.get(path).get_data(as_text=True)
    assert 'class="back"' not in plain
    assert 'role="search"' in plain and 'name="q"' in plain


def test_language_by_name_paragraphs_and_marked_words(client):
    link = _article_link(client, "/?q=harbour+flood", "Harbour flood")
    text = client.get(link).get_data(as_text=True)
    assert "<dd>Vietnamese</dd>" in text and "<dd>vi</dd>" not in text
    body = re.search(r'<div class="body"[^>]*>(.*?)</div>', text, re.S).group(1)
    paragraphs = re.findall(r"<p>(.*?)</p>", body, re.S)
    assert len(paragraphs) == 3, paragraphs  # the source's spacing, and READ MORE on its own
    assert paragraphs[2].startswith("READ MORE:")
    # the query's words marked; the article's own markup shown as text, never as markup
    assert "The <mark>flood</mark> reached the <mark>harbour</mark> wall" in paragraphs[0]
    assert "&lt;b&gt;<mark>harbour</mark>&lt;/b&gt;" in paragraphs[1]
    assert "&amp; boats" in paragraphs[1] and "<b>" not in body
    # without a query nothing is marked
    plain = client.get(link.split("?")[0]).get_data(as_text=True)
    assert "<mark>" not in plain


def test_a_bad_search_state_on_an_article_is_refused_like_the_search_page(client):
    link = _article_link(client, "/?q=flood", "Harbour flood").split("?")[0]
    assert client.get(link + "?date=banana").status_code == 400
    assert client.get(link + "?limit=3").status_code == 400

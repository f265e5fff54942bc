"""Story clusters on the web (issue 13): the page, the API, the CSV export.

A small real index: three real NewsArticles stories, one of them with two wire copies
on other sites (one with markup in its headline, which must stay text).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import web
from indexer.whoosh import index_paths
from web import Config

FIXTURE = Path(__file__).parent / "fixtures" / "news-articles-trends.csv"
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"“A-Z])")
HOSTILE = "<script>window.__xss=1</script>Wire copy"


def _rows() -> list[dict]:
    with FIXTURE.open(newline="", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if len(_SENTENCE.split(r["text"])) >= 6][:3]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stories")
    rows = _rows()
    original = rows[0]
    copies = []
    for n, title in enumerate([HOSTILE, "Another wire copy"]):
        parts = _SENTENCE.split(original["text"])
        del parts[1 + n]
        copies.append(
            {
                **original,
                "article_id": f"9{n}",
                "title": title,
                "article_source_link": f"https://wire{n}.example.com/{n}",
                "text": "LONDON (Reuters) - " + " ".join(parts),
            }
        )
    with (folder / "news.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(original))
        writer.writeheader()
        writer.writerows([*rows, *copies])
    index = tmp_path_factory.mktemp("index") / "index"
    report = index_paths(index, [folder])
    assert report.articles == 5, report.to_dict()
    app = web.create_app(Config(index_dir=index))
    app.testing = False
    return app.test_client()


def test_the_page_shows_each_story_once_with_its_versions(client):
    response = client.get("/")
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    heading = page.find(id="results-heading").get_text(" ", strip=True)
    assert heading == "5 articles in 3 stories"
    hits = page.select("li.hit")
    assert len(hits) == 3
    listed = [hit for hit in hits if hit.select("details.versions")]
    assert len(listed) == 1
    details = listed[0].select_one("details.versions")
    assert details.summary.get_text(strip=True) == "3 versions"
    others = details.select("li")
    assert len(others) == 2
    # Headlines are text: the markup in one is shown, never run.
    assert any(HOSTILE in li.get_text() for li in others)
    assert "<script>window.__xss" not in response.get_data(as_text=True)
    assert all(li.find("a", href=re.compile(r"^/article/")) for li in others)
    assert page.find("a", string="Show every version")["href"] == "/?versions=all"


def test_versions_all_lists_every_article_and_counts_stay_articles(client):
    page = BeautifulSoup(client.get("/?versions=all").get_data(as_text=True), "html.parser")
    assert len(page.select("li.hit")) == 5
    assert not page.select("details.versions")
    assert len(page.select("p.versions")) == 3  # "3 versions" beside each of the three
    assert page.find("a", string="Show each story once")["href"] == "/"
    assert page.find("input", attrs={"name": "versions", "value": "all"}) is not None

    best = client.get("/api/search").get_json()
    every = client.get("/api/search?versions=all").get_json()
    assert (best["total"], best["stories"], len(best["hits"])) == (5, 3, 3)
    assert (every["total"], every["stories"], len(every["hits"])) == (5, 3, 5)
    assert best["facets"] == every["facets"]
    sizes = sorted(hit["versions"] for hit in best["hits"])
    assert sizes == [1, 1, 3]
    clusters = {hit["cluster"] for hit in every["hits"]}
    assert len(clusters) == 3


def test_exports_follow_the_versions_parameter(client):
    rows = list(csv.DictReader(io.StringIO(client.get("/export.csv").get_data(as_text=True))))
    assert len(rows) == 3 and sorted(r["versions"] for r in rows) == ["1", "1", "3"]
    every = client.get("/export.csv?versions=all").get_data(as_text=True)
    assert len(list(csv.DictReader(io.StringIO(every)))) == 5


@pytest.mark.parametrize(
    "path", ["/?versions=some", "/api/search?versions=", "/export.csv?versions=x"]
)
def test_a_bad_versions_value_is_a_400_naming_it(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "versions" in response.get_data(as_text=True)

"""The research views on the web (the trends page, its downloads, ``/api/trends``;
top words beside the results and ``/api/top-words``) through Flask's test client,
on a real index of NewsArticles rows (``tests/fixtures/news-articles-trends.csv``) plus
hostile articles (markup in the title, body and tags)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

import web
from indexer.params import MAX_QUERY_CHARS, params_for
from indexer.whoosh import index_paths

FIXTURE = Path(__file__).parent / "fixtures" / "news-articles-trends.csv"
QUERIES = {"q": ["trump", "russia", "<script>window.__xss=9</script>"]}
HOSTILE = {
    "title": "<script>window.__xss=1</script>Trump <b>news</b>",
    "body": 'Trump and Russia. <img src=x onerror="window.__xss=2">',
    "published": "2017-03-02",
    "url": "javascript:window.__xss=3",
    "tags": ["<script>window.__xss=4</script>"],
}
HOSTILE_VALUES = ["", " ", "<script>", "a" * 1001, "\u202e", "%00", "2016-13", "9999", "-1",
                  "1" * 30, "((((", '"', "title:", "week\x00", "MONTH"]  # fmt: skip


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("corpus")
    shutil.copy(FIXTURE, corpus / "news.csv")
    (corpus / "hostile.json").write_text(json.dumps(HOSTILE), encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("trends-web") / "index"
    index_paths(index_dir, [corpus])
    app = web.create_app(web.Config(index_dir=index_dir))
    app.testing = False  # errors go through the app's own handlers, as in production
    return app.test_client()


def api(client, path="/api/search", **params):
    response = client.get(path, query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


class Page(HTMLParser):
    """Every element's attributes, every link, and inline script text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.urls: list[tuple[str, str, str]] = []
        self.inline_scripts = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        for name in ("href", "src", "action"):
            if attributes.get(name) is not None:
                self.urls.append((tag, name, attributes[name]))
        self._in_script = tag == "script"

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts += 1

    def find(self, tag: str, **attrs) -> list[dict]:
        return [
            a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]


def parse(response) -> Page:
    page = Page()
    page.feed(response.get_data(as_text=True))
    return page


def test_api_trends_is_the_json_contract(client):
    data = api(client, "/api/trends", **QUERIES, interval="month")
    assert set(data) == {"interval", "series"} and data["interval"] == "month"
    assert [s["query"] for s in data["series"]] == QUERIES["q"]
    for series in data["series"]:
        for point in series["points"]:
            assert set(point) == {"period", "count", "total", "share"}
            assert re.fullmatch(r"\d{4}-\d{2}", point["period"])
            assert point["share"] == (
                round(point["count"] / point["total"], 6) if point["total"] else 0
            )
    trump = data["series"][0]["points"]
    dated_hits = api(client, q="trump", **{"from": "0001-01-01"})["total"]
    assert sum(p["count"] for p in trump) == dated_hits > 0  # every dated hit, once
    # Every dated article is in one period: the totals add up to the archive.
    assert sum(p["total"] for p in trump) == api(client)["total"] == 192


def test_each_point_links_to_the_search_for_its_period(client):
    response = client.get("/trends", query_string={**QUERIES, "interval": "month"})
    assert response.status_code == 200
    page = parse(response)
    data = api(client, "/api/trends", **QUERIES, interval="month")
    counts = {p["period"]: p["count"] for p in data["series"][0]["points"] if p["count"]}
    links = [u for t, _, u in page.urls if t == "a" and u.startswith("/?q=trump&from=")]
    assert len(links) >= 2 * len(counts)  # a chart point and a table cell per period
    for url in links[:6]:
        args = dict(re.findall(r"(\w+)=([^&]+)", url))
        found = api(client, q="trump", **{"from": args["from"], "to": args["to"]})["total"]
        assert found == counts[args["from"][:7]]
    html = response.get_data(as_text=True)
    assert html.count("<path ") == 3 and "<svg " in html and "<table" in html
    assert "/trends.csv?" in html and "/trends.json?" in html and "/api/trends?" in html


def test_hostile_queries_are_escaped_in_chart_legend_and_table(client):
    html = client.get("/trends", query_string=QUERIES).get_data(as_text=True)
    assert "<script>window" not in html
    assert "&lt;script&gt;window.__xss=9&lt;/script&gt;" in html
    page = parse(client.get("/trends", query_string=QUERIES))
    assert page.inline_scripts == 0
    for tag, attrs in page.elements:
        assert "style" not in attrs and not [a for a in attrs if a.startswith("on")], tag


def test_downloads(client):
    response = client.get("/trends.csv", query_string={**QUERIES, "interval": "year"})
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["query", "period", "start", "end", "count", "total", "share"]
    assert {r[0] for r in rows[1:]} == set(QUERIES["q"])
    assert [r[1:4] for r in rows[1:3]] == [
        ["2016", "2016-01-01", "2016-12-31"],
        ["2017", "2017-01-01", "2017-12-31"],
    ]
    as_json = client.get("/trends.json", query_string={**QUERIES, "interval": "year"})
    assert as_json.get_json() == api(client, "/api/trends", **QUERIES, interval="year")


def test_embedded_trends_can_be_framed_and_keep_the_embed_view(client):
    response = client.get("/trends", query_string={**QUERIES, "embed": "1"})
    assert "frame-ancestors" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    assert 'class="site-header"' not in html and "<svg " in html
    assert 'name="embed" value="1"' in html
    page = parse(response)
    assert all("embed=1" in u for t, _, u in page.urls if t == "a" and u.startswith("/?q="))
    plain = client.get("/trends", query_string=QUERIES)
    assert "frame-ancestors 'none'" in plain.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": ["a", "b", "c", "d", "e", "f"]}, "at most 5"),
        ({"q": "trump", "interval": "fortnight"}, "interval must be one of"),
        ({"q": "trump", "from": "1900-01-01", "to": "1900-12-31"}, "no dated article"),
        ({"q": "trump", "from": "2017-05-01", "to": "2016-01-01"}, "after"),
        ({"q": ["trump", "x" * (MAX_QUERY_CHARS + 1)]}, "too long"),
        ({"q": "foo:bar"}, "unknown field"),
    ],
)
def test_bad_input_is_a_400_that_keeps_what_was_typed(client, params, message):
    response = client.get("/trends", query_string=params)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    boxes = [a.get("value") for a in parse(response).find("input", name="q")]
    typed = params["q"] if isinstance(params["q"], list) else [params["q"]]
    assert boxes[: len(typed)] == [t[:MAX_QUERY_CHARS] for t in typed]
    for path in ("/api/trends", "/trends.json"):
        got = client.get(path, query_string=params)
        assert got.status_code == 400 and message in got.get_json()["error"]
    assert client.get("/trends.csv", query_string=params).status_code == 400


def test_no_query_is_the_blank_form_and_blank_queries_a_400(client):
    assert client.get("/trends").status_code == 200  # the first visit: the blank form
    blank = client.get("/trends?q=&q=+&interval=week")
    assert blank.status_code == 400 and "at least one query" in blank.get_data(as_text=True)
    assert 'value="week" selected' in blank.get_data(as_text=True)
    for path in ("/api/trends", "/trends.csv", "/trends.json"):
        assert client.get(path).status_code == 400


@pytest.mark.parametrize(
    "path", ["/trends", "/api/trends", "/trends.csv", "/trends.json", "/api/top-words"]
)
def test_no_500_for_hostile_parameters(client, path):
    failures = []
    for value in HOSTILE_VALUES:
        for param in ("q", "interval", "tag", "place", "date", "from", "to", "embed"):
            query = {param: value} if param == "q" else {"q": "trump", param: value}
            response = client.get(path, query_string=query)
            if response.status_code not in (200, 400):
                failures.append((param, value[:20], response.status_code))
    assert not failures, failures


def test_openapi_describes_trends(client):
    doc = api(client, "/api/openapi.json")
    assert {"/api/trends", "/trends.csv", "/trends.json"} <= set(doc["paths"])
    names = {p["name"] for p in doc["paths"]["/api/trends"]["get"]["parameters"]}
    assert {"q", "interval", "tag", "place", "site", "language", "date", "from", "to"} == names
    assert {"TrendResult", "TopWordsResult"} <= set(doc["components"]["schemas"])
    names = {p["name"] for p in doc["paths"]["/api/top-words"]["get"]["parameters"]}
    # The search API's own parameters (indexer.params), and limit.
    assert {p.name for p in params_for("api")} | {"limit"} == names


# -- Top words ---------------------------------------------------------------------------------


def test_top_words_beside_the_results_add_the_word_to_the_query(client):
    response = client.get("/?q=russia")
    page = parse(response)
    links = [u for t, _, u in page.urls if t == "a" and u.startswith("/?q=russia+")]
    assert len(links) >= 5
    data = api(client, "/api/top-words", q="russia")
    assert links[0] == f"/?q=russia+{data['words'][0]['word']}"
    narrowed = api(client, q=f"russia {data['words'][0]['word']}")["total"]
    assert narrowed == data["words"][0]["count"]  # every hit was read: the counts agree
    assert "from all" in response.get_data(as_text=True)


def test_the_search_page_links_to_its_query_over_time(client):
    page = parse(client.get("/?q=russia&site=aljazeera.com&page=2"))
    assert "/trends?site=aljazeera.com&q=russia" in [u for t, _, u in page.urls if t == "a"]


def test_top_words_of_a_query_with_operators_are_added_in_brackets(client):
    page = parse(client.get("/?q=russia+OR+putin"))
    assert any(u.startswith("/?q=(russia+OR+putin)+") for t, _, u in page.urls if t == "a")


def test_browsing_everything_shows_no_top_words_and_filters_do(client):
    assert "top-words-heading" not in client.get("/").get_data(as_text=True)
    html = client.get("/?site=aljazeera.com").get_data(as_text=True)
    assert "top-words-heading" in html


def test_api_top_words(client):
    data = api(client, "/api/top-words", q="trump", limit=5)
    assert set(data) == {"total", "sampled", "articles", "words"}
    assert data["articles"] == 192 and len(data["words"]) == 5
    assert data["sampled"] == min(data["total"], 100)
    assert set(data["words"][0]) == {"word", "score", "count", "background"}
    everything = api(client, "/api/top-words", **{"from": "2016-01-01"})
    assert everything["total"] == 192 and everything["sampled"] == 100  # a sample, said so
    for bad in ({"limit": "0"}, {"limit": "51"}, {"limit": "x"}, {"q": "foo:bar"}, {"page": "0"}):
        response = client.get("/api/top-words", query_string=bad)
        assert response.status_code == 400 and response.get_json()["error"], bad


def test_the_trends_page_in_vietnamese_keeps_the_language_in_its_links(client):
    response = client.get("/trends", query_string={"q": "trump", "lang": "vi"})
    html = response.get_data(as_text=True)
    assert "Mức độ quan tâm theo thời gian" in html and "Tỷ lệ trên tổng số bài" in html
    links = [u for t, _, u in parse(response).urls if t == "a" and u.startswith("/?q=trump")]
    assert links and all("lang=vi" in u for u in links)
    words = client.get("/", query_string={"q": "russia", "lang": "vi"}).get_data(as_text=True)
    assert "Từ nổi bật" in words


def test_unknown_parameters_are_refused_by_name_on_every_research_surface(client):
    for path in ("/trends", "/api/trends", "/trends.csv", "/trends.json", "/api/top-words"):
        response = client.get(path, query_string={"q": "trump", "colour": "red"})
        assert response.status_code == 400 and "colour" in response.get_data(as_text=True), path
    assert client.get("/api/top-words?q=trump&tag=").status_code == 400  # the search's rules

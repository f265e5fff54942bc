"""The web app through Flask's test client, against a real index built from real files.

The fixture corpus mixes ordinary articles (enough for several pages, two years, a
hierarchy of places) with hostile ones: markup and script in titles, bodies, tags,
places and sites, ``javascript:`` and ``data:`` URLs, and spreadsheet formulas.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

indexer = pytest.importorskip("indexer")

import web  # noqa: E402
from indexer.params import MAX_QUERY_CHARS  # noqa: E402
from indexer.whoosh import index_paths  # noqa: E402
from web import Config, ConfigError  # noqa: E402

XSS_TITLE = "<script>window.__xss=1</script>Flood warning for the <b>harbour</b>"
XSS_BODY = (
    'The flood reached the harbour wall. <img src=x onerror="window.__xss=2"> '
    "Residents were told to move to higher ground.\n\n"
    '<a href="javascript:window.__xss=3">click</a> and "quotes" & ampersands.'
)
FORMULA_TITLE = '=HYPERLINK("http://evil.example/","harbour report")'
TOPICS = ["Politics", "Economy", "Sport", "Science"]
PLACES = ["Vietnam/Da Nang", "Vietnam/Hanoi", "France/Paris", "Japan/Tokyo"]
SITES = ["bbc", "cnn", "dw"]
ORDINARY = 36
_OWN_WORDS = "cargo tide pier crane dock quay berth ferry hull mast deck sail rope".split()


def write_corpus(folder: Path) -> Path:
    """Article files in three formats: 36 ordinary articles plus the hostile ones."""
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for i in range(ORDINARY):
        year = 2016 if i % 3 else 2017
        month = 1 + i % 6
        records.append(
            {
                "title": f"Harbour news number {i}: {TOPICS[i % 4].lower()} in {PLACES[i % 4]}",
                "body": f"Article {i} reports on the harbour. The {TOPICS[i % 4].lower()} desk "
                f"wrote it in {PLACES[i % 4].split('/')[1]}. "
                + "Ships came and went. " * 5
                # Words of its own, so that the 36 are distinct stories, not versions of
                # one (story clusters).
                + " ".join(f"{word}{i}" for word in _OWN_WORDS),
                "published": f"{year}-{month:02d}-{1 + i % 27:02d}",
                "url": f"https://news.example/{TOPICS[i % 4].lower()}/story-{i}",
                "tags": [TOPICS[i % 4]],
                "places": [PLACES[i % 4]],
                "site": SITES[i % 3],
            }
        )
    records.append(
        {
            "title": XSS_TITLE,
            "body": XSS_BODY,
            "published": "2024-10-03",
            "url": "javascript:window.__xss=4",
            "tags": ["<script>window.__xss=5</script>", "Weather"],
            "places": ["Vietnam/Da Nang", '"><svg onload="window.__xss=6">'],
            "site": "<i>evil</i> site",
        }
    )
    records.append(
        {
            "title": "A data URL article about the harbour",
            "body": "This one links to a data URL, which must never become a link.",
            "published": "2024-10-04",
            "url": "data:text/html,<script>window.__xss=7</script>",
            "tags": ["Weather"],
            "site": "dw",
        }
    )
    (folder / "articles.json").write_text(json.dumps(records, indent=1), encoding="utf-8")
    with (folder / "formulas.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["title", "text", "date", "url", "tags"])
        writer.writerow(
            [
                FORMULA_TITLE,
                "A harbour report that a spreadsheet must not run.",
                "2017-02-07",
                "https://news.example/economy/formula",
                "@SUM(1+1)",
            ]
        )
        writer.writerow(
            [
                "+cmd|' /C calc'!A0",
                "Another harbour report, starting with a plus.",
                "2017-02-08",
                "https://news.example/economy/plus",
                "-2+3",
            ]
        )
    (folder / "note.md").write_text(
        "---\ntitle: Markdown harbour note\ndate: 2016-05-05\ntags: [Science]\n"
        "url: https://news.example/science/note\n---\n\n# Markdown harbour note\n\n"
        "A note about the harbour written in Markdown.\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> Path:
    corpus = write_corpus(tmp_path_factory.mktemp("corpus"))
    target = tmp_path_factory.mktemp("index") / "index"
    report = index_paths(target, [corpus])
    assert report.articles >= ORDINARY + 4, report.to_dict()
    return target


def make_app(index_dir: Path, **options):
    app = web.create_app(Config(index_dir=index_dir, **options))
    app.testing = False  # errors go through the app's own handlers, as in production
    return app


@pytest.fixture(scope="session")
def app(index_dir):
    return make_app(index_dir)


@pytest.fixture()
def client(app):
    return app.test_client()


def api(client, path="/api/search", **params):
    response = client.get(path, query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


class PageParser(HTMLParser):
    """Collects what the tests check: every URL-bearing attribute, every element's
    attributes, script elements and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.urls: list[tuple[str, str, str]] = []
        self.inline_scripts = 0
        self._in_script = False
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        for name in ("href", "src", "action"):
            if attributes.get(name) is not None:
                self.urls.append((tag, name, attributes[name]))
        if tag == "script":
            self._in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts += 1
        self.text.append(data)

    def find(self, tag: str, **attrs) -> list[dict]:
        return [
            a
            for t, a in self.elements
            if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]


def parse(response) -> PageParser:
    parser = PageParser()
    parser.feed(response.get_data(as_text=True))
    return parser


# --- the search page ------------------------------------------------------------


def test_search_page_shows_hits_total_and_facets(client):
    data = api(client, q="harbour")
    response = client.get("/?q=harbour")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"{data['total']:,} articles" in html
    page = parse(response)
    titles = [a["href"] for a in page.find("a") if a.get("href", "").startswith("/article/")]
    assert len({t for t in titles}) >= 10
    # a result's tags and places link to the search narrowed by them
    assert any("tag=" in url for _, _, url in page.urls)
    assert "<mark>" in html  # the highlight survives ...
    # ... and the query box keeps the query
    assert page.find("input", id="q")[0]["value"] == "harbour"


def test_hostile_text_is_escaped_everywhere(client):
    for url in ("/?q=flood", "/embed?q=flood", "/?q=flood&embed=1"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>window" not in html
        assert "<b>harbour</b>" not in html and "<i>evil</i>" not in html
        assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
        assert "<svg onload" not in html and "<img src=x" not in html
    article_id = api(client, q="flood")["hits"][0]["id"]
    html = client.get(f"/article/{article_id}").get_data(as_text=True)
    assert "<script>window" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=" in html


def test_no_inline_script_style_or_event_handlers(client):
    """The CSP forbids inline script and style; the pages must not need them."""
    article_id = api(client, q="flood")["hits"][0]["id"]
    for url in (
        "/",
        "/?q=harbour&tag=Politics",
        "/embed?q=flood",
        f"/article/{article_id}",
        "/?q=%22unbalanced",
        "/article/nope",
    ):
        page = parse(client.get(url))
        assert page.inline_scripts == 0, url
        for tag, attrs in page.elements:
            assert "style" not in attrs, (url, tag)
            assert not [a for a in attrs if a.startswith("on")], (url, tag, attrs)
            if tag == "script":
                assert attrs.get("src", "").startswith("/static/")
        # nothing is fetched from elsewhere: every src and stylesheet is local
        for tag, name, url_ in page.urls:
            if name == "src" or tag == "link":
                assert url_.startswith("/"), url_


def test_unsafe_article_urls_are_never_links(client):
    for query in ("flood", "data"):
        hit = next(
            h for h in api(client, q=query)["hits"] if h["url"].startswith(("javascript", "data"))
        )
        for url in (f"/article/{hit['id']}", f"/?q={query}"):
            page = parse(client.get(url))
            hrefs = [u for _, _, u in page.urls]
            assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:"))], hrefs
    ok = next(h for h in api(client, q="number")["hits"] if h["url"].startswith("https://"))
    page = parse(client.get(f"/article/{ok['id']}"))
    assert page.find("a", href=ok["url"])


def test_tag_and_place_filters_match_the_facet_counts(client):
    data = api(client, q="harbour")
    tag = next(v for v in data["facets"]["tag"] if v["value"] == "Politics")
    narrowed = api(client, q="harbour", tag="Politics")
    assert narrowed["total"] == tag["count"] > 0
    html = client.get("/?q=harbour&tag=Politics").get_data(as_text=True)
    assert f"{tag['count']:,} articles" in html
    page = parse(client.get("/?q=harbour&tag=Politics"))
    box = page.find("input", name="tag", value="Politics")[0]
    assert "checked" in box
    # a chip removes the filter
    chip = [a["href"] for a in page.find("a") if a.get("class") == "chip"]
    assert chip == ["/?q=harbour"]


def test_places_are_a_hierarchy(client):
    data = api(client)
    countries = [v["value"] for v in data["facets"]["place"] if "/" not in v["value"]]
    assert "Vietnam" in countries
    page = parse(client.get("/?place=Vietnam"))
    inside = [a["value"] for a in page.find("input", name="place")]
    assert "Vietnam/Da Nang" in inside and "Vietnam/Hanoi" in inside
    both = api(client, place=["Vietnam", "Vietnam/Hanoi"])
    hanoi = api(client, place="Vietnam/Hanoi")
    assert both["total"] == hanoi["total"] < api(client, place="Vietnam")["total"]


def test_year_histogram_drills_into_months(client):
    page = parse(client.get("/"))
    year_links = {a["href"] for a in page.find("a") if a.get("href", "").startswith("/?date=")}
    assert "/?date=2016" in year_links and "/?date=2017" in year_links
    page = parse(client.get("/?date=2016"))
    months = {a["href"] for a in page.find("a") if "date=2016-" in a.get("href", "")}
    assert "/?date=2016&date=2016-03" in months
    march = api(client, date=["2016", "2016-03"])
    assert 0 < march["total"] < api(client, date="2016")["total"]
    # the hidden field keeps the year when the form is submitted
    assert page.find("input", type="hidden", name="date", value="2016")


def test_from_to_range(client):
    everything = api(client)["total"]
    ranged = api(client, **{"from": "2017-01-01", "to": "2017-12-31"})
    assert 0 < ranged["total"] < everything
    assert api(client, **{"from": "2017", "to": "2017"})["total"] == ranged["total"]


def test_pagination_links_and_bounds(client):
    data = api(client, q="harbour", size=5)
    assert data["total"] > 10
    page = parse(client.get("/?q=harbour&size=5&page=2"))
    hrefs = {a["href"] for a in page.find("a")}
    assert "/?q=harbour&size=5" in hrefs  # page 1 (and "previous")
    assert "/?q=harbour&page=3&size=5" in hrefs
    assert page.find("a", href="/?q=harbour&page=2&size=5")[0].get("aria-current") == "page"
    # out of bounds: 400 with a message, the query kept (the decision: refuse, not clamp)
    for bad in ("page=0", "page=1001", "page=-1", "page=abc", "size=0", "size=101", "page=1e3"):
        response = client.get(f"/?q=harbour&{bad}")
        assert response.status_code == 400, bad
        assert parse(response).find("input", id="q")[0]["value"] == "harbour"
        assert client.get(f"/api/search?q=harbour&{bad}").status_code == 400
    # a page past the last one is an empty page with a way back, not an error
    response = client.get("/?q=harbour&page=999")
    assert response.status_code == 200 and "Go to the first page" in response.get_data(as_text=True)


def test_sort_orders(client):
    newest = [h["published"] for h in api(client, sort="newest", size=50)["hits"] if h["published"]]
    oldest = [h["published"] for h in api(client, sort="oldest", size=50)["hits"] if h["published"]]
    assert newest == sorted(newest, reverse=True) and oldest == sorted(oldest)
    assert client.get("/?sort=sideways").status_code == 400


def test_rejected_and_lenient_queries(client):
    # a query the engine rejects: the page again with the query kept and the
    # engine's plain message, HTTP 400; the API says the same in JSON
    for query in ("a*", "x" * 2000):
        response = client.get("/", query_string={"q": query})
        assert response.status_code == 400, query
        page = parse(response)
        assert page.find("input", id="q")[0]["value"] == query[:MAX_QUERY_CHARS]  # the maxlength
        error = client.get("/api/search", query_string={"q": query})
        assert error.status_code == 400
        assert error.get_json()["error"] in response.get_data(as_text=True)
    # Whoosh reads an unbalanced quote leniently: the page says how it was read
    response = client.get("/", query_string={"q": '"harbour wall'})
    assert response.status_code == 200
    assert "Your query was read as" in response.get_data(as_text=True)


def test_did_you_mean(client):
    data = api(client, q="harbuor")
    assert data["suggestion"] == "harbour"
    page = parse(client.get("/?q=harbuor&tag=Politics"))
    assert page.find("a", href="/?q=harbour&tag=Politics")


def test_article_page_and_more_like_this(client):
    hit = api(client, q="number 7")["hits"][0]
    response = client.get(f"/article/{hit['id']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "More like this" in html and hit["title"] in html
    assert "Ships came and went." in html
    page = parse(response)
    similar = [a["href"] for a in page.find("a") if a.get("href", "").startswith("/article/")]
    assert similar and f"/article/{hit['id']}" not in similar


def test_unknown_and_tricky_article_ids_are_404(client):
    for path in (
        "/article/0000000000000000",
        "/article/..%2F..%2Fetc%2Fpasswd",
        "/article/%2e%2e",
        "/article/" + "a" * 5000,
        "/article/<script>",
        "/api/article/0000000000000000",
        "/api/article/..%2Fx",
        "/nowhere",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
    assert client.get("/api/article/0000000000000000").get_json()["error"]
    assert "nothing at this address" in client.get("/article/00").get_data(as_text=True)


def test_only_get_and_head(client):
    assert client.head("/").status_code == 200
    for method in ("post", "put", "delete", "patch", "options"):
        response = getattr(client, method)("/")
        assert response.status_code == 405, method
        assert "POST" not in response.headers.get("Allow", "")


# --- headers ----------------------------------------------------------------------


def test_security_headers(index_dir):
    app = make_app(index_dir, frame_ancestors=("'self'", "http://127.0.0.1:8123"))
    client = app.test_client()
    for url in ("/", "/article/0000000000000000", "/api/search", "/feed.atom", "/static/style.css"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]
    for url in ("/embed", "/?embed=1", "/embed?q=harbour&tag=Politics"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'self' http://127.0.0.1:8123" in csp
        assert "X-Frame-Options" not in response.headers


def test_embed_links_target_the_parent_or_a_new_tab(index_dir):
    for target, expected in (("parent", "_parent"), ("blank", "_blank")):
        client = make_app(index_dir, embed_link_target=target).test_client()
        for url in ("/embed?q=harbour", "/?q=harbour&embed=1"):
            page = parse(client.get(url))
            articles = [a for a in page.find("a") if a.get("href", "").startswith("/article/")]
            assert articles and all(a.get("target") == expected for a in articles)
            if target == "blank":
                assert all(a.get("rel") == "noopener" for a in articles)
            # search links stay in the frame, in the embedded view
            facets = [a["href"] for a in page.find("a") if "tag=" in a.get("href", "")]
            assert facets and all(h.startswith("/embed?") or "embed=1" in h for h in facets)
            assert "site-header" not in client.get(url).get_data(as_text=True)


def test_config_from_env():
    config = Config.from_env(
        index_dir="/tmp/x",
        environ={
            "ARCHIVE_FRAME_ANCESTORS": "self https://intranet.example:8443, *.corp.example",
            "ARCHIVE_TRUSTED_PROXIES": "2",
            "ARCHIVE_EMBED_LINK_TARGET": "blank",
        },
    )
    assert config.frame_ancestors == ("'self'", "https://intranet.example:8443", "*.corp.example")
    assert config.trusted_proxies == 2 and config.embed_link_target == "blank"
    assert str(config.index_dir) == "/tmp/x"
    default = Config.from_env(environ={"ARCHIVE_INDEX_DIR": "/srv/idx"})
    assert default.frame_ancestors == ("'self'",) and default.trusted_proxies == 0
    assert str(default.index_dir) == "/srv/idx"
    for bad in (
        {"ARCHIVE_FRAME_ANCESTORS": "https://a; script-src *"},
        {"ARCHIVE_FRAME_ANCESTORS": "'none' https://a"},
        {"ARCHIVE_TRUSTED_PROXIES": "many"},
        {"ARCHIVE_EMBED_LINK_TARGET": "top"},
    ):
        with pytest.raises(ConfigError):
            Config.from_env(index_dir="/tmp/x", environ=bad)


# --- deployments under a prefix -----------------------------------------------------


def _all_local_urls(response) -> list[str]:
    page = parse(response)
    return [u for _, _, u in page.urls if not u.startswith(("http://", "https://", "#"))]


def test_prefix_from_a_trusted_proxy(index_dir):
    app = make_app(index_dir, trusted_proxies=1)
    client = app.test_client()
    headers = {
        "X-Forwarded-Prefix": "/search",
        "X-Forwarded-Host": "intranet.example",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "10.0.0.9",
    }
    article_id = api(client, q="number")["hits"][0]["id"]
    for url in (
        "/?q=harbour&tag=Politics&date=2016",
        "/embed?q=harbour",
        f"/article/{article_id}",
        "/nowhere",
    ):
        urls = _all_local_urls(client.get(url, headers=headers))
        assert urls and all(u.startswith("/search/") for u in urls), [
            u for u in urls if not u.startswith("/search/")
        ]
    feed = client.get("/feed.atom?q=harbour", headers=headers).get_data(as_text=True)
    assert "https://intranet.example/search/article/" in feed
    opensearch = client.get("/opensearch.xml", headers=headers).get_data(as_text=True)
    assert 'template="https://intranet.example/search/?q={searchTerms}"' in opensearch
    assert client.get("/api/openapi.json", headers=headers).get_json()["servers"] == [
        {"url": "/search"}
    ]
    # without trust the same headers change nothing
    plain = make_app(index_dir).test_client()
    urls = _all_local_urls(plain.get("/?q=harbour", headers=headers))
    assert not [u for u in urls if u.startswith("/search/")]


def test_prefix_from_a_wsgi_mount(index_dir):
    mounted = DispatcherMiddleware(lambda env, start: [], {"/archive": make_app(index_dir)})
    client = Client(mounted)
    response = client.get("/archive/?q=harbour&place=Vietnam")
    assert response.status_code == 200
    urls = _all_local_urls(response)
    assert urls and all(u.startswith("/archive/") for u in urls)


# --- API, exports, feeds --------------------------------------------------------------


def test_api_shape(client):
    data = api(client, q="harbour", size=3)
    assert set(data) == {"total", "stories", "hits", "facets", "suggestion", "relaxed"}
    assert data["relaxed"] is None
    assert len(data["hits"]) == 3 and set(data["facets"]) == {"date", "tag", "place", "site"}
    hit = data["hits"][0]
    assert set(hit) == {
        "id",
        "title",
        "published",
        "site",
        "url",
        "tags",
        "places",
        "snippet",
        "score",
        "cluster",
        "versions",
    }
    article = api(client, f"/api/article/{hit['id']}")
    assert article["id"] == hit["id"] and article["title"] == hit["title"] and article["body"]
    assert "source_path" not in article
    error = client.get("/api/search?page=0")
    assert error.status_code == 400 and "page" in error.get_json()["error"]


def test_openapi_document(client):
    doc = api(client, "/api/openapi.json")
    assert doc["openapi"].startswith("3.")
    assert {"/api/search", "/api/article/{id}", "/export.csv", "/export.json", "/feed.atom"} <= set(
        doc["paths"]
    )
    names = {p["name"] for p in doc["paths"]["/api/search"]["get"]["parameters"]}
    assert {"q", "tag", "place", "site", "date", "from", "to", "sort", "page", "size"} <= names
    assert "SearchResult" in doc["components"]["schemas"]


def test_exports_stream_every_hit(client):
    total = api(client, q="harbour")["total"]
    assert total > 10  # more than a page
    response = client.get("/export.csv?q=harbour")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == total
    # formulas are defused
    formula_rows = [r for r in rows if "HYPERLINK" in r["title"] or "calc" in r["title"]]
    assert formula_rows and all(r["title"].startswith("'") for r in formula_rows)
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())
    response = client.get("/export.json?q=harbour")
    assert response.is_streamed
    data = json.loads(response.get_data(as_text=True))
    assert len(data) == total and {h["id"] for h in data} == {r["id"] for r in rows}
    assert client.get("/export.json?q=nothingmatchesthis").get_json() == []
    assert client.get("/export.csv?page=0").status_code == 400


def test_atom_feed(client):
    response = client.get("/feed.atom?q=harbour")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(response.data)
    entries = feed.findall("a:entry", ns)
    assert entries
    stamps = [e.findtext("a:published", namespaces=ns) for e in entries]
    stamps = [s for s in stamps if s]
    assert stamps == sorted(stamps, reverse=True)
    links = [link.get("href") for link in feed.iter("{http://www.w3.org/2005/Atom}link")]
    assert not [h for h in links if not h.startswith("http")]
    hostile = ET.fromstring(client.get("/feed.atom?q=flood").data)
    titles = [e.findtext("a:title", namespaces=ns) for e in hostile.findall("a:entry", ns)]
    assert XSS_TITLE in titles  # carried as text, escaped by the XML itself


def test_opensearch(client):
    response = client.get("/opensearch.xml")
    assert response.mimetype == "application/opensearchdescription+xml"
    doc = ET.fromstring(response.data)
    templates = [u.get("template") for u in doc.iter("{http://a9.com/-/spec/opensearch/1.1/}Url")]
    assert "http://localhost/?q={searchTerms}" in templates
    home = parse(client.get("/"))
    assert home.find("link", rel="search")[0]["href"] == "/opensearch.xml"


# --- robustness -----------------------------------------------------------------------

HOSTILE_VALUES = [
    "",
    " ",
    "\x00",
    "*",
    "?*",
    "a*",
    "*a*",
    "harbour AND",
    "OR",
    "NOT",
    "((((",
    '"',
    "'",
    "\\",
    "title:",
    ":",
    "date:[2016 TO",
    "a" * 999,
    "ü" * 500,
    "\u202e",
    "<script>",
    "%00",
    "../../etc/passwd",
    "{searchTerms}",
    "2016-13",
    "9999",
    "-1",
    "1" * 30,
    "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
]


@pytest.mark.parametrize(
    "path", ["/", "/embed", "/api/search", "/export.csv", "/export.json", "/feed.atom"]
)
def test_no_500_for_hostile_parameters(client, path):
    params = ("q", "tag", "place", "site", "lang", "date", "from", "to", "sort", "page", "size")
    failures = []
    for value in HOSTILE_VALUES:
        for param in (*params, "embed"):
            response = client.get(path, query_string={param: value})
            response.get_data()  # a streamed body must finish too
            if response.status_code not in (200, 400):
                failures.append((param, value[:20], response.status_code))
            response.close()
    assert not failures, failures


def test_missing_index_is_a_clear_503_until_it_exists(tmp_path, index_dir):
    target = tmp_path / "later"
    app = make_app(target)
    client = app.test_client()
    for url in ("/", "/?q=x", "/article/0000000000000000"):
        response = client.get(url)
        assert response.status_code == 503
        assert "archive index" in response.get_data(as_text=True)
    response = client.get("/api/search")
    assert response.status_code == 503 and "archive index" in response.get_json()["error"]
    shutil.copytree(index_dir, target)
    assert client.get("/?q=harbour").status_code == 200


def test_the_app_never_writes_the_index(index_dir, client):
    def snapshot():
        return {
            p.relative_to(index_dir).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in index_dir.rglob("*")
            if p.is_file()
        }

    before = snapshot()
    article_id = api(client, q="harbour")["hits"][0]["id"]
    for url in (
        "/",
        "/?q=harbour&tag=Politics",
        f"/article/{article_id}",
        "/export.csv",
        "/feed.atom",
        "/api/stats",
    ):
        client.get(url).close()
    assert snapshot() == before


def test_snippet_keeps_only_mark():
    from web.views import safe_snippet, web_url

    assert str(safe_snippet("a <mark>b</mark> &lt;c&gt;")) == "a <mark>b</mark> &lt;c&gt;"
    assert "<img" not in str(safe_snippet("<img src=x onerror=alert(1)><mark>x</mark>"))
    assert web_url("https://example.org/a?b") and web_url("HTTP://EXAMPLE.ORG")
    for bad in (
        "javascript:alert(1)",
        " https://x.org",
        "data:text/html,x",
        "//x.org",
        "https:/x",
        "https://x.org/\nfoo",
        "java\tscript:x",
        "",
    ):
        assert web_url(bad) is None, bad


def test_pages_have_labels_and_headings(client):
    page = parse(client.get("/?q=harbour"))
    labelled = {a["for"] for a in page.find("label") if "for" in a}
    for tag, attrs in page.elements:
        if tag in ("input", "select") and attrs.get("type") != "hidden":
            assert attrs.get("id") in labelled, attrs
    headings = [t for t, _ in page.elements if re.fullmatch(r"h[1-6]", t)]
    assert headings[0] == "h1" and headings.count("h1") == 1


def test_demo_set_pages(demo, tmp_path):
    """The project's own demo data (every reader's format) through every page type."""
    if not demo.is_dir():
        pytest.skip("data/demo is absent")
    index_paths(tmp_path / "index", [demo])
    client = make_app(tmp_path / "index").test_client()
    everything = api(client)
    assert everything["total"] > 100
    assert f"{everything['total']:,} articles" in client.get("/").get_data(as_text=True)
    for hit in api(client, size=100)["hits"]:
        response = client.get(f"/article/{hit['id']}")
        assert response.status_code == 200, hit
    for facet in ("tag", "place", "site", "date"):
        for value in everything["facets"][facet][:5]:
            shown = client.get("/", query_string={facet: value["value"]}).get_data(as_text=True)
            assert f"{value['count']:,} article" in shown, (facet, value)
    rows = list(csv.DictReader(io.StringIO(client.get("/export.csv").get_data(as_text=True))))
    assert len(rows) == everything["total"]  # every article, past any page size
    assert ET.fromstring(client.get("/feed.atom").data) is not None


def test_unexpected_errors_are_a_plain_logged_500(index_dir, caplog):
    app = make_app(index_dir)

    def broken():
        raise RuntimeError("secret detail")

    app.add_url_rule("/broken", view_func=broken)
    app.add_url_rule("/api/broken", endpoint="api_broken", view_func=broken)
    client = app.test_client()
    response = client.get("/broken")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and "Something went wrong" in html
    assert "secret detail" not in html and "Traceback" not in html
    assert response.headers["Content-Security-Policy"]
    assert client.get("/api/broken").get_json()["status"] == 500
    assert "secret detail" in caplog.text  # the details go to the log


def test_waitress_passes_forwarded_headers_only_when_trusted(index_dir):
    """Waitress strips X-Forwarded-Host/-Proto by default; with trusted proxies the
    app's ProxyFix must see them, without it they must change nothing."""
    import urllib.request

    from browser_support import Running

    headers = {
        "X-Forwarded-Host": "intranet.example",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Prefix": "/search",
    }
    for proxies, expected in ((1, "https://intranet.example/search/?q="), (0, "http://127.0.0.1:")):
        served = Running(make_app(index_dir, trusted_proxies=proxies))
        try:
            url = f"{served.url}/opensearch.xml"
            body = urllib.request.urlopen(urllib.request.Request(url, headers=headers)).read()
            template = ET.fromstring(body).find("{http://a9.com/-/spec/opensearch/1.1/}Url")
            assert template.get("template").startswith(expected), (
                proxies,
                template.get("template"),
            )
        finally:
            served.stop()

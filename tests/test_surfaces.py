"""One set of rules on every surface: the CLI, the page, the API, the exports, the feed
and the OpenAPI document agree on every search parameter, and dates have one form.

A small real index (the demo's Reuters documents, which carry times with fractions of
a second, and its Markdown articles, which carry dates alone) is searched through each
surface; the CLI runs as a subprocess, the web app through its test client.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import web
from indexer.params import MAX_QUERY_CHARS, PARAMS, params_for
from indexer.query import MAX_QUERY_CHARS as PARSER_LIMIT
from indexer.whoosh import index_paths
from web import Config

ARCHIVE = [sys.executable, "-m", "newsarchive"]
#: ISO 8601 as documented: a date alone, or a date-time to the second with an offset.
ONE_FORM = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\+00:00|Z|[+-]\d{2}:\d{2}))?$")
SURFACES = {
    "/api/search": "api",
    "/export.csv": "csv",
    "/export.json": "export",
    "/feed.atom": "feed",
    "/": "page",
}


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, demo: Path) -> Path:
    target = tmp_path_factory.mktemp("surfaces") / "index"
    index_paths(target, [demo / "reuters", demo / "markdown"])
    return target


@pytest.fixture(scope="module")
def client(index_dir: Path):
    app = web.create_app(Config(index_dir=index_dir))
    app.testing = False
    return app.test_client()


def run(*args: str, index_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "ARCHIVE_INDEX_DIR"}
    return subprocess.run(
        [*ARCHIVE, *args, "--index-dir", str(index_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


# -- the CLI refuses what the web refuses -------------------------------------------------


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["oil", "--date", "banana"], "--date"),
        (["oil", "--date", "2017-13"], "--date"),
        (["oil", "--from", "2017-02-30"], "--from"),
        (["oil", "--tag", ""], "--tag"),
        (["x" * (MAX_QUERY_CHARS + 1)], "QUERY"),
    ],
)
def test_the_cli_refuses_a_bad_value_as_a_usage_error(index_dir, args, named):
    result = run("search", *args, index_dir=index_dir)
    assert result.returncode == 2, result.stdout + result.stderr
    assert named in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""  # no "0 articles" that contradicts the refusal


def test_the_web_refuses_the_same_values(client):
    for surface in SURFACES:
        for bad in ({"date": "banana"}, {"date": "2017-13"}, {"from": "2017-02-30"}):
            response = client.get(surface, query_string={"q": "oil", **bad})
            assert response.status_code == 400, (surface, bad)


def test_every_cli_option_and_parameter_have_one_rule():
    """Each rule the API takes has a CLI option; a new parameter must get one."""
    help_text = subprocess.run(
        [*ARCHIVE, "search", "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    for param in params_for("api"):
        assert param.cli_option in help_text or param.cli_option == "QUERY", param.name


# -- the query length limit is the parser's, everywhere -----------------------------------


def test_the_query_limit_is_the_parsers_on_every_surface(client):
    assert MAX_QUERY_CHARS == PARSER_LIMIT
    doc = client.get("/api/openapi.json").get_json()
    for path in ("/api/search", "/export.csv", "/export.json", "/feed.atom"):
        (q,) = [p for p in doc["paths"][path]["get"]["parameters"] if p["name"] == "q"]
        assert q["schema"]["maxLength"] == MAX_QUERY_CHARS
    words = " ".join(["oil"] + ["petroleum"] * 38)  # 39 words (the parser takes 40)
    longest = words + " " + "x" * (MAX_QUERY_CHARS - len(words) - 1)
    assert len(longest) == MAX_QUERY_CHARS
    too_long = longest + "x"
    for surface in SURFACES:
        assert client.get(surface, query_string={"q": longest}).status_code == 200, surface
        refused = client.get(surface, query_string={"q": too_long})
        assert refused.status_code == 400, surface
    page = client.get("/").get_data(as_text=True)
    assert f'maxlength="{MAX_QUERY_CHARS}"' in page


# -- unknown and empty parameters ---------------------------------------------------------


def test_unknown_parameters_are_refused_by_name(client):
    response = client.get("/api/search?q=oil&limit=5")
    assert response.status_code == 400
    message = response.get_json()["error"]
    assert "'limit'" in message and "'size'" in message  # what the user meant
    for surface in SURFACES:
        response = client.get(surface, query_string={"q": "oil", "colour": "red"})
        assert response.status_code == 400 and "colour" in response.get_data(as_text=True)
    # the exports have no pages; the feed has no sort order
    assert client.get("/export.csv?page=2").status_code == 400
    assert client.get("/feed.atom?sort=oldest").status_code == 400


def test_empty_filter_values_are_refused_and_empty_form_fields_are_not(client):
    for surface in SURFACES:
        for bad in ("tag=&tag=acq", "date=", "place="):
            response = client.get(f"{surface}?q=oil&{bad}")
            assert response.status_code == 400, (surface, bad)
    # what an HTML form sends when its boxes are empty means "not given"
    assert client.get("/?q=&from=&to=&sort=relevance").status_code == 200
    assert client.get("/api/search?q=&from=&to=").status_code == 200


def test_the_openapi_parameters_are_the_rules(client):
    doc = client.get("/api/openapi.json").get_json()
    for path, surface in SURFACES.items():
        if path == "/":
            continue
        documented = {p["name"] for p in doc["paths"][path]["get"]["parameters"]}
        assert documented == {p.name for p in PARAMS if surface in p.surfaces}, path
        # every error a surface gives is in the document's Error shape, as JSON
        response = client.get(path, query_string={"q": "oil", "date": "banana"})
        assert response.status_code == 400 and response.mimetype == "application/json"
        body = response.get_json()
        assert set(body) == {"error", "status", "code"} and body["code"] == "bad_parameter"
        assert "400" in doc["paths"][path]["get"]["responses"], path


# -- dates in one form --------------------------------------------------------------------


def test_dates_have_one_form_on_every_surface(client, index_dir):
    data = client.get("/api/search?size=100&sort=oldest").get_json()
    published = [h["published"] for h in data["hits"] if h["published"]]
    assert any("T" in p for p in published) and any("T" not in p for p in published)
    assert all(ONE_FORM.match(p) for p in published), published
    exported = json.loads(client.get("/export.json").get_data(as_text=True))
    assert all(ONE_FORM.match(h["published"]) for h in exported if h["published"])
    rows = list(csv.DictReader(io.StringIO(client.get("/export.csv").get_data(as_text=True))))
    assert all(ONE_FORM.match(r["published"]) for r in rows if r["published"])
    article = client.get(f"/api/article/{data['hits'][0]['id']}").get_json()
    assert ONE_FORM.match(article["published"])
    page = client.get("/?sort=oldest").get_data(as_text=True)
    stamps = re.findall(r'<time datetime="([^"]*)"', page)
    assert stamps and all(ONE_FORM.match(s) for s in stamps), stamps
    result = run("search", "--sort", "oldest", "--format", "json", index_dir=index_dir)
    assert all(ONE_FORM.match(h["published"]) for h in json.loads(result.stdout)["hits"])


# -- Excel --------------------------------------------------------------------------------


def test_excel_gets_a_byte_order_mark_on_request(client, index_dir):
    plain = client.get("/export.csv?q=oil").get_data()
    excel = client.get("/export.csv?q=oil&excel=1").get_data()
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert excel == b"\xef\xbb\xbf" + plain
    result = subprocess.run(
        [*ARCHIVE, "search", "oil", "--format", "csv", "--excel", "--index-dir", str(index_dir)],
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0 and result.stdout.startswith(b"\xef\xbb\xbfid,published")
    assert client.get("/export.json?excel=1").status_code == 400  # a CSV option only


# -- a busy port ---------------------------------------------------------------------------


def test_a_busy_port_is_one_line_naming_it(index_dir):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("serve", "--port", str(port), index_dir=index_dir)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert str(port) in lines[0] and "--port" in lines[0] and "make run PORT=" in lines[0]


def test_flags_take_only_flag_values(client):
    assert client.get("/export.csv?excel=AAA").status_code == 400  # found by schemathesis
    assert client.get("/?embed=maybe").status_code == 400
    assert client.get("/export.csv?excel=0").get_data().startswith(b"id,")


def test_every_parameter_and_search_option_is_documented():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for param in PARAMS:
        assert f"| `{param.name}`" in readme or f", `{param.name}`" in readme, param.name
        if param.cli and param.cli.startswith("--"):
            assert param.cli in readme, param.cli
    help_text = subprocess.run(
        [*ARCHIVE, "search", "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    for option in re.findall(r"^  (--[a-z-]+)", help_text, re.M):
        assert f"[{option}" in readme or option == "--index-dir", option

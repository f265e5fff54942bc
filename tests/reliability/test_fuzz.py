"""Case 4: property-based fuzzing (hypothesis).

- Every reader, through ``archive.read``, gets random bytes, random text, and real
  good files mutated (truncated, spliced with random bytes): nothing may escape, every
  item is an Article or a Problem whose reason is one non-empty line.
- The query parser, through the search API, gets random Unicode (with the query
  language's own operators mixed in): only ``QueryError`` may come out.
- Every web endpoint, through Flask's test client, gets random Unicode in every
  parameter and in the article id: never an HTTP 500, never a logged exception.

Quick default: 25 inputs per reader format, 150 queries, 150 requests per endpoint
group. ``-m slow``: 400, 3,000 and 2,000.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

import pytest
from hostile_corpus import write as write_hostile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_helpers import figures

import web
from archive import Article, Problem, read
from indexer import QueryError, SearchQuery
from indexer.whoosh import index_paths, open_index
from web import Config

SAMPLES: dict[str, bytes] = {
    ".txt": "Vietnam.vn\nHarbour wall opens\nViệt Nam03/10/2024\nThe wall in Đà Nẵng "
    "opened.\nSource: https://vietnam.vn/x\nComment (0)\n".encode(),
    ".md": b"---\ntitle: Harbour\ndate: 2024-03-01\ntags: [a, b]\n---\n\n# Harbour\n\nText.\n",
    ".json": json.dumps(
        [{"title": "Harbour", "text": "Body text.", "date": "2024-01-02"}]
    ).encode(),
    ".jsonl": b'{"title": "A", "text": "x y z", "date": "2017/2/7"}\n{"title": "B"}\n',
    ".csv": b'title,text,date,url\nA,"Body, with comma",2017/2/7,https://a.example/1\n',
    ".tsv": b"title\ttext\tdate\nA\tBody\t2017-02-07\n",
    ".html": b"<html><head><title>T</title><meta property='og:title' content='H'></head>"
    b"<body><article><h1>Harbour</h1><p>" + b"Words of the article. " * 20 + b"</p>"
    b"</article></body></html>",
    ".xml": b"<REUTERS><DATE>26-FEB-1987 15:18:06.67</DATE><TOPICS><D>acq</D></TOPICS>"
    b"<PLACES><D>usa</D></PLACES><TEXT><TITLE>Harbour deal</TITLE><DATELINE>NEW YORK, Feb 26 -"
    b"</DATELINE><BODY>The company said it bought the harbour.</BODY></TEXT></REUTERS>",
}
QUERY_WORDS = [
    '"',
    "(",
    ")",
    "*",
    "?",
    "~",
    "~2",
    ":",
    "AND",
    "OR",
    "NOT",
    "-",
    "^2",
    "title:",
    "tag:",
    "place:",
    "site:",
    "body:",
    "harbour",
    "Đà Nẵng",
    "\\",
    "[",
    "]",
    "{",
    "}",
]


def _heavy(request) -> bool:
    return request.node.get_closest_marker("slow") is not None


# --- readers ---------------------------------------------------------------------------


@st.composite
def file_bytes(draw, suffix: str) -> bytes:
    sample = SAMPLES[suffix]
    kind = draw(st.sampled_from(["random", "text", "mutated", "truncated"]))
    if kind == "random":
        return draw(st.binary(max_size=3000))
    if kind == "text":
        encoding = draw(st.sampled_from(["utf-8", "utf-16", "utf-16-le", "cp1252", "latin-1"]))
        return draw(st.text(max_size=800)).encode(encoding, "replace")
    if kind == "truncated":
        return sample[: draw(st.integers(0, len(sample)))]
    start = draw(st.integers(0, len(sample)))
    end = draw(st.integers(start, len(sample)))
    return sample[:start] + draw(st.binary(max_size=200)) + sample[end:]


def _reader_check(suffix: str, folder: Path, seen: dict, examples: int):
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=file_bytes(suffix))
    def check(data: bytes) -> None:
        path = folder / f"fuzzed{suffix}"
        path.write_bytes(data)
        seen["n"] += 1
        for item in read(path, root=folder):
            assert isinstance(item, Article | Problem), item
            if isinstance(item, Problem):
                assert item.reason.strip() and "\n" not in item.reason, item

    return check


def _fuzz_readers(examples_per_format: int) -> int:
    seen = {"n": 0}
    folder = Path(tempfile.mkdtemp(prefix="fuzz-readers-"))
    for suffix in SAMPLES:
        _reader_check(suffix, folder, seen, examples_per_format)()
    return seen["n"]


def test_readers_never_raise(request) -> None:
    n = _fuzz_readers(25)
    figures("fuzz readers", inputs=n, formats=len(SAMPLES), escaped_exceptions=0)


@pytest.mark.slow
def test_readers_never_raise_heavy(request) -> None:
    n = _fuzz_readers(400)
    figures("fuzz readers (slow)", inputs=n, formats=len(SAMPLES), escaped_exceptions=0)


# --- the query parser and the web endpoints ----------------------------------------------


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    corpus = write_hostile(tmp_path_factory.mktemp("fuzz-corpus"))
    for suffix, data in SAMPLES.items():
        (corpus / f"sample{suffix}").write_bytes(data)
    target = tmp_path_factory.mktemp("fuzz-index") / "index"
    index_paths(target, [corpus])
    return target


query_text = st.one_of(
    st.text(max_size=120),
    st.lists(st.one_of(st.sampled_from(QUERY_WORDS), st.text(max_size=8)), max_size=12).map(
        " ".join
    ),
)


def _fuzz_queries(index_dir: Path, examples: int) -> dict:
    counts = {"queries": 0, "query_errors": 0}
    with open_index(index_dir) as archive:

        @settings(max_examples=examples, deadline=None, database=None)
        @given(text=query_text, sort=st.sampled_from(["relevance", "newest", "oldest"]))
        def check(text: str, sort: str) -> None:
            counts["queries"] += 1
            try:
                archive.search(SearchQuery(text=text, sort=sort))
            except QueryError as exc:
                counts["query_errors"] += 1
                assert str(exc).strip()

        check()
    return counts


def test_query_parser_raises_only_query_error(index_dir) -> None:
    figures("fuzz query parser", **_fuzz_queries(index_dir, 150))


@pytest.mark.slow
def test_query_parser_raises_only_query_error_heavy(index_dir) -> None:
    figures("fuzz query parser (slow)", **_fuzz_queries(index_dir, 3000))


PARAMS = [
    "q",
    "tag",
    "place",
    "site",
    "lang",
    "date",
    "from",
    "to",
    "sort",
    "page",
    "size",
    "embed",
    "language",
]
ENDPOINTS = [
    "/",
    "/embed",
    "/api/search",
    "/feed.atom",
    "/export.csv",
    "/export.json",
    "/export.ris",
    "/export.bib",
    "/export.csl.json",
    "/opensearch.xml",
]
param_value = st.one_of(
    st.text(max_size=60),
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["", "0", "1", "2024", "2024-13", "2024-02-30", "-1", "1e9", "newest"]),
    query_text,
)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _fuzz_web(index_dir: Path, examples: int) -> dict:
    app = web.create_app(Config.from_env(index_dir=index_dir, environ={}))
    client = app.test_client()
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    statuses: dict[int, int] = {}
    try:

        @settings(max_examples=examples, deadline=None, database=None)
        @given(
            path=st.sampled_from(ENDPOINTS),
            params=st.lists(st.tuples(st.sampled_from(PARAMS), param_value), max_size=6),
        )
        def check_search(path: str, params: list[tuple[str, str]]) -> None:
            response = client.get(path, query_string=params)
            response.get_data()  # streamed exports run to the end
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert response.status_code != 500, (path, params)
            assert not errors.records, (path, params, errors.records[0].getMessage())

        @settings(max_examples=max(10, examples // 3), deadline=None, database=None)
        @given(
            prefix=st.sampled_from(["/article/", "/api/article/", "/", "/static/"]),
            tail=st.text(max_size=80),
        )
        def check_ids(prefix: str, tail: str) -> None:
            response = client.get(prefix + tail)
            response.get_data()
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert response.status_code != 500, (prefix, tail)
            assert not errors.records, (prefix, tail, errors.records[0].getMessage())

        check_search()
        check_ids()
    finally:
        logging.getLogger().removeHandler(errors)
    return {"requests": sum(statuses.values()), "statuses": dict(sorted(statuses.items()))}


def test_web_endpoints_never_500(index_dir) -> None:
    figures("fuzz web endpoints", **_fuzz_web(index_dir, 150))


@pytest.mark.slow
def test_web_endpoints_never_500_heavy(index_dir) -> None:
    figures("fuzz web endpoints (slow)", **_fuzz_web(index_dir, 2000))

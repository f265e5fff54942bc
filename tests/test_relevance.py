"""Search quality: the frozen known-item set, the all-words-first ladder on every
surface (search API, CLI, JSON API, page), and how separators in words are indexed.

The known-item set (``tests/fixtures/known-items``, see its README) is a sample of real
news articles and queries made from them; each query's one relevant article must rank
high enough that the MRR@10 of each kind stays above the floor stated below.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from werkzeug.test import Client

import web
from indexer.api import Filters, SearchQuery
from indexer.whoosh import index_paths, open_index
from web import Config

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "known-items"
#: MRR@10 floors per query kind on the frozen set; measured at the commit that set them
#: (title 1.000, body 1.000, absent 1.000, misspelt 1.000, name .975) less a margin for
#: harmless reordering. Ranking that regresses below one of them fails the suite (the
#: title weight 3 without the proximity boost, as before issue 12, gets body .963; with
#: no continued list, absent gets .950: another article has all five words of one query).
MRR_FLOORS = {"title": 0.97, "body": 0.97, "absent": 0.97, "misspelt": 0.95, "name": 0.92}


@pytest.fixture(scope="module")
def known_index(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("known-items") / "index"
    report = index_paths(target, [FIXTURES / "articles.jsonl"])
    assert report.articles == 150
    return target


@pytest.fixture(scope="module")
def archive(known_index: Path):
    with open_index(known_index) as opened:
        yield opened


def _search(archive, text: str, **kwargs):
    return archive.search(SearchQuery(text=text, snippets=False, **kwargs))


def test_known_items_rank_above_the_floors(archive) -> None:
    queries = json.loads((FIXTURES / "queries.json").read_text())
    reciprocal: dict[str, list[float]] = {}
    zero = []
    for item in queries:
        result = _search(archive, item["query"], page_size=10, facets=False)
        urls = [hit.url for hit in result.hits]
        if not urls:
            zero.append(item["query"])
        rank = next((i for i, url in enumerate(urls, 1) if url in item["relevant"]), None)
        reciprocal.setdefault(item["kind"], []).append(1 / rank if rank else 0.0)
    mrr = {kind: sum(values) / len(values) for kind, values in reciprocal.items()}
    assert set(mrr) == set(MRR_FLOORS)
    below = {k: round(v, 3) for k, v in mrr.items() if v < MRR_FLOORS[k]}
    assert not below, f"MRR@10 below the floor: {below} (all: {mrr})"
    # Every query has words the archive holds: none may come back empty.
    assert not zero


# --- the ladder --------------------------------------------------------------------------


def test_all_words_first_then_the_most_of_them(archive) -> None:
    strict = _search(archive, "trump jenner")
    assert strict.relaxed is None and strict.total > 0
    relaxed = _search(archive, "trump jenner zqxwvy", page_size=100)
    assert relaxed.relaxed is not None
    assert (relaxed.relaxed.words, relaxed.relaxed.matched) == (3, 2)
    assert relaxed.relaxed.absent == ["zqxwvy"]
    assert relaxed.relaxed.message == (
        "No article has all 3 words; showing articles with 2 of them (“zqxwvy” is in no article)"
    )
    # The same articles as the two words alone, and the totals and facets say so.
    assert {h.id for h in relaxed.hits} == {h.id for h in _search(archive, "trump jenner").hits}
    assert relaxed.total == strict.total == len(relaxed.hits)
    assert sum(v.count for v in relaxed.facets["site"]) == relaxed.total
    # Two words, one of them everywhere no other word is: articles with 1 of 2.
    one = _search(archive, "jenner zqxwvy")
    assert one.relaxed is not None and one.relaxed.matched == 1
    assert one.relaxed.message.startswith("No article has both words; showing articles with 1")


def test_relaxed_counts_follow_filters(archive) -> None:
    everything = _search(archive, "trump zqxwvy")
    site = everything.facets["site"][0]
    narrowed = _search(archive, "trump zqxwvy", filters=Filters(sites=[site.value]))
    assert narrowed.relaxed is not None
    assert narrowed.total == site.count


@pytest.mark.parametrize(
    "text",
    [
        "trump AND zqxwvy",
        '"donald trump" zqxwvy',
        "+trump zqxwvy",
        "title:trump zqxwvy",
        "trump zqxw*",
        "(trump zqxwvy)",
    ],
)
def test_explicit_operators_stay_strict(archive, text: str) -> None:
    result = _search(archive, text)
    assert result.total == 0 and result.hits == [] and result.relaxed is None


def test_nothing_found_when_no_word_exists(archive) -> None:
    result = _search(archive, "zqxwvy qqzzkk")
    assert result.total == 0 and result.relaxed is None


def test_did_you_mean_beside_the_ladder(archive) -> None:
    result = _search(archive, "caitlyn jenenr")
    assert result.relaxed is not None and result.relaxed.matched == 1
    assert result.suggestion == "caitlyn jenner"
    assert _search(archive, "caitlyn jenner").relaxed is None


#: Three articles of the frozen set have all three words; 19 more have two of them.
SHORT = "white house spokesman"


def test_a_short_list_continues_with_all_but_one_word(archive) -> None:
    """Fewer than a page of articles have every word: those with all but one join
    them, each marked with the word it lacks, scored below the articles with every
    word here; totals and facets count both."""
    strict_ids = {
        h.id for h in _search(archive, "white AND house AND spokesman", page_size=50).hits
    }
    assert len(strict_ids) == 3
    result = _search(archive, SHORT, page_size=50)
    assert result.relaxed is not None
    assert (result.relaxed.strict, result.relaxed.continued) == (3, 19)
    assert result.relaxed.message == "3 articles have all 3 words; 19 more have 2 of them"
    assert result.total == 22 == len(result.hits)
    assert sum(v.count for v in result.facets["site"]) == result.total
    assert {h.id for h in result.hits if not h.missing} == strict_ids
    assert [bool(h.missing) for h in result.hits] == [False] * 3 + [True] * 19
    words = SHORT.split()
    for hit in result.hits[3:]:
        (lacking,) = hit.missing
        others = " AND ".join(w for w in words if w != lacking)
        lacks = SearchQuery(text=f"({others}) AND NOT {lacking}", page_size=50, snippets=False)
        assert hit.id in {h.id for h in archive.search(lacks).hits}
    # iter_hits (exports) streams the same list; page 2 is its next slice.
    assert [h.id for h in archive.iter_hits(SearchQuery(text=SHORT))] == [h.id for h in result.hits]
    page2 = _search(archive, SHORT, page=2, page_size=10)
    assert [h.id for h in page2.hits] == [h.id for h in result.hits[10:20]]
    # Explicit operators stay strict; two words are not continued.
    assert _search(archive, "white AND house AND spokesman").relaxed is None
    assert _search(archive, "house spokesman").relaxed is None


def _continued_archive(folder: Path, records: list[dict]):
    source = folder / "articles.jsonl"
    with source.open("w", encoding="utf-8") as out:
        for number, record in enumerate(records):
            record = {"id": f"c{number}", "url": f"https://example.org/{number}", **record}
            out.write(json.dumps({"published": "2017-03-01", **record}) + "\n")
    index_paths(folder / "index", [source])
    return open_index(folder / "index")


def test_a_continued_article_rises_only_without_a_word_of_little_weight(tmp_path) -> None:
    """A continued article's score shrinks with the share of the query's idf it lacks
    (``CONTINUE_SHARE_POWER``): lacking the rarest word keeps it below an article with
    every word, however well its other words match; lacking a common word lets four
    words in a title outrank five scattered through a long body."""
    filler = "The ministry published its quarterly report on Tuesday. " * 12
    common = [
        {"title": f"Markets note {n}", "body": f"Economy and growth and weather today. {filler}"}
        for n in range(30)
    ]
    records = [
        *common,
        {"title": "Economy growth beats forecasts", "body": f"Economy growth economy. {filler}"},
        {
            "title": "Ministry report",
            "body": f"{filler} Vietnam {filler} economy {filler} growth {filler}",
        },
        {"title": "Harbour crane strike ends", "body": f"Dockers agreed. {filler}"},
        {
            "title": "Ministry notes",
            "body": f"{filler} harbour {filler} crane {filler} strike {filler} ends weather",
        },
    ]
    with _continued_archive(tmp_path, records) as archive:
        rare = _search(archive, "vietnam economy growth", page_size=50, facets=False)
        assert rare.relaxed is not None and rare.relaxed.strict == 1
        assert not rare.hits[0].missing and rare.hits[0].title == "Ministry report"
        common_lacking = _search(archive, "harbour crane strike ends weather", page_size=50)
        assert common_lacking.relaxed is not None and common_lacking.relaxed.strict == 1
        first = common_lacking.hits[0]
        assert first.title == "Harbour crane strike ends" and first.missing == ["weather"]


def test_a_continued_list_follows_filters(archive) -> None:
    everything = _search(archive, SHORT, page_size=50)
    site = everything.hits[-1].site
    narrowed = _search(archive, SHORT, page_size=50, filters=Filters(sites=[site]))
    assert all(h.site == site for h in narrowed.hits)
    assert narrowed.total == len(narrowed.hits) < everything.total
    if narrowed.relaxed is not None:
        assert narrowed.relaxed.strict + narrowed.relaxed.continued == narrowed.total


def test_neighbouring_words_rank_first(archive) -> None:
    """Proximity: the article with "white house" side by side outranks one with both
    words apart, whatever their plain BM25F order."""
    together = _search(archive, '"white house"', page_size=100, facets=False)
    both = _search(archive, "white house", page_size=100, facets=False)
    assert together.total < both.total
    adjacent = {h.id for h in together.hits}
    first = [h.id in adjacent for h in both.hits]
    # Every article with the phrase comes before every one without it.
    assert first == sorted(first, reverse=True)


# --- every surface ------------------------------------------------------------------------


def test_cli_text_says_the_query_was_relaxed(known_index: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ARCHIVE_INDEX_DIR"}
    args = [sys.executable, "-m", "newsarchive", "search", "--index-dir", str(known_index)]
    out = subprocess.run(
        [*args, "caitlyn jenenr"], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[1] == (
        "No article has both words; showing articles with 1 of them (“jenenr” is in no article)."
    )
    assert "Did you mean: caitlyn jenner" in out.stdout
    strict = subprocess.run(
        [*args, "caitlyn AND jenenr"], capture_output=True, text=True, env=env, timeout=120
    )
    assert strict.stdout.startswith("0 articles") and "No article has" not in strict.stdout
    as_json = subprocess.run(
        [*args, "caitlyn jenenr", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    relaxed = json.loads(as_json.stdout)["relaxed"]
    assert relaxed == {
        "words": 2,
        "matched": 1,
        "absent": ["jenenr"],
        "strict": 0,
        "continued": 0,
        "message": "No article has both words; showing articles with 1 of them "
        "(“jenenr” is in no article)",
    }


def test_cli_marks_the_continued_hits(known_index: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ARCHIVE_INDEX_DIR"}
    args = [sys.executable, "-m", "newsarchive", "search", "--index-dir", str(known_index)]
    out = subprocess.run([*args, SHORT], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "1-10 of 22 articles"
    assert lines[1] == "3 articles have all 3 words; 19 more have 2 of them."
    assert out.stdout.count("Missing: ") == 7
    as_json = subprocess.run(
        [*args, SHORT, "--format", "json"], capture_output=True, text=True, env=env, timeout=120
    )
    body = json.loads(as_json.stdout)
    assert body["relaxed"]["strict"] == 3 and body["relaxed"]["continued"] == 19
    assert [len(h.get("missing", [])) for h in body["hits"]] == [0] * 3 + [1] * 7


@pytest.fixture(scope="module")
def client(known_index: Path) -> Client:
    return web.create_app(Config.from_env(index_dir=known_index, environ={})).test_client()


def test_json_api_and_openapi_document_the_relaxed_field(client) -> None:
    body = client.get("/api/search", query_string={"q": "trump jenner zqxwvy"}).get_json()
    assert body["relaxed"]["matched"] == 2 and body["relaxed"]["words"] == 3
    assert body["total"] == len(body["hits"]) or body["total"] > 10
    assert client.get("/api/search", query_string={"q": "trump"}).get_json()["relaxed"] is None
    schema = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    assert "relaxed" in schema["SearchResult"]["required"]
    assert "relaxed" in schema["SearchResult"]["properties"]
    relaxed = schema["SearchResult"]["properties"]["relaxed"]["oneOf"][1]
    assert {"strict", "continued"} <= set(relaxed["required"])
    assert "missing" in schema["Hit"]["properties"]
    short = client.get("/api/search", query_string={"q": SHORT}).get_json()
    assert short["total"] == 22 and short["relaxed"]["strict"] == 3
    assert all(h["missing"] for h in short["hits"][3:])
    assert not any("missing" in h for h in short["hits"][:3])


def test_page_notes_the_relaxed_match_escaped(client) -> None:
    page = client.get("/", query_string={"q": "trump <b>zq</b>"}).get_data(as_text=True)
    assert "No article has both words; showing articles with 1 of them" in page
    assert "<b>zq</b>" not in page and "“&lt;b&gt;zq&lt;/b&gt;” is in no article" in page
    strict = client.get("/", query_string={"q": "trump"}).get_data(as_text=True)
    assert "No article has" not in strict
    vietnamese = client.get(
        "/", query_string={"q": "trump jenner zqxwvy"}, headers={"Accept-Language": "vi"}
    ).get_data(as_text=True)
    assert (
        "Không bài báo nào có đủ 3 từ; đang hiển thị các bài báo có 2 từ trong số đó "
        "(“zqxwvy” không có trong bài báo nào)."
    ) in vietnamese


def test_page_notes_and_marks_a_continued_list(client) -> None:
    page = client.get("/", query_string={"q": SHORT}).get_data(as_text=True)
    assert "3 articles have all 3 words; 19 more have 2 of them." in page
    assert page.count('<p class="missing">Missing: <s>') == 7
    vietnamese = client.get(
        "/", query_string={"q": SHORT}, headers={"Accept-Language": "vi"}
    ).get_data(as_text=True)
    assert "3 bài báo có đủ 3 từ; thêm 19 bài báo có 2 từ trong số đó." in vietnamese
    assert "Thiếu:" in vietnamese


# --- tokens ------------------------------------------------------------------------------


def test_separators_in_numbers_and_names(tmp_path: Path) -> None:
    records = [
        {
            "id": "a",
            "title": "Fuel at 5.85 a gallon",
            "body": "Prices rose to 5.85 after 1,000 protests; pic.twitter.com/xyz showed "
            "U.S. crowds.",
            "url": "https://example.org/a",
        },
        {
            "id": "b",
            "title": "Other numbers",
            "body": "It cost 5 dollars for 85 people and 1 out of 000 cases; the US said so.",
            "url": "https://example.org/b",
        },
    ]
    corpus = tmp_path / "a.jsonl"
    corpus.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    index_paths(tmp_path / "index", [corpus])
    with open_index(tmp_path / "index") as opened:

        def ids(text: str) -> list[str]:
            return sorted(h.url[-1] for h in _search(opened, text).hits)

        assert ids("5.85") == ["a"]  # the number as written, not its parts anywhere
        assert ids("1,000") == ["a"]
        assert ids("pic.twitter.com") == ["a"]
        assert ids("twitter") == ["a"]  # a part of a dotted name
        assert ids("85") == ["a", "b"]
        assert ids("U.S.") == ["a", "b"] == ids("us")  # an acronym is its letters

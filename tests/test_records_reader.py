"""The record readers (JSON, JSONL, CSV, TSV) on the real NewsArticles corpus and on
small files written the way real exports are, including broken ones."""

from __future__ import annotations

import csv
import itertools
import json
import re
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from archive.article import Article, Problem, clean_body, clean_line
from archive.readers import read
from archive.readers.records import HEAD_BYTES
from archive.repair import damage, repair


def split(items) -> tuple[list[Article], list[Problem]]:
    items = list(items)
    return [i for i in items if isinstance(i, Article)], [
        i for i in items if isinstance(i, Problem)
    ]


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


# --- NewsArticles.csv: the real corpus ---------------------------------------------


@pytest.fixture(scope="module")
def news(corpora: Path) -> tuple[Path, list[Article], list[Problem], list[dict[str, str]]]:
    path = corpora / "news-articles" / "NewsArticles.csv"
    articles, problems = split(read(path))
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return path, articles, problems, rows


def test_news_articles_load_completely(news):
    _path, articles, problems, rows = news
    assert len(rows) == 3824
    # Row 1827 carries only a URL (no title, no subtitle, no text): the one genuine
    # Problem, located at its line (the header is line 1).
    assert [r["article_id"] for r in rows if not r["title"].strip() and not r["text"].strip()] == [
        "1827"
    ]
    assert problems == [Problem("NewsArticles.csv:1828", "no title and no text")]
    assert len(articles) == 3823
    assert len({a.id for a in articles}) == 3823
    # Rows with text but no title get the first sentence as a title, rows that lost
    # characters before publication are named, each with its line; nothing else warns.
    untitled = {r["article_source_link"] for r in rows if not r["title"].strip()} - {""}
    damaged = {
        r["article_source_link"]
        for r in rows
        if damage(r["title"]) or damage(r["subtitle"]) or damage(r["text"])
    }
    assert len(damaged) > 500
    for article in articles:
        expected = []
        if article.url in damaged:
            expected.append("text garbled beyond repair")
        if article.url in untitled:
            expected.append("no title: used the first sentence of the text")
        assert len(article.warnings) == len(expected), article.warnings
        for warning, want in zip(article.warnings, expected, strict=True):
            assert re.match(r"^line \d+: ", warning) and want in warning, warning


def test_news_articles_match_the_csv_module_row_by_row(news):
    """Every title, text and URL as the standard library's CSV parser reads them."""
    _path, articles, _problems, rows = news
    by_url = {a.url: a for a in articles}
    paragraphs = 0
    for row in rows:
        if row["article_id"] == "1827":
            continue
        article = by_url[row["article_source_link"]]
        if row["title"].strip():
            assert article.title == clean_line(row["title"])
        else:
            assert article.title and clean_body(row["text"]).startswith(article.title.rstrip("…"))
        assert article.subtitle == clean_line(row["subtitle"])
        # the same text; paragraph breaks put back where the row's spacing shows them
        assert article.body.replace("\n\n", " ") == clean_body(repair(row["text"]))
        paragraphs += "\n\n" in article.body
    assert paragraphs > 1000  # of 3,823: a third of the bodies are no longer one block


def test_news_articles_first_row_field_by_field(news):
    _path, articles, _problems, _rows = news
    first = articles[0]
    assert first.title == (
        "Betsy DeVos Confirmed as Education Secretary, With Pence Casting Historic "
        "Tie-Breaking Vote"
    )
    assert first.published == date(2017, 2, 7)
    assert first.url == (
        "http://abcnews.go.com/Politics/pence-break-tie-betsy-devos-confirmation-vote-today"
        "/story?id=45310061"
    )
    assert first.body.startswith("Michigan billionaire education activist Betsy DeVos")
    assert first.body.endswith('ABC News"?Morgan Winsor contributed to this report.')
    assert "Sens. Susan Collins of Maine and Lisa Murkowski of Alaska" in first.body
    assert len(first.body.replace("\n\n", " ")) == 2525
    assert first.tags == ["Politics"]
    assert first.source_path == "NewsArticles.csv"


def test_news_articles_dates(news):
    _path, articles, _problems, rows = news
    with_time = [r for r in rows if ":" in r["publish_date"]]
    assert [r["publish_date"].strip() for r in with_time] == ["2016/12/30 7:11"]
    timed = next(a for a in articles if a.url == with_time[0]["article_source_link"])
    assert timed.published == datetime(2016, 12, 30, 7, 11, tzinfo=UTC)
    days = [a.published for a in articles if not isinstance(a.published, datetime)]
    assert len(days) == 3822
    assert min(days) >= date(2015, 1, 1) and max(days) <= date(2017, 12, 31)


def test_news_articles_tags_come_from_the_url_section(news):
    _path, articles, _problems, _rows = news
    by_url = {a.url: a for a in articles}
    assert by_url["http://tass.com/economy/929603"].tags == ["Economy"]
    cnn = "http://www.cnn.com/2017/02/07/europe/romanian-president-on-corruption/index.html"
    assert by_url[cnn].tags == ["Europe"]
    rte = "http://www.rte.ie/news/ireland/2017/0302/856560-frtc/"
    assert by_url[rte].tags == ["Ireland"]


# --- CSV and TSV -------------------------------------------------------------------


def test_csv_multiline_quoted_fields_and_huge_fields(tmp_path):
    huge = "word " * 60_000  # 300 KB, over the csv module's default 128 KiB field limit
    path = tmp_path / "a.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Headline", "Body", "Date", "Link"])
        writer.writerow(["One", 'First para.\n\nSecond, "quoted" para.', "2024-01-05", ""])
        writer.writerow(["Two", huge, "3/4/2024", "https://example.com/world/two"])
    articles, problems = split(read(path))
    assert problems == []
    assert [a.title for a in articles] == ["One", "Two"]
    assert articles[0].body == 'First para.\n\nSecond, "quoted" para.'
    assert articles[1].body == huge.strip()
    assert articles[1].published == date(2024, 3, 4)  # month-first by default
    assert articles[1].tags == ["World"]


def test_csv_unclosed_quote_at_the_end_is_a_problem(tmp_path):
    lines = ["title,text", "Good one,fine text", 'Broken,"this quote never closes']
    lines += [f"Looks like a row {i},but was swallowed" for i in range(20)]
    path = write(tmp_path, "broken.csv", "\n".join(lines) + "\n")
    articles, problems = split(read(path))
    assert [a.title for a in articles] == ["Good one"]
    assert len(problems) == 1
    assert problems[0].path == "broken.csv:3"
    assert "unclosed quote" in problems[0].reason
    assert "lines 3-23" in problems[0].reason


def test_csv_closed_quote_at_the_end_is_fine(tmp_path):
    path = write(tmp_path, "ok.csv", 'title,text\nA,"multi\nline"')  # no final newline
    articles, problems = split(read(path))
    assert problems == [] and articles[0].body == "multi line"


def test_csv_bad_rows_are_problems_and_the_rest_loads(tmp_path):
    content = "id,title,text,tags\n1,First,Body one,a; b|c\n2,,,\n3,Third,Body three,\n"
    articles, problems = split(read(write(tmp_path, "rows.csv", content)))
    assert [a.title for a in articles] == ["First", "Third"]
    assert articles[0].tags == ["A", "B", "C"]
    assert problems == [Problem("rows.csv:3", "no title and no text")]


def test_record_ids_are_stable_and_distinct_without_urls(tmp_path):
    with_ids = write(tmp_path, "ids.csv", "article_id,title\n7,A\n9,B\n")
    no_ids = write(tmp_path, "noids.csv", "title\nA\nA\n")
    first = [a.id for a in split(read(with_ids))[0]]
    assert first == [a.id for a in split(read(with_ids))[0]]
    assert len(set(first)) == 2
    # Same titles, different rows: the line number keeps them apart.
    assert len({a.id for a in split(read(no_ids))[0]}) == 2


def test_tsv_and_semicolon_csv(tmp_path):
    tsv = write(tmp_path, "a.tsv", "title\ttext\tkeywords\nT1\tSome, text\tx, y\n")
    semi = write(tmp_path, "b.csv", "title;text\nT2;Body; with semicolon\n")
    (a,), _ = split(read(tsv))
    assert (a.title, a.body, a.tags) == ("T1", "Some, text", ["X", "Y"])
    (b,), problems = split(read(semi))
    assert problems == [] and b.title == "T2" and b.body == "Body"


def test_explicit_mapping_wins_over_defaults(tmp_path):
    content = "title,Headline,Story,When\nsection name,Real headline,Real story,05/03/2024\n"
    path = write(tmp_path, "m.csv", content)
    mapping = {"title": "headline", "body": "Story", "date": "When"}
    (article,), _ = split(read(path, mapping=mapping))
    assert (article.title, article.body) == ("Real headline", "Real story")
    assert article.published == date(2024, 5, 3)
    (dayfirst,), _ = split(read(path, mapping=mapping, dayfirst=True))
    assert dayfirst.published == date(2024, 3, 5)


def test_csv_without_article_columns_is_skipped(tmp_path):
    path = write(tmp_path, "stats.csv", "year,count\n2020,5\n")
    assert split(read(path)) == (
        [],
        [
            Problem(
                "stats.csv",
                "skipped: no header row naming article fields (first row: ['year', 'count'])",
            )
        ],
    )


# --- JSON --------------------------------------------------------------------------


def test_json_array_and_field_names(tmp_path):
    records = [
        {
            "Headline": "Floods in Hue",
            "articleBody": "Rain fell.",
            "pubDate": "2024-10-03T08:00:00+07:00",
            "URL": "https://example.com/a",
            "Keywords": "floods, weather",
            "Author": "By Jane Doe and John Roe",
            "Publisher": {"name": "Example News"},
            "lang": "EN",
            "locations": ["Hue"],
        },
        {"title": "Only a description", "description": "Used as the body"},
    ]
    articles, problems = split(read(write(tmp_path, "a.json", json.dumps(records))))
    assert problems == []
    first, second = articles
    assert first.title == "Floods in Hue" and first.body == "Rain fell."
    assert first.published.isoformat() == "2024-10-03T08:00:00+07:00"
    assert first.tags == ["Floods", "Weather"]
    assert first.authors == ["Jane Doe", "John Roe"]
    assert (first.site, first.language, first.url) == (
        "Example News",
        "en",
        "https://example.com/a",
    )
    assert first.places  # given in the record (resolved or kept as given)
    assert (second.body, second.subtitle) == ("Used as the body", "")


def test_json_object_with_a_list_of_articles(tmp_path):
    newsapi = {
        "status": "ok",
        "totalResults": 2,
        "articles": [
            {
                "source": {"id": None, "name": "BBC News"},
                "title": "One",
                "description": "Summary one",
                "content": "Content one",
                "publishedAt": "2024-02-01T10:00:00Z",
                "url": "https://bbc.example/1",
            },
            {"source": {"name": "BBC News"}, "title": "Two", "url": "https://bbc.example/2"},
        ],
    }
    articles, problems = split(read(write(tmp_path, "n.json", json.dumps(newsapi))))
    assert problems == []
    assert [(a.title, a.site) for a in articles] == [("One", "BBC News"), ("Two", "BBC News")]
    assert (articles[0].subtitle, articles[0].body) == ("Summary one", "Content one")
    assert articles[0].published == datetime(2024, 2, 1, 10, tzinfo=UTC)

    nested = {"response": {"docs": [{"headline": {"main": "Nested"}, "abstract": "A"}]}}
    (article,), _ = split(read(write(tmp_path, "nyt.json", json.dumps(nested))))
    assert (article.title, article.subtitle) == ("Nested", "A")

    single = {"title": "Just one", "text": "Body"}
    (article,), _ = split(read(write(tmp_path, "one.json", json.dumps(single))))
    assert article.title == "Just one"


def test_json_bad_records_are_located_by_position(tmp_path):
    records = [{"title": "A"}, "not an object", {"title": ""}, {"title": "D"}]
    articles, problems = split(read(write(tmp_path, "p.json", json.dumps(records))))
    assert [a.title for a in articles] == ["A", "D"]
    assert [p.path for p in problems] == ["p.json:2", "p.json:3"]


def test_truncated_json_is_a_clear_problem(tmp_path):
    text = json.dumps([{"title": f"T{i}", "text": "x" * 50} for i in range(10)], indent=1)
    path = write(tmp_path, "t.json", text[: len(text) // 2])
    articles, problems = split(read(path))
    assert articles == []
    assert len(problems) == 1 and problems[0].reason.startswith("truncated JSON")


def test_deeply_nested_json_is_a_clear_problem(tmp_path):
    path = write(tmp_path, "deep.json", "[" * 200_000 + "]" * 200_000)
    assert split(read(path)) == ([], [Problem("deep.json", "JSON nested too deeply to read")])


def test_json_that_is_really_json_lines(tmp_path):
    path = write(tmp_path, "lines.json", '{"title": "A"}\n{"title": "B"}\n')
    assert [a.title for a in split(read(path))[0]] == ["A", "B"]


def test_json_without_articles_is_skipped(tmp_path):
    _articles, (problem,) = split(read(write(tmp_path, "c.json", '{"version": 3}')))
    assert problem.reason.startswith("skipped:")


# --- JSON Lines --------------------------------------------------------------------


def test_jsonl_bad_line_is_a_problem_and_the_rest_loads(tmp_path):
    lines = ['{"title": "A", "text": "one"}', "", "{not json", '["a list"]', '{"title": "B"}']
    articles, problems = split(read(write(tmp_path, "a.jsonl", "\n".join(lines))))
    assert [a.title for a in articles] == ["A", "B"]
    assert [p.path for p in problems] == ["a.jsonl:3", "a.jsonl:4"]
    assert problems[0].reason.startswith("not JSON")
    assert "deep" not in problems[1].reason


def test_jsonl_deeply_nested_line(tmp_path):
    lines = ['{"title": "A"}', '{"x":' * 100_000 + "1" + "}" * 100_000, '{"title": "C"}']
    articles, problems = split(read(write(tmp_path, "d.ndjson", "\n".join(lines))))
    assert [a.title for a in articles] == ["A", "C"]
    assert problems == [Problem("d.ndjson:2", "JSON nested too deeply to read")]


def test_jsonl_is_streamed_not_read_whole(tmp_path):
    """The first articles of a 40 MB file come without holding the file in memory."""
    path = tmp_path / "big.jsonl"
    record = json.dumps({"title": "T", "text": "lorem ipsum " * 400}) + "\n"
    with path.open("w", encoding="utf-8") as f:
        for _ in range(8000):
            f.write(record)
    assert path.stat().st_size > 38_000_000
    tracemalloc.start()
    try:
        first = list(itertools.islice(read(path), 20))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(first) == 20 and all(isinstance(a, Article) for a in first)
    assert peak < 4_000_000


# --- encodings and bad files -------------------------------------------------------


def test_csv_encodings(tmp_path):
    text = "title,text\nĐà Nẵng mưa lớn,Thành phố Đà Nẵng có mưa lớn.\n"
    for name, data in {
        "bom.csv": "\ufeff".encode() + text.encode(),
        "utf16.csv": text.encode("utf-16"),
        "utf16be.csv": b"\xfe\xff" + text.encode("utf-16-be"),
    }.items():
        (article,), problems = split(read(write(tmp_path, name, data)))
        assert problems == [], name
        assert article.title == "Đà Nẵng mưa lớn", name


def test_legacy_encoding_detected_from_the_first_chunk(tmp_path):
    """A latin-1 file larger than the detection window, a character across its edge."""
    row = "Un café à Noël,Le président a déclaré que la réforme serait menée à bien.\n"
    body = row * (HEAD_BYTES // len(row) + 50)
    path = write(tmp_path, "latin.csv", ("title,text\n" + body).encode("latin-1"))
    articles, problems = split(read(path))
    assert problems == []
    assert len(articles) == HEAD_BYTES // len(row) + 50
    assert {a.title for a in articles} == {"Un café à Noël"}


def test_utf8_with_one_stray_byte_past_the_first_chunk(tmp_path):
    """Detected as UTF-8 from its start; a latin-1 byte later is replaced and noted."""
    good = "Good,Fine ✓\n" * (HEAD_BYTES // 10)
    data = ("title,text\n" + good).encode() + b"Bad,Caf\xe9 here\nAfter,Fine\n"
    articles, problems = split(read(write(tmp_path, "mixed.csv", data)))
    assert problems == []
    bad, after = articles[-2:]
    assert (bad.title, bad.body) == ("Bad", "Caf\ufffd here")
    line = HEAD_BYTES // 10 + 2
    assert bad.warnings == [f"line {line}: bytes not valid utf-8 were replaced"]
    assert after.warnings == [] and articles[0].warnings == []


@pytest.mark.parametrize("name", ["e.csv", "e.jsonl", "e.json", "e.tsv"])
def test_empty_and_binary_files_are_problems(tmp_path, name):
    (problem,) = list(read(write(tmp_path, name, b"")))
    assert problem == Problem(name, "empty file")
    (problem,) = list(read(write(tmp_path, name, bytes(range(256)) * 64)))
    assert isinstance(problem, Problem) and "binary" in problem.reason

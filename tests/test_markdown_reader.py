"""The Markdown / plain-text reader: front matter, titles, and a body fit for search."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from archive.article import Article, Problem
from archive.readers import read
from archive.readers.markdown import markdown_blocks


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def only(items) -> Article | Problem:
    (item,) = list(items)
    return item


POST = """---
title: "Đà Nẵng hosts Điện Biên delegation"
date: 2024-10-03
tags: [Politics, party building]
author: Nguyễn Văn A
description: Two city Party committees exchange experience.
url: https://example.vn/da-nang-dien-bien
lang: en
---
# Đà Nẵng hosts Điện Biên delegation

On **October 3**, the [Da Nang](https://danang.gov.vn) city Party Committee
received a delegation from Dien Bien.

## Protecting the ideological foundation

The two sides discussed:

- fighting *wrong* and hostile views on the `internet`;
- training reporters.

> Quoted words from the meeting.

![A photo of the meeting](photo.jpg)

```
# not a heading: inside a code block
```
"""


def test_front_matter_and_body(tmp_path):
    article = only(read(write(tmp_path, "post.md", POST)))
    assert isinstance(article, Article)
    assert article.title == "Đà Nẵng hosts Điện Biên delegation"
    assert article.published == date(2024, 10, 3)  # YAML's date object, passed through
    assert article.tags == ["Politics", "Party building"]
    assert article.authors == ["Nguyễn Văn A"]
    assert article.subtitle == "Two city Party committees exchange experience."
    assert article.url == "https://example.vn/da-nang-dien-bien"
    assert article.language == "en"
    assert article.body.split("\n\n") == [
        "On October 3, the Da Nang city Party Committee received a delegation from Dien Bien.",
        "Protecting the ideological foundation",
        "The two sides discussed:",
        "fighting wrong and hostile views on the internet;",
        "training reporters.",
        "Quoted words from the meeting.",
        "A photo of the meeting",
        "# not a heading: inside a code block",
    ]


def test_title_from_the_first_heading_without_front_matter(tmp_path):
    text = "Intro line before the heading.\n\n# The Real Title #\n\nBody text.\n\n# Another\n"
    article = only(read(write(tmp_path, "note.md", text)))
    assert article.title == "The Real Title"
    assert article.body == "Intro line before the heading.\n\nBody text.\n\nAnother"
    assert article.published is None


def test_front_matter_title_wins_and_a_different_heading_stays(tmp_path):
    text = "---\ntitle: Front title\n---\n# Chapter one\n\nText.\n"
    article = only(read(write(tmp_path, "a.md", text)))
    assert article.title == "Front title"
    assert article.body == "Chapter one\n\nText."


def test_setext_heading_is_a_title(tmp_path):
    article = only(read(write(tmp_path, "s.md", "Plain Title\n===========\n\nSome text.\n")))
    assert (article.title, article.body) == ("Plain Title", "Some text.")


def test_datetime_in_front_matter(tmp_path):
    text = "---\ntitle: T\ndate: 2024-10-03 08:30:00+07:00\nupdated: 2024-10-04\n---\nBody\n"
    article = only(read(write(tmp_path, "t.md", text)))
    assert article.published == datetime(2024, 10, 3, 1, 30, tzinfo=UTC)


def test_invalid_yaml_is_a_problem_with_its_line(tmp_path):
    text = "---\ntitle: Fine\nsummary: a: b: c\ntags: [x\n---\nBody\n"
    problem = only(read(write(tmp_path, "bad.md", text)))
    assert isinstance(problem, Problem)
    assert problem.path == "bad.md"
    assert problem.reason.startswith("front matter is not valid YAML at line 3, column 11:")
    assert "\n" not in problem.reason


def test_unclosed_flow_sequence_reports_where_it_started(tmp_path):
    problem = only(read(write(tmp_path, "b.md", "---\ntitle: A\ntags: [x, y\n---\nBody\n")))
    assert "line 4" in problem.reason and "starts at line 3" in problem.reason


def test_unclosed_front_matter_is_a_problem(tmp_path):
    problem = only(read(write(tmp_path, "u.md", "---\ntitle: A\n\nBody without an end\n")))
    assert problem == Problem("u.md", "front matter opened with --- on line 1 is never closed")


def test_plain_text_with_front_matter_crlf_and_bom(tmp_path):
    text = (
        "\ufeff---\r\ntitle: Tin tức\r\ndate: 03/10/2024\r\n---\r\nĐoạn một.\r\n\r\nĐoạn hai.\r\n"
    )
    article = only(read(write(tmp_path, "vn.txt", text), dayfirst=True))
    assert article.title == "Tin tức"
    assert article.published == date(2024, 10, 3)
    assert article.body == "Đoạn một.\n\nĐoạn hai."


def test_utf16_markdown(tmp_path):
    article = only(read(write(tmp_path, "w.md", "# Tiêu đề\n\nNội dung.\n", "utf-16")))
    assert (article.title, article.body) == ("Tiêu đề", "Nội dung.")


def test_relative_permalink_is_not_an_url(tmp_path):
    article = only(read(write(tmp_path, "h.md", "---\ntitle: A\nurl: /posts/a/\n---\nText\n")))
    assert article.url == "" and article.source_path == "h.md"


def test_rule_at_the_top_is_not_front_matter(tmp_path):
    article = only(read(write(tmp_path, "r.md", "---\nJust text.\n---\nMore text.\n")))
    assert article.body == "Just text.\n\nMore text."


def test_empty_and_binary_files_are_problems(tmp_path):
    assert only(read(write(tmp_path, "e.md", "  \n"))) == Problem("e.md", "empty file")
    path = tmp_path / "bin.md"
    path.write_bytes(bytes(range(256)) * 16)
    assert "binary" in only(read(path)).reason


def test_inline_syntax_is_removed_but_words_kept():
    blocks = markdown_blocks(
        "Use __strong__, ~~gone~~, a [ref][1], <https://x.org>, snake_case_name and 2*3*4.\n\n"
        "[1]: https://example.com\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert [b.text for b in blocks] == [
        "Use strong, gone, a ref, https://x.org, snake_case_name and 2*3*4.",
        "| a | b |",
        "| 1 | 2 |",
    ]

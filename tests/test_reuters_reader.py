"""The Reuters-21578 reader on the real XML documents, checked against their own
human-assigned fields, and on an original-style SGML file made from them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.article import Article, Problem, clean_line
from archive.readers import read, read_paths
from archive.tags import normalise_tags


def reuters_files(corpora: Path) -> list[Path]:
    return sorted((corpora / "reuters-21578").glob("*.xml"))


@pytest.fixture(scope="module")
def documents(corpora: Path) -> list[tuple[ET.Element, Article]]:
    """Each file's XML (read by the standard library, as the oracle) and its Article."""
    pairs = []
    for path in reuters_files(corpora):
        items = list(read(path))
        assert len(items) == 1 and isinstance(items[0], Article), (path, items)
        pairs.append((ET.parse(path).getroot(), items[0]))
    return pairs


def codes(root: ET.Element, tag: str) -> list[str]:
    return [d.text for d in root.findall(f"{tag}/D")]


def test_all_fifty_files_load(corpora):
    items = list(read_paths([corpora / "reuters-21578"]))
    assert len(items) == 50
    assert all(isinstance(i, Article) for i in items)
    assert all(a.site == "Reuters" for a in items)
    assert len({a.id for a in items}) == 50


def test_every_date_matches(documents):
    for root, article in documents:
        expected = datetime.strptime(root.findtext("DATE").strip(), "%d-%b-%Y %H:%M:%S.%f")
        assert article.published == expected.replace(tzinfo=UTC)
    _root, first = documents[0]
    assert first.published == datetime(1987, 2, 26, 15, 18, 6, 670000, tzinfo=UTC)


def test_topics_become_tags(documents):
    for root, article in documents:
        assert article.tags == normalise_tags(codes(root, "TOPICS"))
    assert all(any(t.casefold() == "acq" for t in a.tags) for _r, a in documents)


def test_titles_are_unescaped(documents):
    for root, article in documents:
        assert article.title == clean_line(root.findtext("TEXT/TITLE"))
    assert documents[0][1].title == "COMPUTER TERMINAL SYSTEMS <CPML> COMPLETES SALE"


def test_bodies_are_complete_without_the_sign_off(documents):
    for root, article in documents:
        raw = root.findtext("TEXT/BODY")
        words = raw.split()
        assert re.fullmatch(r"Reuter|REUTER\.*", words[-1])
        assert article.body.split() == words[:-1]  # every word but the sign-off
        assert not re.search(r"\bREUTER\s*$", article.body, re.IGNORECASE)
    # Reuters starts a paragraph with an indented line; paragraphs are kept.
    first = documents[0][1].body
    assert first.startswith("Computer Terminal Systems Inc said it has completed the sale")
    assert "\n\nThe company said the warrants are exercisable" in first


def test_places_codes_are_passed_through(documents):
    for root, article in documents:
        if codes(root, "PLACES"):
            assert article.places, article.source_path


def test_ids_are_path_and_newid(documents):
    _root, first = documents[0]
    assert first.url == ""
    assert first.source_path == "reut-00001.xml"


# --- the original SGML form --------------------------------------------------------


def to_sgml(xml_text: str) -> str:
    """One XML document in the shape of the original reut2-NNN.sgm files: no XML
    declaration, teletype control references, no ``&apos;``/``&quot;`` entities."""
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", xml_text)
    text = text.replace("&apos;", "'").replace("&quot;", '"')
    text = text.replace("<TEXT>", "<TEXT>&#2;")
    text = re.sub(r"\s*</BODY>", "\n&#3;</BODY>", text)
    text = text.replace("<UNKNOWN>", "<UNKNOWN>&#5;&#5;&#5;F\n&#22;&#22;&#1;f0767&#31;")
    return text


HANDMADE = """<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" OLDID="1" NEWID="99001">
<DATE> 2-MAR-1987 09:05:10.11</DATE>
<TOPICS><D>acq</D><D>money-fx</D></TOPICS>
<PLACES><D>usa</D><D>uk</D></PLACES>
<PEOPLE></PEOPLE><ORGS></ORGS><EXCHANGES></EXCHANGES><COMPANIES></COMPANIES>
<UNKNOWN>&#5;&#5;&#5;F
&#22;&#22;&#1;f0001&#31;reute</UNKNOWN>
<TEXT>&#2;
<TITLE>AT&T &lt;T&gt; BUYS STAKE IN S&P UNIT</TITLE>
<AUTHOR>    By Jane Doe, Reuters</AUTHOR>
<DATELINE>    NEW YORK, March 2 - </DATELINE><BODY>American Telephone and Telegraph Co (AT&T)
said it bought a stake in a Standard & Poor's unit.
    The price was not disclosed.
 REUTER
&#3;</BODY></TEXT>
</REUTERS>
"""


@pytest.fixture
def sgm_file(corpora: Path, tmp_path: Path) -> tuple[Path, list[Path]]:
    sources = reuters_files(corpora)[:6]
    parts = ['<!DOCTYPE lewis SYSTEM "lewis.dtd">']
    parts += [to_sgml(p.read_text(encoding="utf-8")) for p in sources]
    parts.append(HANDMADE)
    path = tmp_path / "reut2-000.sgm"
    path.write_text("\n".join(parts), encoding="ascii")
    return path, sources


def test_sgml_file_with_many_documents(sgm_file):
    path, sources = sgm_file
    assert "&#3;" in path.read_text() and "AT&T" in path.read_text()
    items = list(read(path))
    assert all(isinstance(i, Article) for i in items), items
    assert len(items) == len(sources) + 1
    for source, article in zip(sources, items, strict=False):
        (from_xml,) = list(read(source))
        assert article.title == from_xml.title
        assert article.body == from_xml.body
        assert article.published == from_xml.published
        assert article.tags == from_xml.tags
        assert "\x03" not in article.body and "\x02" not in article.body
    # Ids come from the file path and NEWID: distinct within the one file.
    assert len({a.id for a in items}) == len(items)


def test_sgml_bare_ampersands_author_and_sign_off(sgm_file):
    path, _sources = sgm_file
    handmade = list(read(path))[-1]
    assert handmade.title == "AT&T <T> BUYS STAKE IN S&P UNIT"
    assert handmade.body == (
        "American Telephone and Telegraph Co (AT&T) said it bought a stake in a "
        "Standard & Poor's unit.\n\nThe price was not disclosed."
    )
    assert handmade.published == datetime(1987, 3, 2, 9, 5, 10, 110000, tzinfo=UTC)
    assert handmade.tags == normalise_tags(["acq", "money-fx"])
    assert handmade.authors == ["Jane Doe"]
    assert handmade.places


def test_truncated_sgml_document_is_a_problem(sgm_file):
    path, sources = sgm_file
    text = path.read_text()
    path.write_text(text[: text.rindex("<BODY>") + 40])
    items = list(read(path))
    assert sum(isinstance(i, Article) for i in items) == len(sources)
    problem = items[-1]
    assert isinstance(problem, Problem)
    assert problem.path.startswith("reut2-000.sgm:") and "not closed" in problem.reason


def test_xml_that_is_not_reuters_is_skipped(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text('<?xml version="1.0"?><rss><channel><title>x</title></channel></rss>')
    (problem,) = list(read(path))
    assert problem.reason.startswith("skipped: not a Reuters-21578 file")

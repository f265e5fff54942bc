"""The seed-style page export reader, on the real seed and on the variations exports have."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import archive
from archive import Article, Problem

SEED_TITLE = (
    "Dien Bien and Da Nang City Party Committee exchange experiences in protecting the "
    "Party's ideological foundation"
)
SEED_URL = (
    "https://baodienbienphu.com.vn/tin-tuc/bao%20ve%20tu%20tuong/218573/"
    "dien-bien-va-thanh-uy-da-nang-trao-doi-kinh-nghiem-ve-bao-ve-nen-tang-tu-tuong-cua-dang-"
)
FURNITURE = ["Comment (0)", "No data", "Same tag", "Same category", "10,000 antiques", "Heritage"]


def read_one(path: Path) -> Article:
    items = list(archive.read(path))
    assert len(items) == 1, items
    assert isinstance(items[0], Article), items[0]
    return items[0]


@pytest.fixture(scope="module")
def seed_path(corpora: Path) -> Path:
    return next((corpora / "seed").glob("*.txt"))


def check_seed(article: Article) -> None:
    assert article.title == SEED_TITLE
    assert article.published == date(2024, 10, 3)
    assert article.url == SEED_URL
    assert article.site == "Vietnam.vn"
    assert article.body.startswith("Comrade Lo Thi Minh Phuong, Member of the Standing Committee")
    assert article.body.endswith("increasingly stronger.")
    for furniture in FURNITURE + ["Source:"]:
        assert furniture not in article.body
    assert "\n\n" in article.body  # paragraphs kept
    assert article.language == "en"


def test_seed_field_by_field(seed_path: Path) -> None:
    article = read_one(seed_path)
    check_seed(article)
    assert article.source_path == seed_path.name
    assert len(article.id) == 16 and len(article.content_hash) == 64
    assert not article.warnings


def test_seed_places(seed_path: Path) -> None:
    places = read_one(seed_path).places
    assert "Vietnam/Dien Bien" in places
    assert "Vietnam/Da Nang" in places


def test_id_comes_from_the_url_so_a_copy_is_the_same_article(seed_path: Path, tmp_path) -> None:
    copy = tmp_path / "elsewhere" / "copy.txt"
    copy.parent.mkdir()
    copy.write_bytes(seed_path.read_bytes())
    assert read_one(copy).id == read_one(seed_path).id


@pytest.mark.parametrize(
    "variation",
    ["crlf", "bom", "blank_lines", "utf16", "cp1258_safe_ascii"],
)
def test_seed_variations(seed_path: Path, tmp_path: Path, variation: str) -> None:
    text = seed_path.read_text(encoding="utf-8")
    if variation == "crlf":
        data = text.replace("\n", "\r\n").encode("utf-8")
    elif variation == "bom":
        data = b"\xef\xbb\xbf" + text.encode("utf-8")
    elif variation == "blank_lines":
        data = text.replace("\n\n", "\n\n\n\n").encode("utf-8")
    elif variation == "utf16":
        data = text.encode("utf-16")
    else:
        data = text.replace("Việt Nam", "Viet Nam").replace("Nền tảng quảng bá", "Nen tang")
        data = data.encode("cp1258")
    path = tmp_path / "page.txt"
    path.write_bytes(data)
    check_seed(read_one(path))


def test_missing_source_line_and_captions(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text(
        "VnExpress.net - Tin nhanh Việt Nam\n\n"
        "Bão số 3 đổ bộ Đà Nẵng\n\n"
        "Thứ hai, 31/12/2023 - 10:15\n\n"
        "Cơn bão đã gây mưa lớn tại thành phố Đà Nẵng và các tỉnh lân cận.\n\n"
        "Ảnh: Người dân dọn dẹp sau bão.\n\n"
        "Chính quyền đã sơ tán hàng nghìn hộ dân.\n\n"
        "Bình luận (3)\n\nCùng chuyên mục\n\nTin khác\n",
        encoding="utf-8",
    )
    article = read_one(path)
    assert article.title == "Bão số 3 đổ bộ Đà Nẵng"
    assert article.site == "VnExpress.net"
    assert article.published.date() == date(2023, 12, 31)
    assert article.published.hour == 10
    assert article.url == ""
    assert "Ảnh: Người dân dọn dẹp sau bão." in article.body  # the caption stays text
    assert "Bình luận" not in article.body and "Cùng chuyên mục" not in article.body
    assert article.language == "vi"
    assert "Vietnam/Da Nang" in article.places


def test_impossible_date_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text(
        "Example.com - News\n\nA title\n\nExample31/02/2024\n\nSome body text here.\n",
        encoding="utf-8",
    )
    article = read_one(path)
    assert article.published is None
    assert any("31/02/2024" in w for w in article.warnings)


def test_plain_text_without_structure(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("Just a headline\nand a line of text.\n\nA second paragraph.\n")
    article = read_one(path)
    assert article.title == "Just a headline"
    assert article.body == "and a line of text.\n\nA second paragraph."


def test_empty_and_binary_exports_are_problems(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("\n\n   \n")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50)
    for name in ["empty.txt", "blank.txt", "binary.txt"]:
        (item,) = archive.read(tmp_path / name)
        assert isinstance(item, Problem)
        assert item.path == name
        assert item.reason

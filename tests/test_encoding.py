"""archive.encoding.decode: bytes to text for every encoding article files arrive in."""

from __future__ import annotations

import codecs
import random
import unicodedata

import pytest

from archive.article import clean_body, nfc
from archive.encoding import DecodeError, decode

VIETNAMESE = (
    "Ban Thường vụ Thành ủy Điện Biên Phủ đã có buổi làm việc với Thành ủy Đà Nẵng về công "
    "tác bảo vệ nền tảng tư tưởng của Đảng, đấu tranh phản bác các quan điểm sai trái, thù "
    "địch. Thành phố Đà Nẵng là một trong những thành phố lớn của Việt Nam."
)
FRENCH = (
    "Le président de la République a déclaré mercredi que la réforme des retraites serait "
    "menée à bien, malgré la grève générale prévue à Paris et à Marseille. « Nous irons "
    "jusqu'au bout », a-t-il ajouté devant les élèves de l'école."
)
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def windows_1258(text: str) -> bytes:
    """Vietnamese as windows-1258 writes it: base letters precomposed (ă, ơ, đ) and the
    five tone marks as combining characters, which is all the code page has."""
    out = []
    for cluster in _clusters(unicodedata.normalize("NFD", text)):
        base = "".join(ch for ch in cluster if ch not in _TONE_MARKS)
        tones = "".join(ch for ch in cluster if ch in _TONE_MARKS)
        out.append(unicodedata.normalize("NFC", base) + tones)
    return "".join(out).encode("cp1258")


def _clusters(text: str) -> list[str]:
    clusters: list[str] = []
    for ch in text:
        if unicodedata.combining(ch) and clusters:
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return clusters


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (VIETNAMESE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + VIETNAMESE.encode("utf-8"), "utf-8-sig"),
        (VIETNAMESE.encode("utf-16"), "utf-16"),  # native order, with BOM
        (codecs.BOM_UTF16_LE + VIETNAMESE.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + VIETNAMESE.encode("utf-16-be"), "utf-16"),
        (codecs.BOM_UTF32_LE + VIETNAMESE.encode("utf-32-le"), "utf-32"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16le-bom", "utf16be-bom", "utf32le-bom"],
)
def test_unicode_encodings(data, encoding):
    text, found = decode(data)
    assert text == VIETNAMESE  # the BOM is not part of the text
    assert found == encoding


def test_vietnamese_windows_1258():
    data = windows_1258(VIETNAMESE)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text, encoding = decode(data)
    assert encoding == "cp1258"
    assert text != VIETNAMESE  # combining tone marks, as the code page has them
    assert nfc(text) == VIETNAMESE
    assert clean_body(text) == VIETNAMESE  # what every reader stores


def test_latin_1():
    text, encoding = decode(FRENCH.encode("latin-1"))
    assert text == FRENCH
    assert encoding in {"latin_1", "iso8859_1", "cp1252", "iso8859_15"}


def test_short_latin_1_text():
    # charset-normalizer ties cp1250 with cp1252 here; decode() must prefer cp1252.
    assert decode("Café crème à Noël.".encode("latin-1"))[0] == "Café crème à Noël."


def test_binary_data_is_refused():
    rng = random.Random(1)
    noise = bytes(rng.randrange(256) for _ in range(4096))
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + noise
    for data in (png, noise, noise.replace(b"\x00", b"\x01")):
        with pytest.raises(DecodeError):
            decode(data)


def test_utf16_without_bom_is_refused_clearly():
    """Without a BOM the byte order is a guess; the NUL bytes make it look binary, and
    the reason says what would make it readable."""
    for data in (VIETNAMESE.encode("utf-16-le"), "plain ascii".encode("utf-16-be")):
        with pytest.raises(DecodeError, match="byte-order mark"):
            decode(data)


def test_invalid_utf16_after_its_bom_is_refused():
    with pytest.raises(DecodeError, match="utf-16"):
        decode(codecs.BOM_UTF16_LE + b"\x00\xd8A\x00")  # an unpaired surrogate


def test_empty():
    assert decode(b"") == ("", "utf-8")

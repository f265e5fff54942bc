"""Garbled text: repaired while reading where it can be, reported where it cannot.

Text that went through the wrong encoding on its way to a file ("Sinn FÃ©in",
"â€œquotedâ€\x9d") still holds every byte of the original, and ``ftfy`` (the
established library for mojibake) puts it back. Text whose bytes were replaced on the
way ("Sinn F\ufffd\ufffdin") or whose punctuation became ``"?`` ("DeVos"?highly") has
lost them: nothing can restore it, so the reader keeps the text and says where it is.

ftfy reads about 1 MB/s, slower than indexing, so it only runs on text that shows a
sign of mojibake: a character that UTF-8 lead bytes become in windows-1252 or Latin-1
followed by one that continuation bytes become, or a C1 control character. Clean text
(nearly all of it, and every ASCII text) costs one regular-expression scan.
"""

from __future__ import annotations

import re

import ftfy

#: Bytes 0x80-0xBF (UTF-8 continuation bytes) as windows-1252 or Latin-1 shows them.
_CONTINUATION = "".join(
    sorted(
        {bytes([b]).decode("cp1252", errors="ignore") for b in range(0x80, 0xC0)}
        | {chr(b) for b in range(0x80, 0xC0)}
    )
)
_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][" + re.escape(_CONTINUATION) + "]|[\u0080-\u009f]",
)
#: What a lossy conversion leaves: the replacement character, or a quote or dash that
#: became ``"?`` between two words.
_LOST = re.compile(r'\ufffd+|(?<=\w)"\?(?=\w)')
_CONFIG = ftfy.TextFixerConfig(
    # Only undo encoding damage: leave the text's own quotes, widths, ligatures and
    # entities (the readers decide about markup) as they are.
    unescape_html=False,
    uncurl_quotes=False,
    fix_character_width=False,
    fix_latin_ligatures=False,
    normalization="NFC",
    explain=False,
)


def repair(text: str) -> str:
    """``text`` with mojibake undone (unchanged when it shows no sign of any)."""
    if not text or text.isascii() or not _MOJIBAKE.search(text):
        return text
    return ftfy.fix_text(text, _CONFIG)


def damage(text: str) -> str | None:
    """A one-line description of text lost beyond repair, with where it is, or None."""
    text = text or ""
    # Both signs of loss hold a fixed character or pair: looking for those (a fast
    # substring search) spares nearly every text the regex's step per character.
    if "\ufffd" not in text and '"?' not in text:
        return None
    found = list(_LOST.finditer(text))
    if not found:
        return None
    first = found[0]
    start, end = max(0, first.start() - 20), min(len(text), first.end() + 20)
    words = text[start:end].split()
    # Whole words only: drop a word cut at either edge of the excerpt.
    if start > 0 and len(words) > 2:
        words = words[1:]
    if end < len(text) and len(words) > 2:
        words = words[:-1]
    excerpt = " ".join(words)
    places = "1 place" if len(found) == 1 else f"{len(found)} places"
    return f"text garbled beyond repair in {places} (lost in its source), e.g. {excerpt!r}"

"""A light guess at an article's language, for files that do not say.

The index only needs to know whether English stemming applies, and the facet wants a
plausible code; a full language identifier (and its model download) is not worth it for
that. English is recognised by its function words, Vietnamese by its letters, the
rest by script. Anything unsure gives "" (unknown), never a wrong confident answer.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+")
#: ``_WORD`` for ASCII text (letters only there), spelt out: the same words in a
#: fraction of the time of the Unicode class test per character.
_WORD_ASCII = re.compile(r"[A-Za-z]+")
_ENGLISH = frozenset(
    "the of and to in a is that for on with as was by it said at from his be are has have "
    "he an this were which not but their they had its will been also who or more after".split()
)
_VIETNAMESE_LETTERS = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
#: Any of those letters: a text without one (most) skips the per-word Vietnamese count.
_ANY_VIETNAMESE = re.compile("[" + "".join(sorted(_VIETNAMESE_LETTERS)) + "]")
_SCRIPTS = [
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("my", re.compile(r"[\u1000-\u109f]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
]


def guess_language(text: str, sample: int = 4000) -> str:
    """An ISO 639-1 code for the text's language, or "" when unsure."""
    text = text[:sample]
    lowered = text.lower()
    words = (_WORD_ASCII if lowered.isascii() else _WORD).findall(lowered)
    if len(words) >= 5:
        # map/filter keep the per-word loops in C: this runs for every article read.
        english = sum(map(_ENGLISH.__contains__, words)) / len(words)
        vietnamese = 0.0
        if _ANY_VIETNAMESE.search(lowered):
            vietnamese = sum(1 for w in words if not _VIETNAMESE_LETTERS.isdisjoint(w)) / len(words)
        if vietnamese > 0.2:
            return "vi"
        if english > 0.15:
            return "en"
    letters = sum(1 for ch in text if ch.isalpha()) or 1
    # Japanese mixes kana into mostly-kanji text: a little kana already means Japanese.
    if len(_SCRIPTS[0][1].findall(text)) / letters > 0.05:
        return "ja"
    for code, pattern in _SCRIPTS[1:]:
        if len(pattern.findall(text)) / letters > 0.3:
            return code
    return ""

"""Text analysis: Whoosh analyzer pipelines built from small, separately tested stages.

    NfcTokenizer -> LowercaseFilter -> FoldFilter [-> StopFilter -> StemFilter]

Why each stage exists:

- **NFC first.** Whoosh's tokenizer splits a decomposed (NFD) ``Đà Nẵng`` into
  ``da na ng`` because combining marks are not word characters. The tokenizer therefore
  normalises to NFC and also counts stray combining marks (sequences with no precomposed
  form) as part of the word, so nothing is split in the middle.
- **Fold.** Diacritics are removed after decomposition, and the letters that do not
  decompose (``đ``, ``ø``, ``ł``, ``ß``...) are mapped by hand, so ``Đà Nẵng``,
  ``ĐÀ NẴNG``, ``da nang`` and the NFD spelling are one term, and Vietnamese tone-mark
  placement variants (``hoà``/``hòa``) fold to the same ``hoa``. Whoosh's own
  ``accent_map`` is not used: it maps some combining marks to letters (U+0309 becomes
  ``p``), which breaks decomposed input.
- **Stem** only in the English fields: an English article's text goes to the stemmed
  fields, any other language to the plain (folded, unstemmed) ones; queries search both.

The same functions (:func:`fold`, :func:`stem_word`) are used by the snippet builder, so
highlighting agrees with matching.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from whoosh import formats
from whoosh.analysis import (
    CompositeAnalyzer,
    Filter,
    LowercaseFilter,
    StemFilter,
    StopFilter,
    Tokenizer,
)
from whoosh.analysis.acore import Token
from whoosh.lang.porter import stem as porter_stem

from archive.folding import LETTER_FOLDS

#: Separates the values of a multi-valued text field (tags, places): the tokenizer leaves
#: a position gap there so a phrase cannot match across two values.
VALUE_SEPARATOR = "\x1e"
_VALUE_GAP = 100


def _mark_ranges() -> str:
    """A regex character-class body of every combining mark (Mn, Mc, Me) in the BMP.

    Python's ``\\w`` excludes them, which splits words of scripts whose vowel signs are
    marks (Thai, Devanagari) and any Latin sequence NFC could not compose.
    """
    ranges: list[tuple[int, int]] = []
    for code in range(0x300, 0x10000):
        if unicodedata.category(chr(code)) in ("Mn", "Mc", "Me"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


_MARKS = _mark_ranges()
#: Word characters plus combining marks. Dots and commas split words, so a part of a
#: dotted name or a grouped number is a word of its own (``twitter`` finds
#: ``pic.twitter.com``; ``85`` finds ``5.85``); a query word with separators becomes a
#: phrase of its parts (``5.85``, ``1,000``), so it still finds just that spelling.
#: Acronyms of single letters (``U.S.``, ``e.g.``) stay one word, and :func:`fold`
#: drops their dots: ``U.S.`` and ``US`` are one term.
WORD_PATTERN = re.compile(rf"(?:[^\W\d_]\.)+[^\W\d_](?![\w{_MARKS}])\.?|[\w{_MARKS}]+")

#: English function words left out of the English fields. Smaller than Whoosh's list on
#: purpose: ``us`` (the US), ``may`` (the month), ``will`` and ``can`` are words people
#: search for in news.
STOP_WORDS = frozenset(
    "a an and are as at be by for from if in is it of on or that the this to was were with".split()
)

#: Combining marks of the Latin, Greek and Cyrillic scripts: the diacritics. Marks of
#: other scripts (Thai vowels, Devanagari signs) are letters there and are kept.
_DIACRITIC = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case ``text`` and remove diacritics: ``Đà Nẵng`` -> ``da nang``; the dots
    of an acronym go too (``U.S.`` -> ``us``).

    NFC and NFD input give the same result. Cached: words repeat a great deal.
    """
    text = text.lower()
    if "." in text:
        text = text.replace(".", "")  # an acronym (see WORD_PATTERN)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    stripped = _DIACRITIC.sub("", decomposed).translate(LETTER_FOLDS)
    return unicodedata.normalize("NFC", stripped)


@lru_cache(maxsize=200_000)
def stem_word(word: str) -> str:
    """The English stem of an already folded word (Porter, as Whoosh's StemFilter)."""
    return porter_stem(word)


class NfcTokenizer(Tokenizer):
    """Splits NFC-normalised text into words; values joined with VALUE_SEPARATOR get a
    position gap between them.

    Character offsets refer to the NFC text. Stored text is NFC already (the readers
    normalise), so offsets into stored bodies are exact.
    """

    def __init__(self, pattern: re.Pattern[str] = WORD_PATTERN):
        self.expression = pattern

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.expression.pattern == self.expression.pattern

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        value = unicodedata.normalize("NFC", value)
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        pos = start_pos
        offset = 0
        for part in value.split(VALUE_SEPARATOR):
            for match in self.expression.finditer(part):
                t.text = match.group(0)
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = t.text
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar = start_char + offset + match.start()
                    t.endchar = start_char + offset + match.end()
                pos += 1
                yield t
            pos += _VALUE_GAP
            offset += len(part) + 1


class FoldFilter(Filter):
    """Removes diacritics from (lower-cased) tokens, see :func:`fold`."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold(t.text)
            yield t


class CachedStemFilter(StemFilter):
    """Whoosh's StemFilter using the shared, cached :func:`stem_word`."""

    def __init__(self) -> None:
        super().__init__(stemfn=stem_word, cachesize=None)

    def __call__(self, tokens):
        for t in tokens:
            if not t.stopped and not t.text.isdigit() and "*" not in t.text and "?" not in t.text:
                t.text = stem_word(t.text)
            yield t


@lru_cache(maxsize=200_000)
def english_term(word: str) -> str | None:
    """The English field's term for one token: folded, stemmed; None for a stop word.

    A wildcard pattern (``flood*``) is folded but not stemmed, so the pattern keeps its
    shape.
    """
    folded = fold(word)
    if folded in STOP_WORDS:
        return None
    if folded.isdigit() or "*" in folded or "?" in folded:
        return folded
    return stem_word(folded)


class EnglishFilter(Filter):
    """``LowercaseFilter | FoldFilter | StopFilter | CachedStemFilter`` in one pass.

    The same result as :func:`staged_english_analyzer` (a test holds them equal), at a
    third of the cost: indexing spends most of its time in per-token generator layers.
    Stop words are dropped and later positions renumbered, as ``StopFilter(renumber=True)``
    does, so ``"Party of Vietnam"`` as a phrase matches the indexed text.
    """

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __call__(self, tokens):
        removed = 0
        for t in tokens:
            term = english_term(t.text)
            if term is None:
                if t.removestops:
                    removed += 1
                    continue
                t.text = fold(t.text)
                t.stopped = True
            else:
                t.text = term
                t.stopped = False
                if removed and t.positions:
                    t.pos -= removed
            yield t


class PlainFilter(FoldFilter):
    """``LowercaseFilter | FoldFilter`` in one pass (see :class:`EnglishFilter`): fold()
    lower-cases too. A class of its own because stored schemas name it."""


class DirectPositions(formats.Positions):
    """Whoosh's ``Positions`` posting format, indexing this module's analyzers without
    their token stream.

    ``Positions.word_values`` runs the analyzer as a chain of generators yielding one
    ``Token`` per word; for ``NfcTokenizer | EnglishFilter`` (or ``PlainFilter``) the
    same terms and positions (stop words dropped and later positions renumbered, a gap
    between values) come from one loop over the regex matches, several times faster.
    The postings are identical (checked on every field of 800 benchmark articles and
    400 files of the real corpora), and any other analyzer goes through Whoosh's own
    path. Reading is Whoosh's: this class only adds speed. An index names this class in
    its pickled schema, so it must stay importable here.
    """

    def word_values(self, value, analyzer, **kwargs):
        direct = self.term_postings(value, analyzer) if set(kwargs) <= {"mode"} else None
        if direct is None:
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        for term, frequency, encoded in zip(*direct, strict=True):
            yield term, frequency, float(frequency) * boost, encoded

    def term_postings(
        self, value, analyzer, words: set[str] | None = None
    ) -> tuple[list[str], list[int], list[bytes]] | None:
        """The field's terms in ``value``, each one's frequency and encoded positions,
        as three lists (what :meth:`word_values` yields, without a generator step per
        term: the project's segment writer adds them to its pool in one call); None
        for an analyzer or value this class does not analyse itself.

        ``words``, if given, gets the words as found, before folding (the writer's
        spelling list is made of them: one pass over the text instead of two)."""
        direct = _direct_terms(analyzer) if isinstance(value, str) else None
        if direct is None:
            return None
        pattern, term_of = direct
        positions: dict[str, list[int]] = {}
        pos = 0
        removed = 0  # stop words so far: later positions move down (renumbering)
        for part in unicodedata.normalize("NFC", value).split(VALUE_SEPARATOR):
            found_words = pattern.findall(part)
            if words is not None:
                words.update(found_words)
            for word in found_words:
                term = term_of(word)
                if term is None:
                    removed += 1
                else:
                    found = positions.get(term)
                    if found is None:
                        positions[term] = [pos - removed]
                    else:
                        found.append(pos - removed)
                pos += 1
            pos += _VALUE_GAP
        found_lists = list(positions.values())
        return list(positions), list(map(len, found_lists)), list(map(self.encode, found_lists))

    def encode(self, poslist):
        # Most words occur once in a field, at one of a few hundred positions: those
        # encodings repeat, so they are made once (the bytes are Whoosh's).
        if len(poslist) == 1:
            encoded = _ONE_POSITION.get(poslist[0])
            if encoded is None:
                encoded = super().encode(poslist)
                if poslist[0] < _ONE_POSITION_LIMIT:
                    _ONE_POSITION[poslist[0]] = encoded
            return encoded
        return super().encode(poslist)


_ONE_POSITION: dict[int, bytes] = {}
_ONE_POSITION_LIMIT = 10_000


def _direct_terms(analyzer):
    """``(word pattern, word -> term or None)`` for this module's two pipelines, else
    None."""
    if not isinstance(analyzer, CompositeAnalyzer) or len(analyzer.items) != 2:
        return None
    tokenizer, word_filter = analyzer.items
    if type(tokenizer) is not NfcTokenizer:
        return None
    if type(word_filter) is EnglishFilter:
        return tokenizer.expression, english_term
    if type(word_filter) is PlainFilter:
        return tokenizer.expression, fold
    return None


def staged_english_analyzer():
    """The English pipeline as separate Whoosh stages: the reference for the tests."""
    return (
        NfcTokenizer()
        | LowercaseFilter()
        | FoldFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1, renumber=True)
        | CachedStemFilter()
    )


def english_analyzer():
    """For English text: NFC, fold, drop English stop words, stem."""
    return NfcTokenizer() | EnglishFilter()


def plain_analyzer():
    """For any other language, and for tags, places and sites: NFC and fold only."""
    return NfcTokenizer() | PlainFilter()


def site_analyzer():
    """Sites split at dots too, so ``site:bbc`` finds ``bbc.co.uk``."""
    return NfcTokenizer(re.compile(rf"[\w{_MARKS}]+")) | PlainFilter()


def english_terms(text: str) -> list[str]:
    """The index terms the English analyzer makes of ``text`` (for tests and tools)."""
    return [t.text for t in english_analyzer()(text)]


def plain_terms(text: str) -> list[str]:
    """The index terms the plain analyzer makes of ``text``."""
    return [t.text for t in plain_analyzer()(text)]


def is_english(language: str) -> bool:
    """Articles without a language are taken as English: every corpus here that omits
    the language is English, and stemming a word of another language only conflates a
    few forms, it never loses a match (queries are stemmed the same way)."""
    language = (language or "").strip().lower()
    return not language or language == "en" or language.startswith(("en-", "en_", "english"))

"""Cheap highlighted snippets: one regex pass over the stored body, no Whoosh highlighter.

Whoosh's highlighter re-analyses every stored body through the full analyzer and then
fragments it, which costs seconds for a page of long articles (bench/RESULTS.md, the plain
Whoosh peer). Here the body
is scanned once with the tokenizer's own word pattern, and each word is tested against
the query's terms through the cached :func:`~indexer.analysis.fold` and
:func:`~indexer.analysis.english_term` (the same functions the index used, so a word is
marked exactly when it would have matched). A few hundred dictionary lookups per body.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from indexer.analysis import WORD_PATTERN, english_term, fold

#: Target snippet length in characters (before escaping).
SNIPPET_CHARS = 240
#: Context kept before the first mark of the chosen window.
_LEAD = 60
#: Stop scanning after this many matches: the best window is almost surely among them.
_MAX_MATCHES = 200


@dataclass
class TermSet:
    """The query's terms as the index holds them: stems for the English fields, folded
    words for the others."""

    stems: set[str] = field(default_factory=set)
    plain: set[str] = field(default_factory=set)
    _prefilter: re.Pattern[str] | None = field(default=None, init=False, repr=False)
    _prefilter_built: bool = field(default=False, init=False, repr=False)

    def __bool__(self) -> bool:
        return bool(self.stems or self.plain)

    @property
    def prefilter(self) -> re.Pattern[str] | None:
        """A regex over lower-cased text finding where words may start like a query
        term; None when a term is not ASCII (then every word is tested).

        Testing every word of a long body costs about 1 µs a word; the regex skips the
        rest in C. A stem's first letters start every word it stems from (``parti``
        from ``party``), so three letters are safe. No ``\\b`` or IGNORECASE: both
        made Python's regex engine try every position slowly (300 µs a body).
        """
        if not self._prefilter_built:
            self._prefilter_built = True
            terms = self.stems | self.plain
            if terms and all(t.isascii() for t in terms):
                heads = sorted({re.escape(t[:3]) for t in terms}, key=len, reverse=True)
                self._prefilter = re.compile("|".join(heads))
        return self._prefilter

    def matches(self, word: str) -> bool:
        if self.plain and fold(word) in self.plain:
            return True
        return bool(self.stems) and english_term(word) in self.stems


def terms_for_snippets(terms_by_field: dict[str, set[str]]) -> TermSet:
    """Build a TermSet from ``{index field: terms}`` (see ``query.positive_terms``)."""
    out = TermSet()
    for fieldname, terms in terms_by_field.items():
        if fieldname in ("title", "body"):
            out.stems |= terms
        elif fieldname in ("title_plain", "body_plain"):
            out.plain |= terms
    return out


def snippet(text: str, terms: TermSet, length: int = SNIPPET_CHARS) -> str:
    """HTML: about ``length`` characters of ``text`` around the densest cluster of
    matches, escaped, with the matched words in ``<mark>``. The start of the text when
    nothing matches."""
    if not text:
        return ""
    spans: list[tuple[int, int]] = []
    if terms:
        starts = _candidate_starts(text, terms.prefilter)
        candidates: Iterator[re.Match[str] | None]
        if starts is not None:
            candidates = (WORD_PATTERN.match(text, start) for start in starts)
        else:
            candidates = WORD_PATTERN.finditer(text)
        last_end = -1
        for match in candidates:
            if match is None or match.start() < last_end:
                continue
            if terms.matches(match.group()):
                spans.append(match.span())
                last_end = match.end()
                if len(spans) >= _MAX_MATCHES:
                    break
    if not spans:
        return _plain_excerpt(text, length)
    start, end = _best_window(text, spans, length)
    inside = [(s, e) for s, e in spans if s >= start and e <= end]
    parts = ["…" if start > 0 else ""]
    cursor = start
    for s, e in inside:
        parts.append(html.escape(text[cursor:s], quote=False))
        parts.append("<mark>" + html.escape(text[s:e], quote=False) + "</mark>")
        cursor = e
    parts.append(html.escape(text[cursor:end], quote=False))
    if end < len(text):
        parts.append("…")
    return "".join(parts).replace("\n\n", " ").replace("\n", " ")


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_" or unicodedata.category(ch)[0] == "M"


def _candidate_starts(text: str, prefilter: re.Pattern[str] | None) -> list[int] | None:
    """Sorted offsets of the words that may match: those starting like a query term,
    and those with a non-ASCII letter (which could fold to one). None: test them all."""
    if prefilter is None:
        return None
    lowered = text.lower()
    if len(lowered) != len(text):
        return None  # a letter whose lower case is longer: offsets would shift
    starts = set()
    for m in prefilter.finditer(lowered):
        i = m.start()
        if i == 0 or not _is_word_char(lowered[i - 1]):
            starts.add(i)
    for m in _NON_ASCII.finditer(text):
        i = m.start()
        if not _is_word_char(text[i]):
            continue  # curly quotes, dashes: nearly every non-ASCII character of news
        while i > 0 and _is_word_char(text[i - 1]):
            i -= 1
        starts.add(i)
    return sorted(starts)


def _best_window(text: str, spans: list[tuple[int, int]], length: int) -> tuple[int, int]:
    """The window of ``length`` characters covering the most matches (distinct words
    counted first), widened to word boundaries."""
    best_score, best_first = (-1, -1), 0
    j = 0
    for i, (s, _e) in enumerate(spans):
        limit = s + length - _LEAD
        j = max(j, i)
        while j + 1 < len(spans) and spans[j + 1][1] <= limit:
            j += 1
        words = {text[a:b].casefold() for a, b in spans[i : j + 1]}
        score = (len(words), j - i + 1)
        if score > best_score:
            best_score, best_first = score, i
    first = spans[best_first][0]
    start = max(0, first - _LEAD)
    end = min(len(text), start + length)
    if end == len(text):
        start = max(0, end - length)
    return _word_start(text, start), _word_end(text, end)


def _word_start(text: str, index: int) -> int:
    """Move ``index`` forward to the start of a word (or to a paragraph start)."""
    if index <= 0:
        return 0
    paragraph = text.rfind("\n", max(0, index - 40), index)
    if paragraph != -1:
        return paragraph + 1
    space = text.find(" ", index, index + 30)
    return space + 1 if space != -1 else index


def _word_end(text: str, index: int) -> int:
    """Move ``index`` back to the end of a word."""
    if index >= len(text):
        return len(text)
    space = text.rfind(" ", max(0, index - 30), index)
    return space if space != -1 else index


def _plain_excerpt(text: str, length: int) -> str:
    end = _word_end(text, min(len(text), length))
    excerpt = html.escape(text[:end], quote=False).replace("\n\n", " ").replace("\n", " ")
    return excerpt + ("…" if end < len(text) else "")

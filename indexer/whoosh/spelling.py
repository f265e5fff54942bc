"""The unstemmed word list behind "did you mean", kept beside each generation.

``searcher.correct_query`` checks the *stemmed* terms of the English fields
(``flodding`` is stemmed to ``flod`` first) and a stem is often not a word (``parti``),
so suggestions need the words as written (folded). Whoosh can keep them itself
(``TEXT(spelling=True)``) but measured here that nearly doubled indexing time: it adds
one posting per distinct word per article. Instead the writer collects the folded words
of the articles it writes into ``words.tsv`` (``word<TAB>articles``) in the generation
directory, replaced atomically after each commit.

The list only grows between rebuilds (an incremental run adds the words of new and
changed articles): a word left over from a deleted article can be suggested, and then
the suggestion is simply not offered because it finds nothing (the search side checks).
"""

from __future__ import annotations

import os
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton

from indexer.analysis import WORD_PATTERN, fold

WORDS_FILE = "words.tsv"
#: Words longer than this are not words (ids, URLs, hashes glued together).
_MAX_WORD = 30


def article_words(*texts: str) -> set[str]:
    """The distinct folded words of some (NFC) text, as the suggestion list keeps them."""
    raw: set[str] = set()
    for text in texts:
        raw.update(WORD_PATTERN.findall(text))
    return spelling_words(raw)


def spelling_words(raw: Iterable[str]) -> set[str]:
    """The suggestion list's words among ``raw``, words as the tokenizer finds them
    (:data:`indexer.analysis.WORD_PATTERN`): folded, without numbers or overlong
    strings. (The indexing workers collect the raw words while they analyse the text,
    rather than finding them a second time.)"""
    return {fold(word) for word in raw if len(word) <= _MAX_WORD and not word.isdigit()}


def read_words(directory: Path) -> Counter:
    counts: Counter = Counter()
    try:
        with open(directory / WORDS_FILE, encoding="utf-8") as f:
            for line in f:
                word, _, count = line.rstrip("\n").partition("\t")
                if word:
                    counts[word] = int(count or 1)
    except FileNotFoundError:
        pass
    return counts


def write_words(directory: Path, new: Counter, *, merge: bool) -> None:
    """Write the word list (merged with the existing one when ``merge``), atomically."""
    counts = read_words(directory) if merge else Counter()
    counts.update(new)
    tmp = directory / f".{WORDS_FILE}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.writelines(f"{word}\t{count}\n" for word, count in sorted(counts.items()))
    os.replace(tmp, directory / WORDS_FILE)


class WordCorrector:
    """Closest words by edit distance (Whoosh's Levenshtein automata over the sorted
    list), closer first, then more frequent."""

    def __init__(self, counts: Counter):
        self.counts = counts
        self.words = sorted(counts)

    def __contains__(self, word: str) -> bool:
        return word in self.counts

    def suggest(self, word: str, maxdist: int = 2, prefix: int = 1) -> str | None:
        if not self.words:
            return None
        for distance in range(1, maxdist + 1):
            dfa = levenshtein_automaton(word, distance, prefix).to_dfa()
            found = [w for w in find_all_matches(dfa, _Skipper(self.words)) if w != word]
            if found:
                return max(found, key=lambda w: (self.counts[w], w))
        return None


class _Skipper:
    """The lookup ``find_all_matches`` needs: the first word >= the one asked."""

    def __init__(self, words: list[str]):
        self.words = words

    def __call__(self, word: str) -> str | None:
        i = bisect_left(self.words, word)
        return self.words[i] if i < len(self.words) else None

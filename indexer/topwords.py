"""Top words of a search, engine-neutral: which words of the hits are over-represented
against the whole archive (Elasticsearch's ``significant_terms``, Media Cloud's top
words).

An engine supplies two things: the text and language of the hits read (all of them,
or the best-ranked :data:`~indexer.api.TOP_WORDS_SAMPLE`), and for a few candidate
words how many articles of the archive have them in their body (its index knows this
without reading any article). This module does the rest once for both engines:

- the hits' words are letters-only runs of three or more, folded as the index folds
  them, grouped by their English stem (``election``/``elections``), minus stop words
  (the ``stop-words`` package's lists for English and the article's language) and the
  words of the query itself (which are in every hit by construction);
- the :data:`CANDIDATES` words found in most hits (at least :data:`MIN_COUNT`) are
  scored with JLH: with ``fg`` the share of hits having the word and ``bg`` the share
  of the archive, ``(fg - bg) * fg / bg``, which favours words both frequent in the hits
  and rare elsewhere, and is 0 for a word no more frequent than in the archive.

Tokenising with one regular expression, not the full analysers, keeps this within
tens of milliseconds for a hundred articles (the analysers take ten times as long).
Text with no letter outside ASCII (most English news, curly quotes and all) takes an
ASCII expression that finds the same words three times as fast, and each word's stem
is a dict lookup shared by all samples: 100 hits at 100k articles took 26 ms of CPU,
now 17 (bench/RESULTS.md).
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache

from stop_words import LANGUAGE_MAPPING, get_stop_words

from indexer.analysis import english_term, fold
from indexer.api import MAX_TOP_WORDS, TopWord

#: Candidate words scored (each costs a background count).
CANDIDATES = 80
#: A word must be in at least this many of the hits read.
MIN_COUNT = 2
_WORD = re.compile(r"[^\W\d_]{3,}")
#: The same on lower-cased ASCII text, three times as fast.
_ASCII_WORD = re.compile(r"[a-z]{3,}")
#: A character outside ASCII (a text's few of them are checked: see ``add``).
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=64)
def stop_words(language: str) -> frozenset[str]:
    """English stop words plus those of ``language`` (an ISO 639-1 code), folded."""
    words = set(get_stop_words("en"))
    code = (language or "").strip().lower()[:2]
    if code in LANGUAGE_MAPPING and code != "en":
        words |= set(get_stop_words(code))
    return frozenset(fold(w) for w in words)


#: A word's group: its English stem (None for a stop word of the English fields).
_key = english_term


def query_keys(text: str) -> set[str]:
    """The stems of the query's own words (left out of its top words)."""
    return {k for w in _WORD.findall(fold(text or "")) if (k := _key(w))}


class _Keys(dict):
    """Word to stem (:func:`indexer.analysis.english_term`), filled as words come."""

    def __missing__(self, word: str) -> str | None:
        key = self[word] = _key(word)
        return key


#: Each word's stem, shared by all samples: a plain dict lookup is cheaper than the
#: cached function's call, and a hit's words are mostly known ones. Emptied when it
#: holds more than ``_KEYS_KEPT`` words.
_KEYS = _Keys()
_KEYS_KEPT = 200_000


class SampleCounts:
    """How many of the hits read have each word (by stem), and its commonest form."""

    def __init__(self) -> None:
        self.documents = 0
        #: Hits having each stem, and each written form.
        self.counts: Counter[str] = Counter()
        self.words: Counter[str] = Counter()
        if len(_KEYS) > _KEYS_KEPT:
            _KEYS.clear()
        self._keys = _KEYS

    def add(self, text: str, language: str = "") -> None:
        """Count one hit's words. The text is lower-cased whole and only the words
        with accents folded, one by one (cached): folding a whole article is slower."""
        self.documents += 1
        text = text.lower()
        if all(not c.isalnum() for c in set(_NON_ASCII.findall(text))):
            # No letter outside ASCII (curly quotes, dashes and the like split words
            # in both expressions): the ASCII expression finds the same words.
            words = set(_ASCII_WORD.findall(text))
        else:
            words = {w if w.isascii() else fold(w) for w in set(_WORD.findall(text))}
        words -= stop_words(language)
        self.words.update(words)
        keys = set(map(self._keys.__getitem__, words))  # a stem counts once per hit
        keys.discard(None)
        self.counts.update(keys)

    def candidates(self, exclude: set[str]) -> list[tuple[str, str]]:
        """(stem, commonest form) of the most widespread words, at most CANDIDATES."""
        ranked = [
            k
            for _n, k in heapq.nsmallest(
                CANDIDATES,
                ((-n, k) for k, n in self.counts.items() if n >= MIN_COUNT and k not in exclude),
            )
        ]
        forms: dict[str, tuple[int, str]] = {}
        wanted = set(ranked)
        for word, key in zip(self.words, map(self._keys.__getitem__, self.words), strict=True):
            if key in wanted:
                n = self.words[word]
                best = forms.get(key)
                if best is None or (-n, len(word), word) < (-best[0], len(best[1]), best[1]):
                    forms[key] = (n, word)
        return [(k, forms[k][1]) for k in ranked]


def significant(
    sample: SampleCounts,
    candidates: list[tuple[str, str]],
    background: Callable[[list[tuple[str, str]]], dict[str, int]],
    articles: int,
    limit: int,
) -> list[TopWord]:
    """The ``limit`` most significant candidates, scored against ``background``
    (``{stem: articles of the archive having it}``) out of ``articles``."""
    if not candidates or not sample.documents or not articles:
        return []
    limit = max(1, min(int(limit), MAX_TOP_WORDS))
    counts = background(candidates)
    scored = []
    for key, word in candidates:
        fg = sample.counts[key] / sample.documents
        # The hits are part of the archive: an index that has not caught up (a word
        # in the hits but not yet counted) still gives a sensible share.
        bg = max(counts.get(key, 0), sample.counts[key]) / articles
        score = (fg - bg) * fg / bg if fg > bg else 0.0
        if score > 0:
            scored.append(TopWord(word, score, sample.counts[key], counts.get(key, 0)))
    scored.sort(key=lambda w: (-w.score, w.word))
    return scored[:limit]


def count_sample(documents: Iterable[dict]) -> SampleCounts:
    """Counts over the hits' stored fields (title, subtitle, body and language)."""
    sample = SampleCounts()
    for doc in documents:
        parts = (doc.get("title", ""), doc.get("subtitle", ""), doc.get("body", ""))
        sample.add("\n".join(p for p in parts if p), doc.get("language", ""))
    return sample

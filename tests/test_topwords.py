"""Counting the sampled hits' words for top words: the fast paths (the ASCII
expression, the shared stem map, the partial sort of candidates) must count exactly
what the plain algorithm counts, on real demo articles and on text with non-ASCII
punctuation, letters and signs."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from indexer.analysis import english_term, fold
from indexer.topwords import CANDIDATES, MIN_COUNT, SampleCounts, stop_words

HAND_MADE = [
    "The president\u2019s \u201cnew\u201d plan \u2014 taxes\u2026 and\u00a0more",
    "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 fa\u00e7ade: the caf\u00e9\u2019s owner",
    "Replacement \ufffdcharacters\ufffd inside wor\ufffdds",
    "An area of 20 km\u00b2 and \u00bd mile, x\u00b2y; \u0661\u0662\u0663 digits",
    "\u041c\u043e\u0441\u043a\u0432\u0430 and \u0391\u03b8\u03ae\u03bd\u03b1,"
    " \u5317\u4eac\u5e02 news",
    "\u0130stanbul and STRA\u00dfE, \u0110\u00e0 N\u1eb5ng",
    "snake_case_words and under_score, plain ascii only",
]


def _reference(texts: list[str]) -> tuple[Counter, Counter]:
    """The plain algorithm: every word by the Unicode expression, folded, by stem."""
    words: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for text in texts:
        found = {fold(w) for w in re.findall(r"[^\W\d_]{3,}", text.lower())}
        found -= stop_words("")
        words.update(found)
        counts.update({k for w in found if (k := english_term(w)) is not None})
    return words, counts


@pytest.fixture(scope="module")
def texts(demo: Path) -> list[str]:
    rows = [json.loads(line) for line in (demo / "news-articles.jsonl").open(encoding="utf-8")]
    return [f"{r['headline']}\n{r['content']}" for r in rows] + HAND_MADE


def test_the_sample_counts_what_the_plain_algorithm_counts(texts: list[str]) -> None:
    sample = SampleCounts()
    for text in texts:
        sample.add(text)
    words, counts = _reference(texts)
    assert sample.documents == len(texts)
    assert sample.words == words and sample.counts == counts
    # The hand-made texts reach both paths: some words only the Unicode one finds.
    assert {"naive", "cafe", "\u043c\u043e\u0441\u043a\u0432\u0430"} <= set(words)
    assert "km\u00b2" in words  # a non-ASCII sign that the expression takes for a letter
    # Candidates: the most widespread stems, ties by stem, as a full sort gives.
    ranked = sorted((k for k, n in counts.items() if n >= MIN_COUNT), key=lambda k: (-counts[k], k))
    assert [k for k, _w in sample.candidates(set())] == ranked[:CANDIDATES]

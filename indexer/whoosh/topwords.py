"""Top words on the Whoosh engine: the hits' stored text, and background counts from
the index's own document frequencies (no article is read for those).

The background of a word is the number of articles whose body has it: its stem in the
English ``body`` field plus its folded form in ``body_plain`` (the other languages), as
:mod:`indexer.typesense` counts it too. Whoosh's document frequencies still include
deleted articles until their segment is merged, a small overcount on a much larger
number.
"""

from __future__ import annotations

from indexer.api import SearchQuery, TopWordsResult
from indexer.topwords import count_sample, query_keys, significant


def top_words(searcher, stored: list[dict], total: int, articles: int, query: SearchQuery,
              limit: int) -> TopWordsResult:  # fmt: skip
    """The result for hits whose stored fields are ``stored`` (read under the lock the
    caller holds, as ``searcher`` is used here too)."""
    sample = count_sample(stored)

    def background(candidates: list[tuple[str, str]]) -> dict[str, int]:
        return {
            stem: searcher.doc_frequency("body", stem) + searcher.doc_frequency("body_plain", word)
            for stem, word in candidates
        }

    candidates = sample.candidates(query_keys(query.text))
    words = significant(sample, candidates, background, articles, limit)
    return TopWordsResult(query, total, len(stored), articles, words)

"""Top words on the Whoosh engine: the hits' stored text, and background counts from
the index's own document frequencies (no article is read for those).

The background of a word is the number of articles whose body has it: its stem in the
English ``body`` field plus its folded form in ``body_plain`` (the other languages), as
:mod:`indexer.typesense` counts it too. They are read once per snapshot, on its first
top-words call, into a :class:`~indexer.termcounts.TermCounts`
(:func:`background_counts`): asking Whoosh term by term cost a lookup per term and per
segment. Whoosh's document frequencies still include deleted articles until their
segment is merged, a small overcount on a much larger number.
"""

from __future__ import annotations

from indexer.api import SearchQuery, TopWordsResult
from indexer.termcounts import TermCounts
from indexer.topwords import MIN_COUNT, count_sample, query_keys, significant
from indexer.whoosh.lexicon import read_term_counts

#: The fields counted, and the tag each one's terms are hashed with.
_FIELDS = {"body": 0, "body_plain": 1}


def background_counts(reader) -> TermCounts:
    """Articles per term of the body fields; a word fewer than :data:`MIN_COUNT`
    articles have can never be a candidate, so those terms are not kept."""
    return read_term_counts(reader, _FIELDS, minimum=MIN_COUNT)


def top_words(counts: TermCounts, stored: list[dict], total: int, articles: int,
              query: SearchQuery, limit: int) -> TopWordsResult:  # fmt: skip
    """The result for hits whose stored fields are ``stored``, against ``counts``."""
    sample = count_sample(stored)

    def background(candidates: list[tuple[str, str]]) -> dict[str, int]:
        terms = [(_FIELDS["body"], stem) for stem, _w in candidates]
        terms += [(_FIELDS["body_plain"], word) for _s, word in candidates]
        found = counts.lookup(terms)
        n = len(candidates)
        return {stem: found[i] + found[n + i] for i, (stem, _w) in enumerate(candidates)}

    candidates = sample.candidates(query_keys(query.text))
    words = significant(sample, candidates, background, articles, limit)
    return TopWordsResult(query, total, len(stored), articles, words)

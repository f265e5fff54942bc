"""Near-duplicate detection (:mod:`archive.clusters`) on real NewsArticles rows
(``tests/fixtures/news-articles-trends.csv``): versions made with the edits wire copies
get join their original; the distinct real articles stay apart; the result does not
depend on the order articles come in. Quality on a larger set: ``python -m bench.clusters``.
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

from archive.clusters import (
    clusters,
    from_bytes,
    pairs,
    precision_recall,
    signature,
    to_bytes,
)

FIXTURE = Path(__file__).parent / "fixtures" / "news-articles-trends.csv"
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"“A-Z])")


def _bodies() -> dict[str, str]:
    with FIXTURE.open(newline="", encoding="utf-8") as f:
        return {f"a{int(r['article_id']):05d}": r["text"] for r in csv.DictReader(f)}


def _version(text: str, rng: random.Random) -> str:
    """A wire copy: a dateline, curly quotes, one sentence dropped, a byline added."""
    parts = _SENTENCE.split(text)
    if len(parts) > 4:
        del parts[rng.randrange(1, len(parts))]
    body = " ".join(parts).replace('"', "“")
    return f"LONDON (Reuters) - {body}\n\nReporting by Tom Brown; Editing by Ann Lee"


def test_versions_join_their_original_and_distinct_articles_stay_apart():
    rng = random.Random(13)
    bodies = _bodies()
    originals = [k for k, v in sorted(bodies.items()) if len(_SENTENCE.split(v)) >= 6][:25]
    texts = dict(bodies)
    truth = set()
    for key in originals:
        texts[key + "-v"] = _version(bodies[key], rng)
        truth.add((key, key + "-v"))
    assignment = clusters({k: signature(v) for k, v in texts.items()})
    precision, recall = precision_recall(pairs(assignment), truth)
    assert (precision, recall) == (1.0, 1.0)
    # A version's cluster is named by the smallest id in it: the original's.
    assert all(assignment[k + "-v"] == k for k in originals)


def test_the_same_articles_give_the_same_clusters_in_any_order():
    bodies = dict(list(_bodies().items())[:40])
    texts = {**bodies, **{k + "-copy": v.upper() + " " for k, v in list(bodies.items())[:10]}}
    keys = list(texts)
    first = clusters({k: signature(texts[k]) for k in keys})
    random.Random(1).shuffle(keys)
    assert clusters({k: signature(texts[k]) for k in keys}) == first
    # Case, spacing and punctuation are not differences.
    assert all(first[k + "-copy"] == k for k in list(bodies)[:10])


def test_short_texts_are_clusters_of_their_own_and_signatures_survive_storage():
    assert signature("Too short to judge.") is None
    sig = signature(next(iter(_bodies().values())))
    assert sig is not None and from_bytes(to_bytes(sig)).jaccard(sig) == 1.0
    assert clusters({"b": None, "a": signature("Too short")}) == {"b": "b", "a": "a"}


def test_candidate_pairs_compared_a_few_at_a_time_give_the_same_clusters(monkeypatch):
    """The pairs are checked in chunks (memory at 1M articles): chunks of one pair give
    what one chunk of all of them gives, on wire copies that share LSH buckets."""
    import archive.clusters as module

    rng = random.Random(5)
    bodies = dict(list(_bodies().items())[:60])
    texts = dict(bodies)
    for key in list(bodies)[:20]:
        for n in range(3):
            texts[f"{key}-v{n}"] = _version(bodies[key], rng)
    signatures = {k: signature(v) for k, v in texts.items()}
    whole = clusters(signatures)
    assert len(set(whole.values())) < len(whole)  # some stories have versions
    monkeypatch.setattr(module, "_PAIR_CHUNK", 1)
    assert clusters(signatures) == whole

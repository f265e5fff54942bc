"""Quality of story clusters (issue 13): pairwise precision and recall of
:mod:`archive.clusters` on versions made by the edits wire copies get, among real
distinct articles on the same subjects from the same days.

    .venv/bin/python -m bench.clusters [--originals 150] [--seed 13]

The test set, rebuilt deterministically from ``../shared/corpora/news-articles``:

- originals: real NewsArticles bodies of at least 8 sentences;
- 1-3 versions of each, every version given 2-3 of these edits: a dateline or a byline
  added, a sentence dropped, a sentence of another article added, the last fifth cut,
  quote marks and dashes changed, a few words of a sentence changed (an edited quote),
  or the text re-saved as a page export (whitespace, an "Advertisement" line);
- distinct stories: every real article that mentions Aleppo, Mosul or Raqqa (different
  stories on the same subjects, many from the same days), which must not merge with
  each other or with the originals;
- the demo set (``data/demo``), whose articles are all distinct stories.

Prints the pairs per threshold, the false merges found, and the time a signature takes.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import time
from pathlib import Path

from archive import Article, read
from archive.clusters import THRESHOLD, clusters, pairs, precision_recall, signature

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT.parent / "shared" / "corpora" / "news-articles" / "NewsArticles.csv"
DEMO = ROOT / "data" / "demo"
_SENTENCE = re.compile(r"(?<=[.!?\"”])\s+(?=[\"“A-Z])")
DATELINES = ["WASHINGTON (Reuters) - ", "LONDON (AFP) — ", "MOSCOW, March 3 (TASS) -- ",
             "BEIRUT (AP) — ", "NEW YORK — "]  # fmt: skip
BYLINES = [
    "By Jane Smith, Associated Press\n\n",
    "Reporting by Tom Brown; Editing by Ann Lee",
    "(Additional reporting by Staff in Paris.)",
    "Copyright 2017 The Associated Press.",
]


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text.strip()) if s]


def edit(text: str, others: list[str], rng: random.Random) -> str:
    """One version of ``text``: 2-3 of the edits wire copies get."""
    parts = sentences(text)
    for kind in rng.sample(
        ["dateline", "byline", "drop", "add", "cut", "quotes", "words", "resave"], rng.randint(2, 3)
    ):
        if kind == "dateline":
            parts[0] = rng.choice(DATELINES) + parts[0]
        elif kind == "byline":
            line = rng.choice(BYLINES)
            parts = [line, *parts] if line.endswith("\n\n") else [*parts, line]
        elif kind == "drop" and len(parts) > 4:
            del parts[rng.randrange(1, len(parts))]
        elif kind == "add":
            parts.insert(
                rng.randrange(1, len(parts) + 1), rng.choice(sentences(rng.choice(others)))
            )
        elif kind == "cut" and len(parts) > 5:
            parts = parts[: max(4, len(parts) * 4 // 5)]
        elif kind == "quotes":
            swap = {'"': rng.choice(["“", "”"]), "'": "’", " - ": " — ", "--": "—"}
            parts = [re.sub(r"\"|'| - |--", lambda m, s=swap: s[m[0]], p) for p in parts]
        elif kind == "words":
            i = rng.randrange(len(parts))
            w = parts[i].split()
            for _ in range(min(3, len(w) // 4)):
                w[rng.randrange(len(w))] = rng.choice(["said", "told", "stated", "added"])
            parts[i] = " ".join(w)
        elif kind == "resave":
            middle = len(parts) // 2
            parts = [*parts[:middle], "Advertisement", *parts[middle:]]
            parts = [p.replace(" ", "  ", 1) for p in parts]
    return "\n\n".join(parts)


def build(originals: int, seed: int) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """``({id: body}, true pairs)``."""
    rng = random.Random(seed)
    with NEWS.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["text"].strip()]
    topical = re.compile(r"\b(aleppo|mosul|raqqa)\b", re.IGNORECASE)
    distinct = {f"topic-{r['article_id']}": r["text"] for r in rows if topical.search(r["text"])}
    long_enough = [r for r in rows if len(sentences(r["text"])) >= 8]
    chosen = rng.sample(long_enough, originals)
    texts = dict(distinct)
    truth: set[tuple[str, str]] = set()
    bodies = [r["text"] for r in rows]
    for r in chosen:
        key = f"orig-{r['article_id']}"
        if f"topic-{r['article_id']}" in texts:
            del texts[f"topic-{r['article_id']}"]  # an original is not also a distinct story
        group = [key]
        texts[key] = r["text"]
        for n in range(rng.randint(1, 3)):
            version = f"{key}-v{n}"
            texts[version] = edit(r["text"], bodies, rng)
            group.append(version)
        group.sort()
        truth.update((a, b) for i, a in enumerate(group) for b in group[i + 1 :])
    return texts, truth


def demo_bodies() -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted(p for p in DEMO.rglob("*") if p.is_file()):
        for item in read(path, root=DEMO):
            if isinstance(item, Article) and item.id not in out:
                out[item.id] = item.body
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--originals", type=int, default=150)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    texts, truth = build(args.originals, args.seed)
    started = time.process_time()
    sigs = {key: signature(text) for key, text in texts.items()}
    per_article = (time.process_time() - started) / len(texts) * 1000
    versions = sum(1 for k in texts if "-v" in k)
    print(
        f"test set: {len(texts)} articles ({args.originals} originals, {versions} versions, "
        f"{len(texts) - args.originals - versions} distinct same-subject stories), "
        f"{len(truth)} true pairs; a signature takes {per_article:.2f} ms of CPU"
    )
    print("\n| threshold | predicted pairs | precision | recall |\n|---|---|---|---|")
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        found = pairs(clusters(sigs, threshold))
        precision, recall = precision_recall(found, truth)
        mark = " (used)" if threshold == THRESHOLD else ""
        print(f"| {threshold}{mark} | {len(found)} | {precision:.3f} | {recall:.3f} |")
    found = pairs(clusters(sigs))
    wrong = sorted(found - truth)
    print(f"\nfalse merges at {THRESHOLD}: {len(wrong)}", *wrong[:10], sep="\n  ")
    missed = sorted(truth - found)
    print(f"missed pairs at {THRESHOLD}: {len(missed)}", *missed[:10], sep="\n  ")
    demo = demo_bodies()
    merged = pairs(clusters({k: signature(v) for k, v in demo.items()}))
    print(
        f"\ndemo set: {len(demo)} articles, {len(merged)} pairs merged", *sorted(merged), sep="\n  "
    )


if __name__ == "__main__":
    main()

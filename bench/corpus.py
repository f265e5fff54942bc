"""The benchmark corpus: the real NewsArticles set and deterministic scale-ups of it.

The real set (3,824 English articles from nine sites, 2016-2017) is too small to show
how engines scale, so larger sets are derived from it: each derived article is a real
headline over a body of real sentences, taken in runs (so phrases and co-occurrences
stay natural) from several real articles, with a date spread over 2010-2024, 1-4 tags
and 1-3 places drawn with Zipf-like weights from the fixed lists in
:mod:`bench.vocab`, and one of the nine real sites. A seeded generator makes every set
reproducible, and each set is a prefix of the larger ones.

Sets are written once, streamed line by line, to ``bench/cache/corpus-<size>.jsonl``
with the field names the project's JSONL reader maps (id, title, body, published, url,
tags, places, site); every engine in the benchmark indexes that same file.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import json
import os
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from archive.places import resolve_place, with_ancestors
from bench.vocab import PLACES, SITES, TAGS

BENCH_DIR = Path(__file__).resolve().parent
CACHE_DIR = BENCH_DIR / "cache"
REAL_CSV = Path(
    os.environ.get(
        "BENCH_NEWS_CSV",
        BENCH_DIR.parent.parent / "shared" / "corpora" / "news-articles" / "NewsArticles.csv",
    )
)
#: Bump when generation changes, so stale caches are rebuilt rather than trusted.
GENERATOR_VERSION = 1
SEED = 20240601
SIZES: dict[str, int] = {"real": 0, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}

#: Derived bodies are 150-400 words (plus the rest of the last run of sentences), so a
#: million articles stay a couple of GB on disk.
BODY_WORDS = (150, 400)
DATE_RANGE = (datetime(2010, 1, 1, tzinfo=UTC), datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC))
ZIPF_S = 1.0

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'“‘A-Z0-9])")


@dataclass
class RealArticle:
    title: str
    body: str
    published: str
    url: str
    site: str
    sentences: list[str]


def site_of(url: str) -> str:
    host = re.sub(r"^https?://", "", url).split("/")[0].lower()
    return host[4:] if host.startswith("www.") else host


def load_real(path: Path = REAL_CSV) -> list[RealArticle]:
    """The real articles, with their sentences, in file order (stdlib csv)."""
    csv.field_size_limit(sys.maxsize)
    articles = []
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        for row in csv.DictReader(f):
            body = " ".join((row.get("text") or "").split())
            title = " ".join((row.get("title") or "").split())
            if not body or not title:
                continue
            articles.append(
                RealArticle(
                    title=title,
                    body=body,
                    published=_real_date(row.get("publish_date") or ""),
                    url=(row.get("article_source_link") or "").strip(),
                    site=site_of(row.get("article_source_link") or ""),
                    sentences=[s for s in _SENTENCE_END.split(body) if len(s.split()) >= 3],
                )
            )
    return articles


def _real_date(value: str) -> str:
    """``2017/2/7`` (sometimes with a time) as ISO 8601."""
    match = re.match(r"(\d{4})/(\d{1,2})/(\d{1,2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?", value)
    if not match:
        return ""
    y, m, d, hh, mm, ss = match.groups()
    if hh is None:
        return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}T{int(hh):02d}:{int(mm):02d}:{int(ss or 0):02d}Z"


class _Zipf:
    """Sample distinct items with weight 1/rank^s (the first item is the most common)."""

    def __init__(self, items: tuple[str, ...], s: float = ZIPF_S) -> None:
        self.items = items
        total = 0.0
        self.cum: list[float] = []
        for rank in range(1, len(items) + 1):
            total += 1.0 / rank**s
            self.cum.append(total)

    def sample(self, rng: random.Random, k: int) -> list[str]:
        chosen: list[str] = []
        for _ in range(k * 8):  # bounded: duplicates are redrawn a few times at most
            item = self.items[bisect.bisect_left(self.cum, rng.random() * self.cum[-1])]
            if item not in chosen:
                chosen.append(item)
                if len(chosen) == k:
                    break
        return chosen


class Generator:
    """Derived articles from the real ones, in a fixed order for a fixed seed."""

    def __init__(self, real: list[RealArticle], seed: int = SEED) -> None:
        self.real = [a for a in real if len(a.sentences) >= 2]
        self.rng = random.Random(seed)
        self.tags = _Zipf(TAGS)
        self.places = _Zipf(PLACES)
        counts = {site: 0 for site in SITES}
        for article in real:
            if article.site in counts:
                counts[article.site] += 1
        self.sites = list(counts)
        self.site_weights = [max(c, 1) for c in counts.values()]
        self.start = DATE_RANGE[0].timestamp()
        self.span = DATE_RANGE[1].timestamp() - self.start

    def metadata(self) -> tuple[list[str], list[str]]:
        rng = self.rng
        tags = self.tags.sample(rng, rng.choices((1, 2, 3, 4), (35, 35, 20, 10))[0])
        places = self.places.sample(rng, rng.choices((1, 2, 3), (50, 35, 15))[0])
        return tags, places

    def body(self) -> str:
        """Runs of 2-5 consecutive real sentences from different articles, one paragraph
        per run, until the target length is reached."""
        rng = self.rng
        target = rng.randint(*BODY_WORDS)
        paragraphs: list[str] = []
        words = 0
        while words < target:
            sentences = rng.choice(self.real).sentences
            run = rng.randint(2, 5)
            first = rng.randrange(max(1, len(sentences) - run + 1))
            paragraph = " ".join(sentences[first : first + run])
            paragraphs.append(paragraph)
            words += paragraph.count(" ") + 1
        return "\n\n".join(paragraphs)

    def article(self, n: int) -> dict:
        rng = self.rng
        title = rng.choice(self.real).title
        body = self.body()
        when = datetime.fromtimestamp(self.start + rng.random() * self.span, tz=UTC)
        site = rng.choices(self.sites, self.site_weights)[0]
        tags, places = self.metadata()
        key = f"b{n:07d}"
        return {
            "id": key,
            "title": title,
            "body": body,
            "published": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "url": f"https://{site}/bench/{key}",
            "tags": tags,
            "places": places,
            "site": site,
        }


def iter_corpus(size: str, real: list[RealArticle] | None = None) -> Iterator[dict]:
    """The records of one set, generated on the fly (streamed, never all in memory)."""
    real = real if real is not None else load_real()
    gen = Generator(real)
    if size == "real":
        # Real text, dates, URLs and sites; only the tags and places are assigned.
        for n, article in enumerate(real, start=1):
            tags, places = gen.metadata()
            yield {
                "id": f"r{n:05d}",
                "title": article.title,
                "body": article.body,
                "published": article.published,
                "url": article.url,
                "tags": tags,
                "places": places,
                "site": article.site,
            }
        return
    for n in range(1, SIZES[size] + 1):
        yield gen.article(n)


def corpus_path(size: str) -> Path:
    return CACHE_DIR / f"corpus-{size}.jsonl"


def ensure_corpus(size: str, log=print) -> Path:
    """The set's JSONL file, generated (atomically) unless an up-to-date one is cached."""
    if size not in SIZES:
        raise SystemExit(f"unknown size {size!r}; choose from {', '.join(SIZES)}")
    path = corpus_path(size)
    meta_path = path.with_suffix(".meta.json")
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("version") == GENERATOR_VERSION and meta.get("seed") == SEED:
            return path
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    if not REAL_CSV.exists():
        raise SystemExit(f"the real corpus is missing: {REAL_CSV} (set BENCH_NEWS_CSV)")
    started = time.perf_counter()
    tmp = path.with_suffix(".jsonl.tmp")
    count = words = 0
    with tmp.open("w", encoding="utf-8") as out:
        for record in iter_corpus(size):
            out.write(json.dumps(record, ensure_ascii=False))
            out.write("\n")
            count += 1
            words += record["body"].count(" ") + 1
            if count % 100_000 == 0:
                log(f"  corpus {size}: {count:,} articles")
    os.replace(tmp, path)
    meta = {
        "version": GENERATOR_VERSION,
        "seed": SEED,
        "articles": count,
        "bytes": path.stat().st_size,
        "mean_body_words": round(words / max(count, 1), 1),
        "seconds": round(time.perf_counter() - started, 1),
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    log(
        f"  corpus {size}: {count:,} articles, {meta['bytes'] / 1e6:,.0f} MB, "
        f"{meta['mean_body_words']} words/body, {meta['seconds']} s"
    )
    return path


def corpus_meta(size: str) -> dict:
    return json.loads(corpus_path(size).with_suffix(".meta.json").read_text())


def read_jsonl(path: Path) -> Iterator[dict]:
    """The records of a corpus file, one at a time (what the peer engines index)."""
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def place_values(places: list[str]) -> list[str]:
    """The places the peers index for a record: each resolved as the archive's readers
    resolve a file's own places (``United States/Chicago`` is
    ``United States/Illinois/Chicago`` in the gazetteer; an unknown one is kept as
    given), with all their ancestors, deduplicated in order: what a place facet counts
    and a place filter matches. Every engine then counts the same paths, and the
    agreement check compares counting, not place names."""
    return with_ancestors(_resolved(places))


def _resolved(places: list[str]) -> list[str]:
    out: list[str] = []
    for name in places:
        path = resolve_place(name) or name
        if path not in out:
            out.append(path)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate (or reuse) a benchmark corpus.")
    parser.add_argument("--size", default="10k", choices=list(SIZES))
    args = parser.parse_args(argv)
    path = ensure_corpus(args.size)
    print(path, json.dumps(corpus_meta(args.size)))


if __name__ == "__main__":
    main()

"""Measure place extraction: precision and recall against the Reuters-21578 PLACES and
the hand-labelled Vietnamese set, and speed on the NewsArticles corpus.

    .venv/bin/python scripts/measure_places.py [--corpora ../shared/corpora] [-v]

Reuters PLACES are human-assigned country codes of what a story is about, so the
comparison is at country level: the first component of each path find_places returns
(the places an article is *about*) against resolve_place(code) of each PLACES code.
Micro-averaged over all documents, and over each half (odd and even file numbers).

The Vietnamese set (``tests/fixtures/places-vi/``) is read through the archive's own
readers (``archive.read``), and compared at province level: the Vietnamese provinces,
current and former, that the place facet would count each article under (a place and
its ancestors, ``Vietnam`` itself left out), against the same of the hand labels.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.article import Article  # noqa: E402
from archive.places import find_places, gazetteer, resolve_place, with_ancestors  # noqa: E402
from archive.readers import read  # noqa: E402

VIETNAMESE_SET = ROOT / "tests" / "fixtures" / "places-vi"


@dataclass
class ReutersDoc:
    name: str
    title: str
    dateline: str
    body: str
    places: list[str]


def read_reuters(folder: Path) -> list[ReutersDoc]:
    docs = []
    for path in sorted(folder.glob("*.xml")):
        root = ET.parse(path).getroot()
        text = root.find("TEXT")

        def field(tag: str, text=text) -> str:
            node = text.find(tag) if text is not None else None
            return (node.text or "").strip() if node is not None else ""

        places = [d.text or "" for d in root.findall("PLACES/D")]
        docs.append(ReutersDoc(path.name, field("TITLE"), field("DATELINE"), field("BODY"), places))
    return docs


def countries(paths: list[str]) -> set[str]:
    return {p.split("/")[0] for p in paths}


def score_reuters(docs: list[ReutersDoc], verbose: bool = False) -> tuple[float, float, int]:
    """Micro precision and recall at country level, and the number of documents."""
    tp = fp = fn = 0
    for doc in docs:
        gold = {resolve_place(code) for code in doc.places} - {None}
        found = countries(find_places(doc.title, doc.body, doc.dateline))
        tp += len(found & gold)
        fp += len(found - gold)
        fn += len(gold - found)
        if verbose and found != gold:
            print(f"  {doc.name}: gold {sorted(gold)} found {sorted(found)}  [{doc.dateline}]")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, len(docs)


def halves(docs: list[ReutersDoc]) -> dict[str, list[ReutersDoc]]:
    """Odd and even file numbers: the rules were written looking at every document's
    disagreements, so neither half is held out; the split shows how much the figure
    moves with the sample."""
    odd = [d for d in docs if int(d.name.split("-")[1].split(".")[0]) % 2]
    return {"odd": odd, "even": [d for d in docs if d not in odd]}


def provinces(paths: list[str]) -> set[str]:
    """The Vietnamese province-level facet values (current and former provinces)."""
    places = gazetteer().places
    return {
        p
        for p in with_ancestors(paths)
        if p.startswith("Vietnam/") and p in places and places[p].kind == "region"
    }


def score_vietnamese(folder: Path, verbose: bool = False) -> tuple[float, float, int, int]:
    """Micro precision and recall at province level over the hand-labelled set, and the
    number of articles and of labelled provinces."""
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    tp = fp = fn = 0
    mention_hits = mention_found = mention_gold = 0
    for name, label in sorted(labels.items()):
        articles = [a for a in read(folder / "articles" / name) if isinstance(a, Article)]
        if len(articles) != 1:
            raise SystemExit(f"{name}: read {len(articles)} articles, expected 1")
        found = provinces(articles[0].places)
        gold = provinces(label["about"])
        found_mentions = provinces(articles[0].mentions) - found
        gold_mentions = provinces(label["mentions"]) - gold
        mention_hits += len(found_mentions & gold_mentions)
        mention_found += len(found_mentions)
        mention_gold += len(gold_mentions)
        tp += len(found & gold)
        fp += len(found - gold)
        fn += len(gold - found)
        if verbose and found != gold:
            print(f"  {name}: gold {sorted(gold)} found {sorted(found)}")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    print(
        f"  mentioned-only provinces: precision {mention_hits / max(mention_found, 1):.3f}, "
        f"recall {mention_hits / max(mention_gold, 1):.3f} ({mention_gold} labelled)"
    )
    return precision, recall, len(labels), tp + fn


def read_news_articles(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        return list(csv.DictReader(fh))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("-v", "--verbose", action="store_true", help="show disagreements")
    args = parser.parse_args()

    start = time.perf_counter()
    gaz = gazetteer()
    print(
        f"gazetteer: {len(gaz.places):,} places, {len(gaz.names):,} names, "
        f"loaded in {time.perf_counter() - start:.2f} s"
    )

    docs = read_reuters(args.corpora / "reuters-21578")
    codes = sorted({code for doc in docs for code in doc.places})
    print("Reuters PLACES codes:", ", ".join(f"{c}={resolve_place(c)}" for c in codes))
    precision, recall, n = score_reuters(docs, args.verbose)
    print(
        f"Reuters-21578 ({n} docs), country level: precision {precision:.3f}, recall {recall:.3f}"
    )
    for half, part in halves(docs).items():
        precision, recall, n = score_reuters(part)
        print(f"  {half} half ({n} docs): precision {precision:.3f}, recall {recall:.3f}")

    precision, recall, n, labelled = score_vietnamese(VIETNAMESE_SET, args.verbose)
    print(
        f"Vietnamese set ({n} articles, {labelled} labelled provinces), province level: "
        f"precision {precision:.3f}, recall {recall:.3f}"
    )

    articles = read_news_articles(args.corpora / "news-articles" / "NewsArticles.csv")
    start = time.perf_counter()
    found = Counter()
    empty = 0
    for row in articles:
        places = find_places(row["title"], row["text"])
        found.update(places)
        empty += not places
    elapsed = time.perf_counter() - start
    print(
        f"NewsArticles: {len(articles):,} articles in {elapsed:.2f} s = "
        f"{len(articles) / elapsed:,.0f} articles/s; {empty} with no place"
    )
    print("most found:", ", ".join(f"{p} ({c})" for p, c in found.most_common(15)))


if __name__ == "__main__":
    main()

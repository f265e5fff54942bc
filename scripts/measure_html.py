"""Measure the HTML reader against the saved pages in ../shared/corpora/html-pages/.

For each page: title, date (date part), authors and language against the expected
metadata (metadata/*.json, newspaper4k's reference output), and token precision/recall
of the main text against txt/*.txt. Pages with no expected metadata are listed with
what the reader did (an Article or the reason it skipped the page).

    .venv/bin/python scripts/measure_html.py [path/to/html-pages]

Tokens are lower-cased words for space-separated languages and single characters for
Chinese, Japanese, Thai and Burmese, which do not separate words with spaces.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
import warnings
from collections import Counter
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.article import Article, Problem  # noqa: E402
from archive.readers import read  # noqa: E402

DEFAULT_PAGES = ROOT.parent / "shared" / "corpora" / "html-pages"
#: Languages written without spaces between words: compared character by character.
UNSPACED = {"zh", "ja", "th", "my", "km", "lo"}


def norm_title(text: str) -> str:
    """Titles compared case- and whitespace-insensitively, full-width forms folded."""
    return "".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def title_verdict(got: str, expected: str) -> str:
    """``yes``: equal; ``part``: one holds the other (a kicker or site name more);
    ``no``: different."""
    a, b = norm_title(got), norm_title(expected)
    if a == b:
        return "yes"
    short, long_ = sorted((a, b), key=len)
    if short and short in long_ and len(short) >= 0.6 * len(long_):
        return "part"
    return "no"


def tokens(text: str, language: str) -> Counter:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    if language in UNSPACED:
        return Counter(ch for ch in text if ch.isalnum())
    return Counter(re.findall(r"\w+", text))


def precision_recall(got: str, expected: str, language: str) -> tuple[float, float]:
    g, e = tokens(got, language), tokens(expected, language)
    common = sum((g & e).values())
    precision = common / sum(g.values()) if g else 0.0
    recall = common / sum(e.values()) if e else 0.0
    return precision, recall


def name_key(name: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", name).casefold() if ch.isalnum())


def day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value[:10]).date()
    return None


def read_page(path: Path) -> Article | Problem:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = list(read(path))
    return results[0]


def main(argv: list[str]) -> int:
    pages = Path(argv[1]) if len(argv) > 1 else DEFAULT_PAGES
    if not (pages / "html").is_dir():
        print(f"no saved pages at {pages}", file=sys.stderr)
        return 1
    header = (
        f"{'page':22} {'title':5} {'date':9} {'authors':7} {'lang':5} "
        f"{'prec':>5} {'recall':>6}  notes"
    )
    print(header)
    print("-" * len(header))
    totals: Counter = Counter()
    precisions: list[float] = []
    recalls: list[float] = []
    skipped: list[str] = []
    for html in sorted((pages / "html").glob("*.html")):
        name = html.stem
        result = read_page(html)
        meta_file = pages / "metadata" / f"{name}.json"
        txt_file = pages / "txt" / f"{name}.txt"
        expected = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
        if isinstance(result, Problem):
            expect = "EXPECTED AN ARTICLE" if expected or txt_file.exists() else ""
            print(f"{name:22} {result.reason} {expect}")
            skipped.append(name)
            totals["skipped"] += 1
            continue
        totals["articles"] += 1
        cells = {"title": "-", "date": "-", "authors": "-", "lang": "-"}
        notes = []
        if expected:
            totals["with metadata"] += 1
            verdict = title_verdict(result.title, expected.get("title", ""))
            cells["title"] = verdict
            totals[f"title {verdict}"] += 1
            if verdict != "yes":
                notes.append(f"title {result.title[:50]!r}")
            want, got = day(expected.get("publish_date")), day(result.published)
            if want is None:
                cells["date"] = "extra" if got else "none ok"
                totals["date expected none, " + ("gave one" if got else "gave none")] += 1
                if got:
                    notes.append(f"date {got} (none expected)")
            else:
                ok = want == got
                cells["date"] = "yes" if ok else "no"
                totals["date yes" if ok else "date no"] += 1
                if not ok:
                    notes.append(f"date {got} != {want}")
            want_authors = {name_key(a) for a in expected.get("authors") or []}
            got_authors = {name_key(a) for a in result.authors}
            ok = want_authors == got_authors
            cells["authors"] = "yes" if ok else "no"
            totals["authors yes" if ok else "authors no"] += 1
            if not ok:
                notes.append(f"authors {result.authors} vs {expected.get('authors')}")
            want_lang = (expected.get("language") or expected.get("meta_lang") or "")[:2]
            if want_lang:
                ok = result.language == want_lang
                cells["lang"] = "yes" if ok else "no"
                totals["language yes" if ok else "language no"] += 1
        if not expected:
            notes.append(f"no reference metadata; title {result.title[:50]!r}")
        prec = rec = None
        if txt_file.exists():
            language = result.language or (expected.get("language") or "")[:2]
            prec, rec = precision_recall(
                result.body, txt_file.read_text(encoding="utf-8"), language
            )
            precisions.append(prec)
            recalls.append(rec)
        p = f"{prec:5.2f}" if prec is not None else "    -"
        r = f"{rec:6.2f}" if rec is not None else "     -"
        print(
            f"{name:22} {cells['title']:5} {cells['date']:9} {cells['authors']:7} "
            f"{cells['lang']:5} {p} {r}  {'; '.join(notes)}"
        )
    print()
    print("totals")
    for key in sorted(totals):
        print(f"  {key}: {totals[key]}")
    if recalls:
        mean_p, mean_r = sum(precisions) / len(precisions), sum(recalls) / len(recalls)
        print(
            f"  text: {len(recalls)} pages, mean precision {mean_p:.2f}, "
            f"mean recall {mean_r:.2f}, "
            f"recall >= 0.8 on {sum(r >= 0.8 for r in recalls)}/{len(recalls)}"
        )
    if skipped:
        print(f"  skipped pages: {', '.join(skipped)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

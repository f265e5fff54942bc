"""Regenerate data/demo/ from the real corpora in ../shared/corpora/.

The demo set is a few hundred real articles in every format the archive reads, so the
README's commands work on any machine, with or without ../shared. It is deterministic:
the same corpora give the same files.

    python scripts/make_demo.py [--corpora ../shared/corpora] [--out data/demo]
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.repair import damage  # noqa: E402

#: Saved pages that are real articles (the home pages and RSS page stay out of the demo,
#: except one home page, kept to show that non-articles are skipped with a reason).
HTML_PAGES = [
    "cnn_article.html",
    "article_with_br.html",
    "article_with_divs.html",
    "japanese_article2.html",
    "chinese_article_002.html",
    "thai_article.html",
    "cnn_main_site.html",
]


def sample_news_rows(path: Path, every: int) -> list[dict[str, str]]:
    """One row in every ``every``: the first of each stretch that reads cleanly.

    About one row in seven of NewsArticles lost characters before it was published
    (``Sinn F\ufffd\ufffdin``, ``DeVos"?highly``); the demo is what newcomers and the
    README's screenshots see, so it takes the next clean row instead.
    """
    csv.field_size_limit(1 << 27)
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    chosen = []
    for start in range(0, len(rows), every):
        stretch = rows[start : start + every]
        clean = [r for r in stretch if not damage(" ".join((r["title"], r["subtitle"], r["text"])))]
        if clean:
            chosen.append(clean[0])
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "demo")
    args = parser.parse_args()
    corpora, out = args.corpora, args.out
    if out.exists():
        shutil.rmtree(out)
    (out / "seed").mkdir(parents=True)

    for seed in sorted((corpora / "seed").glob("*.txt")):
        shutil.copy2(seed, out / "seed" / seed.name)

    rows = sample_news_rows(corpora / "news-articles" / "NewsArticles.csv", every=12)
    csv_rows, json_rows, md_rows = rows[:220], rows[220:280], rows[280:300]
    with (out / "news-articles.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(csv_rows)
    with (out / "news-articles.jsonl").open("w", encoding="utf-8") as f:
        for row in json_rows:
            record = {
                "id": row["article_id"],
                "headline": row["title"],
                "summary": row["subtitle"],
                "published": row["publish_date"],
                "link": row["article_source_link"],
                "content": row["text"],
            }
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    (out / "markdown").mkdir()
    for row in md_rows:
        front = {
            "title": row["title"],
            "date": row["publish_date"].split()[0].replace("/", "-"),
            "url": row["article_source_link"],
        }
        lines = ["---"] + [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in front.items()]
        text = "\n".join(lines) + "\n---\n\n" + row["text"].strip() + "\n"
        (out / "markdown" / f"article-{row['article_id']}.md").write_text(text, encoding="utf-8")

    (out / "reuters").mkdir()
    for doc in sorted((corpora / "reuters-21578").glob("*.xml"))[:30]:
        shutil.copy2(doc, out / "reuters" / doc.name)

    (out / "html").mkdir()
    for name in HTML_PAGES:
        shutil.copy2(corpora / "html-pages" / "html" / name, out / "html" / name)

    count = len(csv_rows) + len(json_rows) + len(md_rows) + 30 + len(HTML_PAGES) + 1
    print(f"wrote {out} ({count} files' worth of articles)")


if __name__ == "__main__":
    main()

"""Where one indexing worker's CPU time goes, per article, in one process.

    python -m bench.index_cost --size 10k --articles 6000 --limitmb 32
    python -m bench.index_cost --code /tmp/old-checkout     # the same for other code
    python -m bench.index_cost --compact --limitmb 4096      # the workers' compact pool

The writer's workers (``indexer.whoosh.writer._segment_worker``) each turn their share of the
articles into one segment; this runs the same steps in this process, without worker
processes, so the stages can be timed apart (``time.process_time``, best of
``--repeat``): reading the JSONL (the main process's part), ``add_document`` (analysis,
and any spilled runs of the posting pool), the spelling words, and the flush (sorting
or merging the postings and writing them). ``--limitmb`` small forces the spills a
worker meets past a few thousand articles; the default keeps everything in memory.
``--compact`` takes the writer the workers use since issue 15 (its pool in arrays, never
spilled: keep ``--limitmb`` large so that all articles make one segment).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.index_cost", description=__doc__)
    p.add_argument("--size", default="10k", help="which generated corpus to take from")
    p.add_argument("--articles", type=int, default=6000)
    p.add_argument("--limitmb", type=int, default=256, help="the posting pool's limit")
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--code", type=Path, default=None, help="a checkout to import instead")
    p.add_argument("--compact", action="store_true", help="the workers' compact pool")
    args = p.parse_args(argv)
    if args.code:
        sys.path.insert(0, str(args.code.resolve()))

    from bench.corpus import ensure_corpus  # the harness's own, whatever --code is

    corpus = ensure_corpus(args.size, log=lambda _m: None)
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.jsonl"
        with open(corpus, encoding="utf-8") as src, open(sample, "w", encoding="utf-8") as out:
            for _ in range(args.articles):
                out.write(src.readline())
        print(_measure(sample, Path(tmp) / "index", args.limitmb, args.repeat, args.compact))
    return 0


def _measure(sample: Path, index_dir: Path, limitmb: int, repeat: int, compact: bool) -> str:
    from whoosh import index as whoosh_index

    import indexer.whoosh.writer as writer_module
    from archive import Article, read
    from indexer.whoosh.schema import build_schema, to_document
    from indexer.whoosh.spelling import article_words

    start = time.process_time()
    articles = [a for a in read(sample) if isinstance(a, Article)]
    n = len(articles)
    best = {"read": (time.process_time() - start) / n}
    for _ in range(repeat):
        shutil.rmtree(index_dir, ignore_errors=True)
        index_dir.mkdir()
        ix = whoosh_index.create_in(index_dir, build_schema())
        t0 = time.process_time()
        writer_class = (
            writer_module._FlushingSegmentWriter if compact else writer_module._SegmentWriter
        )
        writer = writer_class(ix, _lk=False, limitmb=limitmb)
        for article in articles:
            writer.add_document(**to_document(article, "sample"))
        t1 = time.process_time()
        runs = len(getattr(writer.pool, "runs", ()))  # sorted runs spilled to disk so far
        words: Counter = Counter()
        for article in articles:
            words.update(article_words(article.title, article.subtitle, article.body))
        t2 = time.process_time()
        writer._finalize_segment()
        t3 = time.process_time()
        for stage, seconds in (("add", t1 - t0), ("words", t2 - t1), ("flush", t3 - t2)):
            best[stage] = min(best.get(stage, float("inf")), seconds / n)
    best["worker total"] = best["add"] + best["words"] + best["flush"]
    cells = ", ".join(f"{stage} {seconds * 1000:.2f}" for stage, seconds in best.items())
    code = Path(writer_module.__file__).resolve().parent.parent
    pool = "compact pool" if compact else f"{runs} spilled runs"
    return f"{n} articles, limitmb {limitmb} ({pool}), code {code}: {cells} ms/article"


if __name__ == "__main__":
    raise SystemExit(main())

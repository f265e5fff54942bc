"""Check that the reading path gives byte-identical results to a reference commit.

``python -m bench.places_equal`` reads the real text the project is measured on (the
3,824 NewsArticles of ``../shared/corpora/``, its 50 Reuters documents and 24 saved
pages, ``data/demo/`` and the 10k bench corpus) twice: once with this checkout's
``archive/`` and once with ``archive/`` as it was at ``--ref`` (default ``6dc99f8``,
before the read path was made cheaper), unpacked from git into a temporary folder and
run in a child process, so no second copy of any module lives in the repository.

Each run writes, per file, every Article (all fields) or Problem the readers give, and
every ``locate_places`` call the readers make with its arguments and both of its lists,
plus ``locate_places`` over each article's title and body alone, without a dateline.
The two dumps must be equal line for line; the first difference is printed and the
exit status is 1. Speed-ups are worthless if an article's places change.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
BENCH_CORPUS = ROOT / "bench" / "cache" / "corpus-10k.jsonl"
DEFAULT_REF = "6dc99f8"


def sources() -> list[Path]:
    """The files and folders read, those present on this machine."""
    found = [
        CORPORA / "news-articles" / "NewsArticles.csv",
        CORPORA / "reuters-21578",
        CORPORA / "html-pages" / "html",
        CORPORA / "seed",
        ROOT / "data" / "demo",
        BENCH_CORPUS,
    ]
    return [p for p in found if p.exists()]


def _plain(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def dump(paths: list[Path]) -> Iterator[str]:
    """One JSON line per article, problem and place extraction, in reading order."""
    import archive.extract
    from archive import places
    from archive.article import Article
    from archive.readers import read_paths

    calls: list[str] = []
    original = archive.extract.locate_places

    def recording(title: str, body: str, dateline: str = "") -> places.PlaceFinding:
        found = original(title, body, dateline)
        calls.append(json.dumps(["places", title, body, dateline, found.about, found.mentions]))
        return found

    archive.extract.locate_places = recording
    for path in paths:
        yield json.dumps(["source", path.name])
        for item in read_paths([path]):
            yield from calls
            calls.clear()
            if isinstance(item, Article):
                fields = {f.name: _plain(getattr(item, f.name)) for f in dataclasses.fields(item)}
                yield json.dumps(["article", fields], sort_keys=True, default=str)
                alone = places.locate_places(item.title, item.body)
                yield json.dumps(["alone", alone.about, alone.mentions])
            else:
                yield json.dumps(["problem", str(item)])


def timing(corpus: Path, rounds: int) -> dict[str, float]:
    """CPU milliseconds per article: reading ``corpus`` whole (readers, repair, enrich,
    places), and ``locate_places`` alone over the articles read; best of ``rounds``."""
    from archive import places
    from archive.article import Article
    from archive.readers import read_paths

    places.gazetteer()  # loaded once per process, not what an article costs
    read_best = places_best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        articles = [a for a in read_paths([corpus]) if isinstance(a, Article)]
        read_best = min(read_best, time.process_time() - t0)
        t0 = time.process_time()
        for a in articles:
            places.locate_places(a.title, a.body)
        places_best = min(places_best, time.process_time() - t0)
    n = len(articles)
    return {"articles": n, "read": read_best * 1000 / n, "places": places_best * 1000 / n}


def reference_tree(ref: str, into: Path) -> None:
    """``archive/`` as it was at ``ref``, unpacked from git under ``into``."""
    data = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "archive"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.places_equal", description=__doc__.split("\n")[0]
    )
    p.add_argument("--ref", default=DEFAULT_REF, help="the commit to compare with")
    p.add_argument(
        "--time",
        action="store_true",
        help="instead, time reading the 10k bench corpus and locate_places, ref and new",
    )
    p.add_argument("--rounds", type=int, default=3, help="with --time: best of this many")
    p.add_argument("--dump", type=Path, help=argparse.SUPPRESS)  # the child's output file
    args = p.parse_args(argv)
    paths = sources()
    if args.dump and args.time:
        args.dump.write_text(json.dumps(timing(BENCH_CORPUS, args.rounds)))
        return 0
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as out:
            for line in dump(paths):
                out.write(line + "\n")
        return 0

    print("reading:", ", ".join(str(p) for p in paths))
    if not BENCH_CORPUS.exists():
        print(f"note: {BENCH_CORPUS} absent (python -m bench --size 10k makes it)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        reference_tree(args.ref, tmp_path / "ref")
        outputs = {}
        for name, pythonpath in (("new", ROOT), ("ref", tmp_path / "ref")):
            out = tmp_path / f"{name}.jsonl"
            env = {**os.environ, "PYTHONPATH": f"{pythonpath}{os.pathsep}{ROOT}"}
            subprocess.run(
                [sys.executable, "-m", "bench.places_equal", "--dump", str(out)]
                + (["--time", "--rounds", str(args.rounds)] if args.time else []),
                check=True,
                cwd=tmp_path,
                env=env,
            )
            outputs[name] = out
        if args.time:
            for name in ("ref", "new"):
                t = json.loads(outputs[name].read_text())
                print(
                    f"{name}: {t['articles']:,} articles of {BENCH_CORPUS.name}: read path "
                    f"{t['read']:.3f} ms CPU/article, locate_places {t['places']:.3f} ms"
                )
            return 0
        new_dump, ref_dump = outputs["new"], outputs["ref"]
        with new_dump.open(encoding="utf-8") as new, ref_dump.open(encoding="utf-8") as ref:
            counts: dict[str, int] = {}
            digest = hashlib.sha256()
            for number, (a, b) in enumerate(zip(new, ref, strict=False), 1):
                if a != b:
                    print(f"DIFFERENT at line {number}:\n  new: {a[:2000]}\n  ref: {b[:2000]}")
                    return 1
                counts[a[2 : a.index('"', 2)]] = counts.get(a[2 : a.index('"', 2)], 0) + 1
                digest.update(a.encode())
            if new.readline() or ref.readline():
                print("DIFFERENT: one dump is longer than the other")
                return 1
    summary = ", ".join(f"{v:,} {k}" for k, v in sorted(counts.items()))
    print(f"identical to {args.ref}: {summary} (sha256 {digest.hexdigest()[:16]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

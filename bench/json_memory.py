"""Peak memory of reading a large ``.json`` array: streamed (ijson) against whole.

``python -m bench.json_memory`` writes a ~220 MB array of 25,000 generated records to
``bench/cache/`` once, then reads every article of it in two fresh processes: the
archive's reader as it is (streamed), and the same reader with streaming turned off
(``json.loads`` of the whole document, what it did before). It prints the articles read,
the peak RSS (``ru_maxrss``) and the seconds of each. Not a test.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench.corpus import CACHE_DIR

RECORDS = 25_000
BODY_WORDS = 1600

_READ_ALL = r"""
import resource, sys
import archive.readers.records as records
from archive.article import Article
from archive.readers import read
if sys.argv[2] == "whole":
    records.stream_json_array = lambda ctx, make: None
count = sum(1 for item in read(sys.argv[1]) if isinstance(item, Article))
print(count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def ensure_file() -> Path:
    path = CACHE_DIR / f"array-{RECORDS}.json"
    if path.exists():
        return path
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    body = " ".join(["lorem", "ipsum", "dolor", "sit"] * (BODY_WORDS // 4))
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write("[\n")
        for n in range(RECORDS):
            f.write(",\n" if n else "")
            f.write(json.dumps({"id": f"a{n}", "title": f"Title {n}", "text": body}))
        f.write("\n]\n")
    tmp.replace(path)
    return path


def main() -> None:
    path = ensure_file()
    print(f"{path}: {path.stat().st_size / 1e6:.0f} MB, {RECORDS:,} records")
    for mode in ("streamed", "whole"):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _READ_ALL, str(path), mode],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"{mode} failed:\n{done.stderr[-2000:]}")
        count, peak = map(int, done.stdout.split())
        seconds = time.perf_counter() - started
        print(f"{mode}: {count:,} articles, peak RSS {peak / 2**20:.0f} MiB, {seconds:.0f} s")


if __name__ == "__main__":
    main()

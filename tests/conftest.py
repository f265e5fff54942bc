"""Shared fixtures: where the real corpora and the demo set lie."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo"
CORPORA = ROOT.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def corpora() -> Path:
    """``../shared/corpora``; tests that need it skip where it is absent."""
    if not CORPORA.is_dir():
        pytest.skip(f"real corpora not present at {CORPORA}")
    return CORPORA


@pytest.fixture(scope="session")
def demo() -> Path:
    """The project's own demo set, ``data/demo``."""
    return DEMO

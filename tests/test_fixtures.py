"""The repository's copy of the real corpora: what a clone runs the suite on.

The copy must be the corpora unchanged (a check that only runs beside
``../shared/corpora``), and nothing a newcomer reads may send them to a folder a clone
does not have.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPORA_ARCHIVE = ROOT / "tests" / "fixtures" / "corpora.tar.xz"


@pytest.mark.corpora
def test_the_fixture_copy_is_the_shared_corpora_unchanged(shared_corpora: Path) -> None:
    with tarfile.open(CORPORA_ARCHIVE) as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
        assert len(members) > 90
        for member in members:
            copy = tar.extractfile(member)
            assert copy is not None
            assert copy.read() == (shared_corpora / member.name).read_bytes(), member.name


def test_the_suite_finds_every_corpus_in_the_copy(corpora: Path) -> None:
    assert (corpora / "news-articles" / "NewsArticles.csv").stat().st_size > 10_000_000
    assert len(list((corpora / "reuters-21578").glob("*.xml"))) == 50
    assert len(list((corpora / "html-pages" / "html").glob("*.html"))) == 24
    assert len(list((corpora / "seed").glob("*.txt"))) == 1


def test_the_readme_points_at_nothing_a_clone_lacks() -> None:
    assert "../shared" not in (ROOT / "README.md").read_text(encoding="utf-8")

"""The two demo articles the citation and interface-language tests index.

The Vietnam.vn page export the archive is modelled on (places Dien Bien and Da Nang,
03/10/2024) and a CNN article with four authors (newspaper4k's test data), both from
``data/demo`` (sources in data/README.md).
"""

from __future__ import annotations

import shutil
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"
CITATION_ARTICLES = (DEMO / "seed" / "000_2119a2664b8313cc.txt", DEMO / "html" / "cnn_article.html")


def copy_citation_articles(corpus: Path) -> Path:
    """Copy :data:`CITATION_ARTICLES` into ``corpus`` (a folder of its own to index)."""
    for path in CITATION_ARTICLES:
        shutil.copy(path, corpus / path.name)
    return corpus

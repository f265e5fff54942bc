"""Story clusters in the index and in search, on both engines (issue 13).

Real NewsArticles rows (``tests/fixtures/news-articles-trends.csv``), one article per
CSV file, and wire copies of some of them (a dateline, a byline, one sentence dropped)
as files of their own. Incremental runs add the versions, change one into another
story, and remove the article that names a cluster; after each run the clusters the
engine stored must be what :func:`archive.clusters.clusters` gives for the articles
present (the oracle), and what a rebuild of the same files gives. Then searches
collapse each story to one hit and count articles and stories.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest
from typesense_servers import connection_for, typesense_server  # noqa: F401 - fixture

from archive import Article, read
from archive.clusters import clusters, signature
from indexer import SearchQuery
from indexer.backends import index_paths
from indexer.typesense import TypesenseEngine
from indexer.whoosh import WhooshEngine
from indexer.whoosh.storage import open_mapped_index

FIXTURE = Path(__file__).parent / "fixtures" / "news-articles-trends.csv"
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"“A-Z])")
#: Originals that get versions, and how many versions each.
VERSIONED = {0: 2, 1: 1, 2: 1}
ARTICLES = 12


def _rows() -> list[dict]:
    with FIXTURE.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if len(_SENTENCE.split(r["text"])) >= 6]
    return rows[:ARTICLES]


def _version(row: dict, n: int) -> dict:
    """A wire copy on another site: a dateline, one sentence dropped, a byline."""
    parts = _SENTENCE.split(row["text"])
    del parts[1 + n]
    text = "LONDON (Reuters) - " + " ".join(parts) + "\n\nReporting by Tom Brown"
    return {
        **row,
        "article_id": f"{row['article_id']}{n + 1}000",
        "article_source_link": f"https://wire{n}.example.com/story/{row['article_id']}",
        "title": f"{row['title']} (update {n + 1})",
        "text": text,
    }


def _write(folder: Path, name: str, row: dict) -> None:
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)


def _present(folder: Path) -> list[Article]:
    return [
        a for path in sorted(folder.glob("*.csv")) for a in read(path) if isinstance(a, Article)
    ]


def _news_with_versions(tmp_path: Path) -> Path:
    """A folder of the originals and their wire copies (:data:`VERSIONED`)."""
    folder = tmp_path / "news"
    folder.mkdir()
    rows = _rows()
    for row in rows:
        _write(folder, f"a{row['article_id']}", row)
    for index, count in VERSIONED.items():
        for n in range(count):
            _write(folder, f"v{index}-{n}", _version(rows[index], n))
    return folder


def _oracle(folder: Path) -> dict[str, str]:
    return clusters({a.id: signature(a.body) for a in _present(folder)})


def _stored(engine) -> dict[str, str]:
    with engine.open() as archive:
        return {h.id: h.cluster for h in archive.iter_hits(SearchQuery(versions="all"))}


@pytest.fixture(params=["whoosh", "typesense"])
def make_engine(request, tmp_path):
    """A factory of empty archives on one engine (two per test: incremental, rebuilt)."""
    made = []

    def make():
        name = f"stories{len(made)}"
        if request.param == "typesense":
            server = request.getfixturevalue("typesense_server")
            engine = TypesenseEngine(connection_for([server], collection=f"{name}_{id(made)}"))
        else:
            engine = WhooshEngine(tmp_path / name)
        made.append(engine)
        return engine

    return make


def test_incremental_runs_keep_clusters_right_and_agree_with_a_rebuild(make_engine, tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    rows = _rows()
    for row in rows:
        _write(folder, f"a{row['article_id']}", row)
    engine, rebuilt = make_engine(), make_engine()

    def check(step: str) -> dict[str, str]:
        expected = _oracle(folder)
        assert _stored(engine) == expected, step
        index_paths(rebuilt, [folder], rebuild=True)
        assert _stored(rebuilt) == expected, f"{step}: the rebuild"
        return expected

    index_paths(engine, [folder])
    first = check("originals only")
    assert len(set(first.values())) == len(first)  # distinct real stories stay apart

    for index, count in VERSIONED.items():
        for n in range(count):
            _write(folder, f"v{index}-{n}", _version(rows[index], n))
    index_paths(engine, [folder])
    joined = check("versions added")
    groups: dict[str, list[str]] = {}
    for key, cluster in joined.items():
        groups.setdefault(cluster, []).append(key)
    assert sorted(len(g) for g in groups.values() if len(g) > 1) == [2, 2, 3]

    # A version rewritten as another story leaves its cluster.
    _write(folder, "v1-0", {**_version(rows[1], 0), "text": rows[ARTICLES - 1]["text"][::-1]})
    index_paths(engine, [folder])
    check("a version changed into another story")

    # The article naming the three-article cluster goes: the two others keep a cluster,
    # under a new name (the smallest id left).
    members = max(groups.values(), key=len)
    name_file = next(
        p for p in folder.glob("*.csv") for a in read(p) if getattr(a, "id", None) == min(members)
    )
    name_file.unlink()
    index_paths(engine, [folder])
    after = check("the cluster's naming article removed")
    left = [k for k in members if k in after]
    assert len(left) == 2 and after[left[0]] == after[left[1]] == min(left)
    shutil.rmtree(folder)


def test_search_shows_each_story_once_and_counts_articles(make_engine, tmp_path):
    folder = _news_with_versions(tmp_path)
    engine = make_engine()
    index_paths(engine, [folder])
    expected = _oracle(folder)
    sizes = {c: list(expected.values()).count(c) for c in set(expected.values())}
    with engine.open() as archive:
        collapsed = archive.search(SearchQuery(page_size=100))
        every = archive.search(SearchQuery(page_size=100, versions="all"))
        paged = [
            h.id
            for page in (1, 2, 3)
            for h in archive.search(SearchQuery(page=page, page_size=4)).hits
        ]
        exported = list(archive.iter_hits(SearchQuery()))
    # Totals and facets count articles either way; the hits are one per story.
    assert collapsed.total == every.total == len(expected)
    assert collapsed.stories == every.stories == len(sizes)
    assert collapsed.facets["site"] == every.facets["site"]
    assert len(every.hits) == len(expected)
    assert sorted(h.cluster for h in collapsed.hits) == sorted(sizes)
    for hit in [*collapsed.hits, *every.hits]:
        assert hit.cluster == expected[hit.id] and hit.versions == sizes[hit.cluster]
    for hit in collapsed.hits:
        others = {o.id for o in hit.others}
        assert others == {k for k, c in expected.items() if c == hit.cluster} - {hit.id}
        assert hit.to_dict()["versions"] == hit.versions
    assert not any(h.others for h in every.hits)
    # Pages of stories follow one another without repeats; exports collapse the same way.
    assert paged == [h.id for h in collapsed.hits]
    assert [h.id for h in exported] == [h.id for h in collapsed.hits]
    assert collapsed.to_dict()["stories"] == len(sizes)
    with pytest.raises(Exception, match="versions"):
        with engine.open() as archive:
            archive.search(SearchQuery(versions="some"))  # type: ignore[arg-type]


def test_a_story_with_more_versions_than_a_page_reads_on(make_engine, tmp_path):
    """The newest 120 articles are versions of one story: more than the ranking's first
    prefix the Whoosh engine collapses (twice the page plus 64), so the search must read
    on to find the other stories. Pages are what collapsing the full ranking gives."""
    folder = tmp_path / "news"
    folder.mkdir()
    rows = _rows()
    for row in rows:
        _write(folder, f"a{row['article_id']}", row)
    for n in range(120):
        version = {
            **rows[0],
            "article_id": f"9{n:04d}",
            "publish_date": f"2030/{1 + n // 28}/{1 + n % 28}",
            "article_source_link": f"https://wire{n}.example.com/story/{rows[0]['article_id']}",
            "text": f"LONDON (Reuters) - {rows[0]['text']}\n\nReporting by Reporter {n}",
        }
        _write(folder, f"v{n:03d}", version)
    engine = make_engine()
    index_paths(engine, [folder])
    with engine.open() as archive:
        ranking = [
            h
            for page in (1, 2, 3)
            for h in archive.search(
                SearchQuery(sort="newest", page=page, page_size=50, versions="all")
            ).hits
        ]
        pages = [
            archive.search(SearchQuery(sort="newest", page=page, page_size=5)) for page in (1, 2, 3)
        ]
    assert len(ranking) == len(rows) + 120
    firsts: dict[str, str] = {}
    for hit in ranking:
        firsts.setdefault(hit.cluster, hit.id)
    expected = list(firsts.values())
    assert len(expected) == len(rows)  # the 120 versions and their original: one story
    assert [h.id for page in pages for h in page.hits] == expected[:15]
    assert pages[0].hits[0].versions == 121
    assert all(page.stories == len(rows) and page.total == len(rows) + 120 for page in pages)


def test_workers_that_flush_before_the_clusters_are_known_still_store_them(tmp_path, monkeypatch):
    """Whoosh's worker processes write a segment whenever their pool is full (issue 15),
    before the run's clusters are known: the clusters of the versions in those segments
    are kept beside them, no article is written twice, and the clusters read are the
    oracle's, in this run and after an incremental one."""
    from indexer.whoosh import writer as whoosh_writer
    from indexer.whoosh.layout import Layout

    monkeypatch.setattr(whoosh_writer, "CHUNK_ARTICLES", 2)
    monkeypatch.setattr(whoosh_writer, "WORKER_LIMIT_MB", 0.02)
    monkeypatch.setattr(whoosh_writer, "_worker_count", lambda: 2)
    folder = _news_with_versions(tmp_path)
    engine = WhooshEngine(tmp_path / "index")
    index_paths(engine, [folder], rebuild=True)
    layout = Layout(tmp_path / "index")
    generation = layout.generation_dir(layout.read_pointer().generation)
    assert list(generation.glob("*.clusters.npz"))  # versions in early-flushed segments
    with engine.open() as archive:
        result = archive.search(SearchQuery(page_size=100))
        assert result.total == len(_oracle(folder))
        assert result.stories == len(set(_oracle(folder).values()))
    assert _stored(engine) == _oracle(folder)
    ix = open_mapped_index(generation)
    try:
        assert not any(segment.has_deletions() for segment in ix._segments())
    finally:
        ix.close()
    # An incremental run reads the kept clusters as the stored ones: it rewrites
    # nothing when nothing changed, and keeps them right when a version is added.
    _write(folder, "late", _version(_rows()[1], 3))
    index_paths(engine, [folder])
    assert _stored(engine) == _oracle(folder)

"""SQLite FTS5 through Python's own sqlite3, the way Datasette serves a searchable table.

An FTS5 table (porter stemmer over unicode61) indexes title and body with the articles
table as external content; tags and places (with their ancestors) are plain tables
indexed by value; the year is a column. A search is a handful of SQL statements over
the same WHERE clause, as Datasette issues them: a count, the top 10 by ``bm25()``
(FTS5's ``rank``) with ``snippet()``, and one ``GROUP BY`` per facet. Written the way
a careful SQLite user would: snippets only for the 10 ids, filters kept out of FTS5's
rowid lookup (see ``_top``), small columns before the bodies.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench.corpus import place_values, read_jsonl
from bench.engines import Answer, facet_plan, parse_published
from bench.queries import BenchQuery, fts5_text

SCHEMA = """
CREATE TABLE articles (
    id INTEGER PRIMARY KEY, key TEXT, url TEXT, site TEXT, published TEXT, year INTEGER,
    title TEXT, body TEXT
);
CREATE TABLE article_tags (article INTEGER, tag TEXT);
CREATE TABLE article_places (article INTEGER, place TEXT);
CREATE VIRTUAL TABLE fts USING fts5(
    title, body, content='articles', content_rowid='id', tokenize='porter unicode61'
);
"""
INDEXES = """
CREATE INDEX article_tags_tag ON article_tags (tag, article);
CREATE INDEX article_tags_article ON article_tags (article);
CREATE INDEX article_places_place ON article_places (place, article);
CREATE INDEX article_places_article ON article_places (article);
CREATE INDEX articles_published ON articles (published);
"""
BATCH = 2000


class SqliteEngine:
    name = "sqlite"

    def __init__(self) -> None:
        self.db: sqlite3.Connection | None = None

    # --- indexing ---------------------------------------------------------------

    def build(self, corpus: Path, index_dir: Path) -> dict:
        index_dir.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(index_dir / "archive.db")
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        count = 0
        rows, fts, tags, places = [], [], [], []

        def flush() -> None:
            db.executemany("INSERT INTO articles VALUES (?,?,?,?,?,?,?,?)", rows)
            db.executemany("INSERT INTO fts (rowid, title, body) VALUES (?,?,?)", fts)
            db.executemany("INSERT INTO article_tags VALUES (?,?)", tags)
            db.executemany("INSERT INTO article_places VALUES (?,?)", places)
            for batch in (rows, fts, tags, places):
                batch.clear()

        with db:
            for record in read_jsonl(corpus):
                count += 1
                when = parse_published(record["published"])
                rows.append(
                    (
                        count,
                        record["id"],
                        record["url"],
                        record["site"],
                        when.isoformat() if when else None,
                        when.year if when else None,
                        record["title"],
                        record["body"],
                    )
                )
                fts.append((count, record["title"], record["body"]))
                tags.extend((count, t) for t in record["tags"])
                places.extend((count, p) for p in place_values(record["places"]))
                if len(rows) >= BATCH:
                    flush()
            flush()
            db.executescript(INDEXES)
            db.execute("INSERT INTO fts (fts) VALUES ('optimize')")
        db.execute("ANALYZE")
        db.close()
        return {"articles": count}

    # --- searching --------------------------------------------------------------

    def open(self, index_dir: Path) -> None:
        self.db = sqlite3.connect(index_dir / "archive.db", check_same_thread=False)
        self.db.execute("PRAGMA query_only=ON")
        self.db.execute("PRAGMA cache_size=-262144")  # 256 MB page cache
        self.db.execute("PRAGMA mmap_size=1073741824")

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def _where(
        self, match: str | None, tags: list[str], places: list[str], col: str
    ) -> tuple[str, list]:
        """Conditions on an article id column, as Datasette builds them from filters."""
        sql, params = [], []
        if match:
            sql.append(f"{col} IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
            params.append(match)
        if tags:
            marks = ",".join("?" * len(tags))
            sql.append(f"{col} IN (SELECT article FROM article_tags WHERE tag IN ({marks}))")
            params += tags
        if places:
            marks = ",".join("?" * len(places))
            sql.append(f"{col} IN (SELECT article FROM article_places WHERE place IN ({marks}))")
            params += places
        return (" AND ".join(sql) or "1"), params

    def search(self, q: BenchQuery) -> Answer:
        db = self.db
        assert db is not None
        match = None if q.is_browse else fts5_text(q)
        facets: dict[str, dict[str, int]] = {}
        total = 0
        top: list[str] = []
        snippets: list[str] = []
        for i, (tags, places, counted) in enumerate(facet_plan(q)):
            if i == 0:
                where, params = self._where(match, tags, places, "id")
                total = db.execute(
                    f"SELECT count(*) FROM articles WHERE {where}", params
                ).fetchone()[0]
                top, snippets = self._top(match, tags, places)
            for facet in counted:
                facets[facet] = self._facet(facet, match, tags, places)
        return Answer(total=total, top=top, snippets=snippets, facets=facets)

    def _top(self, match: str | None, tags: list[str], places: list[str]) -> tuple[list, list]:
        db = self.db
        if match is None:
            where, params = self._where(None, tags, places, "id")
            rows = db.execute(
                f"SELECT url, substr(body, 1, 200) FROM articles WHERE {where} "
                "ORDER BY published DESC LIMIT 10",
                params,
            ).fetchall()
        else:
            # The top 10 ids first, snippets for those only. ``+rowid`` keeps the filter
            # out of FTS5's own index lookup: pushed down, FTS5 would re-run the MATCH
            # once per filtered id (seconds for a popular tag).
            where, params = self._where(None, tags, places, "+rowid")
            rows = db.execute(
                "SELECT a.url, snippet(fts, -1, '<mark>', '</mark>', '…', 24) "
                "FROM fts JOIN articles a ON a.id = fts.rowid "
                "WHERE fts MATCH ? AND fts.rowid IN ("
                f"SELECT rowid FROM fts WHERE fts MATCH ? AND {where} ORDER BY rank LIMIT 10"
                ") ORDER BY rank",
                [match, match, *params],
            ).fetchall()
        return [r[0] for r in rows], [r[1] for r in rows]

    def _facet(self, facet: str, match: str | None, tags: list[str], places: list[str]) -> dict:
        db = self.db
        if facet == "year":
            where, params = self._where(match, tags, places, "id")
            # Undated articles have no year to count (as in the project's date facet).
            sql = (
                f"SELECT year, count(*) FROM articles WHERE {where} AND year IS NOT NULL "
                "GROUP BY year"
            )
        else:
            table, col = ("article_tags", "tag") if facet == "tag" else ("article_places", "place")
            where, params = self._where(match, tags, places, "article")
            sql = f"SELECT {col}, count(*) FROM {table} WHERE {where} GROUP BY {col}"
        return {str(value): count for value, count in db.execute(sql, params)}

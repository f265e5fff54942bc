"""Which engine holds the archive: Whoosh in a local folder (the default) or Typesense.

The CLI and the web app open and write the archive only through this module, so the
choice is configuration, not code::

    ARCHIVE_BACKEND=whoosh|typesense          (default whoosh)
    ARCHIVE_TYPESENSE_NODES=http://10.0.0.1:8108,http://10.0.0.2:8108,http://10.0.0.3:8108
    ARCHIVE_TYPESENSE_API_KEY=...
    ARCHIVE_TYPESENSE_COLLECTION=articles     (default articles: the alias searched)

Both backends answer the same API (:mod:`indexer.api`); the Whoosh one lives in the
index folder (``--index-dir``), which the Typesense one ignores.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from archive import Article
from indexer.sync import IndexReport, Progress

BACKENDS = ("whoosh", "typesense")


class BackendError(ValueError):
    """A backend setting that cannot be used; the message names the variable."""


class BackendUnavailable(RuntimeError):
    """The search service did not answer or refused a write (a Typesense cluster with
    no node reachable, or no leader); the message says which, fit to show."""


@dataclass(frozen=True)
class BackendConfig:
    kind: str = "whoosh"
    #: Typesense node URLs, ``http://host:port``.
    nodes: tuple[str, ...] = ()
    api_key: str = ""
    collection: str = "articles"

    def __post_init__(self) -> None:
        if self.kind not in BACKENDS:
            raise BackendError(
                f"ARCHIVE_BACKEND must be one of {', '.join(BACKENDS)}, not {self.kind!r}"
            )
        if self.kind == "typesense":
            self.connection()  # check the settings now, with a clear message

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BackendConfig:
        env = os.environ if environ is None else environ
        kind = env.get("ARCHIVE_BACKEND", "").strip().lower() or "whoosh"
        if kind != "typesense":
            return cls(kind=kind)
        from indexer.typesense.connection import parse_nodes

        return cls(
            kind=kind,
            nodes=parse_nodes(env.get("ARCHIVE_TYPESENSE_NODES", "")),
            api_key=env.get("ARCHIVE_TYPESENSE_API_KEY", "").strip(),
            collection=env.get("ARCHIVE_TYPESENSE_COLLECTION", "").strip() or "articles",
        )

    def connection(self):
        """The Typesense :class:`~indexer.typesense.connection.Connection`."""
        try:
            from indexer.typesense.connection import Connection, SettingError
        except ImportError as exc:  # the optional dependency is missing
            raise BackendError(
                "ARCHIVE_BACKEND=typesense needs the typesense client: "
                "pip install 'newsarchive[typesense]'"
            ) from exc
        try:
            return Connection(self.nodes, self.api_key, self.collection)
        except SettingError as exc:
            raise BackendError(str(exc)) from None

    def describe(self, index_dir: str | os.PathLike) -> str:
        """Where the archive is, for messages."""
        if self.kind == "typesense":
            return self.connection().describe()
        return str(index_dir)


def open_archive(config: BackendConfig, index_dir: str | os.PathLike):
    """The archive (Whoosh ``Archive`` or ``TypesenseArchive``, the same API); raises
    ``IndexMissing`` when there is none yet."""
    if config.kind == "typesense":
        from indexer.typesense import open_typesense

        return open_typesense(config.connection())
    from indexer import open_index

    return open_index(index_dir)


def index_into(
    config: BackendConfig,
    index_dir: str | os.PathLike,
    paths: Iterable[str | os.PathLike],
    *,
    rebuild: bool = False,
    mapping: dict[str, str] | None = None,
    dayfirst: bool | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> IndexReport:
    """``archive index``: the files under ``paths`` into the configured backend."""
    if config.kind == "typesense":
        from indexer.typesense import index_paths as typesense_paths

        return typesense_paths(
            config.connection(),
            paths,
            rebuild=rebuild,
            mapping=mapping,
            dayfirst=dayfirst,
            progress=progress,
        )
    from indexer import index_paths

    return index_paths(
        index_dir, paths, rebuild=rebuild, mapping=mapping, dayfirst=dayfirst, progress=progress
    )


def index_articles_into(
    config: BackendConfig,
    index_dir: str | os.PathLike,
    articles: Iterable[Article],
    *,
    source: str = "<articles>",
    rebuild: bool = False,
    progress: Callable[[Progress], None] | None = None,
) -> IndexReport:
    """Articles built in memory into the configured backend (tools, benchmarks, tests)."""
    if config.kind == "typesense":
        from indexer.typesense import index_articles as typesense_articles

        return typesense_articles(
            config.connection(), articles, source=source, rebuild=rebuild, progress=progress
        )
    from indexer import index_articles

    return index_articles(index_dir, articles, source=source, rebuild=rebuild, progress=progress)

"""The Typesense engine as the core sees it: a collection alias on a cluster."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from indexer.sync import IndexReport, Plan, Progress
from indexer.typesense.archive import TypesenseArchive
from indexer.typesense.connection import Connection
from indexer.typesense.writer import run_plan


class TypesenseEngine:
    """An archive in a Typesense collection (``ARCHIVE_TYPESENSE_*``); the index folder
    is not used."""

    name = "typesense"

    def __init__(self, connection: Connection):
        self.connection = connection

    def describe(self) -> str:
        return self.connection.describe()

    def open(self) -> TypesenseArchive:
        return TypesenseArchive(self.connection)

    def write(
        self, plan: Plan, *, rebuild: bool, progress: Callable[[Progress], None] | None
    ) -> IndexReport:
        return run_plan(self.connection, plan, rebuild=rebuild, progress=progress)


def from_env(index_dir: str | os.PathLike, environ: Mapping[str, str]) -> TypesenseEngine:
    """The registry's factory: the cluster from ``ARCHIVE_TYPESENSE_*``."""
    return TypesenseEngine(Connection.from_env(environ))

"""The Typesense engine as the core sees it: a collection alias on a cluster."""

from __future__ import annotations

import json
import os
import urllib.request
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

    def not_ready_reason(self) -> str | None:
        """None when at least one node says it can serve (``/readyz``); whether it holds
        the archive is the open archive's ``stats()`` to say."""
        if any(_node_healthy(node) for node in self.connection.nodes):
            return None
        return f"no Typesense node answers: {', '.join(self.connection.nodes)}"

    def write(
        self, plan: Plan, *, rebuild: bool, progress: Callable[[Progress], None] | None
    ) -> IndexReport:
        return run_plan(self.connection, plan, rebuild=rebuild, progress=progress)


def from_env(index_dir: str | os.PathLike, environ: Mapping[str, str]) -> TypesenseEngine:
    """The registry's factory: the cluster from ``ARCHIVE_TYPESENSE_*``."""
    return TypesenseEngine(Connection.from_env(environ))


def _node_healthy(node: str, timeout: float = 2.0) -> bool:
    """Typesense's own ``/health`` (no API key needed): ``{"ok": true}`` when the node
    can serve, false while it has no leader or is catching up."""
    try:
        with urllib.request.urlopen(f"{node}/health", timeout=timeout) as response:
            return bool(json.load(response).get("ok"))
    except (OSError, ValueError):
        return False

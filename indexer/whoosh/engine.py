"""The Whoosh engine as the core sees it: an index folder to open and to write."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from indexer.errors import ArchiveError, WriteFailed
from indexer.sync import IndexReport, Plan, Progress
from indexer.whoosh.layout import Layout
from indexer.whoosh.search import Archive
from indexer.whoosh.writer import run_plan


class WhooshEngine:
    """An archive in a local folder (``--index-dir``, ``ARCHIVE_INDEX_DIR``)."""

    name = "whoosh"

    def __init__(self, index_dir: str | os.PathLike):
        self.index_dir = Path(index_dir)

    def describe(self) -> str:
        return str(self.index_dir)

    def open(self) -> Archive:
        return Archive(self.index_dir)

    def not_ready_reason(self) -> str | None:
        """Why the folder holds no index to serve right now, or None (``/readyz``).

        An open index keeps answering after its folder is removed, so that searches
        in flight finish; readiness looks at the folder itself, one small file."""
        try:
            if Layout(self.index_dir).read_pointer() is None:
                return f"no index in {self.index_dir}: build one with `archive index PATH...`"
        except ArchiveError as exc:
            return exc.message
        except OSError as exc:
            return f"cannot read the index in {self.index_dir}: {exc.strerror or exc}"
        return None

    def write(
        self, plan: Plan, *, rebuild: bool, progress: Callable[[Progress], None] | None
    ) -> IndexReport:
        try:
            return run_plan(self.index_dir, plan, rebuild=rebuild, progress=progress)
        except ArchiveError:
            raise
        except OSError as exc:
            # A full disk or a file-size limit: the run is cancelled (the writer never
            # switches the pointer to a generation it did not finish).
            raise WriteFailed(
                f"cannot write the index in {self.index_dir}: {exc.strerror or exc}; "
                "the previous index is unchanged"
            ) from exc


def from_env(index_dir: str | os.PathLike, environ: Mapping[str, str]) -> WhooshEngine:
    """The registry's factory: Whoosh needs nothing but the folder."""
    return WhooshEngine(index_dir)

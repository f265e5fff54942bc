"""The one shared, read-only handle on the archive.

The app opens the archive once and every request (every waitress thread) shares it;
the handle itself notices a rebuilt index and reopens. If there is no index yet the
app still starts, answers 503 with what to do (the :class:`~indexer.errors.ArchiveError`
raised here carries the status and the advice), and picks the index up once
``archive index`` has built it, without a restart.
"""

from __future__ import annotations

import logging
import threading

from indexer.backends import Engine, Searcher
from indexer.errors import ArchiveError, IndexDamaged, IndexMissing

log = logging.getLogger(__name__)


class IndexHolder:
    def __init__(self, engine: Engine) -> None:
        #: Whoosh in the index folder, or Typesense (``ARCHIVE_BACKEND``).
        self.engine = engine
        self._archive: Searcher | None = None
        self._lock = threading.Lock()

    def get(self) -> Searcher:
        """The open archive; raises an :class:`ArchiveError` while there is none."""
        archive = self._archive
        if archive is not None:
            return archive
        with self._lock:
            if self._archive is None:
                self._archive = self._open()
            return self._archive

    def try_open(self) -> None:
        """Open now if possible; a missing index is only logged (requests will retry)."""
        try:
            self.get()
        except ArchiveError as exc:
            log.warning("%s", exc)

    def _open(self) -> Searcher:
        try:
            return self.engine.open()
        except IndexMissing as exc:
            log.info("no index: %s", exc)
            raise
        except ArchiveError as exc:
            log.warning("%s", exc)
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged index must not become a traceback
            log.exception("cannot open the archive at %s", self.engine.describe())
            raise IndexDamaged(f"cannot open the archive at {self.engine.describe()}") from exc

    def close(self) -> None:
        with self._lock:
            if self._archive is not None:
                self._archive.close()
                self._archive = None

"""The one shared, read-only handle on the index.

The app opens the index once and every request (every waitress thread) shares it;
the handle itself notices a rebuilt index and reopens. If there is no index yet the
app still starts, answers 503 with what to do, and picks the index up once
``archive index`` has built it, without a restart.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from indexer import IndexMissing, IndexOutdated
from indexer.backends import BackendConfig, open_archive

log = logging.getLogger(__name__)


class IndexUnavailable(Exception):
    """No usable index; the message is fit to show users (HTTP 503)."""


#: What users see for an index in another format (the log has the path and versions).
OUTDATED = (
    "The search index was built by another version of newsarchive. Rebuild it on the "
    "server with `archive index --rebuild <folder>`; this page works as soon as it is done."
)


class IndexHolder:
    def __init__(self, index_dir: Path, backend: BackendConfig | None = None) -> None:
        self.index_dir = Path(index_dir)
        #: Whoosh in ``index_dir`` or Typesense; from the environment unless given.
        self.backend = backend if backend is not None else BackendConfig.from_env()
        self._archive = None
        self._lock = threading.Lock()

    def get(self):
        """The open archive; raises :class:`IndexUnavailable` while there is none."""
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
        except IndexUnavailable as exc:
            log.warning("%s", exc)

    def _open(self):
        try:
            return open_archive(self.backend, self.index_dir)
        except IndexMissing as exc:
            log.info("no index: %s", exc)
            raise IndexUnavailable(
                "The archive has no search index yet. Run `archive index <folder>` on "
                "the server to build it; this page works as soon as it is done."
            ) from exc
        except IndexOutdated as exc:
            log.warning("%s", exc)
            raise IndexUnavailable(OUTDATED) from exc
        except Exception as exc:  # noqa: BLE001 - a damaged index must not become a traceback
            log.exception("cannot open the index at %s", self.index_dir)
            raise IndexUnavailable(
                "The search index cannot be opened. Rebuild it with `archive index --rebuild`."
            ) from exc

    def close(self) -> None:
        with self._lock:
            if self._archive is not None:
                self._archive.close()
                self._archive = None

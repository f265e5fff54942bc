"""The index directory: generations, an atomically replaced pointer, and the writer lock.

    INDEX_DIR/
      CURRENT        {"generation": "gen-000003", "previous": "gen-000002", "commit": 7,
                      "schema": 1}
      write.lock     holds the writing process's pid while it is locked
      gen-000002/    the previous generation, kept for searchers still open on it
      gen-000003/    a Whoosh index: the live one

Why: a rebuild writes a complete new generation beside the live one and then switches
``CURRENT`` with ``os.replace`` (atomic on POSIX), so a searcher never sees a half-built
index and a kill at any moment leaves the old pointer, hence a working index. Whoosh's
own commits are atomic too (a new TOC file), so incremental writes go into the live
generation; the writer rewrites ``CURRENT`` after each commit (``commit`` counter) so
readers notice a change by one ``stat`` of one small file.

The lock is ``fcntl.flock`` on ``write.lock``: the kernel drops it when its process
dies, so a killed writer never leaves a stale lock, and the pid written inside lets the
second writer say who holds it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import IndexLocked, IndexMissing

POINTER = "CURRENT"
LOCK = "write.lock"
_GENERATION = re.compile(r"^gen-(\d{6,})$")


@dataclass(frozen=True)
class Pointer:
    generation: str
    previous: str | None = None
    commit: int = 0
    #: The index format (``indexer.whoosh.schema.SCHEMA_VERSION``) the generation was written
    #: in; pointers from before it was recorded hold format 1.
    schema: int = 1


class Layout:
    """Paths and atomic operations inside one index directory."""

    def __init__(self, index_dir: str | os.PathLike):
        self.root = Path(index_dir)

    @property
    def pointer_path(self) -> Path:
        return self.root / POINTER

    def generation_dir(self, name: str) -> Path:
        return self.root / name

    def read_pointer(self) -> Pointer | None:
        """The live generation, or None when there is no index here yet."""
        try:
            data = json.loads(self.pointer_path.read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise IndexMissing(
                f"the index pointer {self.pointer_path} is unreadable: {exc}"
            ) from exc
        name = data.get("generation", "")
        if not _GENERATION.match(name) or not self.generation_dir(name).is_dir():
            raise IndexMissing(f"the index pointer {self.pointer_path} names no index ({name!r})")
        return Pointer(
            name, data.get("previous"), int(data.get("commit", 0)), int(data.get("schema", 1))
        )

    def pointer_signature(self) -> tuple[int, int, int] | None:
        """A cheap fingerprint of the pointer file: changes on every write (new inode)."""
        try:
            st = os.stat(self.pointer_path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def write_pointer(self, pointer: Pointer) -> None:
        """Replace ``CURRENT`` atomically (write a temporary file, fsync, rename)."""
        data = {
            "generation": pointer.generation,
            "previous": pointer.previous,
            "commit": pointer.commit,
            "schema": pointer.schema,
        }
        tmp = self.root / f".{POINTER}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.pointer_path)
        _fsync_dir(self.root)

    def generations(self) -> list[str]:
        """Every generation directory present, oldest first."""
        if not self.root.is_dir():
            return []
        names = [p.name for p in self.root.iterdir() if _GENERATION.match(p.name) and p.is_dir()]
        return sorted(names, key=_generation_number)

    def new_generation(self) -> str:
        """Create and return an empty generation directory numbered after all others."""
        existing = self.generations()
        number = _generation_number(existing[-1]) + 1 if existing else 1
        name = f"gen-{number:06d}"
        self.generation_dir(name).mkdir(parents=True)
        return name

    def remove_stale_generations(self, keep: set[str]) -> list[str]:
        """Delete generations not in ``keep``: older ones and half-built ones left by a
        killed rebuild. Only called with the writer lock held."""
        removed = []
        for name in self.generations():
            if name not in keep:
                shutil.rmtree(self.generation_dir(name), ignore_errors=True)
                removed.append(name)
        return removed

    def size_bytes(self, generation: str) -> int:
        total = 0
        for path in self.generation_dir(generation).iterdir():
            with contextlib.suppress(OSError):
                total += path.stat().st_size
        return total

    @contextlib.contextmanager
    def writer_lock(self) -> Iterator[None]:
        """Hold the exclusive writer lock, or raise :class:`IndexLocked` at once."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise IndexLocked(_holder_pid(fd)) from None
                raise
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            try:
                yield
            finally:
                # Clear the pid before unlocking, so a reader of the file never sees a
                # pid that no longer holds the lock.
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _holder_pid(fd: int) -> int | None:
    """The lock holder's pid. It writes it just after locking, so a writer that lost
    the race by microseconds may find the file still empty: look again briefly."""
    for _ in range(20):
        pid = _read_pid(fd)
        if pid:
            return pid
        time.sleep(0.01)
    return None


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _generation_number(name: str) -> int:
    """The number of a generation directory named as :meth:`Layout.generations` lists."""
    match = _GENERATION.match(name)
    if match is None:
        raise ValueError(f"not a generation directory name: {name!r}")
    return int(match.group(1))

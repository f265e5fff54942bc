"""Reading index files in place, from a memory map, instead of copying them.

Why: Whoosh's reader opens each compound segment file (``.seg``) with a memory map and
then hands every file inside it out as a ``BufferFile``, which wraps its slice of the
map in ``BytesIO(buf)``: a *copy*. So every open reader held a private copy of every
segment's postings, term index, stored fields and columns: 9.6 GB to serve 1M articles
(bench/RESULTS.md), and one more copy per server process.

:class:`MappedStorage` is Whoosh's ``FileStorage`` for reading, except that a file is
opened as a read-only memory map and served by :class:`MappedFile`, whose reads slice
the map (only the bytes asked for are copied, as Python ``bytes``) and whose
``subset`` is a view, not a copy. A compound file's inner files are such subsets (the
storage says it does not support Whoosh's own mmap path, so ``CompoundStorage`` asks
the file for ``subset``). The pages belong to the kernel's page cache: shared by every
process that maps the index, and dropped under memory pressure instead of swapped.

Nothing in the index format changes: indexes written before this module open as they
are. Positioned reads (``get``, ``get_int``, ...) keep no file position, so they are
also safe across threads; ``read``/``seek`` keep one per file, as Whoosh's own files do.
"""

from __future__ import annotations

import mmap
import os
import sys
from array import array
from collections.abc import Callable
from struct import Struct

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import FileIndex

__all__ = ["MappedFile", "MappedStorage", "create_mapped_index", "open_mapped_index"]

_BIG_ENDIAN = {code: Struct("!" + code) for code in "bBhHiIqQf"}
_NATIVE_BIG = sys.byteorder == "big"


#: Bytes :meth:`_ViewReader.peek` returns: more than a posting block's header pickle
#: (~40 bytes), which Whoosh reads with ``pickle.load`` before every block.
PEEK_BYTES = 512


class _ViewReader:
    """A read-only file object over a memoryview: ``read`` copies what it returns,
    nothing else (``io.BytesIO(view)`` would copy the whole view first)."""

    __slots__ = ("_view", "_pos", "closed")

    def __init__(self, view: memoryview):
        self._view = view
        self._pos = 0
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        if end <= start:
            return b""
        self._pos = end
        return self._view[start:end].tobytes()

    def peek(self, size: int = 0) -> bytes:
        """Bytes from the position on, without moving it (at most :data:`PEEK_BYTES`).

        Why: ``pickle.load`` on a file without ``peek`` reads it an opcode at a time, a
        Python call per opcode; with ``peek`` it unpickles from what this returns and
        then reads past what it used. A cold search at 1M made ~80,000 one-byte reads
        this way (a block header per 128 postings): reading a common word's postings
        took 1.4 times as long (bench/RESULTS.md, "A plain query typed ...")."""
        start = self._pos
        return self._view[start : start + max(1, min(size, PEEK_BYTES))].tobytes()

    def readinto(self, buffer) -> int:
        data = self.read(len(memoryview(buffer)))
        memoryview(buffer).cast("B")[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        view, start = self._view, self._pos
        limit = len(view) if size is None or size < 0 else min(start + size, len(view))
        # Search a bounded window at a time: lines in index files are pickle opcodes,
        # rarely longer than a few dozen bytes.
        end = start
        while end < limit:
            window = view[end : min(end + 256, limit)].tobytes()
            found = window.find(b"\n")
            if found >= 0:
                end += found + 1
                break
            end += len(window)
        self._pos = end
        return view[start:end].tobytes()

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            pos = offset
        elif whence == os.SEEK_CUR:
            pos = self._pos + offset
        elif whence == os.SEEK_END:
            pos = len(self._view) + offset
        else:
            raise ValueError(f"invalid whence {whence!r}")
        if pos < 0:
            raise ValueError(f"negative seek position {pos}")
        self._pos = pos
        return pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self.closed = True


class MappedFile(StructFile):
    """A Whoosh ``StructFile`` over (a slice of) a read-only memory map."""

    def __init__(
        self,
        view: memoryview,
        name: str | None = None,
        onclose: Callable | None = None,
        owner: mmap.mmap | None = None,
    ):
        super().__init__(_ViewReader(view), name=name, onclose=onclose)
        self.is_closed: bool = False
        self._view = view
        self._owner = owner  # the map itself, for the file that created it

    def __len__(self) -> int:
        return len(self._view)

    def subset(self, position: int, length: int, name: str | None = None) -> MappedFile:
        """A file over part of this one: a view of the same pages, not a copy."""
        return MappedFile(self._view[position : position + length], name=name or self._name)

    def get(self, position: int, length: int) -> bytes:
        return self._view[position : position + length].tobytes()

    def get_byte(self, position: int) -> int:
        return self._view[position]

    def get_sbyte(self, position: int) -> int:
        return _BIG_ENDIAN["b"].unpack_from(self._view, position)[0]

    def get_ushort(self, position: int) -> int:
        return _BIG_ENDIAN["H"].unpack_from(self._view, position)[0]

    def get_int(self, position: int) -> int:
        return _BIG_ENDIAN["i"].unpack_from(self._view, position)[0]

    def get_uint(self, position: int) -> int:
        return _BIG_ENDIAN["I"].unpack_from(self._view, position)[0]

    def get_long(self, position: int) -> int:
        return _BIG_ENDIAN["q"].unpack_from(self._view, position)[0]

    def get_ulong(self, position: int) -> int:
        return _BIG_ENDIAN["Q"].unpack_from(self._view, position)[0]

    def get_float(self, position: int) -> float:
        return _BIG_ENDIAN["f"].unpack_from(self._view, position)[0]

    def get_array(self, position: int, typecode: str, length: int) -> array:
        # Whoosh writes arrays big-endian (StructFile.write_array).
        values = array(typecode)
        values.frombytes(self.get(position, length * values.itemsize))
        if not _NATIVE_BIG:
            values.byteswap()
        return values

    def read_array(self, typecode: str, length: int) -> array:
        values = array(typecode)
        values.frombytes(self.read(length * values.itemsize))
        if not _NATIVE_BIG:
            values.byteswap()
        return values

    def close(self) -> None:
        if self.is_closed:
            raise ValueError(f"{self._name} is already closed")
        if self.onclose:
            self.onclose(self)
        self.file.close()
        self.is_closed = True
        owner, self._owner = self._owner, None
        try:
            self._view.release()
            if owner is not None:
                owner.close()
        except BufferError:
            # Views of the map are still held (subsets of this file): the pages are
            # unmapped when the last of them goes.
            pass


class MappedStorage(FileStorage):
    """``FileStorage`` whose files open as read-only memory maps (see the module)."""

    #: False so that Whoosh's ``CompoundStorage`` takes ``subset`` views of the compound
    #: file (zero-copy here) instead of its own mmap + ``BytesIO`` copy.
    supports_mmap = False

    def __init__(self, path: str | os.PathLike, readonly: bool = True):
        super().__init__(os.fspath(path), supports_mmap=False, readonly=readonly)

    def open_file(self, name: str, **kwargs) -> StructFile:
        path = self._fpath(name)
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:  # an empty file cannot be mapped
                return super().open_file(name, **kwargs)
            try:
                owner = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):
                # A file system that cannot map (or no address space left): read it as a
                # plain file; its subsets then seek and read, still without a copy.
                return super().open_file(name, **kwargs)
        return MappedFile(memoryview(owner), name=name, onclose=kwargs.get("onclose"), owner=owner)


def open_mapped_index(path: str | os.PathLike, *, writable: bool = False) -> FileIndex:
    """A Whoosh index folder opened through :class:`MappedStorage`
    (``whoosh.index.open_dir``, without the copies). ``writable``: for a writer, which
    writes its new files as Whoosh does and reads the existing segments mapped; its
    deletions look terms up through a reader of every segment, which Whoosh's own
    storage would copy whole (9.6 GB in a writer of a 1M-article index)."""
    return MappedStorage(path, readonly=not writable).open_index()


def create_mapped_index(path: str | os.PathLike, schema) -> FileIndex:
    """A new, empty Whoosh index in the folder ``path`` (``whoosh.index.create_in``),
    whose writers read through :class:`MappedStorage`."""
    return FileIndex.create(MappedStorage(path, readonly=False), schema, "MAIN")


def postings_bytes(index_dir: str | os.PathLike) -> int:
    """The size of the live generation's postings files, inside compound segment files
    too: what a copying reader would hold per process (the serving-memory test and
    ``python -m bench.serving_memory`` compare against it)."""
    from pathlib import Path

    from whoosh.filedb.compound import CompoundStorage

    from indexer.whoosh.layout import Layout

    layout = Layout(index_dir)
    pointer = layout.read_pointer()
    assert pointer is not None
    folder: Path = layout.generation_dir(pointer.generation)
    total = sum(p.stat().st_size for p in folder.glob("*.pst"))
    storage = FileStorage(str(folder))
    for seg in folder.glob("*.seg"):
        compound = CompoundStorage(storage.open_file(seg.name), use_mmap=False)
        try:
            total += sum(compound.file_length(n) for n in compound.list() if n.endswith(".pst"))
        finally:
            compound.close()
    return total

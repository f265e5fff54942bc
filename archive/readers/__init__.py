"""One entry point for every article file: ``read(path)`` yields Articles and Problems.

The reader is chosen by extension and, where an extension is ambiguous (``.txt`` may be
a page export or Markdown with front matter, ``.xml`` may be Reuters), by sniffing the
start of the file. Nothing a reader does for a bad file raises out of here: it becomes
a :class:`Problem` with the path and a one-line reason, and the next file is read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from archive.article import Article, Problem
from archive.readers.base import ReadContext, SkipFile

Reader = Callable[[ReadContext], Iterable[Article | Problem]]


def _reader_for(path: Path) -> Reader | None:
    # Imported here so that a broken optional dependency of one format (say lxml for
    # HTML) is reported per file instead of making every format unusable.
    suffix = path.suffix.lower()
    if suffix in {".md", ".markdown"}:
        from archive.readers.markdown import read_markdown

        return read_markdown
    if suffix == ".txt":
        head = _head(path)
        if head.lstrip("\ufeff").startswith("---"):
            from archive.readers.markdown import read_markdown

            return read_markdown
        from archive.readers.export import read_export

        return read_export
    if suffix in {".json", ".jsonl", ".ndjson", ".csv", ".tsv"}:
        from archive.readers.records import read_records

        return read_records
    if suffix in {".html", ".htm", ".xhtml"}:
        from archive.readers.html import read_html

        return read_html
    if suffix in {".xml", ".sgm", ".sgml"}:
        from archive.readers.reuters import read_reuters

        return read_reuters
    return None


def _not_regular(path: Path) -> str | None:
    """What the path is if it is not a regular file (following symlinks), else None.

    Raises OSError (a dangling symlink, a file deleted since it was listed).
    """
    mode = os.stat(path).st_mode
    if stat.S_ISREG(mode):
        return None
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "not a file"


def _listed_path(path: Path, root: Path | None) -> str:
    """The path as it was listed, relative to the root: a symlink's own name, not its
    target's (``ReadContext.relpath`` resolves links, which would report a link to
    ``/dev/zero`` as ``/dev/zero``)."""
    if root is not None:
        try:
            return (path.parent.resolve() / path.name).relative_to(root.resolve()).as_posix()
        except (OSError, ValueError):
            pass
    return path.as_posix()


def _missing(path: Path) -> str:
    if path.is_symlink():
        return f"a symbolic link to a missing file ({os.readlink(path)})"
    return "the file is gone (deleted after it was listed?)"


def _head(path: Path, size: int = 64) -> str:
    try:
        with path.open("rb") as f:
            return f.read(size).decode("utf-8", "replace")
    except OSError:
        return ""


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    return text[:300]


def read(
    path: str | os.PathLike,
    root: str | os.PathLike | None = None,
    mapping: dict[str, str] | None = None,
    dayfirst: bool | None = None,
) -> Iterator[Article | Problem]:
    """Read one file: its Articles, and a Problem for each part that could not be read."""
    path = Path(path)
    ctx = ReadContext(
        path=path,
        root=Path(root) if root is not None else path.parent,
        mapping=dict(mapping or {}),
        dayfirst=dayfirst,
    )
    try:
        kind = _not_regular(path)
        if kind:
            # Opening a FIFO blocks until someone writes to it, and a device such as
            # /dev/zero never ends: neither is an article file, so neither is opened.
            yield Problem(_listed_path(path, ctx.root), f"not a regular file ({kind})")
            return
        reader = _reader_for(path)
        if reader is None:
            suffix = path.suffix or "no extension"
            yield Problem(ctx.relpath, f"not an article file type ({suffix})")
            return
        yield from reader(ctx)
    except SkipFile as exc:
        yield Problem(ctx.relpath, f"skipped: {_describe(exc)}")
    except FileNotFoundError:
        yield Problem(_listed_path(path, ctx.root), _missing(path))
    except MemoryError:
        yield Problem(ctx.relpath, "out of memory reading this file")
    except Exception as exc:  # noqa: BLE001 - a bad file must never stop the run
        yield Problem(ctx.relpath, _describe(exc))


def iter_files(paths: Iterable[str | os.PathLike]) -> Iterator[tuple[Path, Path]]:
    """Every file under the given paths, as ``(file, data root)``, in a stable order.

    Hidden files and folders (``.git``, ``.DS_Store``) are passed over.
    """
    for given in paths:
        given = Path(given)
        if given.is_dir():
            for dirpath, dirnames, filenames in os.walk(given):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if not name.startswith("."):
                        yield Path(dirpath) / name, given
        else:
            yield given, given.parent


def read_paths(
    paths: Iterable[str | os.PathLike],
    mapping: dict[str, str] | None = None,
    dayfirst: bool | None = None,
) -> Iterator[Article | Problem]:
    """Read every article file under the given files and folders."""
    for path, root in iter_files(paths):
        if not path.exists():
            yield Problem(path.as_posix(), "no such file or folder")
            continue
        yield from read(path, root=root, mapping=mapping, dayfirst=dayfirst)

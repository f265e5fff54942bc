"""Fewer malloc arenas for the server's request threads (glibc).

Why: glibc gives threads malloc arenas of their own (up to eight per core) and keeps
what a thread freed in its arena for that arena's next use. A search of a big archive
allocates archive-sized NumPy arrays (a mask or a score per document: megabytes at a
million articles), so each request thread of the server ends up holding a pool of them
of its own. After the bench's 16-client load on a 1M index, two server processes of 8
threads held 1,868 MiB of private memory; with two arenas per process, 1,237 MiB
(bench/RESULTS.md, issue 15). Two arenas still let two threads allocate at once, and
Python's GIL makes more of little use to a search.

An admin's own ``MALLOC_ARENA_MAX`` wins: glibc reads it at start, and this leaves it.
Elsewhere (musl, macOS, Windows) this does nothing.
"""

from __future__ import annotations

import ctypes
import os
import sys

#: glibc's ``mallopt`` parameter for the most arenas (``M_ARENA_MAX`` in malloc.h).
M_ARENA_MAX = -8
#: Arenas per server process.
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap the malloc arenas of this process (and the processes it forks) at ``arenas``,
    before its threads start; whether the cap was set."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))

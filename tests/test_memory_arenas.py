"""``archive serve`` caps glibc's malloc arenas (web.memory): checked by counting the
arenas glibc itself reports after eight threads have allocated and freed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="malloc arenas are glibc's (Linux)"
)

PROGRAM = textwrap.dedent(
    """
    import ctypes, sys, threading
    from web.memory import limit_malloc_arenas
    if sys.argv[1] == "capped":
        assert limit_malloc_arenas(2)
    barrier = threading.Barrier(8)
    def work():
        barrier.wait()  # all at once, so that they contend for an arena
        for _ in range(200):
            blocks = [bytearray(64 * 1024) for _ in range(20)]
            del blocks
    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ctypes.CDLL(None).malloc_stats()  # "Arena N:" lines, on stderr
    """
)


def _arenas(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, env=env, check=True
    )
    return sum(line.startswith("Arena ") for line in done.stderr.splitlines())


def test_the_server_threads_share_two_arenas():
    try:
        free = _arenas("free")
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"not glibc: {exc.stderr.strip()[-200:]}")
    assert free > 2  # without the cap each thread gets its own
    assert _arenas("capped") <= 2


def test_an_admins_own_setting_wins(monkeypatch):
    from web.memory import limit_malloc_arenas

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False

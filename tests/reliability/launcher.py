"""Run a command, wait for it with ``os.wait4`` and write its exit status and its own
peak memory as JSON: how :func:`reliability_helpers.run_archive` starts the CLI.

Usage: ``python launcher.py RESULT_FILE TIMEOUT KILL_AFTER COMMAND...`` (``KILL_AFTER``:
seconds after which to SIGKILL the command, or ``-`` for never).

Why a launcher of its own: on Linux a process's ``ru_maxrss`` starts from the resident
size of the memory it had before ``exec``, and a child forked by pytest has pytest's.
Started from the test process, the bad-files case measured 320 MiB for an index run
that peaks at 174 alone, once other suites had grown pytest. Started from this small
interpreter, the measure is the command's own. The deadlines are here too, so that a
kill reaches the command itself, not this launcher.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    result_file, timeout, kill_after, command = argv[1], float(argv[2]), argv[3], argv[4:]
    started = time.monotonic()
    proc = subprocess.Popen(command)
    killed_at = started + float(kill_after) if kill_after != "-" else None
    deadline = started + timeout
    timed_out = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        now = time.monotonic()
        if killed_at is not None and now >= killed_at:
            os.kill(proc.pid, signal.SIGKILL)
            killed_at = None
        if now >= deadline and not timed_out:
            os.kill(proc.pid, signal.SIGKILL)
            timed_out = True
        time.sleep(0.005)
    with open(result_file, "w", encoding="utf-8") as f:
        json.dump(
            {
                "returncode": os.waitstatus_to_exitcode(status),
                "seconds": time.monotonic() - started,
                "maxrss_kb": usage.ru_maxrss,
                "timed_out": timed_out,
            },
            f,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

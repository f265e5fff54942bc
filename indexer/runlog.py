"""The record of the last ``archive index`` run, kept next to the index.

Why: an admin whose nightly timer failed three nights running must be able to see it
from ``archive stats`` and from ``/readyz`` and ``/metrics``, not only by reading old
journal entries. The record is one small JSON file in the index folder::

    INDEX_DIR/last-run.json
      {"outcome": "ok" | "problems" | "failed", "finished": "2026-11-29T02:31:07+00:00",
       "exit_status": 0, "summary": {...} | null, "error": "..." | null,
       "last_success": "2026-11-29T02:31:07+00:00" | null}

It is replaced atomically (a temporary file, fsync, rename), like the index pointer,
so a reader never sees half a record. ``last_success`` survives failed runs: it is
when the index was last brought up to date. The record is engine-neutral (a Typesense
deployment keeps it in its ``--index-dir`` too, which that engine otherwise ignores).
"""

from __future__ import annotations

import contextlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

RECORD = "last-run.json"
POINTER = "CURRENT"

#: How a run ended: every file read; some files skipped with a reason; nothing written.
OUTCOMES = ("ok", "problems", "failed")


def record_path(index_dir: str | os.PathLike) -> Path:
    return Path(index_dir) / RECORD


def read_run(index_dir: str | os.PathLike) -> dict | None:
    """The last run's record, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads(record_path(index_dir).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("outcome") in OUTCOMES else None


def record_run(
    index_dir: str | os.PathLike,
    outcome: str,
    *,
    exit_status: int,
    summary: dict | None = None,
    error: str | None = None,
    finished: datetime | None = None,
) -> dict:
    """Write the record of a run that just ended and return it.

    Best effort for a failed run: when the folder itself cannot be written (a full
    disk, a read-only mount) the failure is already on stderr and in the exit status,
    and a second error about the record would only hide the first.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}, not {outcome!r}")
    finished = finished or datetime.now(UTC)
    previous = read_run(index_dir) or {}
    stamp = finished.isoformat(timespec="seconds")
    record = {
        "outcome": outcome,
        "finished": stamp,
        "exit_status": exit_status,
        "summary": summary,
        "error": error,
        "last_success": stamp if outcome != "failed" else previous.get("last_success"),
    }
    root = Path(index_dir)
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = root / f".{RECORD}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, root / RECORD)
    except OSError:
        if outcome != "failed":
            raise
    return record


def last_update(index_dir: str | os.PathLike) -> datetime | None:
    """When the index was last brought up to date: the last successful run, else (an
    index built before runs were recorded) the time its pointer was last written."""
    run = read_run(index_dir)
    if run and run.get("last_success"):
        with contextlib.suppress(ValueError, TypeError):
            return datetime.fromisoformat(run["last_success"])
    try:
        mtime = (Path(index_dir) / POINTER).stat().st_mtime
    except OSError:
        return None
    return datetime.fromtimestamp(mtime, UTC)

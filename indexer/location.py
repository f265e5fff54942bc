"""Where the index lives: ``--index-dir``, else ``ARCHIVE_INDEX_DIR``, else the default.

Every command and the web app resolve it here, so they always agree.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "ARCHIVE_INDEX_DIR"


def default_index_dir() -> Path:
    """``$XDG_DATA_HOME/newsarchive/index``, i.e. ``~/.local/share/newsarchive/index``."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "newsarchive" / "index"


def resolve_index_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The index folder to use, by the documented order of precedence."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return Path(from_env)
    return default_index_dir()

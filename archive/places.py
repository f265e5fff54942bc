"""Places named in an article, resolved against the shipped gazetteer.

STUB: the real implementation (gazetteer data file + matching) is being written.
The public functions below are the contract.
"""

from __future__ import annotations


def place_ancestors(path: str) -> list[str]:
    """``Vietnam/Da Nang`` -> ``["Vietnam", "Vietnam/Da Nang"]``: what a facet counts."""
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def resolve_place(name: str) -> str | None:
    """A place given in a file's own metadata, as a canonical path, or None if unknown."""
    return None


def find_places(title: str, body: str, dateline: str = "") -> list[str]:
    """Places mentioned in an article, most confident first, as canonical paths."""
    return []

"""Which analysis a collection was built with, recorded in the collection itself.

The documents carry terms analysed here (:mod:`.documents`), not text Typesense
analyses, so a collection built by another version of the analysis opens and then
quietly misses matches. As the Whoosh backend does with its index format, a collection
records :data:`FORMAT` and one of another format is refused with the rebuild command
(:class:`~indexer.errors.IndexOutdated`).

Typesense 0.24.1 has no collection metadata, so the number is the name of a field of
the schema, neither indexed nor ever given a value: ``newsarchive_format_2``. It costs
nothing, comes back with the collection (``GET /collections/NAME``, which the
search-only key may read) and survives a restart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from indexer.errors import IndexOutdated

#: Bumped whenever the analysis (:mod:`indexer.analysis`) or the documents change in a
#: way that needs a rebuild.
#: 1: collections that record nothing (built before the format was recorded).
#: 2: the format recorded; the Whoosh backend's SCHEMA_VERSION 3 analysis (words split
#:    at dots and commas, the places an article only mentions searchable); the
#:    ``place_country`` facet field.
#: 3: story clusters: the ``cluster`` facet field and the stored ``minhash`` signature.
FORMAT = 3
_FIELD = re.compile(r"^newsarchive_format_(\d+)$")


def format_field(number: int = FORMAT) -> dict:
    """The schema field that records ``number``."""
    return {
        "name": f"newsarchive_format_{number}",
        "type": "bool",
        "optional": True,
        "index": False,
    }


def recorded_format(schema: Mapping[str, Any]) -> int:
    """The format a collection's schema records (1 when it records none)."""
    for field in schema.get("fields", []):
        match = _FIELD.match(field.get("name", ""))
        if match:
            return int(match.group(1))
    return 1


def check_format(schema: Mapping[str, Any], where: str) -> None:
    """Raise IndexOutdated when the collection ``schema`` is of another format."""
    found = recorded_format(schema)
    if found != FORMAT:
        raise IndexOutdated(where, found, FORMAT)

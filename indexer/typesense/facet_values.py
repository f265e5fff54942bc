"""How many facet values to ask Typesense for, and when the answer is enough.

Typesense 0.24.1 spends about 0.13 ms per facet value it returns (it reads a document
to spell each value: measured on the 10k bench collection, 1,411 values took 180 ms of
a search that takes 2 ms without facets). Asking for every value of every facet made
a search 30 times slower than the Whoosh backend. So a search asks for the top
:func:`probe_size` values of each facet field (Typesense returns them by count), and
:func:`uncertain` says which facets that answer cannot settle exactly; those are
counted again with every value, in one more request. A facet is settled when:

- its value list is complete (fewer values than asked for), or
- every value shown is above the smallest count returned (``m``): every value with
  more than ``m`` articles is in the answer, so the top ``limit`` of a list (tag, site,
  the countries, the places inside a chosen country) is exact when at least ``limit``
  of its values have more than ``m``, ties included; a selected value must be in the
  answer. (The labels are the archive-wide spellings, asked for apart.)
"""

from __future__ import annotations

from indexer.api import Filters
from indexer.documents import facet_key

#: The facet fields of each facet: its key (what is counted) and its labels.
KEYS = {"tag": "tag_key", "site": "site_key"}


def probe_size(limit: int) -> int:
    """Values asked for per facet field: half as many again as shown, so that a tie at
    the cut is usually inside the answer (on the 10k bench workload, 14 of 65 searches
    needed the second request with ``limit + 25``, 47 with ``limit + 1``)."""
    return limit + limit // 2 + 1


def _truncated(values: list[tuple[str, int]], asked: int) -> bool:
    return len(values) >= asked


def _floor(values: list[tuple[str, int]], asked: int) -> int:
    """Counts above this are all in ``values`` (-1: the list is complete)."""
    return min(n for _v, n in values) if _truncated(values, asked) else -1


def _top_settled(values: dict[str, int], floor: int, limit: int) -> list[str] | None:
    """The keys of a list's top ``limit`` when settled, else None."""
    if floor < 0:
        return list(values)
    above = [k for k, n in values.items() if n > floor]
    return above if len(above) >= limit else None


def uncertain(
    fields: dict[str, list[tuple[str, int]]],
    names: list[str],
    filters: Filters,
    limit: int,
    asked: int,
) -> list[str]:
    """Which of the facets ``names`` the answer ``fields`` ({field: [(value, count)]},
    in Typesense's order, ``asked`` values per field) does not settle."""
    out = []
    for name in names:
        if name == "date":
            if any(_truncated(fields.get(f, []), asked) for f in ("year", "month")):
                out.append(name)
            continue
        if name == "place":
            keyfield = "place_key" if "place_key" in fields else "place_country"
            selected = filters.places
        else:
            keyfield = KEYS[name]
            selected = filters.tags if name == "tag" else filters.sites
        values = dict(fields.get(keyfield, []))
        floor = _floor(fields.get(keyfield, []), asked)
        chosen = {facet_key(v) for v in selected if facet_key(v)}
        if name == "place":
            groups = [{k: n for k, n in values.items() if "/" not in k}]
            for country in sorted({p.split("/", 1)[0] for p in chosen}):
                prefix = country + "/"
                groups.append({k: n for k, n in values.items() if k.startswith(prefix)})
        else:
            groups = [values]
        settled = floor < 0 or chosen <= set(values)
        if not settled or any(_top_settled(g, floor, limit) is None for g in groups):
            out.append(name)
    return out

"""Generate ``archive/data/vn_former_provinces.tsv``: which former Vietnamese province
(merged away on 1 July 2025) each Vietnamese city of the gazetteer lay in.

The gazetteer files Vietnamese cities under today's 34 provinces (GeoNames gives
current provinces only): Thủ Dầu Một is ``Vietnam/Ho Chi Minh City/Thu Dau Mot``. To
let the place facet reach it from Binh Duong as it was, this table names the former
province of every city that was a district (or district-level town) of one, from the
legacy (pre-2025) district list of ``vietnamadminunits`` (and, for a name no district
has, its ward list: towns that were wards or townships). A city matches a district when
their names fold alike and the district's former province is one that merged into the
city's current province; a name that is a district of two of those provinces, or of the
current province's own former territory, is left out.

Run it after regenerating the gazetteer (it reads the shipped one)::

    .venv/bin/pip install -e '.[gazetteer]'
    .venv/bin/python scripts/build_former_provinces.py
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from vietnamadminunits.database import query

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.places import FORMER_FILE, fold, gazetteer, resolve_place  # noqa: E402


def squash(name: str) -> str:
    """Compare form: folded, no spaces, ``y`` as ``i`` (Quy Nhơn is GeoNames' Qui Nhon)."""
    return fold(name).replace(" ", "").replace("y", "i")


def main() -> None:
    gaz = gazetteer()
    # (current province path, folded district name) -> the provinces it lay in then.
    districts: dict[tuple[str, str], set[str]] = defaultdict(set)
    # Wards only where no district has the name (a town that was a ward or township).
    wards: dict[tuple[str, str], set[str]] = defaultdict(set)
    rows = query("SELECT DISTINCT provinceShort, districtShort, wardShort FROM admin_units_legacy")
    for row in rows:
        province = resolve_place(row["provinceShort"])
        if province is None or not province.startswith("Vietnam/"):
            raise SystemExit(f"unknown legacy province {row['provinceShort']!r}")
        current = "/".join(province.split("/")[:2])
        districts[(current, squash(row["districtShort"]))].add(province)
        if row["wardShort"]:
            wards[(current, squash(row["wardShort"]))].add(province)
    out = []
    for path, place in sorted(gaz.places.items()):
        parts = path.split("/")
        if place.country_code != "VN" or place.kind != "city" or len(parts) != 3:
            continue
        current = "/".join(parts[:2])
        key = (current, squash(parts[2]))
        found = districts.get(key) or wards.get(key, set())
        if len(found) == 1 and next(iter(found)) != current:
            out.append(f"{path}\t{next(iter(found))}")
    header = "# city path\tformer province path (see scripts/build_former_provinces.py)"
    FORMER_FILE.write_text("\n".join([header, *out]) + "\n", encoding="utf-8")
    print(f"wrote {FORMER_FILE}: {len(out)} cities in former provinces")


if __name__ == "__main__":
    main()

"""Place names for display: the gazetteer's Vietnamese spellings and country codes.

Place paths are stored in English without diacritics (``Vietnam/Da Nang``) so that
searching and faceting need no folding; the Vietnamese interface shows the same places
as Vietnamese write them (``Đà Nẵng``, ``Thành phố Hồ Chí Minh``). The gazetteer lists
those spellings among a place's names; this module reads them from the shipped data
file on first use and never touches :mod:`archive.places`' matching tables.
"""

from __future__ import annotations

import gzip
from functools import cache

from archive.places import DATA_FILE, MERGER_YEAR, former_province, merged_into

#: Administrative prefixes dropped from a province or city name (``Tỉnh An Giang`` ->
#: ``An Giang``, ``Thành phố Đà Nẵng`` -> ``Đà Nẵng``), as the Vietnamese press writes
#: them in running text...
_PREFIXES = ("Tỉnh ", "Thành phố ", "Thành Phố ", "Thị Trấn ", "Thị trấn ", "Xã ", "Ấp ")
#: ...except where the prefix is part of the name: "Hồ Chí Minh" alone is the man.
_KEEP_PREFIX = {"Vietnam/Ho Chi Minh City"}


@cache
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    vietnamese: dict[str, str] = {}
    countries: dict[str, str] = {}
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            path, kind, code, _population, names = line.rstrip("\n").split("\t")
            if kind == "country":
                countries[path] = code
            elif code == "VN":
                spelling = _vietnamese_spelling(path, names.split("|"))
                if spelling:
                    vietnamese[path] = spelling
    return vietnamese, countries


def _vietnamese_spelling(path: str, names: list[str]) -> str:
    """The first name written with Vietnamese letters (diacritics), prefix dropped."""
    for raw in names:
        name = raw.partition("#")[0].strip()
        if name.isascii():
            continue
        if path not in _KEEP_PREFIX:
            for prefix in _PREFIXES:
                if name.startswith(prefix) and len(name) > len(prefix):
                    name = name[len(prefix) :]
                    break
        return name
    return ""


def vietnamese_name(path: str) -> str:
    """How Vietnamese write a Vietnamese place (``Vietnam/Da Nang`` -> ``Đà Nẵng``),
    or '' where the gazetteer has no Vietnamese spelling."""
    return _tables()[0].get(path, "")


def country_code(path: str) -> str:
    """The ISO 3166 code of a country path (``Vietnam`` -> ``VN``), or ''."""
    return _tables()[1].get(path, "")


def local_name(path: str, vietnamese: bool) -> str:
    """The last part of a path, as Vietnamese write it when ``vietnamese`` and the
    gazetteer has the spelling (``Đà Nẵng``), else in English (``Da Nang``)."""
    leaf = path.rsplit("/", 1)[-1]
    return (vietnamese_name(path) or leaf) if vietnamese else leaf


def describe_place(path: str, language: str = "") -> str:
    """A place as an English page shows it, most specific first: ``Da Nang, Vietnam``;
    a former province with what it became part of: ``Binh Duong, since 2025 part of Ho
    Chi Minh City, Vietnam``; a city of one with its former province: ``Thu Dau Mot, Ho
    Chi Minh City (Binh Duong until 2025), Vietnam``. Vietnamese places keep their
    diacritics on Vietnamese-language articles (``language`` ``vi``). The web app says
    the same through its message catalogue (``web.views.place_description``)."""
    vietnamese = language.lower().startswith("vi")
    parts = [p for p in path.split("/") if p]
    country = parts[0] if parts else path
    current, former = merged_into(path), former_province(path)
    if former:
        province = "/".join(parts[:2])
        return (
            f"{local_name(path, vietnamese)}, {local_name(province, vietnamese)} "
            f"({local_name(former, vietnamese)} until {MERGER_YEAR}), {country}"
        )
    if current:
        return (
            f"{local_name(path, vietnamese)}, since {MERGER_YEAR} part of "
            f"{local_name(current, vietnamese)}, {country}"
        )
    names = [local_name("/".join(parts[: i + 1]), vietnamese) for i in range(len(parts))]
    return ", ".join(reversed(names))

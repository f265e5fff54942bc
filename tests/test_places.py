"""Place extraction against the shipped gazetteer: the seed, spellings, the classic
false positives, metadata resolution and the human-assigned Reuters PLACES."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from archive.places import (
    DATA_FILE,
    MAX_PLACES,
    REUTERS_CODES,
    find_places,
    place_ancestors,
    resolve_place,
)

# Measured with scripts/measure_places.py on the 50 Reuters documents: precision
# 0.918, recall 1.000 at country level (what each story is about; 0.821 and 0.982
# before mentions were told apart). The floors are the targets.
REUTERS_MIN_PRECISION = 0.90
REUTERS_MIN_RECALL = 0.90


def countries(paths: list[str]) -> set[str]:
    return {p.split("/")[0] for p in paths}


# --- the seed ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed(corpora: Path) -> tuple[str, str, str]:
    """Title, first paragraphs and page furniture of the seed, split by hand the way
    the seed reader will: the body does not include the furniture."""
    text = next((corpora / "seed").glob("*.txt")).read_text(encoding="utf-8")
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    title = blocks[1]
    source = next(i for i, b in enumerate(blocks) if b.startswith("Source:"))
    return title, "\n\n".join(blocks[3:source]), "\n\n".join(blocks[source + 1 :])


def test_seed_yields_dien_bien_and_da_nang(seed):
    title, body, _ = seed
    places = find_places(title, body)
    assert places[:2] == ["Vietnam/Dien Bien", "Vietnam/Da Nang"]
    assert "Vietnam/Ho Chi Minh City" not in places


def test_seed_furniture_naming_president_ho_chi_minh_is_not_the_city(seed):
    title, body, furniture = seed
    # The related headlines name the man, not the city (another one says "old Saigon",
    # which is the city, so only his lines are added here).
    about_him = [line for line in furniture.splitlines() if "Ho read" in line or "Minh" in line]
    assert "Where President Ho Chi Minh read the Declaration of Independence" in about_him
    places = find_places(title, body + "\n\n" + "\n".join(about_him))
    assert "Vietnam/Ho Chi Minh City" not in places
    assert {"Vietnam/Dien Bien", "Vietnam/Da Nang"} <= set(places)


# --- spellings --------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Leaders of Da Nang met investors on Monday.",
        "Leaders of Đà Nẵng met investors on Monday.",
        "Leaders of Danang met investors on Monday.",
        "Leaders of DANANG met investors on Monday.",
        # Decomposed (NFD) input is the same text.
        "Leaders of Đà Nẵng met investors on Monday.".encode().decode("utf-8"),
    ],
)
def test_da_nang_in_any_spelling(sentence):
    assert find_places("", sentence) == ["Vietnam/Da Nang"]


def test_decomposed_unicode_matches_like_composed():
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Lãnh đạo tỉnh Điện Biên đã đến Đà Nẵng.")
    assert find_places("", nfd) == ["Vietnam/Dien Bien", "Vietnam/Da Nang"]


def test_vietnamese_text_with_diacritics():
    text = "Lãnh đạo tỉnh Điện Biên và thành phố Đà Nẵng đã trao đổi kinh nghiệm."
    assert find_places("", text) == ["Vietnam/Dien Bien", "Vietnam/Da Nang"]


def test_former_province_sits_under_the_one_that_absorbed_it():
    assert find_places("", "Floods hit Quang Nam province last week.") == [
        "Vietnam/Da Nang/Quang Nam"
    ]
    assert find_places("", "Floods hit Quảng Nam last week.") == ["Vietnam/Da Nang/Quang Nam"]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The U.S. Treasury said on Monday it would act.", "United States"),
        ("The USA won the match.", "United States"),
        ("The US ambassador said talks went well.", "United States"),
        ("The UK economy grew by 0.3 percent.", "United Kingdom"),
        ("Britain's economy grew by 0.3 percent.", "United Kingdom"),
        ("The Viet Nam News Agency reported the figures.", "Vietnam"),
    ],
)
def test_country_short_forms(sentence, expected):
    assert find_places("", sentence) == [expected]


def test_us_is_not_the_pronoun():
    assert find_places("", "Let us know what you think, he told us.") == []


def test_a_city_implies_its_country_and_only_the_leaf_is_returned():
    places = find_places("", "Houston, Texas, in the United States, is a big city.")
    assert places == ["United States/Texas/Houston"]
    assert place_ancestors(places[0]) == [
        "United States",
        "United States/Texas",
        "United States/Texas/Houston",
    ]


# --- false positives ----------------------------------------------------------------


def test_georgia_the_country_by_default_and_with_georgian_context():
    text = "Georgia's parliament in Tbilisi voted on Tuesday, Georgian officials said."
    assert countries(find_places("", text)) == {"Georgia"}
    assert find_places("", "Georgia and Armenia signed a trade pact.")[0] == "Georgia"


def test_georgia_the_state_when_the_text_is_about_the_state():
    text = "Atlanta police said Georgia would hold a recount in two counties."
    assert find_places("", text) == ["United States/Georgia/Atlanta"]
    assert find_places("", "Voters in Savannah, Ga., went to the polls.") == [
        "United States/Georgia/Savannah"
    ]


def test_jordan_the_country():
    text = "King Abdullah of Jordan met the prime minister in Amman on Monday."
    assert find_places("", text) == ["Jordan/Amman"]


@pytest.mark.parametrize(
    "text",
    [
        "Mr. Jordan said the company would report earnings next week.",
        "Jordan Peterson spoke at the university on Tuesday.",
        "Michael Jordan scored 40 points. Jordan said he was tired.",
    ],
)
def test_jordan_the_person(text):
    assert "Jordan" not in countries(find_places("", text))


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("Nice work, said the coach after the match.", "France/Nice"),
        ("Reading the report, the minister said it was flawed.", "United Kingdom/Reading"),
        ("Mobile phone sales rose at the Mobile World Congress.", "United States/Alabama/Mobile"),
        ("Split decisions are rare, the judge said.", "Croatia/Split"),
        ("Bath salts were found in the house in Ohio.", "United Kingdom/Bath"),
        ("Of the 20 people arrested, 12 were released.", "Turkey/Of"),
        ("Police said the suspect fled. Police in Warsaw were on alert.", "Poland/Police"),
        ("Male voters favoured the incumbent in Ohio.", "Maldives/Male"),
        ("Sale of the unit is expected to close in March.", "Morocco/Salé"),
        ("Victoria Beckham launched a collection in London.", "Canada/Victoria"),
        ("Chad Smith, the drummer, said the tour would go on.", "Chad"),
        ("SALE OF UNIT COMPLETED, TO CLOSE IN MARCH", "Morocco/Salé"),
    ],
)
def test_common_words_and_given_names_are_not_places(text, place):
    found = find_places(text, text) + find_places("", text)
    assert place not in found
    assert place.split("/")[0] not in countries(found) or place.split("/")[0] in {
        "United Kingdom",  # "London" in the Beckham sentence is a real place
        "Poland",  # "Warsaw" is real
    }


def test_common_word_city_counts_where_the_text_says_it_is_a_place():
    assert find_places("", "The attack in Nice, France, killed 86 people.") == ["France/Nice"]
    assert find_places("", "The firm opened an office in Reading, England.") == [
        "United Kingdom/Reading"
    ]
    assert find_places("", "The ferry from Split to Hvar runs daily in Croatia.") == [
        "Croatia/Split"
    ]


def test_chad_the_country():
    text = "Chad's army fought Boko Haram fighters near N'Djamena."
    assert countries(find_places("", text)) == {"Chad"}


def test_ambiguous_city_needs_support():
    # Victoria: British Columbia, Seychelles, Texas, Hong Kong... none is meant.
    assert find_places("", "Police in Victoria arrested two men.") == []
    assert find_places("", "The Seychelles government in Victoria resigned.") == [
        "Seychelles/Victoria"
    ]


def test_a_big_country_wins_over_a_small_town_of_the_same_us_state_name():
    text = "U.S. officials met in Moscow with the Russian foreign minister."
    assert "Russia/Moscow" in find_places("", text)
    text = "Officials from Paris, the U.S. said, will attend."
    assert "France/Paris" in find_places("", text)
    assert find_places("", "He grew up in Paris, Texas.") == ["United States/Texas/Paris"]


def test_people_named_after_places():
    text = "Kellyanne Conway said on Sunday that Conway was not leaving."
    assert find_places("", text) == []
    text = "Russian President Vladimir Putin met Chinese leaders in Beijing."
    assert "Russia/Vladimir" not in find_places("", text)


def test_title_and_dateline_come_first():
    places = find_places(
        "Floods in Da Nang",
        "Officials in Hanoi said Hanoi had sent aid. Hanoi also asked for help.",
        dateline="DA NANG, Oct 3 -",
    )
    assert places[0] == "Vietnam/Da Nang"
    assert "Vietnam/Hanoi" in places


def test_dateline_in_the_body_is_recognised():
    body = "LONDON (Reuters) - Shares rose on Monday as investors cheered the results."
    assert find_places("Shares rise", body) == ["United Kingdom/London"]


def test_the_number_of_places_is_capped():
    capitals = ", ".join(
        [
            "Paris",
            "Berlin",
            "Madrid",
            "Rome",
            "Vienna",
            "Warsaw",
            "Prague",
            "Lisbon",
            "Dublin",
            "Athens",
            "Oslo",
            "Helsinki",
            "Stockholm",
            "Budapest",
        ]
    )
    assert len(find_places("", f"Ministers came from {capitals}.")) == MAX_PLACES


def test_empty_input():
    assert find_places("", "") == []
    assert find_places(None, None) == []  # type: ignore[arg-type]


# --- metadata ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "path"),
    [
        ("Vietnam/Da Nang", "Vietnam/Da Nang"),
        ("vietnam/da nang", "Vietnam/Da Nang"),
        ("Đà Nẵng", "Vietnam/Da Nang"),
        ("Danang", "Vietnam/Da Nang"),
        ("Điện Biên", "Vietnam/Dien Bien"),
        ("Dien Bien", "Vietnam/Dien Bien"),
        ("Quang Nam", "Vietnam/Da Nang/Quang Nam"),
        ("Hồ Chí Minh", "Vietnam/Ho Chi Minh City"),
        ("Saigon", "Vietnam/Ho Chi Minh City"),
        ("Texas", "United States/Texas"),
        ("Houston", "United States/Texas/Houston"),
        ("Georgia", "Georgia"),
        ("usa", "United States"),
        ("uk", "United Kingdom"),
        ("west-germany", "Germany"),
        ("ussr", "Russia"),
        ("saudi-arabia", "Saudi Arabia"),
        ("hong-kong", "Hong Kong"),
        ("new-zealand", "New Zealand"),
    ],
)
def test_resolve_place(given, path):
    assert resolve_place(given) == path


@pytest.mark.parametrize("given", ["", "   ", "Nowhereville", "Vietnam/Nowhere", "xx-yy"])
def test_resolve_unknown(given):
    assert resolve_place(given) is None


def test_all_63_former_and_34_current_vietnamese_provinces_resolve():
    vietnamadminunits = pytest.importorskip("vietnamadminunits.database")
    for table in ("admin_units_legacy", "admin_units"):
        rows = vietnamadminunits.query(f"SELECT DISTINCT provinceShort FROM {table}")
        assert len(rows) == (63 if table.endswith("legacy") else 34)
        for row in rows:
            path = resolve_place(row["provinceShort"])
            assert path and path.startswith("Vietnam/"), row["provinceShort"]


@pytest.mark.parametrize("code", sorted(REUTERS_CODES))
def test_every_mapped_reuters_code_resolves(code):
    assert resolve_place(code) is not None


# --- Reuters-21578: human-assigned PLACES ----------------------------------------


def read_reuters(folder: Path) -> list[tuple[str, str, str, str, list[str]]]:
    docs = []
    for path in sorted(folder.glob("*.xml")):
        root = ET.parse(path).getroot()

        def text_of(tag: str, root=root) -> str:
            node = root.find(f"TEXT/{tag}")
            return (node.text or "") if node is not None else ""

        places = [d.text or "" for d in root.findall("PLACES/D")]
        docs.append((path.name, text_of("TITLE"), text_of("DATELINE"), text_of("BODY"), places))
    return docs


@pytest.fixture(scope="module")
def reuters(corpora: Path):
    docs = read_reuters(corpora / "reuters-21578")
    assert len(docs) == 50
    return docs


def test_every_reuters_places_code_resolves(reuters):
    codes = {code for *_, places in reuters for code in places}
    assert codes  # usa, uk, canada, ...
    assert {code: resolve_place(code) for code in codes if resolve_place(code) is None} == {}


def test_reuters_precision_and_recall_at_country_level(reuters):
    tp = fp = fn = 0
    for _, title, dateline, body, codes in reuters:
        gold = {resolve_place(code) for code in codes}
        found = countries(find_places(title, body, dateline))
        tp += len(found & gold)
        fp += len(found - gold)
        fn += len(gold - found)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= REUTERS_MIN_PRECISION, (precision, recall)
    assert recall >= REUTERS_MIN_RECALL, (precision, recall)


def test_reuters_dateline_city_is_first(reuters):
    name, title, dateline, body, _ = next(d for d in reuters if d[0] == "reut-00001.xml")
    assert dateline.startswith("COMMACK, N.Y.")
    assert find_places(title, body, dateline)[0] == "United States/New York/Commack"


def test_gazetteer_data_file_is_shipped_and_small():
    assert DATA_FILE.is_file()
    assert DATA_FILE.stat().st_size < 3_000_000

"""What an article is about versus what it only mentions, datelines, and Vietnam's
provinces across the 1 July 2025 merger: in the extractor, then through the CLI and the
web page on a real index of the hand-labelled Vietnamese set (tests/fixtures/places-vi/).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

from archive.place_names import describe_place
from archive.places import (
    ABOUT_MENTIONS,
    locate_places,
    merged_into,
    place_filter,
    resolve_place,
    with_ancestors,
)
from indexer.whoosh import index_paths

PLACES_VI = Path(__file__).parent / "fixtures" / "places-vi"
HCMC = "Vietnam/Ho Chi Minh City"
BINH_DUONG = "Vietnam/Ho Chi Minh City/Binh Duong"


def labels() -> dict[str, dict]:
    return json.loads((PLACES_VI / "labels.json").read_text(encoding="utf-8"))


# -- Datelines ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        # The city's name is also a company's in the headline and the lead.
        (
            "FIRST CHICAGO CORP <FNB> SELLS UNIT",
            "CHICAGO, March 2 - First Chicago Corp said it sold its leasing unit.",
            "United States/Illinois/Chicago",
        ),
        ("Mưa lớn gây ngập", "HÀ NỘI - Mưa lớn khiến nhiều tuyến phố ngập sâu.", "Vietnam/Hanoi"),
        (
            "Shares slip",
            "LONDON (Reuters) - Shares slipped on Monday as investors waited.",
            "United Kingdom/London",
        ),
        (
            "Pháo hoa",
            "Đà Nẵng, ngày 15/8 - Thành phố tổ chức lễ hội pháo hoa quốc tế.",
            "Vietnam/Da Nang",
        ),
        ("Kẹt xe", "TP.HCM, 3/9 - Nhiều tuyến đường kẹt xe sau kỳ nghỉ lễ.", HCMC),
        ("Rain", "HANOI, March 2 (Reuters) - Heavy rain fell overnight.", "Vietnam/Hanoi"),
    ],
)
def test_a_dateline_is_what_the_article_is_about(title, body, expected):
    assert expected in locate_places(title, body).about


def test_a_dateline_city_unknown_to_the_gazetteer_gives_its_state():
    # Westminster is a name of the United Kingdom; "Calif." says which one is meant.
    found = locate_places("DALE BURDETT FACES CLAIM", "WESTMINSTER, Calif., March 2 - It said.")
    assert found.about == ["United States/California"]


def test_a_colon_after_an_opening_phrase_is_no_dateline():
    found = locate_places("", "Officials said: Jordan will host the talks next week in Amman.")
    assert "Jordan" in {p.split("/")[0] for p in found.about}  # from the lead, not a dateline


# -- About versus mentioned --------------------------------------------------------------


def test_a_place_named_once_after_the_lead_is_only_mentioned():
    body = (
        "The company said on Monday it would buy a rival for 50 mln dlrs.\n\n"
        "It also sold a small office in Houston, Tex. last year."
    )
    found = locate_places("ACME TO BUY RIVAL", "NEW YORK, March 2 - " + body)
    assert found.about == ["United States/New York/New York City"]
    assert found.mentions == ["United States/Texas/Houston"]


def test_a_place_named_often_enough_is_what_the_article_is_about():
    later = "Officials in Osaka said more. " * ABOUT_MENTIONS
    found = locate_places("Markets", "Prices rose on Monday.\n\n" + later)
    assert "Japan/Osaka" in found.about


def test_with_nothing_up_front_the_most_named_place_is_what_it_is_about():
    body = (
        "The judge said on Thursday that the verdict stood.\n\n"
        "Lawyers in Houston said they would appeal. Reporters from Paris attended.\n\n"
        "The trial in Houston lasted six weeks."
    )
    found = locate_places("Judge speaks on verdict", body)
    assert found.about == ["United States/Texas/Houston"]
    assert found.mentions == ["France/Paris"]
    # Named once, nothing is what the story is about.
    found = locate_places("Judge speaks", "The judge spoke.\n\nLawyers in Houston will appeal.")
    assert found.about == [] and found.mentions == ["United States/Texas/Houston"]


def test_where_a_party_is_from_and_a_company_name_are_mentions():
    body = (
        "The London-based financier bid for a stake in The Japan Fund Inc, the fund said.\n\n"
        "Stockholm traders were unmoved."
    )
    found = locate_places("THE JAPAN FUND GETS BID", "STOCKHOLM, March 2 - " + body)
    assert found.about == ["Sweden/Stockholm"]
    assert {"United Kingdom/London", "Japan"} <= set(found.mentions)


def test_reuters_tickers_in_angle_brackets_are_not_places():
    found = locate_places("CARBIDE <UK> LOOKS TO GROWTH", "NEW YORK, March 2 - It said so.")
    assert "United Kingdom" not in found.about + found.mentions


def test_metadata_places_win_and_the_rest_of_the_text_is_mentions(tmp_path):
    from archive import Article, read

    record = {
        "title": "Factory opens",
        "text": "A plant opened in Bac Ninh on Monday. Parts come from Hai Phong.",
        "places": ["Vietnam/Bac Ninh"],
        "published": "2024-01-02",
    }
    path = tmp_path / "a.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    (article,) = [a for a in read(path) if isinstance(a, Article)]
    assert article.places == ["Vietnam/Bac Ninh"]
    assert article.mentions == ["Vietnam/Hai Phong"]


# -- Places over time --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("Vietnam/Binh Duong", BINH_DUONG),
        ("Bình Dương", BINH_DUONG),
        ("TP.HCM", HCMC),
        ("TP. Hồ Chí Minh", HCMC),
        ("Sài Gòn", HCMC),
        ("Thừa Thiên Huế", "Vietnam/Hue"),
        ("Huế", "Vietnam/Hue"),
        ("vietnam/quang nam", "Vietnam/Da Nang/Quang Nam"),
    ],
)
def test_filter_values_resolve_to_facet_paths(name, path):
    assert place_filter(name) == path
    assert resolve_place(name) == path


def test_an_unknown_filter_value_is_kept_as_given():
    assert place_filter("Nowhere Xyzzy") == "Nowhere Xyzzy"


def test_a_former_province_is_described_with_what_it_became_part_of():
    assert merged_into(BINH_DUONG) == HCMC
    assert merged_into(HCMC) is None and merged_into("Vietnam/Hue") is None
    assert describe_place(BINH_DUONG) == (
        "Binh Duong, since 2025 part of Ho Chi Minh City, Vietnam"
    )
    assert describe_place(BINH_DUONG, "vi") == (
        "Bình Dương, since 2025 part of Thành phố Hồ Chí Minh, Vietnam"
    )
    assert describe_place("Vietnam/Da Nang", "vi") == "Đà Nẵng, Vietnam"
    assert describe_place("Vietnam/Da Nang", "en") == "Da Nang, Vietnam"
    assert describe_place("France/Paris", "vi") == "Paris, France"


def test_a_city_of_a_former_province_counts_under_it_too():
    city = "Vietnam/Ho Chi Minh City/Thu Dau Mot"
    assert with_ancestors([city]) == ["Vietnam", HCMC, city, BINH_DUONG]
    assert describe_place(city) == (
        "Thu Dau Mot, Ho Chi Minh City (Binh Duong until 2025), Vietnam"
    )
    assert describe_place(city, "vi") == (
        "Thủ Dầu Một, Thành phố Hồ Chí Minh (Bình Dương until 2025), Vietnam"
    )
    # A city of the province that kept its name has no former province.
    assert with_ancestors(["Vietnam/Da Nang/Son Tra"]) == [
        "Vietnam", "Vietnam/Da Nang", "Vietnam/Da Nang/Son Tra"
    ]  # fmt: skip


# -- The hand-labelled set ---------------------------------------------------------------


def test_the_set_is_labelled_and_spans_the_merger():
    found = labels()
    assert len(found) >= 30
    kinds = {name.rsplit(".", 1)[1] for name in found}
    assert kinds == {"txt", "html", "json"}
    assert {label["language"] for label in found.values()} == {"vi", "en"}
    text = "".join(p.read_text(encoding="utf-8") for p in (PLACES_VI / "articles").iterdir())
    for needle in ("2024", "2025-07-02", "01/07/2025", "2025-12", "TP.HCM", "Sài Gòn", "Huế"):
        assert needle in text
    assert sum(1 for label in found.values() if label["mentions"]) >= 20


def test_the_set_meets_the_target_at_province_level():
    sys.path.insert(0, str(Path(__file__).parent.parent / "scripts"))
    from measure_places import score_vietnamese

    precision, recall, n, _ = score_vietnamese(PLACES_VI)
    assert n >= 30
    assert precision >= 0.9 and recall >= 0.9


# -- Through the CLI and the web page ------------------------------------------------------


@pytest.fixture(scope="module")
def vi_index(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("places-vi") / "index"
    report = index_paths(target, [PLACES_VI / "articles"])
    assert report.articles == len(labels()), report.to_dict()
    return target


def expected_titles(place: str) -> set[str]:
    """Titles of the labelled articles about ``place`` or a place inside it."""
    out = set()
    for name, label in labels().items():
        if place in with_ancestors(label["about"]):
            path = PLACES_VI / "articles" / name
            from archive import Article, read

            out |= {a.title for a in read(path) if isinstance(a, Article)}
    return out


def cli_titles(index_dir: Path, *places: str) -> set[str]:
    args = [sys.executable, "-m", "newsarchive", "search", "--index-dir", str(index_dir)]
    for place in places:
        args += ["--place", place]
    env = {k: v for k, v in os.environ.items() if k != "ARCHIVE_INDEX_DIR"}
    result = subprocess.run(
        [*args, "--limit", "100", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return {hit["title"] for hit in json.loads(result.stdout)["hits"]}


def test_cli_current_province_finds_its_former_parts(vi_index):
    about_binh_duong = expected_titles(BINH_DUONG)
    assert len(about_binh_duong) >= 3
    found = cli_titles(vi_index, HCMC)
    assert found == expected_titles(HCMC)
    assert about_binh_duong <= found


@pytest.mark.parametrize("name", [BINH_DUONG, "Vietnam/Binh Duong", "Bình Dương"])
def test_cli_former_province_finds_them_before_and_after(vi_index, name):
    assert cli_titles(vi_index, name) == expected_titles(BINH_DUONG)


@pytest.fixture(scope="module")
def client(vi_index):
    import web
    from web import Config

    app = web.create_app(Config(index_dir=vi_index))
    app.testing = False
    return app.test_client()


def page_titles(client, **params) -> set[str]:
    data = client.get("/api/search", query_string={**params, "size": 100}).get_json()
    return {hit["title"] for hit in data["hits"]}


def test_web_filters_reach_former_provinces_both_ways(client):
    assert page_titles(client, place=HCMC) == expected_titles(HCMC)
    assert page_titles(client, place="Vietnam/Binh Duong") == expected_titles(BINH_DUONG)
    html = client.get("/", query_string={"place": "Vietnam/Binh Duong"}).get_data(as_text=True)
    for title in expected_titles(BINH_DUONG):
        assert title in unescape(html)


def test_article_page_shows_the_merger_and_the_mentions(client):
    hits = client.get("/api/search", query_string={"q": "Korean electronics"}).get_json()["hits"]
    article = hits[0]
    assert "Binh Duong" in article["title"]
    html = unescape(client.get(f"/article/{article['id']}").get_data(as_text=True))
    assert "Binh Duong, since 2025 part of Ho Chi Minh City, Vietnam" in html
    assert "Also mentioned" in html and "Bac Ninh, Vietnam" in html

    vi = client.get("/api/search", query_string={"q": "FDI"}).get_json()["hits"][0]
    html = unescape(client.get(f"/article/{vi['id']}").get_data(as_text=True))
    assert "Bình Dương, since 2025 part of Thành phố Hồ Chí Minh, Vietnam" in html
    assert "Hà Nội, Vietnam" in html  # mentioned, with its diacritics


def test_the_vietnamese_interface_says_it_in_vietnamese(client):
    hits = client.get("/api/search", query_string={"q": "Korean electronics"}).get_json()["hits"]
    html = unescape(
        client.get(f"/article/{hits[0]['id']}", query_string={"lang": "vi"}).get_data(as_text=True)
    )
    assert "Bình Dương, từ năm 2025 thuộc Thành phố Hồ Chí Minh, Việt Nam" in html
    assert "Cũng được nhắc đến" in html and "since 2025" not in html

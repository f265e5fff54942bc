"""The shortcuts that make place extraction cheap give exactly what the plain way does.

``bench/places_equal.py`` compares whole articles with the reference commit over the
real corpora; these tests pin each shortcut's own promise on every ASCII character and
on awkward text, so a change that breaks one fails here, in a clone, in seconds."""

from __future__ import annotations

import random

from archive import places
from archive.language import _WORD, _WORD_ASCII
from archive.places import (
    _TOKEN,
    _TOKEN_ASCII,
    _case_informative,
    _fold_all,
    _fold_token,
    _Support,
    gazetteer,
)

ASCII = "".join(map(chr, range(128)))
TEXTS = [
    ASCII,
    ASCII[::-1] * 3,
    "LONDON (Reuters) - U.S. Steel's chief, Mr. Smith, said: \"We're in Paris, Texas.\"\n\n"
    "Hong Kong-based <HSBC> rose 3.5%; the Isle of Man\tvoted\x1c\x1f\x0b\x0c\r\nagain_now.",
    "Đà Nẵng, ngày 15/8 – TP.HCM và Hà Nội; São Paulo’s mayor; ＡＢＣ ١٢٣ K\u212a x\u0301",
]


def _random_ascii(seed: int, size: int = 2000) -> str:
    rng = random.Random(seed)
    alphabet = ASCII + "aaaaeeeTTT   \n\n" * 4
    return "".join(rng.choice(alphabet) for _ in range(size))


def test_ascii_token_pattern_gives_the_unicode_patterns_tokens() -> None:
    for text in [t for t in TEXTS if t.isascii()] + [_random_ascii(s) for s in range(20)]:
        assert _TOKEN_ASCII.findall(text) == _TOKEN.findall(text)


def test_ascii_word_pattern_gives_the_unicode_patterns_words() -> None:
    for text in [t.lower() for t in TEXTS if t.isascii()] + [_random_ascii(s) for s in range(5)]:
        assert _WORD_ASCII.findall(text) == _WORD.findall(text)


def test_folding_all_tokens_at_once_is_folding_each() -> None:
    for text in TEXTS + [_random_ascii(7)]:
        raw = _TOKEN.findall(text)
        assert _fold_all(text, raw) == [_fold_token(t) for t in raw]


def test_case_informative_counts_as_the_per_character_loop_did() -> None:
    def plain(text: str) -> bool:
        letters = [ch for ch in text if ch.isalpha()]
        if letters and sum(ch.isupper() for ch in letters) > 0.8 * len(letters):
            return False
        words = places._LONG_WORD.findall(text)
        return not (len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words))

    # Ⓐ and Ⅻ are upper case without being letters: they must not count.
    for text in TEXTS + ["ⒶⒷⒸ Ⅻ abc", "ALL CAPS HEADLINE HERE", "A Title Case Headline Here"]:
        assert _case_informative(text) == plain(text)


def test_support_counted_once_is_support_counted_per_match() -> None:
    gaz = gazetteer()
    chosen = [
        "United States",
        "United States/Texas",
        "United States/Texas/Houston",
        "United States/Georgia",
        "Georgia",
        "Vietnam",
        "Vietnam/Da Nang",
        "France/Paris",
    ]
    firm = [(i * 3, gaz.places[p]) for i, p in enumerate(chosen)]
    support = _Support(firm)
    readings = [gaz.places[p] for p in chosen] + [
        r.place for r in gaz.names[("paris",)] + gaz.names[("georgia",)]
    ]
    for place in readings:
        for own in (-1, 0, 3, 6, 9, 21):
            region_hits = country_hits = 0
            for idx, other in firm:
                if idx == own:
                    continue
                if place.region and (
                    other.path == place.region or other.path.startswith(place.region + "/")
                ):
                    region_hits += 1
                elif other.country_code == place.country_code:
                    country_hits += 1
            assert support(place, own) == (region_hits, country_hits), (place.path, own)

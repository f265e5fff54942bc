"""The analyzer pipeline, stage by stage, and the folding users rely on."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from whoosh.analysis import LowercaseFilter, StopFilter

from indexer.analysis import (
    STOP_WORDS,
    CachedStemFilter,
    FoldFilter,
    NfcTokenizer,
    english_analyzer,
    english_terms,
    fold,
    is_english,
    plain_terms,
    site_analyzer,
    staged_english_analyzer,
)

DA_NANG_SPELLINGS = [
    "Da Nang",
    "Đà Nẵng",
    "da nang",
    "ĐÀ NẴNG",
    unicodedata.normalize("NFD", "Đà Nẵng"),
    unicodedata.normalize("NFD", "ĐÀ NẴNG"),
]


def texts(tokens) -> list[str]:
    return [t.text for t in tokens]


# -- Stage 1: the tokenizer ------------------------------------------------------------


def test_tokenizer_normalises_nfd_instead_of_splitting_words():
    nfd = unicodedata.normalize("NFD", "Đà Nẵng")
    assert texts(NfcTokenizer()(nfd)) == ["Đà", "Nẵng"]


def test_tokenizer_keeps_marks_that_nfc_cannot_compose():
    # "e" + combining dot below + combining tilde has a precomposed form, but "q" + tilde
    # does not: the mark must stay inside the word.
    assert texts(NfcTokenizer()("aq\u0303b x")) == ["aq\u0303b", "x"]


def test_tokenizer_keeps_thai_vowel_signs_inside_words():
    assert texts(NfcTokenizer()("ก่า สวัสดี")) == ["ก่า", "สวัสดี"]


def test_tokenizer_character_offsets_point_into_the_text():
    text = "The Đà Nẵng flood"
    tokens = [(t.text, t.startchar, t.endchar) for t in NfcTokenizer()(text, chars=True)]
    assert all(text[start:end] == word for word, start, end in tokens)


def test_tokenizer_leaves_a_position_gap_between_values():
    tokens = NfcTokenizer()("Vietnam/Da Nang\x1eUnited States", positions=True)
    positions = {t.text: t.pos for t in tokens}
    assert positions["Nang"] == positions["Da"] + 1
    assert positions["United"] - positions["Nang"] > 50


# -- Stage 2 and 3: lower-case and fold ---------------------------------------------------


def test_lowercase_stage():
    assert texts(LowercaseFilter()(NfcTokenizer()("ĐÀ NẴNG"))) == ["đà", "nẵng"]


def test_fold_stage_removes_diacritics_and_maps_undecomposable_letters():
    stage = LowercaseFilter()(NfcTokenizer()("Đà Nẵng Øresund Łódź Straße"))
    assert texts(FoldFilter()(stage)) == ["da", "nang", "oresund", "lodz", "strasse"]


@pytest.mark.parametrize("spelling", DA_NANG_SPELLINGS)
def test_every_spelling_of_da_nang_folds_alike(spelling):
    assert plain_terms(spelling) == ["da", "nang"]
    assert english_terms(spelling) == ["da", "nang"]


def test_tone_mark_placement_variants_fold_alike():
    # Old style "hoà" (mark on the a) and new style "hòa" (mark on the o).
    assert fold("hoà") == fold("hòa") == "hoa"
    assert fold("Thuỷ") == fold("Thủy") == "thuy"
    assert fold(unicodedata.normalize("NFD", "hoà")) == "hoa"


# -- Stage 4 and 5: stop words and stemming -------------------------------------------


def test_stop_stage_drops_function_words_but_not_news_words():
    tokens = LowercaseFilter()(NfcTokenizer()("the US may act"))
    kept = texts(StopFilter(stoplist=STOP_WORDS, minsize=1)(tokens))
    assert kept == ["us", "may", "act"]


def test_stem_stage_conflates_english_forms_but_not_wildcards():
    stage = CachedStemFilter()
    assert texts(stage(NfcTokenizer()("floods flooding flooded"))) == ["flood"] * 3
    pattern = NfcTokenizer()("flooding*", tokenize=False)
    assert texts(stage(pattern)) == ["flooding*"]


def test_stop_words_leave_no_position_gap_so_phrases_match():
    positions = [(t.text, t.pos) for t in english_analyzer()("Party of Vietnam", positions=True)]
    assert positions == [("parti", 0), ("vietnam", 1)]


def test_fused_english_filter_equals_the_staged_pipeline(corpora: Path):
    seed = next((corpora / "seed").glob("*.txt")).read_text(encoding="utf-8")
    sample = seed + " Đà Nẵng ĐÀ NẴNG hoà U.S. 2016 flooding*"
    fused = [(t.text, t.pos) for t in english_analyzer()(sample, positions=True)]
    staged = [(t.text, t.pos) for t in staged_english_analyzer()(sample, positions=True)]
    assert fused == staged
    assert len(fused) > 300


def test_plain_analyzer_does_not_stem():
    assert plain_terms("Floods flooding") == ["floods", "flooding"]


def test_site_analyzer_splits_hosts_at_dots():
    assert texts(site_analyzer()("abcnews.go.com")) == ["abcnews", "go", "com"]


@pytest.mark.parametrize(
    ("language", "english"),
    [("", True), ("en", True), ("en-GB", True), ("vi", False), ("zh-CN", False)],
)
def test_which_articles_are_stemmed_as_english(language, english):
    assert is_english(language) is english

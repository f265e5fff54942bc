"""Tags: normalisation and sections from URLs."""

from __future__ import annotations

import pytest

from archive.tags import normalise_tags, tag_key, tags_from_url


def test_normalise_keeps_first_spelling_and_drops_duplicates() -> None:
    assert normalise_tags(["World News", "world  news", " Politics ", "", "politics"]) == [
        "World News",
        "Politics",
    ]
    assert normalise_tags("acq; money-fx , Oil|") == ["Acq", "Money-fx", "Oil"]
    assert tag_key("  World   NEWS ") == "world news"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://abcnews.go.com/Politics/pence-break-tie/story?id=45310061", ["Politics"]),
        ("http://abcnews.go.com/Politics/wireStory/melania-trump-brand-45327337", ["Politics"]),
        ("http://www.cnn.com/2017/02/07/politics/trump/index.html", ["Politics"]),
        ("http://www.cnn.com/2017/02/07/us/storm-warning/index.html", ["US"]),
        ("http://tass.com/economy/929603", ["Economy"]),
        ("http://www.bbc.co.uk/news/uk-politics-38895007", ["UK politics"]),
        ("http://www.bbc.co.uk/news/uk-england-beds-bucks-herts-38893753", []),
        ("https://www.theguardian.com/world/2017/feb/07/story", ["World"]),
        ("https://www.theguardian.com/uk-news/2017/feb/07/story", ["UK news"]),
        ("http://www.huffingtonpost.com/jane-doe/some-story_b_14636016.html", []),
        ("http://europe.chinadaily.com.cn/epaper/2017-01/27/content_28064830.htm", []),
        ("http://www.rte.ie/news/2017/0207/850712-waiting-lists-reaction/", []),
        ("http://www.dw.com/en/poland-wants-nuclear-weapons/a-37449773", []),
        ("https://example.com/economy/markets/a-long-story-slug-here", ["Economy", "Markets"]),
        ("", []),
    ],
)
def test_tags_from_url(url, expected) -> None:
    assert tags_from_url(url) == expected

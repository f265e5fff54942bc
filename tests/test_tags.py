"""Tags: normalisation and sections from URLs."""

from __future__ import annotations

import pytest

from archive.tags import normalise_tags, tag_key, tags_from_url


def test_normalise_keeps_first_display_form_and_drops_duplicates() -> None:
    assert normalise_tags(["World News", "world  news", " Politics ", "", "politics"]) == [
        "World News",
        "Politics",
    ]
    assert normalise_tags("acq; earn , Oil|") == ["Acq", "Earn", "Oil"]
    assert tag_key("  World   NEWS ") == "world news"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://abcnews.go.com/Politics/pence-break-tie/story?id=45310061", ["Politics"]),
        ("http://www.bbc.com/news/world-europe-38828381", []),
        ("https://www.theguardian.com/world/2017/feb/07/story", ["World"]),
        ("http://edition.cnn.com/2017/02/07/politics/trump/index.html", ["Politics"]),
        ("http://europe.chinadaily.com.cn/epaper/2017-01/27/content_28064830.htm", []),
        ("http://www.rte.ie/news/2017/0207/850712-waiting-lists-reaction/", []),
        ("http://abcnews.go.com/Politics/wireStory/melania-trump-brand-45327337", ["Politics"]),
        ("https://example.com/economy/markets/a-long-story-slug-here", ["Economy", "Markets"]),
        ("", []),
    ],
)
def test_tags_from_url(url, expected) -> None:
    assert tags_from_url(url) == expected

"""Article files whose every field is hostile: script tags, event handlers, broken
markup, right-to-left overrides, XML breakers, endless words, and ``javascript:`` /
``data:`` URLs in the article's own ``url``. Each payload that could run sets
``window.__xss``, so a browser test only has to look at one variable.
"""

from __future__ import annotations

import json
from pathlib import Path

#: The word every hostile article holds, so that one search lists them all.
WORD = "harbour"

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    '"><svg onload="window.__xss=3">',
    '\'><iframe src="javascript:window.__xss=4"></iframe>',
    '<a href="javascript:window.__xss=5">click</a>',
    "</title></textarea></style></noscript><script>window.__xss=6</script>",
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=7">',
    "&lt;script&gt;window.__xss=8&lt;/script&gt; &amp;amp;",
    '<div style="position:fixed;inset:0;background:red;z-index:9999">covered',
    "<b><i><u>unclosed markup",
    ']]></summary><script xmlns="http://www.w3.org/1999/xhtml">window.__xss=9</script>',
    "{{ 7*7 }} {% raw %} ${7*7}",
    "\u202eevil right-to-left override\u202c then normal",
    "\u2067isolate opened and never closed \u202b embedding",
    "W" * 2000,
]

#: The article's own URL: only plain http(s) may ever become a link.
URLS = [
    "javascript:window.__xss=20",
    "JaVaScRiPt:window.__xss=21",
    " javascript:window.__xss=22",
    "java\tscript:window.__xss=23",
    "data:text/html,<script>window.__xss=24</script>",
    "vbscript:msgbox(1)",
    'https://news.example/"><script>window.__xss=25</script>',
    "//evil.example/protocol-relative",
]


def records() -> list[dict]:
    """One article per payload (the payload in every text field) and per URL."""
    out = []
    for i, payload in enumerate(PAYLOADS):
        out.append(
            {
                "title": f"{payload} {WORD} title {i}",
                "text": f"{payload}\n\nThe {WORD} story number {i}. {payload} ends here.",
                "date": f"2024-01-{1 + i:02d}",
                "url": f"https://news.example/story/{i}",
                "tags": [payload[:150], "Weather"],
                "places": [f"Vietnam/{payload[:100]}", payload[:100]],
                "site": payload[:150],
            }
        )
    for i, url in enumerate(URLS):
        out.append(
            {
                "title": f"Plain {WORD} article with a hostile URL {i}",
                # Too short to be judged a version of the others (archive.clusters), so
                # each is a story of its own and shows in collapsed lists too.
                "text": f"The {WORD}, case {i}: the URL attacks.",
                "date": f"2023-06-{1 + i:02d}",
                "url": url,
                "tags": ["Weather"],
                "site": "example",
            }
        )
    return out


def write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hostile.json").write_text(json.dumps(records(), ensure_ascii=False), "utf-8")
    return folder

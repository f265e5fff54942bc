"""Garbled text: mojibake repaired while reading, what cannot be repaired reported with
its file and row, clean text (every script) left exactly as it was."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from archive import Article, read
from archive.repair import damage, repair
from indexer.whoosh import index_paths


def test_mojibake_is_repaired_in_every_record_format(tmp_path: Path) -> None:
    title = "Sinn FÃ©in leader says â€œno dealâ€\x9d"  # UTF-8 read as windows-1252
    body = "Gerry Adams of Sinn FÃ©in spoke in DÃ¼sseldorf â€” and in GdaÅ„sk."
    with (tmp_path / "rows.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["title", "text"], [title, body]])
    (tmp_path / "rows.json").write_text(json.dumps([{"title": title, "body": body}]), "utf-8")
    for name in ("rows.csv", "rows.json"):
        (article,) = [a for a in read(tmp_path / name) if isinstance(a, Article)]
        assert article.title == "Sinn Féin leader says “no deal”", name
        assert article.body == "Gerry Adams of Sinn Féin spoke in Düsseldorf — and in Gdańsk."
        assert article.warnings == []


def test_clean_text_in_any_script_is_left_alone(corpora: Path) -> None:
    seed = next((corpora / "seed").glob("*.txt")).read_text("utf-8")
    samples = [
        seed,
        "Thành phố Đà Nẵng đón hơn 8 triệu lượt khách",
        "港特首梁振英就住宅违建事件道歉",
        "Café “quoted” — ½ ﬁne Ｆｕｌｌ &amp; ©",
        "Москва, 2017: Путин",
    ]
    for text in samples:
        assert repair(text) == text
        assert damage(text) is None


def test_what_cannot_be_repaired_is_reported_with_file_and_row(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with (data / "news.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["title", "text", "url"])
        writer.writerow(["Clean", "Nothing wrong here.", "https://x.example/1"])
        writer.writerow(["Lost", "Sinn F\ufffd\ufffdin met.", "https://x.example/2"])
        writer.writerow(["Quote", 'The Senate voted on DeVos"?nomination.', "https://x.example/3"])
    report = index_paths(tmp_path / "index", [data])
    assert report.warnings == [
        "news.csv: line 3: text garbled beyond repair in 1 place (lost in its source), "
        "e.g. 'Sinn F\ufffd\ufffdin met.'",
        "news.csv: line 4: text garbled beyond repair in 1 place (lost in its source), "
        "e.g. 'voted on DeVos\"?nomination.'",
    ]
    again = index_paths(tmp_path / "index", [data])
    assert again.unchanged == 3 and again.warnings == []  # once per change


def test_the_demo_set_reads_cleanly(demo: Path) -> None:
    for path in sorted(demo.rglob("*")):
        if path.is_file():
            for item in read(path):
                if isinstance(item, Article):
                    text = " ".join((item.title, item.subtitle, item.body))
                    assert damage(text) is None, (path, item.title)

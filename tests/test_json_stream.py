"""``.json`` arrays read as a stream (issue 15): the same articles and the same problems
as the whole-document reader, in memory that does not grow with the file."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

import archive.readers.records as records
from archive.article import Article, Problem
from archive.readers import read
from archive.readers.json_stream import stream_json_array

RECORDS = [
    {
        "Headline": "Floods in Hue",
        "articleBody": "Rain fell.\n\nThe river rose.",
        "pubDate": "2024-10-03T08:00:00+07:00",
        "URL": "https://example.com/a",
        "Keywords": "floods, weather",
        "Author": "By Jane Doe and John Roe",
        "Publisher": {"name": "Example News"},
        "lang": "EN",
        "locations": ["Hue"],
        "score": 1.25,
        "rank": 10**20,
    },
    {"title": "Only a description", "description": "Used as the body"},
    "not an object",
    {"title": ""},
    {"title": "Đà Nẵng <b>mưa</b>", "text": "Thành phố \u00e9t\u00e9 😀", "id": 7.5},
    None,
    [1, 2],
    {"title": "Nested", "meta": {"a": {"b": {"c": [1, {"d": None}]}}}, "published": 1.7e9},
    {"title": "Dup", "title ": "x", "text": "first", "TEXT": "second"},
    {"title": "A bad date", "text": "Body", "date": "2024-13-45"},
    {"title": "cafÃ© mojibake", "text": "He said â€œyesâ€\x9d."},
]


def whole(path: Path) -> list:
    """What the whole-document reader gives for ``path`` (streaming turned off)."""
    original = records.stream_json_array
    records.stream_json_array = lambda ctx, make: None
    try:
        return list(read(path))
    finally:
        records.stream_json_array = original


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "name,data",
    [
        ("plain.json", json.dumps(RECORDS).encode()),
        ("indented.json", json.dumps(RECORDS, indent=2, ensure_ascii=False).encode()),
        ("bom.json", b"\xef\xbb\xbf  \n" + json.dumps(RECORDS).encode()),
        ("empty-array.json", b"[ ]"),
        ("numbers.json", b"[1, 2, 3]"),
        ("one.json", b'[{"title": "A", "text": "B"}]'),
    ],
)
def test_streamed_arrays_read_as_the_whole_document_did(tmp_path, name, data):
    path = write(tmp_path, name, data)
    if name != "numbers.json":
        from archive.readers.base import ReadContext

        assert stream_json_array(ReadContext(path), records._array_record) is not None
    assert list(read(path)) == whole(path)


@pytest.mark.parametrize(
    "name,data",
    [
        ("truncated.json", json.dumps(RECORDS, indent=1).encode()[:300]),
        ("extra.json", json.dumps(RECORDS).encode() + b"\n[]"),
        ("nan.json", b'[{"title": "A", "score": NaN}]'),
        (
            "latin1.json",
            json.dumps([{"title": "Un café à Noël"}], ensure_ascii=False).encode("latin-1"),
        ),
        ("utf16.json", json.dumps([{"title": "Đà Nẵng"}], ensure_ascii=False).encode("utf-16")),
        ("deep.json", b"[" * 5000 + b"]" * 5000),
        ("object.json", json.dumps({"articles": RECORDS}).encode()),
        ("lines.json", b'{"title": "A"}\n{"title": "B"}\n'),
        ("empty.json", b""),
    ],
)
def test_other_documents_are_read_whole_with_the_same_answers(tmp_path, name, data):
    from archive.readers.base import ReadContext

    path = write(tmp_path, name, data)
    assert stream_json_array(ReadContext(path), records._array_record) is None
    assert list(read(path)) == whole(path)


def test_a_truncated_array_gives_one_problem_and_no_articles(tmp_path):
    text = json.dumps([{"title": f"T{i}", "text": "x" * 50} for i in range(10)], indent=1)
    items = list(read(write(tmp_path, "t.json", text[: len(text) // 2].encode())))
    assert len(items) == 1 and isinstance(items[0], Problem)
    assert items[0].reason.startswith("truncated JSON")


def _big_array(path: Path, count: int, body_words: int) -> None:
    body = " ".join(["lorem", "ipsum", "dolor", "sit"] * (body_words // 4))
    with path.open("w", encoding="utf-8") as f:
        f.write("[\n")
        for n in range(count):
            if n:
                f.write(",\n")
            f.write(json.dumps({"id": f"a{n}", "title": f"Title {n}", "text": body}))
        f.write("\n]\n")


def test_a_json_array_is_streamed_not_read_whole(tmp_path):
    """The first articles of a 40 MB array come without holding the file in memory."""
    path = tmp_path / "big.json"
    _big_array(path, 8000, 900)
    assert path.stat().st_size > 38_000_000
    tracemalloc.start()
    try:
        first = list(itertools.islice(read(path), 20))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(first) == 20 and all(isinstance(a, Article) for a in first)
    assert peak < 4_000_000


#: Reads every record of argv[1] and prints how many articles it held.
_READ_ALL = r"""
import sys
from archive.article import Article
from archive.readers import read
print(sum(1 for item in read(sys.argv[1]) if isinstance(item, Article)))
"""
#: Runs a command and writes its own peak memory: a child of pytest itself would count
#: pytest's resident size in its ``ru_maxrss`` (see the launcher's docstring).
LAUNCHER = Path(__file__).resolve().parent / "reliability" / "launcher.py"


@pytest.mark.slow
def test_a_200_mb_array_reads_in_at_most_200_mb(tmp_path, request):
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip(
            "heavy case (a 200 MB file): run with `pytest -m slow tests/test_json_stream.py`"
        )
    path = tmp_path / "200mb.json"
    _big_array(path, 25_000, 1600)
    assert path.stat().st_size >= 200_000_000
    result = tmp_path / "result.json"
    command = [sys.executable, "-c", _READ_ALL, str(path)]
    done = subprocess.run(
        [sys.executable, str(LAUNCHER), str(result), "600", "-", *command],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]  # the launcher itself
    run = json.loads(result.read_text())
    assert run["returncode"] == 0, done.stderr[-2000:]
    assert int(done.stdout) == 25_000
    peak = run["maxrss_kb"] * 1024
    assert peak <= 200 * 2**20, f"peak RSS {peak / 2**20:.0f} MiB"

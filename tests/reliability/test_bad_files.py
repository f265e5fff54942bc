"""Case 3: a corpus of hostile files mixed with good ones, indexed by the real CLI.

Every good file must be indexed (each carries a word no other file has, and a search
for it finds exactly its article), every bad one reported on stderr with its path and
a reason, the process must end normally, and its peak memory (the child's own
``ru_maxrss``) must stay bounded although the corpus holds 200 MB files in every
format. A file that vanishes, turns into a FIFO or a dangling symlink between the
listing and the reading is reported, and the run goes on.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from reliability_helpers import figures, run_archive

from indexer import SearchQuery

#: 200 MB, as the issue asks; sparse where the filesystem allows.
from indexer.whoosh import index_paths, open_index

#: 200 MB, as the issue asks; sparse where the filesystem allows.
HUGE = 200 * 1024 * 1024
#: Peak memory allowed to the indexer child on this corpus. It peaks at about 175 MB
#: (Python, NumPy, Whoosh, and SciPy with datasketch for story clusters; measured from
#: the launcher, see reliability_helpers.run_archive); reading any of the huge files
#: whole would add 200 MB to it.
MAX_RSS_MB = 300


def good_files(folder: Path) -> dict[str, str]:
    """Good files in every format; ``{file name: its unique marker word}``."""
    good: dict[str, str] = {}

    def put(name: str, marker: str, text: str, encoding: str = "utf-8") -> None:
        (folder / name).write_bytes(text.encode(encoding))
        good[name] = marker

    body = "The council met on Tuesday to discuss the new harbour wall and the budget."
    put(
        "good.md",
        "zorblatt",
        f"---\ntitle: Harbour wall zorblatt\ndate: 2024-03-01\n---\n\n{body}\n",
    )
    put(
        "good.json",
        "quenlor",
        json.dumps([{"title": "Budget quenlor", "text": body, "date": "2024-03-02"}]),
    )
    put(
        "good.jsonl",
        "fremmick",
        json.dumps({"title": "Council fremmick", "text": body, "date": "2024-03-03"}) + "\n",
    )
    put("good.csv", "gastrel", f'title,text,date\nWall gastrel,"{body}",2024-03-04\n')
    put(
        "good.html",
        "plimsoth",
        "<html><head><title>Plimsoth harbour</title></head><body><article>"
        f"<h1>Plimsoth harbour</h1><p>{body} " + "More council news. " * 30 + "</p>"
        "</article></body></html>",
    )
    put(
        "good-utf16-bom.txt",
        "trembolt",
        "\ufeffVietnam.vn\nTrembolt harbour report\n03/10/2024\n" + body + "\n",
        "utf-16-le",
    )
    put(
        "good-cp1252.csv",
        "wexhallow",
        "title,text,date\nCaf\u00e9 wexhallow,"
        "Na\u00efve r\u00e9sum\u00e9 of the budget.,2024-03-05\n",
        "cp1252",
    )
    # Impossible dates: the article is kept, undated, with a warning.
    put("date-feb31.csv", "drobnitz", f"title,text,date\nDrobnitz,{body},31/02/2024\n")
    put("date-9999.csv", "yarrowick", f"title,text,date\nYarrowick,{body},99/99/9999\n")
    return good


def bad_files(folder: Path) -> list[str]:
    """Hostile files; each must be reported, none may stop the run."""
    bad: list[str] = []

    def put(name: str, data: bytes) -> None:
        (folder / name).write_bytes(data)
        bad.append(name)

    put("empty.txt", b"")
    put("empty.json", b"   \n")
    put("binary.html", os.urandom(4096))
    put("nul-bytes.md", b"---\ntitle: x\n---\n\nbody \x00\x00\x00 more")
    put("invalid-utf8.json", b'[{"title": "\xff\xfe\xfa caf\xc3", "text": "\x80\x81\x82"}]\x00')
    put("utf16-no-bom.csv", "title,text\nNo BOM here,Just UTF-16\n".encode("utf-16-le"))
    put("truncated.json", b'[{"title": "Cut off", "text": "The file ends in the mid')
    put("deeply-nested.json", b"[" * 200_000 + b"]" * 200_000)
    put("nested-record.json", b'[{"title": "Deep", "text": ' + b"[" * 5000 + b"]" * 5000 + b"}]")
    put(
        "unclosed-quote.csv",
        b"title,text,date\nKesselrun,The row before it is read,2024-01-01\n"
        b'"Unclosed title,the quote never ends,2024-01-02\nLater,row,2024-01-03\n',
    )
    put(
        "no-article.html",
        b"<html><head><title>Home</title></head><body><nav>Menu</nav></body></html>",
    )
    put("not-a-list.json", b"42")
    put("reuters-junk.xml", b"<REUTERS><TITLE>x</TITLE><BODY>" + b"<" * 1000)
    for suffix, head in (
        ("csv", b"title,text,date\n"),
        ("json", b'[{"title": "x", "text": "'),
        ("jsonl", b'{"title": "x", "text": "'),
        ("txt", b"Site\nTitle\n"),
        ("html", b"<html><body><p>"),
        ("xml", b"<REUTERS><BODY>"),
    ):
        name = f"huge-200MB.{suffix}"
        with (folder / name).open("wb") as f:
            f.write(head)
            f.truncate(HUGE)  # a hole: sparse on most filesystems
        bad.append(name)
    os.mkfifo(folder / "fifo.txt")
    bad.append("fifo.txt")
    os.symlink("/dev/zero", folder / "dev-zero.json")
    bad.append("dev-zero.json")
    return bad


#: The good row before the unclosed quote is indexed; the rest of that file is reported.
PARTLY_GOOD = {"unclosed-quote.csv": "kesselrun"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    good = good_files(folder)
    bad = bad_files(folder)
    good.update(PARTLY_GOOD)
    index_dir = tmp_path_factory.mktemp("hostile-index") / "index"
    run = run_archive(["index", "--index-dir", str(index_dir), str(folder)], timeout=300)
    return folder, good, bad, index_dir, run


def test_run_ends_normally_with_bounded_memory(hostile) -> None:
    folder, good, bad, _index_dir, run = hostile
    figures(
        "bad files",
        good_files=len(good),
        bad_files=len(bad),
        huge_files_MB=[HUGE // 2**20] * 6,
        exit_code=run.returncode,
        seconds=round(run.seconds, 1),
        child_maxrss_MB=round(run.maxrss_mb, 1),
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    assert run.maxrss_mb < MAX_RSS_MB, run.maxrss_mb


def test_every_good_file_is_indexed(hostile) -> None:
    _folder, good, _bad, index_dir, run = hostile
    with open_index(index_dir) as archive:
        for name, marker in good.items():
            result = archive.search(SearchQuery(text=marker, facets=False))
            assert result.total == 1, (name, marker, run.stderr[-2000:])
        assert archive.search(SearchQuery(text="", facets=False)).total == len(good)


def test_impossible_dates_leave_the_article_undated_with_a_warning(hostile) -> None:
    _folder, _good, _bad, index_dir, run = hostile
    with open_index(index_dir) as archive:
        for marker in ("drobnitz", "yarrowick"):
            (hit,) = archive.search(SearchQuery(text=marker, facets=False)).hits
            assert hit.published is None, (marker, hit.published)
    warnings = [line for line in run.stderr.splitlines() if line.startswith("warning ")]
    assert any("date-feb31.csv" in w for w in warnings), warnings
    assert any("date-9999.csv" in w for w in warnings), warnings


def test_every_bad_file_is_reported_with_a_reason(hostile) -> None:
    _folder, _good, bad, _index_dir, run = hostile
    skipped = [line for line in run.stderr.splitlines() if line.startswith("skipped ")]
    for name in bad:
        lines = [line for line in skipped if line.startswith(f"skipped {name}")]
        assert lines, f"{name} not reported; stderr:\n" + "\n".join(skipped)
        reason = lines[0].split(": ", 1)[1]
        assert reason.strip() and len(reason) < 400, lines[0]
    summary = run.stdout.strip().splitlines()[-1]
    assert f"{len(bad)} skipped" in summary or "skipped" in summary, summary


def test_strict_exits_1_on_bad_files(hostile, tmp_path: Path) -> None:
    folder, _good, _bad, _index_dir, _run = hostile
    small = tmp_path / "small"
    small.mkdir()
    for name in ("good.csv", "truncated.json", "empty.txt"):
        shutil.copy(folder / name, small / name)
    run = run_archive(["index", "--strict", "--index-dir", str(tmp_path / "ix"), str(small)])
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr


def test_files_that_change_between_listing_and_reading(tmp_path: Path) -> None:
    """The indexer lists the files, then reads them one by one: after the first file is
    read, one file is deleted, one replaced by a FIFO (opening it would block for ever)
    and one by a symlink to nowhere. Each is reported; the rest is indexed."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    good = good_files(folder)
    victims = {"good.json": "deleted", "good.jsonl": "fifo", "good.md": "dangling"}
    changed = []

    def after_first_file(progress) -> None:
        if changed:
            return
        for name, how in victims.items():
            path = folder / name
            path.unlink()
            if how == "fifo":
                os.mkfifo(path)
            elif how == "dangling":
                os.symlink(folder / "gone-away.md", path)
        changed.append(progress.files_read)

    report = index_paths(tmp_path / "index", [folder], progress=after_first_file)
    assert changed == [1], "the files changed after the first was read"
    reported = {Path(p.path).name: p.reason for p in report.problems}
    assert set(victims) <= set(reported), reported
    assert "not a regular file" in reported["good.jsonl"]
    assert "symbolic link" in reported["good.md"]
    assert "gone" in reported["good.json"] or "No such file" in reported["good.json"]
    assert report.articles == len(good) - len(victims)
    figures(
        "files changing mid-run",
        files=len(good),
        changed=len(victims),
        reported=sorted(reported.values()),
    )


def test_a_dangling_symlink_at_listing_time_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    good_files(folder)
    os.symlink(folder / "nowhere.csv", folder / "dangling.csv")
    report = index_paths(tmp_path / "index", [folder])
    assert "dangling.csv" in {Path(p.path).name for p in report.problems}, report.problems

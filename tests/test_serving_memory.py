"""Serving without copies (issue 15): an open reader must not hold the postings in
private memory.

Whoosh's own reader copies every compound segment file into the process
(``BufferFile`` over ``BytesIO``): at 1M articles, 9.6 GB per server process. The
archive opens its index through :mod:`indexer.whoosh.storage`, whose files are views of
a shared, read-only memory map. Mapped pages are page cache (``RssFile``), reclaimable
and shared by every process; a copy is anonymous memory (``RssAnon``).

The test indexes 20,000 generated articles of 60 words (about 14 MiB of postings),
then, in a fresh interpreter, measures ``RssAnon`` before and after opening the archive
and running searches. It also runs the same probe through Whoosh's own ``open_dir`` as
a control: the measurement must see that copy, else it could not see a regression.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from archive import Article
from indexer.whoosh import index_articles
from indexer.whoosh.storage import postings_bytes

ARTICLES = 20_000
BODY_WORDS = 60

#: Run in a fresh interpreter: ``argv[1]`` the index folder, ``argv[2]`` "mapped" (the
#: archive as it serves) or "copying" (Whoosh's ``open_dir``, the control). Prints JSON.
PROBE = r"""
import json, sys
from whoosh import index as whoosh_index
import indexer.whoosh.search as search
from indexer.api import Filters, SearchQuery
from indexer.whoosh import open_index

def anon():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    raise SystemExit("no RssAnon in /proc/self/status")

if sys.argv[2] == "copying":
    search.open_mapped_index = whoosh_index.open_dir
before = anon()
archive = open_index(sys.argv[1])
queries = ["w30x", "w40x w45x", '"w20x w21x"', "w60x OR w70x", "title:w80x", "w9x -w10x", ""]
for text in queries:
    for tags in ([], ["tag1"]):
        result = archive.search(SearchQuery(
            text=text, filters=Filters(tags=tags), page_size=10, facets=True, snippets=True))
        assert tags or result.total > 0, text
print(json.dumps({"added": anon() - before}))
"""


def _words() -> list[str]:
    """A vocabulary used with Zipf weights: a few very common words, a long tail."""
    return [f"w{n}x" for n in range(6000)]


def _articles(count: int):
    rng = random.Random(15)
    words = _words()
    weights = [1 / (rank + 1) for rank in range(len(words))]
    start = date(2015, 1, 1)
    for n in range(count):
        body = " ".join(rng.choices(words, weights, k=BODY_WORDS))
        yield Article(
            id=f"a{n:06d}",
            title=" ".join(rng.choices(words, weights, k=6)),
            body=body,
            published=start + timedelta(days=n % 3000),
            site=f"site{n % 7}.example",
            url=f"https://site{n % 7}.example/{n}",
            language="en",
            tags=[f"tag{n % 5}", f"tag{n % 11}"],
            places=["France/Paris"] if n % 2 else ["Germany/Berlin"],
        )


def _probe(index_dir: Path, mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(index_dir), mode],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)["added"]


@pytest.fixture(scope="module")
def big_index(tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("serving") / "index"
    report = index_articles(index_dir, _articles(ARTICLES), rebuild=True)
    assert report.articles == ARTICLES
    return index_dir


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_open_reader_and_searches_add_far_less_than_the_postings(big_index):
    postings = postings_bytes(big_index)
    assert postings > 8 * 2**20, f"the test index is too small to measure: {postings} bytes"
    mapped = _probe(big_index, "mapped")
    copying = _probe(big_index, "copying")
    # The control: Whoosh's copying reader adds at least the postings themselves.
    assert copying >= postings, (copying, postings)
    # The archive's reader: its per-document facet columns (about 2.5 MiB here, 125 bytes
    # an article) and the decoded postings of the searched terms; less than half the
    # postings at this small size (at 1M articles the postings are gigabytes).
    assert mapped < postings / 2, (
        f"opening and searching added {mapped / 2**20:.1f} MiB of private memory; "
        f"the postings are {postings / 2**20:.1f} MiB"
    )


def test_mapped_files_read_what_whoosh_wrote(tmp_path):
    """Every read the codec uses gives Whoosh's own answer; a subset is a view."""
    from array import array

    from whoosh.filedb.filestore import FileStorage

    from indexer.whoosh.storage import MappedFile, MappedStorage

    storage = FileStorage(str(tmp_path))
    f = storage.create_file("data")
    f.write_int(-7)
    f.write_uint(4_000_000_000)
    f.write_long(-(2**40))
    f.write_ulong(2**63)
    f.write_ushort(65_000)
    f.write_float(1.5)
    f.write_byte(200)
    f.write_sbyte(-3)
    f.write_array(array("i", [1, -2, 3]))
    f.write_string(b"hello\nworld")
    f.write_varint(300)
    f.write_pickle({"a": [1, 2]})
    f.write_pickle(("block", 128, [1.5] * 200))  # longer than one peek
    f.write_pickle(None)
    f.close()
    plain = storage.open_file("data")
    mapped = MappedStorage(tmp_path).open_file("data")
    assert isinstance(mapped, MappedFile)
    for pos, get in [(0, "get_int"), (4, "get_uint"), (8, "get_long"), (16, "get_ulong")]:
        assert getattr(mapped, get)(pos) == getattr(plain, get)(pos)
    assert mapped.get_ushort(24) == 65_000 and mapped.get_float(26) == 1.5
    assert mapped.get_byte(30) == 200 and mapped.get_sbyte(31) == -3
    assert list(mapped.get_array(32, "i", 3)) == [1, -2, 3]
    assert mapped.get(0, 44) == plain.get(0, 44)
    mapped.seek(44)
    assert mapped.read_string() == b"hello\nworld"
    assert mapped.read_varint() == 300
    assert mapped.read_pickle() == {"a": [1, 2]}
    # Pickles back to back: each load stops where its pickle ends (the unpickler peeks
    # ahead, then reads only what it used).
    assert mapped.read_pickle() == ("block", 128, [1.5] * 200)
    assert mapped.read_pickle() is None
    assert mapped.read(5) == b""
    part = mapped.subset(32, 12)
    assert list(part.get_array(0, "i", 3)) == [1, -2, 3]
    mapped.close()  # the subset keeps its pages mapped
    assert part.get_int(4) == -2
    part.close()
    plain.close()
    (tmp_path / "empty").write_bytes(b"")
    empty = MappedStorage(tmp_path).open_file("empty")
    assert empty.read() == b""
    empty.close()


def test_a_file_that_cannot_be_mapped_is_read_plainly(tmp_path, monkeypatch):
    import mmap

    from whoosh.filedb.structfile import StructFile

    from indexer.whoosh.storage import MappedFile, MappedStorage

    (tmp_path / "data").write_bytes(b"\x00\x00\x00\x07rest")

    def refuse(*args, **kwargs):
        raise OSError(19, "No such device")

    monkeypatch.setattr(mmap, "mmap", refuse)
    f = MappedStorage(tmp_path).open_file("data")
    assert isinstance(f, StructFile) and not isinstance(f, MappedFile)
    assert f.get_int(0) == 7 and f.subset(4, 4).read() == b"rest"
    f.close()


def test_the_server_does_not_load_scipy():
    """datasketch (story-cluster signatures, computed only when indexing) loads SciPy:
    seconds at start and tens of MB in every server process. The web app and the CLI
    import it only where a signature is made; a signature still comes out right."""
    probe = (
        "import sys, web, newsarchive.cli\n"
        "assert 'scipy' not in sys.modules and 'datasketch' not in sys.modules\n"
        "from archive.clusters import signature\n"
        "assert signature(' '.join(f'word{i}' for i in range(40))) is not None\n"
        "assert 'datasketch' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=120)

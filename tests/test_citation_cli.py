"""``archive search --format ris|bibtex|csljson``: the same citations as the web's, read
back by the same judges, through the installed command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import bibtexparser
import pytest
import rispy
from citation_articles import copy_citation_articles


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("cli-cite-corpus")
    copy_citation_articles(corpus)
    target = tmp_path_factory.mktemp("cli-cite-index") / "index"
    archive("index", "--index-dir", str(target), str(corpus))
    return target


def archive(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    environment.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "newsarchive", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_ris_with_permalinks_from_the_public_url(index_dir):
    out = archive(
        "search", "thanksgiving", "--index-dir", str(index_dir), "--format", "ris",
        env={"ARCHIVE_PUBLIC_URL": "https://news.example.org/archive/"},
    ).stdout  # fmt: skip
    (record,) = rispy.loads(out)
    assert record["type_of_reference"] == "NEWS"
    assert record["secondary_title"] == "CNN"
    assert "Ford, Dana A." in record["authors"]
    assert record["accession_number"].startswith("https://news.example.org/archive/article/")
    assert record["name_of_database"] == "News archive"


def test_bibtex_and_csljson_of_every_hit(index_dir):
    out = archive("search", "--index-dir", str(index_dir), "--format", "bibtex").stdout
    library = bibtexparser.parse_string(out)
    assert len(library.entries) == 2 and not library.failed_blocks
    assert "note" not in library.entries[0].fields_dict  # no public URL: no permalink
    items = json.loads(
        archive("search", "--index-dir", str(index_dir), "--format", "csljson").stdout
    )
    assert {i["container-title"] for i in items} == {"CNN", "Vietnam.vn"}


def test_no_hits_is_an_empty_valid_file(index_dir):
    for fmt, check in (
        ("ris", lambda s: rispy.loads(s) == []),
        ("bibtex", lambda s: bibtexparser.parse_string(s).entries == []),
        ("csljson", lambda s: json.loads(s) == []),
    ):
        out = archive("search", "zzzyqxnothing", "--index-dir", str(index_dir), "--format", fmt)
        assert check(out.stdout), fmt

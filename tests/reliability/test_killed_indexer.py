"""Case 2: ``archive index`` killed at random moments, and run out of disk space.

Kills: each trial changes the corpus (a set of NewsArticles CSV files comes or goes),
runs ``archive index`` (incremental or ``--rebuild``, alternately) and sends it SIGKILL
after a random delay drawn over the whole length of a run, so kills land while it
imports, reads, writes, commits and swaps. After each kill the index must open, a
search must answer with the total of the index before or after the run (nothing in
between), and re-running the indexer must end with exactly the right article count
(counted independently by a clean index of the same files).

Full disk: a size-limited tmpfs (when the tests run as root, as CI does) or a file
size limit (``RLIMIT_FSIZE``, any user) makes the indexer's writes fail part-way: it
must exit with a clear one-line error, and the previous index must still serve.

Quick default: trials on 120 articles until 3 runs were killed (at most 6). ``-m slow``:
on 640 articles until 20 runs were killed (at most 40 trials).
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from reliability_helpers import Run, figures, index_count, news_rows, run_archive, write_chunks

from indexer import SearchQuery
from indexer.whoosh import index_paths, open_index
from indexer.whoosh.layout import Layout

SEED = 20240310
#: How long an incremental trial runs, as a share of a full rebuild (measured here: ~0.6).
INCREMENTAL_SHARE = 0.6


@pytest.fixture(scope="module")
def rows(corpora: Path):
    return news_rows(corpora)


def _corpus(tmp: Path, rows, a_files: int, b_files: int, per_file: int):
    """``live/`` with the A files, ``spare/`` with the B files that trials move in and out."""
    header, data = rows
    live, spare = tmp / "live", tmp / "spare"
    a = write_chunks(live, header, data[: a_files * per_file], per_file, "a")
    b_rows = data[a_files * per_file : (a_files + b_files) * per_file]
    b = write_chunks(spare, header, b_rows, per_file, "b")
    return live, spare, a, [p.name for p in b]


def _reference_count(tmp: Path, files: list[Path]) -> int:
    """Articles in a clean index of exactly these files (in-process, no kills)."""
    folder = tmp / f"ref-{len(files)}"
    folder.mkdir()
    for path in files:
        shutil.copy(path, folder / path.name)
    return index_paths(tmp / f"ref-index-{len(files)}", [folder]).articles


def _kill_trials(
    tmp_path: Path, rows, n_trials: int, a_files: int, b_files: int, per_file: int, min_kills: int
):
    live, spare, a, b_names = _corpus(tmp_path, rows, a_files, b_files, per_file)
    count_a = _reference_count(tmp_path, a)
    count_ab = _reference_count(tmp_path, a + [spare / n for n in b_names])
    assert count_ab > count_a > 0
    index_dir = tmp_path / "index"

    # A first run, unkilled, gives the length of a run (kills are drawn over it).
    for name in b_names:
        shutil.move(spare / name, live / name)
    first = run_archive(["index", "--quiet", "--rebuild", "--index-dir", str(index_dir), str(live)])
    assert first.returncode == 0, first.stderr
    assert index_count(index_dir) == count_ab
    run_seconds = first.seconds

    lengths = {"rebuild": run_seconds, "incremental": run_seconds * INCREMENTAL_SHARE}
    rng = random.Random(SEED)
    b_present = True
    outcomes = {"killed": 0, "finished before the kill": 0}
    leftovers = []
    trial = -1
    # Trials go on until ``min_kills`` runs were really killed (a run may finish before
    # its drawn moment), up to ``n_trials``.
    while outcomes["killed"] < min_kills and trial + 1 < n_trials:
        trial += 1
        # Each trial changes the corpus, so that each run has real work to do.
        for name in b_names:
            if b_present:
                shutil.move(live / name, spare / name)
            else:
                shutil.move(spare / name, live / name)
        b_present = not b_present
        expected = count_ab if b_present else count_a
        before = index_count(index_dir)
        mode = ["--rebuild"] if trial % 2 else []
        # Kills are drawn over the length of the last whole run of the same kind (an
        # incremental run writes only what changed, so it is shorter; and on a busy
        # machine run lengths drift).
        length = lengths["rebuild" if mode else "incremental"]
        delay = rng.uniform(0.05, length * 0.9)
        run = run_archive(
            ["index", "--quiet", *mode, "--index-dir", str(index_dir), str(live)],
            kill_after=delay,
        )
        killed = run.returncode == -signal.SIGKILL
        outcomes["killed" if killed else "finished before the kill"] += 1
        if not killed:
            assert run.returncode == 0, run.stderr
            lengths["rebuild" if mode else "incremental"] = run.seconds

        # The index opens and answers, from the index before the run or after it.
        with open_index(index_dir) as archive:
            total = archive.search(SearchQuery(text="", facets=False)).total
            archive.search(SearchQuery(text="government president"))
        assert total in {before, expected}, (trial, delay, total, before, expected)

        # Re-running (incremental) ends with exactly the right count.
        rerun = run_archive(["index", "--quiet", "--index-dir", str(index_dir), str(live)])
        assert rerun.returncode == 0, rerun.stderr
        if killed:
            lengths["incremental"] = rerun.seconds
        assert "being written" not in rerun.stderr
        assert index_count(index_dir) == expected, (trial, delay, mode)
        leftovers.append(len(Layout(index_dir).generations()))

    figures(
        "killed indexers",
        trials=trial + 1,
        articles=count_ab,
        run_seconds=round(run_seconds, 1),
        **outcomes,
        max_generations_on_disk=max(leftovers),
    )
    assert outcomes["killed"] >= min_kills, outcomes


def test_killed_indexer_quick(tmp_path: Path, rows) -> None:
    _kill_trials(tmp_path, rows, n_trials=6, a_files=2, b_files=1, per_file=40, min_kills=3)


@pytest.mark.slow
def test_killed_indexer_many_trials(tmp_path: Path, rows) -> None:
    _kill_trials(tmp_path, rows, n_trials=40, a_files=10, b_files=6, per_file=40, min_kills=20)


# --- a full disk ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def disk_corpora(tmp_path_factory, rows):
    """A small corpus (the index that must keep serving) and a larger one that does not fit."""
    header, data = rows
    tmp = tmp_path_factory.mktemp("disk")
    small, large = tmp / "small", tmp / "large"
    write_chunks(small, header, data[:30], 30, "small")
    write_chunks(large, header, data[:200], 100, "large")
    return small, large


@dataclass
class Outcome:
    run: Run
    index_dir: Path
    old_count: int
    generations_before: list[str]


def _fill_disk(tmp: Path, corpora, mode: str, limit: str) -> Outcome:
    """Index the small corpus, then run out of space indexing the large one."""
    small, large = corpora
    if limit == "tmpfs":
        disk = _mount_tmpfs(tmp / "disk", "2m")
        preexec = None
    else:
        disk = tmp
        preexec = _file_size_limit(256 * 1024)
    index_dir = disk / "index"
    built = run_archive(["index", "--quiet", "--index-dir", str(index_dir), str(small)])
    assert built.returncode == 0, built.stderr
    old_count = index_count(index_dir)
    generations = Layout(index_dir).generations()
    args = ["--rebuild"] if mode == "rebuild" else []
    run = run_archive(
        ["index", "--quiet", *args, "--index-dir", str(index_dir), str(large)], preexec_fn=preexec
    )
    assert run.returncode != 0, "the large corpus should not fit"
    return Outcome(run, index_dir, old_count, generations)


_MOUNTS: list[Path] = []


def _mount_tmpfs(folder: Path, size: str) -> Path:
    """A size-limited tmpfs at ``folder`` (unmounted at the end of the module); skips
    where mounting is not permitted."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    _MOUNTS.append(folder)
    return folder


@pytest.fixture(scope="module")
def full_disk(tmp_path_factory, disk_corpora):
    """Each way of running out of space, run once and shared by the checks below."""
    outcomes: dict[tuple[str, str], Outcome] = {}

    def get(limit: str, mode: str) -> Outcome:
        if (limit, mode) not in outcomes:
            tmp = tmp_path_factory.mktemp(f"{limit}-{mode}")
            outcomes[limit, mode] = _fill_disk(tmp, disk_corpora, mode, limit)
        return outcomes[limit, mode]

    yield get
    for folder in _MOUNTS:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
    _MOUNTS.clear()


def _file_size_limit(limit: int):
    def apply() -> None:
        # Past the limit the kernel sends SIGXFSZ, which kills by default; ignored,
        # the write fails with EFBIG instead, which is what a program sees on a quota.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


WAYS = [
    pytest.param("tmpfs", "rebuild", id="tmpfs-2MB-rebuild"),
    pytest.param("tmpfs", "incremental", id="tmpfs-2MB-incremental"),
    pytest.param("fsize", "rebuild", id="rlimit-fsize-256KB-rebuild"),
    pytest.param(
        "fsize", "incremental", id="rlimit-fsize-256KB-incremental", marks=pytest.mark.slow
    ),
]


@pytest.mark.parametrize(("limit", "mode"), WAYS)
def test_out_of_space_previous_index_still_serves(full_disk, limit, mode) -> None:
    outcome = full_disk(limit, mode)
    with open_index(outcome.index_dir) as archive:
        assert archive.search(SearchQuery(text="", facets=False)).total == outcome.old_count
        archive.search(SearchQuery(text="government"))
    figures(
        f"out of space ({limit}, {mode})",
        exit_code=outcome.run.returncode,
        last_line=outcome.run.stderr.strip().splitlines()[-1][:200],
        old_index_serves=True,
    )


@pytest.mark.parametrize(("limit", "mode"), WAYS)
def test_out_of_space_gives_a_clear_error(full_disk, limit, mode) -> None:
    run = full_disk(limit, mode).run
    assert run.returncode == 1, run.returncode
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    last = run.stderr.strip().splitlines()[-1]
    assert "space" in last.lower() or "too large" in last.lower(), last


def test_failed_rebuild_frees_its_space(full_disk) -> None:
    outcome = full_disk("tmpfs", "rebuild")
    assert Layout(outcome.index_dir).generations() == outcome.generations_before


def test_next_run_removes_a_killed_rebuilds_generation(tmp_path: Path, disk_corpora) -> None:
    small, large = disk_corpora
    index_dir = tmp_path / "index"
    built = run_archive(["index", "--quiet", "--index-dir", str(index_dir), str(small)])
    assert built.returncode == 0, built.stderr
    # Killed late in the rebuild: its new generation directory exists by then.
    killed = run_archive(
        ["index", "--quiet", "--rebuild", "--index-dir", str(index_dir), str(large)],
        kill_after=built.seconds * 0.9,
    )
    assert killed.returncode == -signal.SIGKILL
    assert len(Layout(index_dir).generations()) == 2
    rerun = run_archive(["index", "--quiet", "--index-dir", str(index_dir), str(small)])
    assert rerun.returncode == 0, rerun.stderr
    assert len(Layout(index_dir).generations()) == 1

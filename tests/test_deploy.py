"""The systemd units and the environment file in ``deploy/``, judged by systemd itself.

``systemd-analyze verify`` loads the units as systemd would (unknown keys, bad values,
a missing executable); ``systemd-analyze security --offline`` rates their hardening.
The units name the install path of docs/deploy.md (/opt/newsarchive/venv); the test
points them at this checkout's ``archive`` instead, which is all it changes.
Skipped with a reason where systemd-analyze is not installed.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = ("archive-serve.service", "archive-index.service", "archive-index.timer")
#: The environment files: the shared one, then each service's own (the Typesense keys).
ENV_FILES = ("archive.env", "archive-index.env", "archive-serve.env")
INSTALLED = "/opt/newsarchive/venv/bin/archive"
ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(
    ANALYZE is None, reason="systemd-analyze not installed (Debian package systemd)"
)
#: What the serve unit may score at most in `systemd-analyze security` (0 best, 10 worst);
#: docs/deploy.md reports the figure.
MAX_EXPOSURE = 2.0


def _units(tmp_path: Path) -> list[Path]:
    archive = Path(sys.executable).parent / "archive"
    assert archive.exists(), archive
    out = []
    for name in UNITS:
        text = (DEPLOY / name).read_text("utf-8")
        if name.endswith(".service"):
            assert INSTALLED in text, f"{name} no longer starts {INSTALLED}"
            text = text.replace(INSTALLED, str(archive))
        (tmp_path / name).write_text(text, "utf-8")
        out.append(tmp_path / name)
    return out


def _settings(name: str) -> dict[str, list[str]]:
    """``Key=value`` lines of a unit, every value of a repeated key kept."""
    settings: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text("utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def _env_file(*names: str) -> dict[str, str]:
    """The ARCHIVE_* settings listed (set or commented) in environment files."""
    values = {}
    lines = [
        line
        for name in names or ENV_FILES
        for line in (DEPLOY / name).read_text("utf-8").splitlines()
    ]
    for line in lines:
        match = re.match(r"^#?(ARCHIVE_[A-Z_]+)=(.*)$", line)
        if match:
            values.setdefault(match[1], match[2] if not line.startswith("#") else "")
    return values


@needs_analyze
def test_units_verify_clean(tmp_path: Path) -> None:
    units = _units(tmp_path)
    run = subprocess.run(
        [ANALYZE, "verify", *map(str, units)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    # verify only warns (exit 0) about an unknown key: any word about our units fails.
    ours = [line for line in run.stderr.splitlines() if "archive-" in line]
    assert run.returncode == 0 and not ours, run.stderr


@needs_analyze
def test_verify_catches_a_misspelt_key(tmp_path: Path) -> None:
    """The check above can fail: a misspelt hardening key is reported."""
    units = _units(tmp_path)
    serve = units[0]
    serve.write_text(serve.read_text().replace("ProtectSystem=", "ProtectSystm="))
    run = subprocess.run(
        [ANALYZE, "verify", str(serve)], capture_output=True, text=True, timeout=60
    )
    assert "ProtectSystm" in run.stderr


@needs_analyze
def test_serve_unit_exposure(tmp_path: Path) -> None:
    serve = _units(tmp_path)[0]
    run = subprocess.run(
        [ANALYZE, "security", "--offline=true", "--no-pager", str(serve)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if "--offline" in run.stderr and "unrecognized" in run.stderr:
        pytest.skip("this systemd-analyze has no --offline (systemd < 250)")
    match = re.search(r"Overall exposure level for \S+: ([\d.]+)", run.stdout + run.stderr)
    assert match, run.stdout + run.stderr
    exposure = float(match[1])
    print(f"systemd-analyze security archive-serve.service: {exposure}")
    assert exposure <= MAX_EXPOSURE
    documented = (ROOT / "docs" / "deploy.md").read_text("utf-8")
    assert f"exposure level {exposure}" in documented, "docs/deploy.md reports the figure"


def test_hardening_and_who_writes_the_index() -> None:
    """Only the indexer writes the index folder; both units are hardened."""
    index_dir = _env_file()["ARCHIVE_INDEX_DIR"]
    serve = _settings("archive-serve.service")
    index = _settings("archive-index.service")
    for unit in (serve, index):
        assert unit["ProtectSystem"] == ["strict"]
        assert unit["NoNewPrivileges"] == ["yes"]
        assert unit["PrivateTmp"] == ["yes"]
        assert unit["User"] == ["newsarchive"]
    assert serve["EnvironmentFile"] == [
        "/etc/newsarchive/archive.env",
        "-/etc/newsarchive/archive-serve.env",
    ]
    assert index["EnvironmentFile"] == [
        "/etc/newsarchive/archive.env",
        "-/etc/newsarchive/archive-index.env",
    ]

    def covers(paths: list[str]) -> bool:
        return any(
            index_dir == p or index_dir.startswith(p.rstrip("/") + "/")
            for value in paths
            for p in value.split()
        )

    assert covers(serve["ReadOnlyPaths"]) and not covers(serve.get("ReadWritePaths", []))
    assert covers(index["ReadWritePaths"])
    assert "--format json" in index["ExecStart"][0] and "$ARCHIVE_SOURCES" in index["ExecStart"][0]
    timer = _settings("archive-index.timer")
    assert timer["OnCalendar"] and timer["Persistent"] == ["yes"]


def test_environment_file_lists_every_setting() -> None:
    """Every ARCHIVE_* variable the code reads is in the environment file and the README."""
    used = set()
    for package in ("archive", "indexer", "web", "newsarchive"):
        for path in (ROOT / package).rglob("*.py"):
            used |= set(re.findall(r"\bARCHIVE_[A-Z_]+[A-Z]\b", path.read_text("utf-8")))
    listed = _env_file()
    readme = (ROOT / "README.md").read_text("utf-8")
    assert used - set(listed) == set(), f"missing from deploy/{', deploy/'.join(ENV_FILES)}"
    assert {name for name in used | set(listed) if name not in readme} == set()


def test_the_web_server_never_reads_the_admin_key() -> None:
    """The Typesense admin key (it can write and delete) is only in the file the
    indexer alone reads; the search-only key only in the web app's; the shared file
    holds neither (issue 18's split)."""
    admin, search = "ARCHIVE_TYPESENSE_API_KEY", "ARCHIVE_TYPESENSE_SEARCH_KEY"
    files = {name: set(_env_file(name)) for name in ENV_FILES}
    assert admin in files["archive-index.env"] and search in files["archive-serve.env"]
    assert not {admin, search} & files["archive.env"]
    assert admin not in files["archive-serve.env"] and search not in files["archive-index.env"]
    read_by_serve = [v.lstrip("-") for v in _settings("archive-serve.service")["EnvironmentFile"]]
    assert "/etc/newsarchive/archive-index.env" not in read_by_serve
    for path in read_by_serve:
        assert admin not in _env_file(Path(path).name), path


def _environment(**overrides: str) -> dict[str, str]:
    """The environment file as systemd reads it (uncommented NAME=value lines)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    for line in (DEPLOY / "archive.env").read_text("utf-8").splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            env[name.strip()] = value.strip()
    env.update(overrides)
    return env


def _exec_start(unit: str, env: dict[str, str]) -> list[str]:
    """The unit's ExecStart= as systemd runs it: ``$NAME`` split on whitespace."""
    (line,) = _settings(unit)["ExecStart"]
    argv = []
    for word in shlex.split(line):
        if word.startswith("$") and not word.startswith("${"):
            argv.extend(env.get(word[1:], "").split())
        else:
            argv.append(word)
    archive = Path(sys.executable).parent / "archive"
    return [str(archive) if a == INSTALLED else a for a in argv]


def test_the_units_commands_run_with_the_environment_file(demo: Path, tmp_path: Path) -> None:
    """The steps of docs/deploy.md as far as a machine without systemd running allows:
    the timer's command with the environment file builds the index (one JSON line),
    the web app's command serves it ready, and a failing run is one line and exit 1."""
    index_dir = tmp_path / "var" / "index"
    sources = f"{demo / 'seed'} {demo / 'html'}"
    env = _environment(ARCHIVE_INDEX_DIR=str(index_dir), ARCHIVE_SOURCES=sources)
    indexed = subprocess.run(
        _exec_start("archive-index.service", env), capture_output=True, text=True, env=env
    )
    assert indexed.returncode == 0, indexed.stderr
    (line,) = indexed.stdout.splitlines()
    summary = json.loads(line)
    assert summary["outcome"] == "problems" and summary["added"] > 0  # html has a home page

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = _exec_start("archive-serve.service", env)
    argv[argv.index("--port") + 1] = str(port)
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        serve = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    assert json.load(r) == {"status": "ready"}
                break
            except OSError:
                assert serve.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        urllib.request.urlopen(f"http://127.0.0.1:{port}/?q=secret", timeout=30).read()
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    # The access log is on, without the search words (ARCHIVE_LOG_QUERIES=0 in the file).
    assert '"GET /?q=- HTTP/1.1" 200' in log.read_text()

    # The share is not mounted tonight: exit 2 (a usage error, as documented), one line.
    env["ARCHIVE_SOURCES"] = str(tmp_path / "not-mounted")
    failed = subprocess.run(
        _exec_start("archive-index.service", env), capture_output=True, text=True, env=env
    )
    assert failed.returncode == 2 and failed.stderr == ""
    (line,) = failed.stdout.splitlines()
    assert json.loads(line)["outcome"] == "failed" and "not-mounted" in line
    stats = subprocess.run(
        [_exec_start("archive-index.service", env)[0], "stats"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert "last run:  failed at" in stats.stdout and "not-mounted" in stats.stdout


def test_the_web_app_serves_a_read_only_index(demo: Path, tmp_path: Path) -> None:
    """archive-serve.service sees the index through ``ReadOnlyPaths=``: the API, the
    search page and /readyz work on a read-only mount of the folder (made in a
    private mount namespace: root and util-linux's unshare, as CI runs; skipped else)."""
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        pytest.skip("needs root and unshare(1) to mount the index read-only")
    index_dir, mount = tmp_path / "index", tmp_path / "ro"
    mount.mkdir()
    built = subprocess.run(
        [sys.executable, "-m", "newsarchive", "index", "--index-dir", str(index_dir)]
        + [str(demo / "seed")],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    probe = (
        "import web; from web import Config\n"
        f"app = web.create_app(Config.from_env(index_dir={str(mount)!r}, environ={{}}))\n"
        "c = app.test_client()\n"
        "print(c.get('/readyz').status_code, c.get('/api/search').get_json()['total'],"
        " c.get('/?q=vietnam').status_code)\n"
    )
    script = (
        f"mount --bind {shlex.quote(str(index_dir))} {shlex.quote(str(mount))} && "
        f"mount -o remount,bind,ro {shlex.quote(str(mount))} || exit 77; "
        f"touch {shlex.quote(str(mount / 'probe'))} 2>/dev/null && exit 78; "
        f"{shlex.quote(sys.executable)} -c {shlex.quote(probe)}"
    )
    run = subprocess.run(
        [unshare, "--mount", "sh", "-c", script], capture_output=True, text=True, timeout=120
    )
    if run.returncode == 77 or "unshare failed" in run.stderr:
        pytest.skip(f"cannot make a read-only mount here: {run.stderr.strip()[:200]}")
    assert run.returncode == 0, run.stderr
    ready, total, page = run.stdout.split()
    assert ready == "200" and int(total) > 0 and page == "200", run.stdout

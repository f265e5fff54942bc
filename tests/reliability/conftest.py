"""The reliability suite: heavy cases run only when asked for (``pytest -m slow``).

Every case has a quick default that the normal ``pytest`` run (and so ``.ci/run``)
executes; its heavy form (more trials, the whole NewsArticles corpus) carries
``@pytest.mark.slow`` and is skipped unless the marker expression names ``slow``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # pytest has no "deselect by default" for a marker; a hook in this folder's
    # conftest keeps the rule local to the reliability suite.
    if "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="heavy case: run with `pytest -m slow tests/reliability`")
    for item in items:
        if "slow" in item.keywords and HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(skip)

"""The house's layering, checked on the import graph (grimp, import-linter's own library).

    archive  <-  indexer (core)  <-  indexer.whoosh, indexer.typesense  <-  web, newsarchive

A module may import from its own layer and the layers below it, never above; an engine
never imports another engine; and no module takes part in an import cycle, not even one
held apart by an import inside a function. Every ``import`` statement counts, wherever
it stands.
"""

from __future__ import annotations

import grimp
import pytest

PACKAGES = ("archive", "indexer", "web", "newsarchive")
ENGINES = ("indexer.whoosh", "indexer.typesense")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES)


def _layer(module: str) -> int:
    if module.startswith("archive"):
        return 0
    if any(module == e or module.startswith(e + ".") for e in ENGINES):
        return 2
    if module.startswith("indexer"):
        return 1
    return 3  # web, newsarchive


def _engine(module: str) -> str | None:
    return next((e for e in ENGINES if module == e or module.startswith(e + ".")), None)


def test_each_layer_imports_only_from_below(graph):
    wrong = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if _layer(imported) > _layer(module):
                wrong.append(f"{module} imports {imported}")
    assert not wrong, "\n".join(wrong)


def test_engines_never_import_each_other(graph):
    wrong = []
    for module in sorted(graph.modules):
        mine = _engine(module)
        for imported in graph.find_modules_directly_imported_by(module):
            theirs = _engine(imported)
            if mine and theirs and theirs != mine:
                wrong.append(f"{module} imports {imported}")
    assert not wrong, "\n".join(wrong)


def test_the_web_app_does_not_import_the_cli(graph):
    # The CLI composes everything (``archive serve`` starts the web app), never the reverse.
    assert not graph.chain_exists(importer="web", imported="newsarchive", as_packages=True)


def test_no_import_cycles(graph):
    cycles = [sorted(c) for c in _strongly_connected(graph) if len(c) > 1]
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_the_core_names_engines_only_in_its_registry():
    """The core never branches on an engine's name: the registry is the one place."""
    from pathlib import Path

    import indexer

    core = Path(indexer.__file__).parent
    offenders = []
    for path in sorted(core.glob("*.py")):
        text = path.read_text("utf-8")
        for name in ('"typesense"', '"whoosh"', "'typesense'", "'whoosh'"):
            if name in text and path.name != "backends.py":
                offenders.append(f"{path.name} mentions {name}")
    assert not offenders, offenders


def test_a_registered_engine_keeps_the_protocol():
    from indexer.backends import ENGINES as REGISTRY
    from indexer.backends import Engine, load_engine

    env = {"ARCHIVE_TYPESENSE_NODES": "http://127.0.0.1:1", "ARCHIVE_TYPESENSE_API_KEY": "k"}
    for name in REGISTRY:
        engine = load_engine(name, "/nonexistent/index", env)
        assert isinstance(engine, Engine)
        assert engine.name == name


def _strongly_connected(graph) -> list[set[str]]:
    """Tarjan's algorithm over the module graph (iterative: the graph is small, but
    recursion limits are not a thing a test should depend on)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph.modules:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components

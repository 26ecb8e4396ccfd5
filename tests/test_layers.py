"""The import rules of the three packages, read from the source (ast; nothing is imported).

Layers, from the ground up: cascade/ (the model: numpy, scipy, pandas and the standard
library), cascade_view/ (the pure view: no Streamlit), cascade_ui/ (the Streamlit shell),
then pages/ and app.py. No package imports one above it, and no module takes part in an
import cycle. Every import statement counts, the ones inside functions too: an import
placed inside a function to dodge a cycle is still a cycle.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("cascade", "cascade_view", "cascade_ui", "pages")
# The model's third-party imports: the array stack, Dask for ensembles on a cluster
# (imported inside the ensemble functions only, so `import cascade` stays light), and
# pyarrow, pandas' own Parquet engine, which reads a file's schema before pandas parses it.
MODEL_THIRD_PARTY = {"numpy", "scipy", "pandas", "dask", "distributed", "pyarrow"}
# The one module of the model that may reach up: `python -m cascade` runs the CLI, a view.
ENTRY_POINTS = {"cascade.__main__": {"cascade_view.cli"}}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> dict[str, Path]:
    files = {module_name(p): p for layer in LAYERS for p in (ROOT / layer).rglob("*.py")}
    files["app"] = ROOT / "app.py"
    return files


MODULES = source_files()


def imports_of(name: str, path: Path) -> list[tuple[str, int]]:
    """(imported module, line) for every Import and ImportFrom node anywhere in the file,
    relative imports resolved; `from package import name` counts as package.name when that
    is a module of this project."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.append((target, node.lineno))
            for alias in node.names:
                if f"{target}.{alias.name}" in MODULES:
                    found.append((f"{target}.{alias.name}", node.lineno))
    return found


def layer_of(module: str) -> int | None:
    top = module.split(".")[0]
    if top == "app":
        return len(LAYERS)
    return LAYERS.index(top) if top in LAYERS else None


def edges() -> dict[str, set[str]]:
    """Project module -> the project modules it imports."""
    graph = {}
    for name, path in MODULES.items():
        graph[name] = {target for target, _ in imports_of(name, path)
                       if target in MODULES and target != name}
    return graph


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def violations() -> list[str]:
    found = []
    for name, path in MODULES.items():
        own = layer_of(name)
        for target, line in imports_of(name, path):
            top = target.split(".")[0]
            where = f"{shown(path)}:{line} imports {target}"
            if target in ENTRY_POINTS.get(name, ()):
                continue
            theirs = layer_of(target)
            if theirs is not None and theirs > own:
                found.append(f"{where}: a layer above {LAYERS[own]}")
            if name.startswith("cascade.") or name == "cascade":
                if theirs is None and top not in MODEL_THIRD_PARTY \
                        and top not in sys.stdlib_module_names:
                    found.append(f"{where}: the model imports numpy, scipy, pandas and the "
                                 f"standard library only")
            if name.startswith("cascade_view") and top == "streamlit":
                found.append(f"{where}: the view imports no Streamlit")
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_layer_is_read():
    for layer in LAYERS:
        assert any(name.split(".")[0] == layer for name in MODULES), layer


def test_no_package_imports_one_above_it_and_the_model_and_view_stay_pure():
    assert violations() == []


def test_no_import_cycles_even_inside_functions():
    assert cycles(edges()) == []


# ------------------------------------------------------------------ the checker itself


@pytest.mark.parametrize("source, name, expected", [
    ("from cascade_ui.sweeps import Axis", "cascade_view.phase_figures", "a layer above"),
    ("def f():\n    import streamlit as st", "cascade_view.figures", "no Streamlit"),
    ("import plotly", "cascade.engine", "standard library only"),
    ("def f():\n    from pages import explorer", "cascade_ui.widgets", "a layer above"),
])
def test_the_checker_finds_an_upward_import(monkeypatch, tmp_path, source, name, expected):
    path = tmp_path / "module.py"
    path.write_text(source, encoding="utf-8")
    monkeypatch.setitem(MODULES, name, path)
    assert any(expected in v for v in violations()), violations()


def test_the_checker_finds_a_cycle_through_an_import_inside_a_function(tmp_path):
    first, second = tmp_path / "first.py", tmp_path / "second.py"
    first.write_text("from . import second\n", encoding="utf-8")
    second.write_text("def f():\n    from .first import g\n", encoding="utf-8")
    saved = dict(MODULES)
    try:
        MODULES.update({"cascade_ui.first": first, "cascade_ui.second": second})
        assert ["cascade_ui.first", "cascade_ui.second"] in cycles(edges())
    finally:
        MODULES.clear()
        MODULES.update(saved)

"""The import graph of rnnlab, read from the source with ``ast`` (nothing is imported).

* no cycles between rnnlab modules at import time (top-level imports; imports inside functions run
  later and may go anywhere);
* the models at the bottom: ``rnnlab/models`` imports only itself and the foundation modules
  (argument checks, activations, weight initialisers), which import only each other;
* torch only under ``rnnlab/train``; matplotlib only under ``rnnlab/plots``, ``rnnlab/explorers``
  (the framework-neutral explorer specs) and the two front ends; ipywidgets and ipympl only in the
  notebook front end ``rnnlab/widgets``, Panel and Bokeh only in the app (``rnnlab/app.py``,
  ``rnnlab/_app_panel.py``): anywhere in a file, function-local imports included, but for the few
  function-local ones in ``LOCAL_EXCEPTIONS``, each with its reason;
* public seams: no module imports a private name (``_x``) of another module, and a private module
  (``_x.py``) is imported only from inside its own package.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "rnnlab"
FOUNDATION = {"rnnlab.checks", "rnnlab.activations", "rnnlab.weights"}
NOTEBOOK, APP = ("rnnlab.widgets",), ("rnnlab.app", "rnnlab._app_panel")
# Where each front-end library may be imported.
FRONT_ENDS = {
    "matplotlib": ("rnnlab.plots", "rnnlab.explorers", *NOTEBOOK, *APP),
    "ipywidgets": NOTEBOOK,
    "ipympl": NOTEBOOK,
    "panel": APP,
    "bokeh": APP,
}
# function-local imports outside the edge, each with its reason
LOCAL_EXCEPTIONS = {
    ("torch", "rnnlab.environment"): "reports the torch version and GPU when asked",
    ("matplotlib", "rnnlab.train._loop_live"): "the training loop's live loss plot, drawn only when asked",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES.get(name, Path()).name == "__init__.py"


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


class Import:
    """One imported thing: ``module`` (absolute), ``names`` taken from it, and whether at import time."""

    def __init__(self, module: str, names: tuple, top_level: bool, line: int):
        self.module, self.names, self.top_level, self.line = module, names, top_level, line


def _package(name: str) -> str:
    return name if _is_package(name) else name.rpartition(".")[0]


def _source(package: str, node: ast.ImportFrom) -> str:
    """The absolute name of the module a ``from ... import`` statement reads from."""
    if not node.level:
        return node.module
    base = package.split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(name: str, path: Path) -> list[Import]:
    """Every import statement of a module; ``top_level`` unless inside a function or ``TYPE_CHECKING``."""
    package = _package(name)
    found = []

    def visit(node, top_level):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, False)
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                visit(child, False)
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    found.append(Import(alias.name, (), top_level, child.lineno))
            elif isinstance(child, ast.ImportFrom):
                found.append(Import(_source(package, child), tuple(a.name for a in child.names), top_level,
                                    child.lineno))
            else:
                visit(child, top_level)

    visit(ast.parse(path.read_text(), str(path)), True)
    return found


IMPORTS = {name: _imports(name, path) for name, path in MODULES.items()}


def _targets(imp: Import) -> list[str]:
    """The rnnlab modules an import loads: each submodule named in ``from package import sub``, and the
    module itself for any other name."""
    if not _within(imp.module, "rnnlab"):
        return []
    subs = [f"{imp.module}.{n}" for n in imp.names if f"{imp.module}.{n}" in MODULES]
    plain = [n for n in imp.names if f"{imp.module}.{n}" not in MODULES]
    return subs + ([imp.module] if plain or not imp.names else [])


def _graph(top_level_only: bool = True) -> dict[str, set[str]]:
    return {name: {t for imp in imps if imp.top_level or not top_level_only
                   for t in _targets(imp) if t != name}
            for name, imps in IMPORTS.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_the_parser_sees_the_package():
    assert "rnnlab.models" in MODULES and "rnnlab.simulate" in MODULES
    assert "rnnlab.models.linear" in _graph()["rnnlab.models"]
    # a function-local import is seen, but not as an import-time edge
    assert any(i.module == "torch" and not i.top_level for i in IMPORTS["rnnlab.environment"])


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_at_import_time():
    assert _cycles(_graph()) == []


def test_the_foundation_imports_only_itself():
    for name in FOUNDATION:
        assert _graph()[name] <= FOUNDATION, name


def test_models_sit_at_the_bottom():
    wrong = {name: sorted(t for t in targets if not _within(t, "rnnlab.models") and t not in FOUNDATION)
             for name, targets in _graph().items() if _within(name, "rnnlab.models")}
    assert {k: v for k, v in wrong.items() if v} == {}


@pytest.mark.parametrize("library, allowed",
                         [("torch", ("rnnlab.train",)), *FRONT_ENDS.items()])
def test_heavy_libraries_stay_at_the_edge(library, allowed):
    wrong = [f"{name}:{imp.line}" for name, imps in IMPORTS.items() for imp in imps
             if _within(imp.module, library) and not any(_within(name, a) for a in allowed)
             and (imp.top_level or (library, name) not in LOCAL_EXCEPTIONS)]
    assert wrong == []


def test_no_private_names_cross_modules():
    wrong = [f"{name}:{imp.line} imports {n} from {imp.module}"
             for name, imps in IMPORTS.items() for imp in imps
             if _within(imp.module, "rnnlab") for n in imp.names
             if _is_private(n) and f"{imp.module}.{n}" not in MODULES]
    assert wrong == []


def test_no_private_attributes_of_other_modules():
    """``from ..plots import portraits as plots; plots._x`` is a private import too."""
    wrong = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text())
        aliases = {}  # local name -> the rnnlab module it is bound to
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = _source(_package(name), node)
                for alias in node.names:
                    if f"{module}.{alias.name}" in MODULES:
                        aliases[alias.asname or alias.name] = f"{module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in MODULES and alias.asname:
                        aliases[alias.asname] = alias.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and _is_private(node.attr)
                    and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and aliases[node.value.id] != name):
                wrong.append(f"{name}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}")
    assert wrong == []


def test_private_modules_stay_in_their_package():
    wrong = []
    for name, imps in IMPORTS.items():
        for imp in imps:
            for target in _targets(imp):
                parts = target.split(".")
                for k, part in enumerate(parts):
                    owner = ".".join(parts[:k])
                    if _is_private(part) and not _within(name, owner):
                        wrong.append(f"{name}:{imp.line} imports {target}")
    assert wrong == []


@pytest.mark.parametrize("old", ["rnnlab.models", "rnnlab.models.reservoir", "rnnlab.models.organics",
                                 "rnnlab"])
def test_moved_analyses_keep_their_old_import_paths(old):
    """The analyses moved out of rnnlab/models stay importable where they were, as the same objects."""
    models = importlib.import_module("rnnlab.models")
    old_module = importlib.import_module(old)
    moved = {name: home for name, home in models._MOVED.items()
             if old in ("rnnlab.models", "rnnlab") or (home == "readout") == old.endswith("reservoir")}
    assert moved
    for name, home in moved.items():
        if old == "rnnlab" and name not in old_module.__all__:
            continue
        assert getattr(old_module, name) is getattr(importlib.import_module(f"rnnlab.{home}"), name), name
    if old == "rnnlab.models":
        namespace = {}
        exec("from rnnlab.models import *", namespace)
        assert set(moved) <= set(namespace)
    with pytest.raises(AttributeError):
        getattr(old_module, "no_such_name")

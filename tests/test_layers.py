"""The house rules of the package, read from its import graph (every module parsed with ``ast``).

Layers, bottom to top::

    core  <  data  <  features, models  <  quality, segment, churn, value, care (chapters)  <  app

A module imports only from its own layer or below; ``features`` and ``models`` do not import each
other (features -> core/data, models -> core); chapters never import other chapters (results pass
through ``crm_analysis.core.handoff``). No import cycle between modules, no private name imported
from another subpackage, no module over 800 lines, and every import of the package at module top
level (inside a function only for a module that needs an optional third-party package, e.g. pyspark).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

import crm_analysis

PACKAGE = "crm_analysis"
SOURCE = Path(crm_analysis.__file__).resolve().parent
MAX_LINES = 800
CHAPTERS = ("quality", "segment", "churn", "value", "care")
#: Which subpackages each may import (the package root, ``crm_analysis/__init__.py``, only
#: re-exports core and ``__version__``, so every layer may import it).
ALLOWED: dict[str, set[str]] = {
    "": {"", "core"},
    "core": {"", "core"},
    "data": {"", "core", "data"},
    "features": {"", "core", "data", "features"},
    "models": {"", "core", "models"},
    **{chapter: {"", "core", "data", "features", "models", chapter} for chapter in CHAPTERS},
    "app": {"", "core", "data", "features", "models", *CHAPTERS, "app"},
}
#: Third-party packages that are optional extras: a module importing one at its top may itself be
#: imported inside a function, so that the rest of the package works without the extra.
OPTIONAL_THIRD_PARTY = ("pyspark",)


@dataclass(frozen=True)
class Import:
    """One import statement of the package's own modules."""

    source: str  # importing module, dotted
    target: str  # imported module, dotted
    names: tuple[str, ...]  # names taken from it (empty for ``import x``)
    line: int
    top_level: bool

    def __str__(self) -> str:
        what = f" ({', '.join(self.names)})" if self.names else ""
        return f"{self.source}:{self.line} -> {self.target}{what}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {_module_name(p): p for p in sorted(SOURCE.rglob("*.py"))}


def subpackage(module: str) -> str:
    """``crm_analysis.churn.bridge`` -> ``churn``; the package root -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _base(module: str, level: int, name: str | None) -> str:
    """Resolve a (possibly relative) ``from`` import's module."""
    if level == 0:
        return name or ""
    is_package = modules()[module].name == "__init__.py"
    package = module.split(".")
    package = package if is_package else package[:-1]
    package = package[: len(package) - (level - 1)]
    return ".".join(package + ([name] if name else []))


def _top_level_nodes(tree: ast.Module) -> set[int]:
    """ids of the import nodes outside any function or class body."""
    inner: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            inner.update(id(n) for n in ast.walk(node) if n is not node)
    return {id(n) for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)} - inner


@cache
def imports() -> tuple[Import, ...]:
    """Every import of a package module by a package module, including those inside functions."""
    found = []
    known = modules()
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        top = _top_level_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                        target = alias.name
                        while target not in known:  # "import a.b.c" of a name that is no module
                            target = target.rpartition(".")[0]
                        found.append(Import(module, target, (), node.lineno, id(node) in top))
            elif isinstance(node, ast.ImportFrom):
                base = _base(module, node.level, node.module)
                if not (base == PACKAGE or base.startswith(PACKAGE + ".")):
                    continue
                plain = []
                for alias in node.names:
                    if f"{base}.{alias.name}" in known:  # "from package import submodule"
                        found.append(Import(module, f"{base}.{alias.name}", (), node.lineno, id(node) in top))
                    else:
                        plain.append(alias.name)
                if plain:
                    found.append(Import(module, base, tuple(plain), node.lineno, id(node) in top))
    return tuple(found)


def _imports_optional_extra(module: str) -> bool:
    tree = ast.parse(modules()[module].read_text(encoding="utf-8"))
    names = [a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in tree.body if isinstance(n, ast.ImportFrom) and n.level == 0]
    return any(name.split(".")[0] in OPTIONAL_THIRD_PARTY for name in names)


def _private(name: str) -> bool:
    """A leading underscore, except dunders and gettext's ``_``."""
    return name.startswith("_") and name != "_" and not (name.startswith("__") and name.endswith("__"))


def _report(problems: list[str]) -> str:
    return f"{len(problems)} problem(s):\n  " + "\n  ".join(problems)


# --------------------------------------------------------------------------- the graph itself
def test_the_graph_is_read() -> None:
    """Guard the guard: the parser sees absolute, relative and in-function imports."""
    assert {"crm_analysis.core.handoff", "crm_analysis.app.runner", "crm_analysis.app.report"} <= set(modules())
    edges = {(i.source, i.target) for i in imports()}
    assert ("crm_analysis.app.runner", "crm_analysis.core.handoff") in edges
    assert ("crm_analysis.core.handoff", "crm_analysis.core.crmdata") in edges
    assert _base("crm_analysis.churn.bridge", 1, "labels") == "crm_analysis.churn.labels"
    assert _base("crm_analysis.churn", 1, "labels") == "crm_analysis.churn.labels"
    assert _base("crm_analysis.churn.bridge", 2, "core") == "crm_analysis.core"
    tree = ast.parse("import os\ndef f():\n    import crm_analysis.core\n")
    assert len(_top_level_nodes(tree)) == 1


# --------------------------------------------------------------------------- (a) layers
def test_no_module_imports_a_layer_above_it_or_another_chapter() -> None:
    problems = [f"{i}: {subpackage(i.source) or 'root'} may not import {subpackage(i.target)}"
                for i in imports() if subpackage(i.target) not in ALLOWED[subpackage(i.source)]]
    assert not problems, _report(problems)


# --------------------------------------------------------------------------- (b) cycles
def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (or a self-import), Tarjan."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(edges.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_modules() -> None:
    edges: dict[str, set[str]] = {}
    for i in imports():
        edges.setdefault(i.source, set()).add(i.target)
    cycles = _cycles(edges)
    assert not cycles, _report([" <-> ".join(c) for c in cycles])


# --------------------------------------------------------------------------- (c) private names
def test_no_private_name_is_imported_from_another_subpackage() -> None:
    problems = []
    for i in imports():
        if subpackage(i.source) == subpackage(i.target):
            continue
        private_module = any(_private(part) for part in i.target.split("."))
        private_names = [n for n in i.names if _private(n)]
        if private_module or private_names:
            problems.append(str(i))
    assert not problems, _report(problems)


# --------------------------------------------------------------------------- (d) size
@pytest.mark.parametrize("module", sorted(modules()))
def test_no_module_is_over_800_lines(module: str) -> None:
    lines = len(modules()[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines (split it by concern; aim for < 500)"


# --------------------------------------------------------------------------- (e) imports at the top
def test_package_imports_are_at_module_top_level() -> None:
    problems = [f"{i} (inside a function or class)" for i in imports()
                if not i.top_level and not _imports_optional_extra(i.target)]
    assert not problems, _report(problems)

"""The package's shape: data flow one way through the stages, and no module imports itself
back through another.

    base helpers < sources < panel < estimate < response < scenarios < fiscal < report
    < pipeline, command line, API

Every ``import`` in ``model/`` is read from the source (module level and inside functions;
imports used only for type hints, under ``if TYPE_CHECKING:``, are not imports at run time).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "model"

# module name (or prefix, for packages) -> its tier; the longest match wins
TIERS = {
    "model": 0, "model.errors": 0, "model.paths": 0, "model.files": 0, "model.stats": 0, "model.numbers": 0,
    "model.schema": 0, "model.progress": 0, "model.workers": 0, "model.config": 0, "model.labels": 0,
    "model.memo": 0,
    "model.sources": 1,
    "model.panel": 2,
    "model.estimate": 3, "model.iv": 3,
    "model.response": 4,
    "model.scenarios": 5, "model.episodes": 5, "model.events": 5,
    "model.fiscal": 6, "model.ledger": 6,
    "model.report": 7,
    "model.pipeline": 8, "model.cli": 8, "model.api": 8, "model.bench": 8, "model.__main__": 8,
}
NAMES = {0: "base helpers", 1: "sources", 2: "panel", 3: "estimate", 4: "response", 5: "scenarios",
         6: "fiscal", 7: "report", 8: "pipeline / command line / API"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def tier(module: str) -> int:
    best = max((name for name in TIERS if module == name or module.startswith(name + ".")), key=len, default=None)
    if best is None:
        raise AssertionError(f"{module} has no tier: add it to TIERS in tests/test_structure.py")
    return TIERS[best]


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(tree: ast.AST, here: str) -> set[str]:
    """Modules of the package that ``tree`` imports at run time."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if _type_checking_only(child):
                continue
            stack.append(child)
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
    return {m for m in found if m == "model" or m.startswith("model.")} - {here}


GRAPH = {name: _imports(ast.parse(path.read_text("utf-8")), name) for name, path in MODULES.items()}


def test_every_module_has_a_tier():
    for name in MODULES:
        tier(name)


def test_no_module_imports_from_a_stage_above_it():
    upward = sorted(f"{a} ({NAMES[tier(a)]}) imports {b} ({NAMES[tier(b)]})"
                    for a, targets in GRAPH.items() for b in targets if tier(b) > tier(a))
    assert not upward, "\n".join(upward)


def test_no_import_cycles():
    # Tarjan's strongly connected components: any component of two or more modules is a cycle
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH.get(v, ()):
            if w not in MODULES:
                continue
            if w not in index:
                visit(w)
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
                cycles.append(sorted(component))

    for module in MODULES:
        if module not in index:
            visit(module)
    assert not cycles, cycles


def test_the_walker_sees_function_level_imports_and_skips_type_hints():
    tree = ast.parse("from model.report import figures\nif TYPE_CHECKING:\n    from model.cli import main\n"
                     "def f():\n    import model.api\n")
    assert _imports(tree, "model.x") == {"model.report.figures", "model.api"}


def test_one_critical_value_literal():
    """1.645 (the 90% normal critical value) is written in one place: model/stats.py."""
    hits = sorted(str(p.relative_to(PACKAGE.parent)) for p in PACKAGE.rglob("*")
                  if p.is_file() and p.suffix in (".py", ".j2", ".js", ".typ", ".toml")
                  and re.search(r"1\.64(5|49)", p.read_text("utf-8")))
    assert hits == ["model/stats.py"], hits


LIMITS = {"model/cli.py": 450, "model/report/__init__.py": 150}


@pytest.mark.parametrize("name,limit", sorted(LIMITS.items()))
def test_entry_points_stay_small(name, limit):
    lines = (PACKAGE.parent / name).read_text("utf-8").count("\n")
    assert lines < limit, f"{name} has {lines} lines (under {limit})"


def test_no_function_over_100_lines():
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > 100:
                    long.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name} ({length} lines)")
    assert not long, "\n".join(long)

"""The package's import graph: every module imports alone, there are no cycles, and no
import hides inside a function to dodge one."""
from __future__ import annotations

import ast
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "worksheets"
# Imports inside functions, each deliberate: the command line keeps an unchanged
# build cheap (no pydantic, numpy or reportlab before the stamp says there is work).
LAZY = {("cli", "build"), ("cli", "stamp"), ("cli", "sheet")}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(module_name(p) for p in PACKAGE.rglob("*.py"))


def imported(path: Path, tree: ast.AST, top_level: bool) -> set[str]:
    """Modules of the package that this file imports (at its top level, or in functions)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    body = tree.body if top_level else [n for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                                        for n in ast.walk(f)]
    nodes = [n for n in (body if top_level else body) if isinstance(n, (ast.Import, ast.ImportFrom))]
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            target = f"{base}.{node.module}" if node.module else base
            names = [f"{target}.{alias.name}" for alias in node.names]
            found.update(n for n in names if n in MODULES)
            found.add(target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("worksheets"))
        elif node.module and node.module.startswith("worksheets"):
            found.add(node.module)
    return {m for m in found if m in MODULES}


def graph() -> dict[str, set[str]]:
    edges = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        edges[module_name(path)] = imported(path, tree, top_level=True) - {module_name(path)}
    return edges


def test_the_import_graph_has_no_cycle():
    edges, done, path = graph(), set(), []

    def visit(module: str) -> None:
        assert module not in path, "import cycle: " + " -> ".join(path[path.index(module):] + [module])
        if module in done:
            return
        path.append(module)
        for other in sorted(edges[module]):
            visit(other)
        path.pop()
        done.add(module)

    for module in MODULES:
        visit(module)
    assert len(done) == len(MODULES) > 40


def test_no_import_hides_in_a_function():
    hidden = set()
    for path in PACKAGE.rglob("*.py"):
        for target in imported(path, ast.parse(path.read_text()), top_level=False):
            hidden.add((module_name(path).removeprefix("worksheets."), target.removeprefix("worksheets.")))
    assert hidden == LAZY


def test_every_module_imports_alone_in_a_fresh_interpreter():
    def alone(module: str) -> tuple[str, str]:
        run = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
        return module, run.stderr.strip().splitlines()[-1] if run.returncode else ""

    with ThreadPoolExecutor(max_workers=4) as pool:
        failures = {module: error for module, error in pool.map(alone, MODULES) if error}
    assert failures == {}

"""The package's import graph: every module imports alone, there are no cycles, and no
import hides inside a function to dodge one."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "worksheets"
# Imports inside functions, each deliberate: the command line keeps an unchanged
# build cheap (no pydantic, numpy or reportlab before the stamp says there is work).
LAZY = {("cli", "grading"), ("cli", "build"), ("cli", "stamp"), ("cli", "schema"), ("cli", "starter"),
        ("cli", "kinds")}


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


# Run in a fresh interpreter: third-party libraries are imported once, then each module
# of the package is imported alone in a forked child, where no module of the package has
# been imported yet (a fresh interpreter per module costs 15 s of start-up here).
ALONE = """
import os, sys, traceback
import numpy, pydantic, reportlab.platypus, yaml, ziamath  # third-party only
failed = []
for module in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:
        try:
            __import__(module)
        except BaseException:
            traceback.print_exc(limit=-1)
            os._exit(1)
        os._exit(0)
    if os.waitpid(pid, 0)[1]:
        failed.append(module)
print(" ".join(failed))
"""


def test_every_module_imports_alone():
    run = subprocess.run([sys.executable, "-c", ALONE, *MODULES], capture_output=True, text=True,
                         timeout=120, cwd=PACKAGE.parent)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [], run.stderr

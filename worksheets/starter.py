"""`worksheets new NAME`: a commented starter spec that builds as it is, one problem per
kind asked for (each kind's own example, see problems/kind.py)."""
from __future__ import annotations

import os
from pathlib import Path

from .kinds import KINDS
from .schema import SCHEMA_FILE

REPOSITORY = Path(__file__).resolve().parent.parent

HEADER = """\
# {title}: a worksheet spec. Build it with
#   python -m worksheets build {file}
# Every answer of the key is computed from the numbers below and checked twice.
title: {title}
instructions: Show your work.          # a paragraph under the title (optional)
paper: letter                          # or a4
# versions: 4                          # A, B, C, D: numbers left out or `random` are drawn
# seed: 2026                           # the same seed gives the same versions
# random: {{weights: [-3, 3], inputs: [-2, 3], biases: [-2, 2], max_value: 60}}
# conventions: {{weights: to-from, layer_mark: bracket, delta: true}}   # CS231n: W with a row per node of layer l
problems:
"""


def default_kinds() -> list[str]:
    return [name for name, kind in KINDS.items() if kind.in_starter]


def starter_spec(path: Path, kinds: list[str]) -> str:
    title = path.stem.replace("-", " ").replace("_", " ").strip().capitalize() or "Worksheet"
    text = _schema_line(path) + HEADER.format(title=title, file=path)
    for name in kinds:
        lines = KINDS[name].example.rstrip("\n").splitlines()
        text += "  - " + lines[0] + "\n" + "".join(f"    {line}\n" for line in lines[1:]) + "\n"
    return text.rstrip("\n") + "\n"


def _schema_line(path: Path) -> str:
    """The first line that tells editors (yaml-language-server) where the schema is."""
    schema = REPOSITORY / SCHEMA_FILE
    if not schema.is_file():
        return ""
    relative = os.path.relpath(schema, path.resolve().parent)
    return f"# yaml-language-server: $schema={relative}\n"


def unknown_kinds(kinds: list[str]) -> list[str]:
    return [name for name in kinds if name not in KINDS]

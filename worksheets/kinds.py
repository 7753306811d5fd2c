"""The problem kinds: every module of worksheets.problems that declares `KIND`.

Adding a kind is adding such a module (see problems/kind.py); this registry finds it.
"""
from __future__ import annotations

import importlib
import pkgutil

from . import problems
from .problems.kind import Kind


def _discover() -> dict[str, Kind]:
    kinds = {}
    for info in sorted(pkgutil.iter_modules(problems.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{problems.__name__}.{info.name}")
        kind = getattr(module, "KIND", None)
        if isinstance(kind, Kind):
            kinds[kind.name] = kind
    return kinds


KINDS: dict[str, Kind] = _discover()

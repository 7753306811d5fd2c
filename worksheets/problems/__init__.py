"""Problem kinds. Each module here is one kind: it defines KIND, a pydantic `Spec`
(its keys in the spec file) and `build(spec, number) -> Problem`. Adding a kind is
adding a module; nothing else needs to know about it.
"""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

_HELPERS = {"common", "symbolic"}


def _discover() -> dict[str, ModuleType]:
    kinds = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name in _HELPERS:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        kinds[module.KIND] = module
    return kinds


KINDS: dict[str, ModuleType] = _discover()

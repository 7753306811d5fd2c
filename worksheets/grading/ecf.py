"""Error carried forward (placeholder until the dependency model is in)."""
from __future__ import annotations


def carried_forward(built, version: str):
    return None

"""Part labels (a), (b), ... and the part being built, for the message of a failed check."""
from __future__ import annotations

from contextvars import ContextVar


def letter(index: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[index]


# The label of the part being built, for the message of a failed check (build.py).
CURRENT_PART: ContextVar[str | None] = ContextVar("CURRENT_PART", default=None)


def each_part(items):
    """enumerate(items) for the loop that builds a problem's parts, one part per item:
    while an item's part is built, CURRENT_PART is its label, so a failed check names
    the part. Kinds with more than one part build them in such a loop."""
    for index, item in enumerate(items):
        CURRENT_PART.set(letter(index))
        yield index, item

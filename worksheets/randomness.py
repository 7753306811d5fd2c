"""Random integers for the numbers a spec leaves to the generator (`random`, or left out
when `random:` ranges are set)."""
from __future__ import annotations

from .spec import RANDOM


def part(value, shape: tuple, span: tuple, rng, fill_missing: bool, nonzero: bool = False):
    """A vector or matrix of that shape drawn whole when value is `random` (or left out,
    with fill_missing); otherwise value with each `random` entry drawn."""
    if value is RANDOM or (value is None and fill_missing):
        return integers(rng, span, shape, nonzero)
    return fill(value, span, rng, nonzero)


def drawn_entry(value, index: tuple, fill_missing: bool) -> bool:
    """Whether part() draws the entry at index of a vector or matrix given as value."""
    if value is RANDOM or (value is None and fill_missing):
        return True
    for k in index:
        if not isinstance(value, list):
            return False
        value = value[k]
    return value is RANDOM


def fill(value, span, rng, nonzero: bool = False):
    """Replaces each `random` entry of a number, list or matrix."""
    if value is RANDOM:
        return integers(rng, span, (), nonzero)
    if isinstance(value, list):
        return [fill(v, span, rng, nonzero) for v in value]
    return value


def integers(rng, span, shape: tuple, nonzero: bool = False):
    """Integers from span (both ends included). A weight of 0 cuts its edge out of the
    problem, so weights skip 0 unless the range holds nothing else. The k-th choice is
    computed, not looked up in a list of the whole range (which may hold 2,000,001)."""
    low, high = span
    skip_zero = nonzero and low <= 0 <= high and low != high
    if shape == ():  # one number: as drawn with size=() (the same stream), without the array
        value = low + int(rng.integers(high - low + 1 - skip_zero))
        return value + 1 if skip_zero and value >= 0 else value
    index = rng.integers(high - low + 1 - skip_zero, size=shape)
    values = low + index
    if skip_zero:
        values = values + (values >= 0)  # the choices after 0 move up by one
    # Plain ints (exact, and far cheaper than Fractions in the rejection loop).
    return values.tolist()

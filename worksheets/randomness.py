"""Random integers for the numbers a spec leaves to the generator (`random`, or left out
when `random:` ranges are set)."""
from __future__ import annotations

import math

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


FEW = 4  # a vector or matrix of at most this many numbers is drawn one number at a time


def integers(rng, span, shape: tuple, nonzero: bool = False):
    """Integers from span (both ends included), as plain ints in nested lists of that
    shape. A weight of 0 cuts its edge out of the problem, so weights skip 0 unless the
    range holds nothing else. The k-th choice is computed, not looked up in a list of the
    whole range (which may hold 2,000,001).

    Drawing n numbers one at a time takes the same numbers from the stream as one call
    with size=n (numpy draws an array's entries in order, each as a scalar): the few
    numbers of a small network are drawn so, without the array's overhead (a call with
    a size costs about four scalar ones)."""
    low, high = span
    skip_zero = nonzero and low <= 0 <= high and low != high
    choices = high - low + 1 - skip_zero
    if shape == ():
        value = low + int(rng.integers(choices))
        return value + 1 if skip_zero and value >= 0 else value
    count = math.prod(shape)
    if count <= FEW:
        draw = rng.integers
        flat = [low + int(draw(choices)) for _ in range(count)]
    else:
        flat = [low + index for index in rng.integers(choices, size=count).tolist()]
    if skip_zero:
        flat = [value + 1 if value >= 0 else value for value in flat]  # the choices after 0 move up by one
    return _shaped(flat, shape)


def _shaped(flat: list, shape: tuple) -> list:
    """flat's entries as nested lists of that shape (row by row, as numpy's reshape)."""
    if len(shape) == 1:
        return flat
    size = len(flat) // shape[0] if shape[0] else 0
    return [_shaped(flat[k * size:(k + 1) * size], shape[1:]) for k in range(shape[0])]

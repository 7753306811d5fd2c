"""Random integers for the numbers a spec leaves to the generator (`random`, or left out
when `random:` ranges are set)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .spec import RANDOM


def part(value, shape: tuple, span: tuple, rng, fill_missing: bool, nonzero: bool = False):
    """A vector or matrix of that shape drawn whole when value is `random` (or left out,
    with fill_missing); otherwise value with each `random` entry drawn."""
    if value is RANDOM or (value is None and fill_missing):
        return integers(rng, span, shape, nonzero)
    return fill(value, span, rng, nonzero)


def fill(value, span, rng, nonzero: bool = False):
    """Replaces each `random` entry of a number, list or matrix."""
    if value is RANDOM:
        return integers(rng, span, (), nonzero)
    if isinstance(value, list):
        return [fill(v, span, rng, nonzero) for v in value]
    return value


def integers(rng, span, shape: tuple, nonzero: bool = False):
    """Integers from span (both ends included). A weight of 0 cuts its edge out of the
    problem, so weights skip 0 unless the range holds nothing else."""
    choices = _choices(tuple(span), nonzero)
    # Plain ints (exact, and far cheaper than Fractions in the rejection loop).
    return choices[rng.integers(len(choices), size=shape)].tolist()


@lru_cache(maxsize=256)
def _choices(span: tuple, nonzero: bool) -> np.ndarray:
    choices = np.array([v for v in range(span[0], span[1] + 1) if not (nonzero and v == 0)] or [0])
    choices.flags.writeable = False  # shared between calls
    return choices

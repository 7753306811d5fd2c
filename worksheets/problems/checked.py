"""Values of a network, each computed twice: by the numpy engine and by an independent
exact method (forward pass over Fractions, sums over paths). A disagreement is a bug and
stops the build (CheckFailed)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np

from .. import numbers
from ..document import Answer
from ..engine import Values, evaluate
from ..network import Network
from ..paths import derivative_value, exact_forward_tuples, loss_value, rounding_scale
from ..quantities import Quantity, lookup

DEFAULT_DECIMALS = 3


class CheckFailed(Exception):
    """The engine and the independent computation disagree about a value. The message
    names the quantity and both values; build.py adds the sheet, problem and part."""

    def __init__(self, quantity: str, engine_value, independent_value,
                 independent: str = "exact path sum", message: str | None = None):
        super().__init__(message or f"{quantity}: the numpy engine gives {value_text(engine_value)}, "
                                    f"the {independent} gives {value_text(independent_value)}")
        self.quantity = quantity


def value_text(value) -> str:
    """A value in a failure message: floats in full (the difference may be tiny)."""
    if isinstance(value, (float, np.floating)):
        return repr(float(value) + 0.0)
    return str(value)


@dataclass(frozen=True)
class Solved:
    """A network evaluated at its input, every value checked twice."""
    net: Network
    values: Values
    decimals: int | None  # None: exact numbers
    # q -> its checked value: a key's steps ask the same quantities again and again (each
    # is checked once). Not an argument, so dataclasses.replace starts an empty one.
    _checked: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def value(self, q: Quantity):
        """Exact (Fraction) or float value of q, checked against an independent method."""
        try:  # one lookup (a quantity's hash is computed in Python) where most are found
            return self._checked[q]
        except KeyError:
            value = self._checked[q] = checked_value(self, q)
            return value

    def text(self, value) -> str:
        return numbers.text(value, self.decimals)

    def latex(self, value) -> str:
        return numbers.latex(value, self.decimals)

    def factor(self, value) -> str:
        return numbers.factor_latex(value, self.decimals)

    def answer(self, q: Quantity) -> Answer:
        value = self.value(q)
        shown = value if self.decimals is None else numbers.rounded(value, self.decimals)
        return Answer(q.name, numbers.plain(shown) if self.decimals is None else shown,
                      self.latex(value), self.decimals)


def solve(net: Network, decimals: int = DEFAULT_DECIMALS) -> Solved:
    return Solved(net, evaluate(net), None if net.is_exact() else decimals)


def checked_value(solved: Solved, q: Quantity):
    engine_value = lookup(q, solved.values)
    independent = _independent(solved.net, q)
    if not _agree(engine_value, independent) and not _rounding(solved.net, q, engine_value, independent):
        raise CheckFailed(q.name, engine_value, independent,
                          "exact path sum" if q.derivative else "exact forward pass")
    return independent if solved.decimals is None else engine_value


def _independent(net: Network, q: Quantity):
    """q by exact forward pass and sum over paths: no code shared with the engine."""
    if q.derivative:
        return derivative_value(net, q)
    if q.symbol == "L":
        return loss_value(net)
    z, a = exact_forward_tuples(net)
    if q.symbol == "H":
        return a[-1][0]
    table = {"x": a[0], "z": z[q.layer] if q.layer else None, "a": a[q.layer]}[q.symbol]
    return table[q.i - 1]


def _rounding(net: Network, q: Quantity, engine_value: float, independent) -> bool:
    """True when the difference is within the float engine's rounding error (values past
    2^53); the exact value is the one printed for an exact network."""
    return abs(engine_value - float(independent)) <= 1e-13 * rounding_scale(net, q)


def _agree(engine_value: float, independent) -> bool:
    return math.isclose(engine_value, float(independent), rel_tol=1e-9, abs_tol=1e-9)


def point_solutions(solved: Solved) -> list[Solved]:
    """Each point of a batch as a problem of its own (its loss ℓ_n, no L2 term), from the
    engine's pass over the batch; every value again checked when asked."""
    return [Solved(solved.net.point(n), values, solved.decimals) for n, values in enumerate(solved.values.points)]


def without_l2(solved: Solved) -> Solved:
    """The same network without its L2 term: its L is the data term ℓ."""
    net = replace(solved.net, l2=Fraction(0))
    return Solved(net, evaluate(net), solved.decimals)

"""Numerical checks of symbolic answers: an expression is evaluated on networks of the
same shape with random weights and inputs and compared with the numpy engine."""
from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction

import numpy as np

from ..engine import evaluate
from ..network import Network
from ..paths import PathSum, evaluate_path_sum, exact_forward
from ..quantities import Quantity, lookup
from .checked import CheckFailed

TRIALS = 12


def random_instances(net: Network, trials: int = TRIALS) -> list[Network]:
    """Networks shaped like net with random weights and inputs (seeded by the shape)."""
    rng = np.random.default_rng(sum(net.layers) * 7919 + len(net.layers))
    out = []
    for _ in range(trials):
        weights = tuple(tuple(tuple(Fraction(int(v)) for v in row) for row in rng.integers(-4, 5, (n, m)))
                        for n, m in zip(net.layers, net.layers[1:]))
        x = tuple(Fraction(int(v)) for v in rng.integers(-3, 4, net.layers[0]))
        biases = (tuple(tuple(Fraction(int(v)) for v in rng.integers(-2, 3, m)) for m in net.layers[1:])
                  if net.has_bias else None)
        out.append(replace(net, weights=weights, x=x, biases=biases))
    return out


def expression_value(net: Network, expression: PathSum):
    return evaluate_path_sum(net, expression, *exact_forward(net))


def first_difference(net: Network, q: Quantity, expression: PathSum):
    """(engine value, expression value) on the first random instance of net's shape where
    expression differs from ∂H/∂q, or None when they agree on every instance."""
    for instance in random_instances(net):
        engine = lookup(q, evaluate(instance))
        printed = expression_value(instance, expression)
        if not math.isclose(engine, float(printed), abs_tol=1e-9):
            return engine, printed
    return None


def matches(net: Network, q: Quantity, expression: PathSum) -> bool:
    """True when expression equals ∂H/∂q on every random instance of net's shape."""
    return first_difference(net, q, expression) is None


def check_equal(net: Network, q: Quantity, expression: PathSum) -> None:
    difference = first_difference(net, q, expression)
    if difference is not None:
        raise CheckFailed(f"{q.name} on a random network", *difference, "printed path sum")

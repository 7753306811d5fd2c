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
from .common import CheckFailed

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


def matches(net: Network, q: Quantity, expression: PathSum) -> bool:
    """True when expression equals ∂H/∂q on every random instance of net's shape."""
    for instance in random_instances(net):
        engine = lookup(q, evaluate(instance))
        if not math.isclose(engine, float(expression_value(instance, expression)), abs_tol=1e-9):
            return False
    return True


def check_equal(net: Network, q: Quantity, expression: PathSum) -> None:
    if not matches(net, q, expression):
        raise CheckFailed(q.name, "a different value", "the printed path sum")

"""Checks of symbolic answers. Whether an expression is ∂H/∂q is decided symbolically:
its path terms, multiplied out, are compared as a multiset with the terms the chain rule
gives backward from the output (written here, independently of paths.path_sum, which
walks forward from q's node). A numerical check on random networks cannot decide it: a
random ReLU network switches paths off, so a wrong expression often agrees with the
engine. The numerical check stays as a test of the engine against a true expression."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from fractions import Fraction
from functools import lru_cache

import numpy as np

from ..engine import evaluate
from ..network import Network
from ..paths import Factor, PathSum, Term, evaluate_path_sum, exact_forward
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


def same_terms(net: Network, q: Quantity, expression: PathSum) -> bool:
    """True when expression, multiplied out, has exactly the path terms of ∂H/∂q."""
    return multiplied_out(expression) == Counter(map(_unordered, chain_rule_terms(net, q)))


def multiplied_out(expression: PathSum) -> Counter:
    """prefix × (t1 + t2 + ...) as the multiset of its terms, each a multiset of factors."""
    return Counter(_unordered(expression.prefix + term) for term in expression.terms)


def _unordered(term: Term) -> frozenset:
    return frozenset(Counter(term).items())


def chain_rule_terms(net: Network, q: Quantity) -> tuple[Term, ...]:
    """The terms of ∂H/∂q from the chain rule, one backward step per layer:
    ∂H/∂z^(l)_j = g′(z^(l)_j) Σ_k W^(l+1)_jk ∂H/∂z^(l+1)_k, and ∂H/∂z^(L) = g′(z^(L))."""
    if q.symbol in ("x", "a"):
        return _through_weights(net, 0 if q.symbol == "x" else q.layer, q.i)
    if q.symbol in ("z", "b"):
        return _dz_terms(net, q.layer, q.i)
    if q.symbol == "W":
        source = Factor("x", 0, q.i) if q.layer == 1 else Factor("a", q.layer - 1, q.i)
        return tuple((source,) + term for term in _dz_terms(net, q.layer, q.j))
    raise ValueError(f"no path terms for {q.name}")


def _through_weights(net: Network, layer: int, node: int) -> tuple[Term, ...]:
    """∂H/∂a^(layer)_node = Σ_k W^(layer+1)_node,k ∂H/∂z^(layer+1)_k (1 at the output)."""
    if layer == net.depth:
        return ((),)
    return tuple((Factor("W", layer + 1, node, k),) + term
                 for k in range(1, net.layers[layer + 1] + 1) for term in _dz_terms(net, layer + 1, k))


@lru_cache(maxsize=512)
def _dz_terms(net: Network, layer: int, node: int) -> tuple[Term, ...]:
    slope = () if net.activation(layer) == "linear" else (Factor("g'", layer, node),)  # linear: g′ = 1
    return tuple(slope + term for term in _through_weights(net, layer, node))


def check_equal(net: Network, q: Quantity, expression: PathSum) -> None:
    difference = first_difference(net, q, expression)
    if difference is not None:
        raise CheckFailed(f"{q.name} on a random network", *difference, "printed path sum")

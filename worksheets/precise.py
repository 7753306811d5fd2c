"""Derivatives of H that are never lost to float rounding: is a gradient exactly zero?

A float engine cannot tell a sigmoid′ of 1e-18 from 0 (σ(40)·(1 − σ(40)) is 1.0·0.0 in
float64), yet no sigmoid′ or tanh′ is ever 0. Here values stay exact Fractions while
they are rational (ReLU, linear, and every input and weight) and become Decimals of
PRECISION significant digits with an unbounded exponent once a sigmoid or tanh makes
them irrational (e^-1000000 is about 3e-434295, not 0). A sum is taken as exactly zero
only when it is 0 as a Fraction, or when its terms cancel to PRECISION - 10 digits (the
same numbers added in two orders: mirror-image paths), so a factor is 0 only when it is
exactly 0: a zero weight or input, a ReLU that is off, a tanh of exactly 0.
"""
from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from .network import Network
from .paths import Factor, _prefix_and_start, _slope
from .quantities import Quantity

PRECISION = 60
_CONTEXT = decimal.Context(prec=PRECISION, Emin=decimal.MIN_EMIN, Emax=decimal.MAX_EMAX,
                           traps=[decimal.InvalidOperation, decimal.DivisionByZero])
_CANCELLED = Decimal(10) ** (10 - PRECISION)  # what is left of terms that cancel exactly

Number = Fraction | Decimal


def _decimal(value: Number) -> Decimal:
    if isinstance(value, Decimal):
        return value
    return Decimal(value.numerator) / Decimal(value.denominator)


def _product(values) -> Number:
    result: Number = Fraction(1)
    for value in values:
        if isinstance(result, Fraction) and isinstance(value, Fraction):
            result *= value
        else:
            result = _decimal(result) * _decimal(value)
    return result


def _sum(values: list[Number]) -> Number:
    """Exact while every value is a Fraction; otherwise 0 when the terms cancel."""
    if all(isinstance(v, Fraction) for v in values):
        return sum(values, Fraction(0))
    terms = [_decimal(v) for v in values]
    total = sum(terms, Decimal(0))
    size = sum((abs(t) for t in terms), Decimal(0))
    return Fraction(0) if abs(total) <= _CANCELLED * size else total


def _exp_minus(v: Number) -> Decimal:
    """e^-|v|, never overflowing."""
    return (-abs(_decimal(v))).exp()


def g(act: str, v: Number) -> Number:
    if act == "relu":
        return v if v > 0 else Fraction(0)
    if act == "linear" or v == 0:
        return {"sigmoid": Fraction(1, 2), "tanh": Fraction(0)}.get(act, v)
    e = _exp_minus(v if act == "sigmoid" else 2 * v)
    high = 1 / (1 + e) if act == "sigmoid" else (1 - e) / (1 + e)  # g(|v|)
    if v > 0:
        return high
    return e / (1 + e) if act == "sigmoid" else -high


def g_prime(act: str, v: Number, relu_at_zero: int = 0) -> Number:
    """g′(v) without cancellation: σ′ = e^-|v| / (1 + e^-|v|)², tanh′ = 4e^-2|v| / (1 + e^-2|v|)²;
    ReLU′(0) = relu_at_zero (the sheet's convention)."""
    if act == "relu":
        return Fraction(1 if v > 0 else relu_at_zero if v == 0 else 0)
    if act == "linear":
        return Fraction(1)
    if v == 0:
        return Fraction(1, 4) if act == "sigmoid" else Fraction(1)
    if act == "sigmoid":
        e = _exp_minus(v)
        return e / (1 + e) ** 2
    e = _exp_minus(2 * v)
    return 4 * e / (1 + e) ** 2


def forward(net: Network) -> tuple[tuple, tuple]:
    """z (index 0 unused) and a of every layer."""
    with decimal.localcontext(_CONTEXT):
        return _forward(net)


@lru_cache(maxsize=16)
def _forward(net: Network) -> tuple[tuple, tuple]:
    a = [tuple(net.x)]
    z: list = [None]
    for layer in range(1, net.depth + 1):
        W = net.weights[layer - 1]
        b = net.biases[layer - 1] if net.biases else (Fraction(0),) * net.layers[layer]
        zl = tuple(_sum([_product((W[i][j], a[-1][i])) for i in range(net.layers[layer - 1])] + [b[j]])
                   for j in range(net.layers[layer]))
        z.append(zl)
        a.append(tuple(g(net.activation(layer), v) for v in zl))
    return tuple(z), tuple(a)


def _factor(net: Network, f: Factor) -> Number:
    z, a = _forward(net)
    if f.kind == "W":
        return net.weights[f.layer - 1][f.i - 1][f.j - 1]
    if f.kind == "g'":
        return g_prime(net.activation(f.layer), z[f.layer][f.i - 1], net.relu_at_zero)
    return a[0 if f.kind == "x" else f.layer][f.i - 1]


@lru_cache(maxsize=16)
def _sums_from_nodes(net: Network) -> tuple:
    """sums[l][i]: Σ over the paths from node i+1 of layer l to the output of W g′ W g′ ..."""
    sums: list = [None] * (net.depth + 1)
    sums[net.depth] = (Fraction(1),) * net.layers[net.depth]
    for layer in range(net.depth - 1, -1, -1):
        sums[layer] = tuple(
            _sum([_product([_factor(net, f) for f in (Factor("W", layer + 1, node, k),) + _slope(net, layer + 1, k)]
                           + [sums[layer + 1][k - 1]]) for k in range(1, net.layers[layer + 1] + 1)])
            for node in range(1, net.layers[layer] + 1))
    return tuple(sums)


def derivative(net: Network, q: Quantity) -> Number:
    """∂H/∂q: a Fraction when rational (Fraction(0) when exactly zero), else a Decimal."""
    prefix, layer, node = _prefix_and_start(net, q)
    with decimal.localcontext(_CONTEXT):
        return _product([_factor(net, f) for f in prefix] + [_sums_from_nodes(net)[layer][node - 1]])


def value(net: Network, q: Quantity) -> Number:
    """z, a, x or H of the network."""
    z, a = forward(net)
    if q.symbol == "H":
        return a[-1][0]
    if q.symbol == "z":
        return z[q.layer][q.i - 1]
    return a[0 if q.symbol == "x" else q.layer][q.i - 1]

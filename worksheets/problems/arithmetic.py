"""What a student computes in one instance of a problem: the numbers the good-problem
rules of worksheets.variants look at."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from itertools import chain

import numpy as np

from ..engine import Values, evaluate, slope
from ..quantities import Quantity, lookup


@dataclass
class Numbers:
    """What a student computes in one instance, for the rules."""
    intermediates: list = field(default_factory=list)
    answers: dict = field(default_factory=dict)  # quantity name -> value
    dead_relu: bool = False  # some hidden ReLU is off (z < 0, or z = 0 where ReLU′(0) = 0)
    terms: object = tuple  # () -> nonzero path terms per asked derivative (computed when needed)
    exact: bool = True
    architecture: tuple = ()
    parts: list = field(default_factory=list)  # one value per part, for "no two parts share an answer"
    broken: str | None = None  # a rule of the kind's own that this instance breaks
    scale: int = 1  # answers (not intermediates) are whole multiples of 1/scale (batch means, L2)

    def __post_init__(self):
        if not self.parts:  # by default each answer is a part
            self.parts = list(self.answers.values())


def network_numbers(spec, asked: list[Quantity], parts: list | None = None) -> Numbers:
    """Numbers of a network problem from one float pass of the engine (values are small
    integers or rounded, so floats are exact enough for the rules)."""
    net = spec.network.to_network()
    plain = plain_pass(net)
    values = plain or evaluate(net)
    points = _points(net, values)
    if plain:  # lists (a matrix: its rows), flattened in order as np.concatenate does the arrays
        intermediates = list(chain.from_iterable((*plain.z[1:], *plain.a[1:], *plain.dz[1:], *plain.da,
                                                  *chain.from_iterable(plain.dW[1:]), *plain.db[1:])))
    else:
        arrays = [array for _, v in points for array in v.z[1:] + v.a[1:] + v.dz[1:] + v.da + v.dW[1:] + v.db[1:]]
        intermediates = np.concatenate(arrays, axis=None)  # each flattened, in order
    answers = {q.name: lookup(q, values) for q in asked}
    dead = net.hidden == "relu" and any(not _alive("relu", z, net.relu_at_zero)
                                        for _, v in points for layer in v.z[1:-1] for z in _listed(layer))

    def terms() -> tuple:
        return tuple(_terms(q, point_net, v, nonzero_path_counts(point_net, v))
                     for point_net, v in points for q in asked if q.derivative)
    return Numbers(intermediates, answers, dead, terms, net.is_exact(), net.layers,
                   parts if parts is not None else list(answers.values()), scale=answer_scale(net))


def _listed(values) -> list:
    """A layer's values as a list (the plain pass's already are one)."""
    return values if isinstance(values, list) else values.tolist()


EXACT_BELOW = 2 ** 53  # floats add and multiply whole numbers below this exactly, in any order


def plain_pass(net) -> Values | None:
    """engine.evaluate(net) in plain Python floats, lists for arrays: the same numbers,
    for the rules in the generator's loop (numpy's overhead is most of a pass on a network
    this small). Only where they are surely the engine's to the bit: one input, no L2,
    ReLU and linear layers, a square loss or none, whole-number parameters, every number
    added or multiplied below 2^53 (so every sum is exact, in numpy's order or ours), and
    no sum in the backward pass of only zeros, one of them −0.0 (numpy's sign of it
    is its own). None elsewhere: the caller runs the engine."""
    if (net.is_batch or net.l2 or net.hidden not in PLAIN_ACTIVATIONS or net.output not in PLAIN_ACTIVATIONS
            or net.loss not in PLAIN_LOSSES):
        return None
    x, y = _whole_floats(net.x), _whole_floats(net.y or ())
    weights = [[_whole_floats(row) for row in W] for W in net.weights]
    biases = [_whole_floats(b) for b in net.biases] if net.biases else [[0.0] * n for n in net.layers[1:]]
    if x is None or y is None or any(row is None for W in weights for row in W) or None in biases:
        return None
    depth, relu_at_zero = net.depth, float(net.relu_at_zero)
    z, a = [None], [x]
    for layer in range(1, depth + 1):
        before = a[-1]
        zl = [sum([p * w for p, w in zip(before, column)]) + b for column, b in zip(zip(*weights[layer - 1]),
                                                                                   biases[layer - 1])]
        z.append(zl)
        a.append([v if v > 0 else 0.0 for v in zl] if net.activation(layer) == "relu" else zl)
    dz, da, dW, db = [None] * (depth + 1), [None] * (depth + 1), [None] * (depth + 1), [None] * (depth + 1)
    loss = None
    if net.has_loss:
        errors = [o - t for o, t in zip(a[depth], y)]
        squares = sum([e * e for e in errors])
        loss, da[depth] = (squares, [2.0 * e for e in errors]) if net.loss == "square" else (0.5 * squares, errors)
    else:
        da[depth] = [1.0] * len(z[depth])
    for layer in range(depth, 0, -1):
        if net.activation(layer) == "relu":
            dz[layer] = [d * (1.0 if v > 0 else relu_at_zero if v == 0 else 0.0) for d, v in zip(da[layer], z[layer])]
        else:
            dz[layer] = [d * 1.0 for d in da[layer]]
        delta = dz[layer]
        dW[layer] = [[value * d for d in delta] for value in a[layer - 1]]
        db[layer] = list(delta)
        sums = []
        for row in weights[layer - 1]:
            terms = [w * d for w, d in zip(row, delta)]
            total = sum(terms)
            if total == 0 and not any(terms) and any(math.copysign(1.0, t) < 0 for t in terms):
                return None
            sums.append(total)
        da[layer - 1] = sums
    # Every product and partial sum is at most (nodes + 1) · largest²: exact below 2^53.
    every = (*z[1:], *a, *da, *dz[1:], *biases, y, *(row for W in weights for row in W))
    largest = max(map(abs, chain.from_iterable(every)), default=0.0)
    if (max(net.layers) + 1) * int(largest) ** 2 >= EXACT_BELOW:
        return None
    return Values(z=z, a=a, dz=dz, da=da, dW=dW, db=db, loss=loss)


PLAIN_ACTIVATIONS = frozenset({"relu", "linear"})
PLAIN_LOSSES = frozenset({"none", "square", "half-square"})


def _whole_floats(numbers) -> list[float] | None:
    """Whole numbers (ints, or Fractions that are whole) as floats; None if one is not."""
    floats = []
    for v in numbers:
        if type(v) is int:
            floats.append(float(v))
        elif type(v) is Fraction and v.denominator == 1:
            floats.append(float(v.numerator))
        else:
            return None
    return floats


def _points(net, values) -> list[tuple]:
    """(network, Values) of what a student computes point by point: each point of a batch,
    or the one input; without the L2 term (its λW and (λ/2)·ΣW² come once, at the end)."""
    if net.is_batch:
        return [(net.point(n), point) for n, point in enumerate(values.points)]
    if net.l2:
        plain = replace(net, l2=Fraction(0))
        return [(plain, evaluate(plain))]
    return [(net, values)]


def answer_scale(net) -> int:
    """Answers are whole multiples of 1/scale on an exact network with whole numbers: a
    batch's mean divides by N, and L2 multiplies weights by λ (and their squares by λ/2)."""
    mean = len(net.batch) if net.is_batch and net.reduce == "mean" else 1
    return math.lcm(mean, 2 * net.l2.denominator if net.l2 else 1)


def nonzero_path_counts(net, values) -> list[list[int]]:
    """counts[l][j]: paths from node j of layer l to the output whose every W and g′ is
    nonzero — the terms a student actually multiplies out. (Lists of ints: numpy's
    overhead is most of the time on a network this small, in the generator's loop.)"""
    counts = [None] * (net.depth + 1)
    counts[net.depth] = [1] * net.layers[-1]
    for layer in range(net.depth, 0, -1):
        act = net.activation(layer)
        onward = [count if _alive(act, z, net.relu_at_zero) else 0
                  for count, z in zip(counts[layer], _listed(values.z[layer]))]
        counts[layer - 1] = [sum(count for w, count in zip(row, onward) if float(w) != 0)
                             for row in net.weights[layer - 1]]
    return counts


def _terms(q: Quantity, net, values, counts) -> int:
    """Nonzero terms of q's path sum: its local factors, times the paths onward."""
    if q.symbol in ("x", "a"):
        return int(counts[q.layer if q.symbol == "a" else 0][q.i - 1])
    node = q.j if q.symbol == "W" else q.i
    local = _alive(net.activation(q.layer), float(values.z[q.layer][node - 1]), net.relu_at_zero)
    if q.symbol == "W":
        local = local and values.a[q.layer - 1][q.i - 1] != 0
    return int(counts[q.layer][node - 1]) if local else 0


def _alive(act: str, z: float, relu_at_zero: int) -> bool:
    """g′(z) ≠ 0 for one z; ReLU and linear without numpy (a call on one number costs
    more than the test)."""
    if act == "relu":
        return z > 0 or (z == 0 and relu_at_zero != 0)
    if act == "linear":
        return True
    return bool(slope(act, z, relu_at_zero) != 0)

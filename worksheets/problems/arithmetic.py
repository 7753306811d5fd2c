"""What a student computes in one instance of a problem: the numbers the good-problem
rules of worksheets.variants look at."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np

from ..engine import evaluate, slope
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
    values = evaluate(net)
    points = _points(net, values)
    arrays = [array for _, v in points for array in v.z[1:] + v.a[1:] + v.dz[1:] + v.da + v.dW[1:] + v.db[1:]]
    intermediates = np.concatenate(arrays, axis=None)  # each flattened, in order
    answers = {q.name: lookup(q, values) for q in asked}
    dead = net.hidden == "relu" and any(not _alive("relu", z, net.relu_at_zero)
                                        for _, v in points for layer in v.z[1:-1] for z in layer.tolist())

    def terms() -> tuple:
        return tuple(_terms(q, point_net, v, nonzero_path_counts(point_net, v))
                     for point_net, v in points for q in asked if q.derivative)
    return Numbers(intermediates, answers, dead, terms, net.is_exact(), net.layers,
                   parts if parts is not None else list(answers.values()), scale=answer_scale(net))


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
                  for count, z in zip(counts[layer], values.z[layer].tolist())]
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

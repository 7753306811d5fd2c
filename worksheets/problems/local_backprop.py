"""`local-backprop`: one backpropagation step from partial information (#142, #143).

Given W^(l+1), every z^(l) and every ∂H/∂z^(l+1), find ∂H/∂a^(l), ∂H/∂z^(l),
∂H/∂W^(l+1) and ∂H/∂b^(l+1). The seed's "suppose it is known that..." values go
under `given:` in quantity notation (z1_1: 3, dH/dz2_1: -3, W2: [[5, 1], [1, 2]]).
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from .. import conventions, notation, numbers, randomness
from ..document import Answer, AnswerSpace, DisplayMath, Math, Part, Problem, para
from ..engine import ACTIVATION, backward, forward
from ..engine import slope as g_slope
from ..network import Network
from ..paths import g_exact, g_prime_exact
from ..quantities import Quantity, parse
from ..spec import RANDOM, Asked, Decimals, FieldError, NetworkSpec, Param, ProblemSpec, check_quantities
from .arithmetic import Numbers
from .checked import DEFAULT_DECIMALS, CheckFailed
from .figure import network_figure
from .formulas import matrix_latex
from .kind import GivenValues, Kind
from .parts import each_part, letter
from .wording import assumptions


class Spec(ProblemSpec):
    """`local-backprop`: one backpropagation step from partial information (#142, #143)."""
    kind: Literal["local-backprop"]
    network: NetworkSpec = Field(description="the network's layers and activations (its numbers are given)")
    given: dict[str, Param | list[list[Param]]] = Field(
        description="W of the next layer, every z of the layer, every dH/dz of the next layer",
        examples=[{"W2": [[5, 1], [1, 2]], "z1_1": 3, "z1_2": -1, "dH/dz2_1": -3, "dH/dz2_2": 1}])
    ask: Asked
    decimals: Decimals = DEFAULT_DECIMALS

    @model_validator(mode="after")
    def _check(self):
        if len(self.network.layers) > 1:
            raise FieldError("local-backprop needs one architecture (the given values fix it)",
                             "network", "layers")
        net = self.network.skeletons()[0]
        layer = given_layer(self)
        if not 1 <= layer < net.depth:
            raise FieldError(f"z values of layer {layer} are given; it must be a hidden layer", "given")
        for name in _required(net, layer):
            if name not in self.given:
                raise FieldError(f"missing {name}: the step from layer {layer + 1} back to layer "
                                 f"{layer} needs W{layer + 1}, every z{layer}_i and every dH/dz{layer + 1}_k",
                                 "given")
        W = self.given[f"W{layer + 1}"]
        rows, cols = conventions.matrix_shape(net.layers[layer], net.layers[layer + 1])
        if W is not RANDOM and (not isinstance(W, list) or len(W) != rows or any(len(r) != cols for r in W)):
            raise FieldError(f"expected a {rows}×{cols} matrix", "given", f"W{layer + 1}")
        if W is not RANDOM:  # held from-to, as every matrix (conventions.py)
            self.given[f"W{layer + 1}"] = conventions.from_written(W)
        for name in _required(net, layer)[1:]:
            if isinstance(self.given[name], list):
                raise FieldError("expected a number, got a list", "given", name)
        extra = sorted(set(self.given) - set(_required(net, layer)))
        if extra:
            raise FieldError(f"unknown given '{extra[0]}' (expected {', '.join(_required(net, layer))})",
                             "given", extra[0])
        check_quantities(self.network, self.ask)
        allowed = {("a", layer), ("z", layer), ("W", layer + 1), ("b", layer + 1)}
        for index, q in enumerate(self.ask):
            if not (q.derivative and (q.symbol, q.layer) in allowed):
                raise FieldError(f"'{q.name}' cannot be found from the given values; ask for "
                                 f"dH/da{layer}_i, dH/dz{layer}_i, dH/dW{layer + 1}_ik or dH/db{layer + 1}_k",
                                 "ask", index)
        return self


def given_layer(spec: Spec) -> int:
    """l, the layer whose z values are given."""
    layers = {parse(name).layer for name in spec.given if name.startswith("z") and _is_quantity(name)}
    if len(layers) != 1:
        raise FieldError("give the z values of exactly one hidden layer (e.g. z1_1, z1_2)", "given")
    return layers.pop()


def _is_quantity(name: str) -> bool:
    try:
        parse(name)
        return True
    except ValueError:
        return False


def _required(net: Network, layer: int) -> list[str]:
    return ([f"W{layer + 1}"] + [f"z{layer}_{i}" for i in range(1, net.layers[layer] + 1)]
            + [f"dH/dz{layer + 1}_{k}" for k in range(1, net.layers[layer + 1] + 1)])


class Step:
    """The given values, and what one backward step computes from them."""

    def __init__(self, spec: Spec):
        self.net = spec.network.to_network()
        self.layer = given_layer(spec)
        self.act = self.net.hidden
        n, m = self.net.layers[self.layer], self.net.layers[self.layer + 1]
        self.W = [list(row) for row in spec.given[f"W{self.layer + 1}"]]
        self.z = [spec.given[f"z{self.layer}_{i}"] for i in range(1, n + 1)]
        self.dz_next = [spec.given[f"dH/dz{self.layer + 1}_{k}"] for k in range(1, m + 1)]
        self.exact = self.act in ("relu", "linear")
        self.decimals = None if self.exact else spec.decimals
        self._engine = self._run_engine()

    def _run_engine(self) -> dict:
        """The step by the numpy engine: a one-layer network from a^(l) to z^(l+1)."""
        g = ACTIVATION[self.act][0]
        a = g(np.array([float(v) for v in self.z]))
        n, m = len(self.z), len(self.dz_next)
        fragment = Network((n, m), "linear", "linear", (tuple(map(tuple, self.W)),), None, None)
        zs, as_ = forward(fragment, a)
        values = backward(fragment, zs, as_, dH=[float(v) for v in self.dz_next])
        slope = g_slope(self.act, np.array([float(v) for v in self.z]), self.net.relu_at_zero)
        return {"a": as_[0], "da": values.da[0], "dz": values.da[0] * slope, "dW": values.dW[1],
                "db": values.db[1]}

    def a(self, i: int):
        return g_exact(self.act, self.z[i - 1])

    def value(self, q: Quantity):
        """q by scalar sums over Fractions, checked against the engine's matrix step."""
        independent = self._scalar(q)
        engine = {"a": lambda: self._engine["da"][q.i - 1], "z": lambda: self._engine["dz"][q.i - 1],
                  "W": lambda: self._engine["dW"][q.i - 1, q.j - 1],
                  "b": lambda: self._engine["db"][q.i - 1]}[q.symbol]()
        if not math.isclose(float(engine), float(independent), rel_tol=1e-9, abs_tol=1e-9):
            raise CheckFailed(q.name, float(engine), independent, "exact sum over the given values")
        return independent

    def _scalar(self, q: Quantity):
        if q.symbol == "a":
            return sum((self.W[q.i - 1][k] * dz for k, dz in enumerate(self.dz_next)), Fraction(0))
        if q.symbol == "z":
            return self._scalar(Quantity("a", q.layer, q.i, derivative=True)) * g_prime_exact(self.act, self.z[q.i - 1], self.net.relu_at_zero)
        if q.symbol == "W":
            return self.a(q.i) * self.dz_next[q.j - 1]
        return self.dz_next[q.i - 1]


def build(spec: Spec, number: int) -> Problem:
    step = Step(spec)
    net, l = step.net, step.layer
    fmt = lambda v: numbers.latex(v, step.decimals)  # noqa: E731
    known = [rf"{notation.node('z', l, i)} = {fmt(v)}" for i, v in enumerate(step.z, start=1)]
    known += [rf"{Quantity('z', l + 1, k, derivative=True).slash_latex()} = {fmt(v)}"
              for k, v in enumerate(step.dz_next, start=1)]
    intro = (
        para("Consider the neural network ", Math(r"H(\vec x)"), " in the figure."),
        network_figure(net, number),
        assumptions(net),
        para("Let the weights of layer ", str(l + 1), " be ",
             Math(rf"W{notation.layer_mark(l + 1)} = {matrix_latex(conventions.as_written(step.W))}"),
             ". In addition, suppose it is known that, when the network is evaluated at ",
             Math(r"\vec x"), ":"),
        DisplayMath(r", \qquad ".join(known)),
        *([para(f"Give numerical answers rounded to {step.decimals} decimal places.")]
          if step.decimals is not None else []),
    )
    parts = []
    for index, q in each_part(spec.ask):
        value = step.value(q)
        shown = numbers.plain(value) if step.decimals is None else numbers.rounded(value, step.decimals)
        answer = Answer(q.name, shown, fmt(value), step.decimals)
        prompt = para("What is ", Math(q.slash_latex()), ", as a number?")
        parts.append(Part(letter(index), (prompt,), answer, (DisplayMath(_work(step, q, fmt)),),
                          AnswerSpace(lines=1, short=True)))
    return Problem(number, spec.id, spec.kind, intro, tuple(parts), spec.points)


def _work(step: Step, q: Quantity, fmt) -> str:
    l, value = step.layer, fmt(step.value(q))
    if q.symbol == "a":
        terms = " + ".join(f"{numbers.factor_latex(w, step.decimals)}({fmt(dz)})"
                           for w, dz in zip(step.W[q.i - 1], step.dz_next))
        return (rf"{q.latex()} = \sum_k {notation.weight(l + 1, q.i, 'k')} "
                rf"{notation.node_derivative('z', l + 1, 'k')} = {terms} = {value}")
    if q.symbol == "z":
        da = step.value(Quantity("a", l, q.i, derivative=True))
        slope = g_prime_exact(step.act, step.z[q.i - 1], step.net.relu_at_zero)
        return (rf"{q.latex()} = {notation.node_derivative('a', l, q.i)} \cdot g'({notation.node('z', l, q.i)})"
                rf" = {fmt(da)} \cdot g'({fmt(step.z[q.i - 1])}) = {fmt(da)} \cdot {fmt(slope)} = {value}")
    if q.symbol == "W":
        a = step.a(q.i)
        applied = notation.applied(step.act, fmt(step.z[q.i - 1]))
        return (rf"{q.latex()} = {notation.node('a', l, q.i)} \cdot {notation.node_derivative('z', l + 1, q.j)}"
                rf" = {applied} \cdot {numbers.factor_latex(step.dz_next[q.j - 1], step.decimals)}"
                rf" = {numbers.factor_latex(a, step.decimals)}({fmt(step.dz_next[q.j - 1])}) = {value}")
    return rf"{q.latex()} = {notation.node_derivative('z', l + 1, q.i)} = {value}"


def variant_numbers(spec: Spec):
    """For the version rules: the activations a student finds and every asked answer."""
    step = Step(spec)
    activations = [step.a(i) for i in range(1, len(step.z) + 1)]
    answers = {q.name: step.value(q) for q in spec.ask}
    dead = step.act == "relu" and any(z < 0 or (z == 0 and not step.net.relu_at_zero) for z in step.z)
    return Numbers([float(v) for v in activations], {k: float(v) for k, v in answers.items()},
                   dead, tuple, step.exact)


def _has_random(spec: Spec) -> bool:
    return any(_contains_random(v) for v in spec.given.values())


def _contains_random(value) -> bool:
    return value is RANDOM or (isinstance(value, list) and any(_contains_random(v) for v in value))


def _draw_given(spec: Spec, ranges, rng) -> dict:
    """`given` with each `random` drawn; `W2: random` is a whole matrix."""
    layers = spec.network.layers[0]
    drawn = {}
    for name, value in spec.given.items():
        if name.startswith("W"):
            layer = int(name[1:])
            drawn[name] = randomness.part(value, (layers[layer - 1], layers[layer]), ranges.weights, rng,
                                          False, nonzero=True)
        else:
            drawn[name] = randomness.fill(value, ranges.given, rng)
    return {"given": drawn}


def _given_parameters(spec: Spec) -> dict:
    return {name: numbers.parameter_json([list(r) for r in conventions.as_written(value)] if name[0] == "W" else value)
            for name, value in spec.given.items()}


EXAMPLE = '''\
kind: local-backprop
points: 6
network: {layers: [2, 2, 2, 1]}
given:                        # W of the next layer, every z, every dH/dz of the next layer
  W2: [[5, 1], [1, 2]]
  z1_1: 3
  z1_2: -2
  dH/dz2_1: -3
  dH/dz2_2: 1
ask: [dH/da1_1, dH/dz1_1, dH/dW2_11]
'''


KIND = Kind("local-backprop", Spec, build, numbers=variant_numbers,
            given=GivenValues(_has_random, _draw_given, _given_parameters), example=EXAMPLE)

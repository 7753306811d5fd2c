"""`forward`: the values z, a and H of a network with given weights and input."""
from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from ..document import AnswerSpace, DisplayMath, Math, Part, Problem, para
from ..quantities import Quantity
from ..spec import Asked, Decimals, FieldError, NetworkSpec, ProblemSpec, check_quantities
from . import common
from .backprop import require_values

KIND = "forward"
NEEDS_VALUES = True  # the generator fills in missing weights and inputs when ranges are set
_G = {"relu": r"\text{ReLU}", "sigmoid": r"\sigma", "tanh": r"\tanh", "linear": ""}


class Spec(ProblemSpec):
    kind: Literal["forward"]
    network: NetworkSpec
    ask: Asked
    decimals: Decimals = common.DEFAULT_DECIMALS

    @model_validator(mode="after")
    def _check(self):
        require_values(self)
        check_quantities(self.network, self.ask)
        for index, q in enumerate(self.ask):
            if q.derivative or q.symbol not in ("z", "a", "H"):
                raise FieldError(f"'{q.name}' is not computed by the forward pass; "
                                 "ask for z, a or H values", "ask", index)
        return self


def build(spec: Spec, number: int) -> Problem:
    net = spec.network.to_network()
    solved = common.solve(net, spec.decimals)
    intro = (
        para("Consider the neural network in the figure. The blue numbers on the edges are the "
             "weights and the blue numbers above the inputs are the input values."),
        common.figure(net, number, with_values=True, solved=solved, node_values=False),
        common.assumptions(net, biases_drawn=True),
        *common.precision_note(solved),
        para("Compute each of the following."),
    )
    parts, shown = [], set()
    for index, q in common.each_part(spec.ask):
        target = Quantity("a", net.depth, 1) if q.symbol == "H" else q
        lines = [DisplayMath(line) for line in _steps(solved, target, shown)]
        parts.append(Part(common.letter(index), (para(Math(q.latex())),), solved.answer(q),
                          tuple(lines), AnswerSpace(lines=1, short=True)))
    return Problem(number, spec.id, KIND, intro, tuple(parts), spec.points)


def _steps(solved, q: Quantity, shown: set) -> list[str]:
    """Equations for q's node and every node before it, none twice."""
    lines = []
    for layer in range(1, q.layer + 1):
        nodes = range(1, solved.net.layers[layer] + 1) if layer < q.layer else [q.i]
        for node in nodes:
            for symbol in ("z", "a"):
                step = Quantity(symbol, layer, node)
                if step not in shown and (layer < q.layer or symbol == "z" or q.symbol == "a"):
                    shown.add(step)
                    lines.append(_equation(solved, step))
    return lines


def _equation(solved, q: Quantity) -> str:
    """z = Σ_i W_ij a_i (+ b) with numbers, or a = g(z)."""
    net, layer, node = solved.net, q.layer, q.i
    z = Quantity("z", layer, node)
    z_value = solved.latex(solved.value(z))
    if q.symbol == "a":
        act = net.activation(layer)
        applied = rf"{_G[act]}({z_value})" if _G[act] else z_value
        name = f"H = {q.latex()}" if layer == net.depth else q.latex()
        return rf"{name} = {applied} = {solved.latex(solved.value(q))}"
    terms = [f"{solved.factor(net.weights[layer - 1][i][node - 1])}"
             f"({solved.latex(solved.value(_source(layer, i + 1)))})"
             for i in range(net.layers[layer - 1])]
    if net.has_bias:
        terms.append(solved.factor(net.biases[layer - 1][node - 1]))
    return rf"{z.latex()} = {' + '.join(terms)} = {z_value}"


def _source(layer: int, i: int) -> Quantity:
    return Quantity("x", 0, i) if layer == 1 else Quantity("a", layer - 1, i)

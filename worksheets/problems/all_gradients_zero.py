"""`all-gradients-zero`: true or false, ∂H/∂W^(l)_ij = 0 for every weight, on a drawn
network with its values (#150)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .. import notation, numbers, precise
from ..document import Answer, AnswerSpace, DisplayMath, Math, Part, Problem, para
from ..paths import rounding_scale
from ..quantities import Quantity
from ..spec import NetworkSpec, ProblemSpec
from .chain import d, equation
from .checked import CheckFailed, solve
from .figure import network_figure
from .kind import Kind
from .values import require_values
from .wording import assumptions


class Spec(ProblemSpec):
    """`all-gradients-zero`: true or false, ∂H/∂W^(l)_ij = 0 for every weight, on a drawn
    network with its values (#150)."""
    kind: Literal["all-gradients-zero"]
    network: NetworkSpec = Field(description="the network, with weights and input (or random)")

    @model_validator(mode="after")
    def _check(self):
        require_values(self)
        return self


def weight_gradients(solved) -> list[tuple[Quantity, object]]:
    net = solved.net
    return [(q, solved.value(q)) for layer in range(1, net.depth + 1)
            for i in range(1, net.layers[layer - 1] + 1) for j in range(1, net.layers[layer] + 1)
            for q in [Quantity("W", layer, i, j, derivative=True)]]


def nonzero_gradients(solved) -> list[tuple[Quantity, object]]:
    """(q, value) of every weight gradient that is not exactly 0. Zero is decided by
    precise.py (exact, or 60 digits with no underflow): a float engine rounds σ′(40) =
    4e-18 to 0, but no sigmoid′ or tanh′ is ever 0. The engine is still checked: a
    gradient it finds beyond its rounding error must not be exactly 0."""
    found = []
    for q, engine_value in weight_gradients(solved):
        value = precise.derivative(solved.net, q)
        if value == 0 and abs(float(engine_value)) > 1e-12 * rounding_scale(solved.net, q):
            raise CheckFailed(q.name, engine_value, 0, "high-precision path sum")
        if value != 0:
            found.append((q, value))
    return found


def build(spec: Spec, number: int) -> Problem:
    net = spec.network.to_network()
    solved = solve(net)
    intro = (
        para("Consider the neural network in the figure, with weights and an input. The blue numbers "
             "on the edges are the weights, and the blue numbers above each node are the values of ",
             Math("z"), " and ", Math("a"), " there."),
        network_figure(net, number, with_values=True, solved=solved),
        assumptions(net, biases_drawn=True),
    )
    claim = para("True or False: ", Math(f"{_any_weight_gradient()} = 0"),
                 " for all ", Math(r"i, j, \ell"), ".")
    nonzero = nonzero_gradients(solved)
    answer = Answer("all dH/dW = 0", not nonzero, "True" if not nonzero else "False")
    part = Part("a", (claim,), answer, _solution(solved, nonzero), AnswerSpace(true_false=True))
    return Problem(number, spec.id, spec.kind, intro, (part,), spec.points)


def _any_weight_gradient() -> str:
    """∂H/∂W^(ℓ)_ij (in the sheet's notation) for every i, j, ℓ."""
    return notation.slash_derivative(notation.weight(ELL, "i", "j"))


ELL = r"\ell"  # a layer's number in formulas


def _solution(solved, nonzero) -> tuple:
    if not nonzero:
        return (para("True. Each ", Math(_any_weight_gradient()), " is ",
                     Math(f"a{notation.layer_mark(ELL + '-1')}_i " + r"\cdot {\partial} H / {\partial} "
                          f"z{notation.layer_mark(ELL)}_j"),
                     ", and in every layer either the incoming activations or the derivatives "
                     "with respect to ", Math("z"), " are all zero, so no gradient flows to any weight."),)
    # The seed's argument: a weight nearest the output with a nonzero gradient.
    q, value = max(nonzero, key=lambda pair: (pair[0].layer, abs(float(pair[1]))))
    return (
        para("False. For example, the gradient of ", Math(q.value_of().latex()),
             " is not zero:"),
        DisplayMath(_example(solved, q, value) + r" \neq 0"),
        para(f"In all, {len(nonzero)} of the {len(solved_weights(solved))} weight gradients are nonzero."),
    )


def _example(solved, q: Quantity, value) -> str:
    """The chain rule for q with its numbers. A value its decimals would print as 0.000
    (σ′(40) = 4e-18) is shown with four significant digits, so the key never claims
    0.000 ≠ 0."""
    if solved.decimals is None or numbers.rounded(float(value), solved.decimals) != 0:
        return equation(solved, q)
    source = Quantity("x", 0, q.i) if q.layer == 1 else Quantity("a", q.layer - 1, q.i)
    dz = d("z", q.layer, q.j)

    def shown(number) -> str:
        if numbers.rounded(float(number), solved.decimals) != 0:
            return numbers.factor_latex(float(number), solved.decimals)
        latex = numbers.scientific_latex(number)
        return f"({latex})" if latex.startswith("-") else latex
    factors = rf"{shown(precise.value(solved.net, source))} \cdot {shown(precise.derivative(solved.net, dz))}"
    return rf"{q.latex()} = {source.latex()} \cdot {dz.latex()} = {factors} = {numbers.scientific_latex(value)}"


def solved_weights(solved) -> list:
    return [w for W in solved.net.weights for row in W for w in row]


EXAMPLE = '''\
kind: all-gradients-zero
points: 2
network:
  layers: [2, 2, 1]
  W1: [[1, -1], [-1, 1]]
  W2: [[2], [1]]
  x: [-1, -2]
'''


KIND = Kind("all-gradients-zero", Spec, build, needs_values=True, zero_answers_ok=True,
            example=EXAMPLE)

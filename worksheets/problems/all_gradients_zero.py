"""`all-gradients-zero`: true or false, ∂H/∂W^(l)_ij = 0 for every weight, on a drawn
network with its values (#150)."""
from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from ..chain import equation
from ..document import Answer, AnswerSpace, DisplayMath, Math, Part, Problem, para
from ..quantities import Quantity
from ..spec import NetworkSpec, ProblemSpec
from . import common
from .backprop import require_values

KIND = "all-gradients-zero"
NEEDS_VALUES = True  # the generator fills in missing weights and inputs when ranges are set
ZERO_ANSWERS_OK = True  # zero gradients are what the problem is about


class Spec(ProblemSpec):
    kind: Literal["all-gradients-zero"]
    network: NetworkSpec

    @model_validator(mode="after")
    def _check(self):
        require_values(self)
        return self


def weight_gradients(solved) -> list[tuple[Quantity, object]]:
    net = solved.net
    return [(q, solved.value(q)) for layer in range(1, net.depth + 1)
            for i in range(1, net.layers[layer - 1] + 1) for j in range(1, net.layers[layer] + 1)
            for q in [Quantity("W", layer, i, j, derivative=True)]]


def build(spec: Spec, number: int) -> Problem:
    net = spec.network.to_network()
    solved = common.solve(net)
    intro = (
        para("Consider the neural network in the figure, with weights and an input. The blue numbers "
             "on the edges are the weights, and the blue numbers above each node are the values of ",
             Math("z"), " and ", Math("a"), " there."),
        common.figure(net, number, with_values=True, solved=solved),
        common.assumptions(net, biases_drawn=True),
    )
    claim = para("True or False: ", Math(r"{\partial} H / {\partial} W^{(\ell)}_{ij} = 0"),
                 " for all ", Math(r"i, j, \ell"), ".")
    gradients = weight_gradients(solved)
    nonzero = [(q, v) for q, v in gradients if not common.is_zero(v)]
    answer = Answer("all dH/dW = 0", not nonzero, "True" if not nonzero else "False")
    part = Part("a", (claim,), answer, _solution(solved, nonzero), AnswerSpace(true_false=True))
    return Problem(number, spec.id, KIND, intro, (part,), spec.points)


def _solution(solved, nonzero) -> tuple:
    if not nonzero:
        return (para("True. Each ", Math(r"{\partial} H / {\partial} W^{(\ell)}_{ij}"), " is ",
                     Math(r"a^{(\ell-1)}_i \cdot {\partial} H / {\partial} z^{(\ell)}_j"),
                     ", and in every layer either the incoming activations or the derivatives "
                     "with respect to ", Math("z"), " are all zero, so no gradient flows to any weight."),)
    # The seed's argument: a weight nearest the output with a nonzero gradient.
    q, value = max(nonzero, key=lambda pair: (pair[0].layer, abs(float(pair[1]))))
    return (
        para("False. For example, the gradient of ", Math(q.value_of().latex()),
             " is not zero:"),
        DisplayMath(equation(solved, q) + r" \neq 0"),
        para(f"In all, {len(nonzero)} of the {len(solved_weights(solved))} weight gradients are nonzero."),
    )


def solved_weights(solved) -> list:
    return [w for W in solved.net.weights for row in W for w in row]

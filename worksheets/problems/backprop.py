"""`backprop`: named partial derivatives of H on a network with weights and an input (#151)."""
from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from ..chain import steps
from ..document import AnswerSpace, DisplayMath, Math, Part, Problem, para
from ..spec import Asked, Decimals, FieldError, NetworkSpec, ProblemSpec, check_quantities
from . import common

KIND = "backprop"
NEEDS_VALUES = True  # the generator fills in missing weights and inputs when ranges are set


class Spec(ProblemSpec):
    kind: Literal["backprop"]
    network: NetworkSpec
    ask: Asked
    decimals: Decimals = common.DEFAULT_DECIMALS

    @model_validator(mode="after")
    def _check(self):
        require_values(self)
        check_quantities(self.network, self.ask)
        for index, q in enumerate(self.ask):
            if not q.derivative:
                raise FieldError(f"'{q.name}' is a value; ask for derivatives (dH/d...) "
                                 "or use kind: forward", "ask", index)
        return self


def require_values(spec) -> None:
    """FieldError unless every weight matrix and the input are given (as numbers or
    `random`), or `random:` ranges let the generator choose the missing ones."""
    if spec.random is not None:
        return
    network = spec.network
    if network.x is None:
        raise FieldError("this problem needs the input x (numbers or random)", "network", "x")
    for layer in range(1, max(len(c) for c in network.layers)):
        if network.weight(layer) is None:
            raise FieldError(f"this problem needs the weights W{layer} (numbers or random)",
                             "network", f"W{layer}")


def build(spec: Spec, number: int) -> Problem:
    net = spec.network.to_network()
    solved = common.solve(net, spec.decimals)
    intro = (
        para("Consider the neural network in the figure, with its weights and input. "
             "The blue numbers on the edges are the weights; the blue numbers above each node "
             "are the values of ", Math("z"), " and ", Math("a"), " there."),
        common.figure(net, number, with_values=True, solved=solved),
        common.assumptions(net, biases_drawn=True),
        *common.precision_note(solved),
        para("Compute each of the following."),
    )
    shown: set = set()
    parts = []
    for index, q in common.each_part(spec.ask):
        solution = tuple(DisplayMath(line) for line in steps(solved, [q], shown))
        parts.append(Part(common.letter(index), (para(Math(q.latex())),), solved.answer(q),
                          solution or (para("See the steps above."),), AnswerSpace(lines=1, short=True)))
    return Problem(number, spec.id, KIND, intro, tuple(parts), spec.points)

"""`backprop`: named partial derivatives of H on a network with weights and an input (#151)."""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from ..document import AnswerSpace, DisplayMath, Math, Part, Problem, para
from ..spec import Asked, Decimals, FieldError, NetworkSpec, ProblemSpec, check_batch_quantities, check_quantities
from .chain import steps, value_steps
from .checked import DEFAULT_DECIMALS, solve
from .figure import figure_blocks
from .kind import Kind
from .parts import each_part, letter
from .values import require_values
from .wording import assumptions, batch_legend, precision_note


class Spec(ProblemSpec):
    """`backprop`: named partial derivatives of H on a network with weights and an input (#151)."""
    kind: Literal["backprop"]
    network: NetworkSpec = Field(description="the network, with weights and input (or random)")
    ask: Asked
    decimals: Decimals = DEFAULT_DECIMALS
    takes_loss: ClassVar[bool] = True
    takes_batch: ClassVar[bool] = True

    @model_validator(mode="after")
    def _check(self):
        require_values(self)
        check_quantities(self.network, self.ask)
        check_batch_quantities(self.network, self.ask)
        for index, q in enumerate(self.ask):
            if not q.derivative and q.symbol not in ("z", "a", "H", "L"):
                raise FieldError(f"'{q.name}' is given in the figure; ask for z, a or H values "
                                 "or for derivatives (dH/d...)", "ask", index)
        return self


def build(spec: Spec, number: int) -> Problem:
    net = spec.network.to_network()
    solved = solve(net, spec.decimals)
    values_asked = any(not q.derivative for q in spec.ask)  # then the figure must not show them
    if net.is_batch:
        legend = batch_legend()
    elif values_asked:
        legend = para("Consider the neural network in the figure, with its weights and input. The blue "
                      "numbers on the edges are the weights; the blue numbers above the inputs are the "
                      "input values.")
    else:
        legend = para("Consider the neural network in the figure, with its weights and input. "
                      "The blue numbers on the edges are the weights; the blue numbers above each node "
                      "are the values of ", Math("z"), " and ", Math("a"), " there.")
    intro = (
        legend,
        *figure_blocks(net, number, with_values=True, solved=solved, node_values=not values_asked),
        assumptions(net, biases_drawn=True),
        *precision_note(solved),
        para("Compute each of the following."),
    )
    shown: set = set()
    parts = []
    for index, q in each_part(spec.ask):
        if q.derivative:
            lines = steps(solved, [q], shown)
        else:  # a value: the forward pass to its node
            lines = value_steps(solved, q, shown)
        solution = tuple(DisplayMath(line) for line in lines)
        parts.append(Part(letter(index), (para(Math(q.latex())),), solved.answer(q),
                          solution, AnswerSpace(lines=1, short=True)))
    return Problem(number, spec.id, spec.kind, intro, tuple(parts), spec.points)


EXAMPLE = '''\
kind: backprop
points: 6
network:
  layers: [2, 2, 1]           # node counts, input layer first
  activation: relu            # hidden layers: relu, sigmoid, tanh or linear
  W1: [[2, 1], [-1, 3]]       # W1[i][j]: node i of layer 0 to node j of layer 1
  W2: [[3], [-2]]
  x: [1, 2]
ask: [dH/dz1_1, dH/da1_2, dH/dW1_11, dH/dx_1]
'''


KIND = Kind("backprop", Spec, build, needs_values=True, relus_on=True, example=EXAMPLE, in_starter=True)

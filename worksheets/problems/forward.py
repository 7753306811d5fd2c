"""`forward`: the values z, a and H of a network with given weights and input."""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from ..document import AnswerSpace, DisplayMath, Math, Part, Problem, para
from ..spec import Asked, Decimals, FieldError, NetworkSpec, ProblemSpec, check_batch_quantities, check_quantities
from .chain import value_steps
from .checked import DEFAULT_DECIMALS, solve
from .figure import figure_blocks
from .kind import Kind
from .parts import each_part, letter
from .values import require_values
from .wording import assumptions, batch_legend, precision_note


class Spec(ProblemSpec):
    """`forward`: the values z, a and H of a network with given weights and input."""
    kind: Literal["forward"]
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
            if q.derivative or q.symbol not in ("z", "a", "H", "L"):
                raise FieldError(f"'{q.name}' is not computed by the forward pass; "
                                 "ask for z, a or H values (L with a loss)", "ask", index)
        return self


def build(spec: Spec, number: int) -> Problem:
    net = spec.network.to_network()
    solved = solve(net, spec.decimals)
    intro = (
        batch_legend() if net.is_batch else
        para("Consider the neural network in the figure. The blue numbers on the edges are the "
             "weights and the blue numbers above the inputs are the input values."),
        *figure_blocks(net, number, with_values=True, solved=solved, node_values=False),
        assumptions(net, biases_drawn=True, derivatives=False),
        *precision_note(solved),
        para("Compute each of the following."),
    )
    parts, shown = [], set()
    for index, q in each_part(spec.ask):
        lines = [DisplayMath(line) for line in value_steps(solved, q, shown)]
        parts.append(Part(letter(index), (para(Math(q.latex())),), solved.answer(q),
                          tuple(lines), AnswerSpace(lines=1, short=True)))
    return Problem(number, spec.id, spec.kind, intro, tuple(parts), spec.points)


EXAMPLE = '''\
kind: forward
points: 4
network:
  layers: [2, 2, 1]
  bias: true                  # then give b1, b2 (default 0)
  W1: [[1, -2], [2, 1]]
  W2: [[1], [3]]
  b1: [1, 0]
  b2: [-1]
  x: [2, 1]
ask: [z1_1, a1_2, H]
'''


KIND = Kind("forward", Spec, build, needs_values=True, example=EXAMPLE, in_starter=True)

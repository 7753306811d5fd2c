"""`gd-step`: one step of gradient descent on a network with a loss: the new values of
some parameters, W ← W − η ∂L/∂W, and (optionally) the loss after every parameter is
updated once."""
from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction
from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from .. import numbers
from ..document import Answer, AnswerSpace, DisplayMath, Math, Part, Problem, para
from ..engine import evaluate
from ..network import Network
from ..paths import derivative_value
from ..quantities import Quantity
from ..spec import Decimals, FieldError, NetworkSpec, Number, ProblemSpec, QuantityName, RandomRanges, check_quantities
from .arithmetic import Numbers, network_numbers
from .chain import steps, value_steps
from .checked import DEFAULT_DECIMALS, CheckFailed, Solved, solve
from .figure import figure_blocks
from .kind import Kind
from .parts import each_part, letter
from .values import require_values
from .wording import assumptions, batch_legend, precision_note

Updated = Annotated[list[QuantityName], Field(min_length=1, max_length=8, description="the weights and biases "
                    "whose values after the step are asked, one part each", examples=[["W2_11", "b1_2"]])]


class Spec(ProblemSpec):
    """`gd-step`: one gradient-descent step on a network with a loss."""
    kind: Literal["gd-step"]
    network: NetworkSpec = Field(description="the network, with a loss, weights, input and targets (or random)")
    learning_rate: Number = Field(description="η, the step size; a fraction (\"1/10\") keeps exact answers exact",
                                  examples=["1/10", 0.5])
    update: Updated
    loss_after: bool = Field(False, description="true: also ask L after every weight and bias is updated once",
                             examples=[True])
    decimals: Decimals = DEFAULT_DECIMALS
    takes_loss: ClassVar[bool] = True
    takes_batch: ClassVar[bool] = True

    @model_validator(mode="after")
    def _check(self):
        if self.network.loss == "none":
            raise FieldError("a gradient-descent step needs a loss to descend; set loss: and the targets y",
                             "network", "loss")
        if self.learning_rate <= 0:
            raise FieldError(f"the learning rate is positive, got {self.learning_rate}", "learning_rate")
        require_values(self)
        check_quantities(self.network, self.update, "update")
        for index, q in enumerate(self.update):
            if q.derivative or q.symbol not in ("W", "b"):
                raise FieldError(f"'{q.name}' is not a parameter; name weights and biases (W2_11, b1_2)",
                                 "update", index)
        return self


def gradient_of(q: Quantity) -> Quantity:
    return replace(q, derivative=True, of="L")


def parameter(net: Network, q: Quantity) -> Fraction:
    if q.symbol == "W":
        return net.weights[q.layer - 1][q.i - 1][q.j - 1]
    return net.biases[q.layer - 1][q.i - 1]


def new_value(solved: Solved, q: Quantity, rate: Fraction):
    """q − η ∂L/∂q from the checked gradient (exact when it is), and the same step from
    the engine's float gradient as a second computation."""
    gradient = solved.value(gradient_of(q))
    exact = parameter(solved.net, q) - rate * gradient
    engine = float(parameter(solved.net, q)) - float(rate) * _engine_gradient(solved, q)
    if not math.isclose(float(exact), engine, rel_tol=1e-9, abs_tol=1e-9):
        raise CheckFailed(f"new {q.name}", engine, exact, "exact update")
    return exact


def _engine_gradient(solved: Solved, q: Quantity) -> float:
    values = solved.values
    if q.symbol == "W":
        return float(values.dW[q.layer][q.i - 1, q.j - 1])
    return float(values.db[q.layer][q.i - 1])


def stepped(net: Network, rate: Fraction) -> Network:
    """The network after one step on every weight and bias, with the exact path-sum
    gradients (Fractions where the network is exact)."""
    def step(q: Quantity):
        return parameter(net, q) - rate * derivative_value(net, gradient_of(q))
    weights = tuple(tuple(tuple(step(Quantity("W", l, i, j)) for j in range(1, net.layers[l] + 1))
                          for i in range(1, net.layers[l - 1] + 1)) for l in range(1, net.depth + 1))
    biases = None
    if net.has_bias:
        biases = tuple(tuple(step(Quantity("b", l, i)) for i in range(1, net.layers[l] + 1))
                       for l in range(1, net.depth + 1))
    return replace(net, weights=weights, biases=biases)


def loss_after(net: Network, rate: Fraction, decimals: int) -> tuple[Solved, object]:
    """L after the step (checked by the engine against the exact forward pass), and a
    second computation: the engine's own gradients, applied in floats."""
    after = solve(stepped(net, rate), decimals)
    value = after.value(Quantity("L"))
    by_engine = _engine_step_loss(net, rate)
    if not math.isclose(float(value), by_engine, rel_tol=1e-9, abs_tol=1e-9):
        raise CheckFailed("L after step", by_engine, value, "exact step and forward pass")
    return after, value


def _engine_step_loss(net: Network, rate) -> float:
    """L after one step taken with the engine's gradients, in floats."""
    values = evaluate(net)
    weights = [net.W(l) - float(rate) * values.dW[l] for l in range(1, net.depth + 1)]
    biases = [net.b(l) - float(rate) * values.db[l] for l in range(1, net.depth + 1)]
    return evaluate(_float_network(net, weights, biases)).loss


def _float_network(net: Network, weights, biases) -> Network:
    return replace(net, weights=tuple(tuple(map(tuple, W.tolist())) for W in weights),
                   biases=tuple(tuple(b.tolist()) for b in biases) if net.has_bias else None)


def build(spec: Spec, number: int) -> Problem:
    net = spec.network.to_network()
    solved = solve(net, spec.decimals)
    rate = spec.learning_rate
    rate_latex = _given_latex(rate)
    intro = (
        batch_legend() if net.is_batch else
        para("Consider the neural network in the figure, with its weights and input. The blue numbers on the "
             "edges are the weights; the blue numbers above the inputs are the input values."),
        *figure_blocks(net, number, with_values=True, solved=solved, node_values=False),
        assumptions(net, biases_drawn=True),
        *precision_note(solved),
        para("Take one step of gradient descent with learning rate ", Math(rf"\eta = {rate_latex}"),
             ": every weight and bias is updated once, ", Math(r"w \leftarrow w - \eta\, \partial L / \partial w"),
             ". Compute each of the following."),
    )
    shown: set = set()
    parts = []
    for index, q in each_part(spec.update):
        value = new_value(solved, q, rate)
        lines = steps(solved, [gradient_of(q)], shown) + [_rule(solved, q, rate_latex, value)]
        parts.append(Part(letter(index), (para("the new value of ", Math(q.latex())),),
                          _answer(solved, f"new {q.name}", value), tuple(map(DisplayMath, lines)),
                          AnswerSpace(lines=1, short=True)))
    if spec.loss_after:
        after, value = loss_after(net, rate, spec.decimals)
        lines = [DisplayMath(line) for line in value_steps(after, Quantity("L"), set())]
        note = para("With every weight and bias updated (the same rule for each), the forward pass again:")
        parts.append(Part(letter(len(parts)), (para("the loss ", Math("L"), " after the step"),),
                          _answer(solved, "L after step", value), (note, *lines), AnswerSpace(lines=1, short=True)))
    return Problem(number, spec.id, spec.kind, intro, tuple(parts), spec.points)


def _rule(solved: Solved, q: Quantity, rate_latex: str, value) -> str:
    """W ← W − η ∂L/∂W with the numbers put in."""
    old = numbers.given_text(parameter(solved.net, q)).replace("\u2212", "-")
    gradient = solved.factor(solved.value(gradient_of(q)))
    return (rf"{q.latex()} \leftarrow {q.latex()} - \eta\, {gradient_of(q).latex()} = "
            rf"{old} - {rate_latex} \cdot {gradient} = {_value_latex(solved, value)}")


_given_latex = numbers.given_latex


def _value_latex(solved: Solved, value) -> str:
    """Exact values of exact networks; decimal ones rounded like every other answer."""
    return numbers.latex(value, solved.decimals)


def _answer(solved: Solved, name: str, value) -> Answer:
    if solved.decimals is None:
        return Answer(name, numbers.plain(value), numbers.latex(value), None)
    return Answer(name, numbers.rounded(float(value), solved.decimals), _value_latex(solved, value), solved.decimals)


def _numbers(spec: Spec):
    """What a student computes: the gradients (the rules' integers), one part per update."""
    if not spec.network.has_values():
        return Numbers()
    found = network_numbers(spec, [gradient_of(q) for q in spec.update])
    net = spec.network.to_network()
    found.parts = [float(parameter(net, q)) - float(spec.learning_rate) * value
                   for q, value in zip(spec.update, found.answers.values())]
    found.broken = _step_rule(spec, net, found.parts)
    return found


def _step_rule(spec: Spec, net: Network, new_values: list) -> str | None:
    """The step's own rules: distinct new values, and a step that lowers the loss to a
    size a student computes by hand."""
    if len(set(new_values)) < len(new_values):
        return "no two parts share an answer"
    if not spec.loss_after:
        return None
    before, after = evaluate(net).loss, _engine_step_loss(net, spec.learning_rate)
    if after >= before:
        return "the step lowers the loss"
    limit = (spec.random or RandomRanges()).max_value
    return f"every value a student computes is at most {limit} in size" if after > limit else None


EXAMPLE = '''\
kind: gd-step
points: 4
network:
  layers: [2, 2, 1]
  loss: half-square           # L = 1/2 (a - y)^2
  W1: [[1, -1], [2, 1]]
  W2: [[2], [1]]
  x: [1, 1]
  y: [1]                      # the target
learning_rate: 1/10           # a fraction keeps the answers exact
update: [W2_11, W1_21]        # the parameters whose new values are asked
loss_after: true              # and L after every parameter is updated once
'''


KIND = Kind("gd-step", Spec, build, needs_values=True, numbers=_numbers, example=EXAMPLE)

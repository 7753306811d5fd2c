"""`gradient-size`: the dimensionality of the gradient of H with respect to the parameters
(#129, #130 with a figure; #153, #154 described in words)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from .. import conventions
from ..document import Answer, AnswerSpace, Math, Part, Problem, para
from ..spec import NetworkSpec, ProblemSpec
from .figure import network_figure
from .kind import Kind


class Spec(ProblemSpec):
    """`gradient-size`: the dimensionality of the gradient of H with respect to the parameters
    (#129, #130 with a figure; #153, #154 described in words)."""
    kind: Literal["gradient-size"]
    network: NetworkSpec = Field(description="the network; only its layers and bias matter")
    figure: bool = Field(True, description="false: describe the architecture in words instead of drawing it",
                         examples=[False])

    def draws_network(self) -> bool:
        return self.figure


def build(spec: Spec, number: int) -> Problem:
    net = spec.network.to_network()
    intro = [_setting(net, number, spec.figure)]
    if spec.figure:
        intro.insert(0, para("Suppose ", Math("H"), " is the neural network in the figure."))
        intro.insert(1, network_figure(net, number))
    question = para("The gradient of ", Math("H"), " with respect to the parameters is a vector. "
                    "What is this vector's dimensionality?")
    count = net.parameter_count()
    answer = Answer("dimension", count, f"{count:,}")
    part = Part("a", (question,), answer, (para(*_solution(net)),), AnswerSpace(lines=1, short=True))
    return Problem(number, spec.id, spec.kind, tuple(intro), (part,), spec.points)


def _setting(net, number: int, drawn: bool):
    bias = ("You may assume that all hidden and output nodes have a bias, "
            "but that the bias is just not drawn for simplicity." if net.has_bias
            else "There are no biases.")
    if drawn:
        return para(bias)
    hidden = net.layers[1:-1]
    layers = ", ".join(f"{n:,} node{'s' if n > 1 else ''} in the {_ordinal(i + 1)} hidden layer"
                       for i, n in enumerate(hidden))
    outputs = "a single output node" if net.layers[-1] == 1 else f"{net.layers[-1]:,} output nodes"
    inputs = f"{net.layers[0]:,} input feature{'s' if net.layers[0] > 1 else ''}"
    bias = "Assume that all hidden and output nodes have a bias." if net.has_bias else "There are no biases."
    return para("Suppose ", Math("H"), f" is a fully-connected neural network with {inputs}, "
                + (f"{layers}, and " if layers else "and ") + f"{outputs}. {bias}")


_ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]


def _ordinal(n: int) -> str:
    return _ORDINALS[n - 1] if n <= len(_ORDINALS) else f"{n}th"  # 11th to 18th: no other suffix


def _solution(net) -> list:
    pieces = ["Count all weights" + (" and biases" if net.has_bias else "") + ". "]
    totals = []
    for layer, (n_in, n_out) in enumerate(zip(net.layers, net.layers[1:]), start=1):
        total = n_in * n_out + (n_out if net.has_bias else 0)
        totals.append(total)
        name = "Output" if layer == net.depth else f"Layer {layer}"
        biases = rf" + {n_out}\text{{ biases}}" if net.has_bias else ""
        rows, columns = conventions.matrix_shape(n_in, n_out)  # the shape of W as the sheet writes it
        pieces += [f"{name}: ", Math(rf"{rows} \times {columns}\text{{ weights}}{biases} = {total}"), ". "]
    pieces += ["Total: ", Math(" + ".join(map(str, totals)) + f" = {sum(totals)}"), "."]
    return pieces


EXAMPLE = '''\
kind: gradient-size
points: 2
network: {layers: [3, 4, 2, 1], bias: true}
figure: true                  # false: described in words
'''


KIND = Kind("gradient-size", Spec, build, example=EXAMPLE)

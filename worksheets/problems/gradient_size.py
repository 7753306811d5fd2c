"""`gradient-size`: the dimensionality of the gradient of H with respect to the parameters
(#129, #130 with a figure; #153, #154 described in words)."""
from __future__ import annotations

from typing import Literal

from ..document import Answer, AnswerSpace, Math, Part, Problem, para
from ..spec import NetworkSpec, ProblemSpec
from . import common

KIND = "gradient-size"


class Spec(ProblemSpec):
    kind: Literal["gradient-size"]
    network: NetworkSpec
    figure: bool = True  # False: describe the architecture in words instead


def build(spec: Spec, number: int) -> Problem:
    net = spec.network.to_network()
    intro = [_setting(net, number, spec.figure)]
    if spec.figure:
        intro.insert(0, para("Suppose ", Math("H"), " is the neural network in the figure."))
        intro.insert(1, common.figure(net, number))
    question = para("The gradient of ", Math("H"), " with respect to the parameters is a vector. "
                    "What is this vector's dimensionality?")
    count = net.parameter_count()
    answer = Answer("dimension", count, str(count))
    part = Part("a", (question,), answer, (para(*_solution(net)),), AnswerSpace(lines=1, short=True))
    return Problem(number, spec.id, KIND, tuple(intro), (part,), spec.points)


def _setting(net, number: int, drawn: bool):
    bias = ("You may assume that all hidden and output nodes have a bias, "
            "but that the bias is just not drawn for simplicity." if net.has_bias
            else "There are no biases.")
    if drawn:
        return para(bias)
    hidden = net.layers[1:-1]
    ordinals = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh"]
    layers = ", ".join(f"{n} node{'s' if n > 1 else ''} in the {ordinals[i]} hidden layer"
                       for i, n in enumerate(hidden))
    outputs = "a single output node" if net.layers[-1] == 1 else f"{net.layers[-1]} output nodes"
    inputs = f"{net.layers[0]} input feature{'s' if net.layers[0] > 1 else ''}"
    bias = "Assume that all hidden and output nodes have a bias." if net.has_bias else "There are no biases."
    return para("Suppose ", Math("H"), f" is a fully-connected neural network with {inputs}, "
                + (f"{layers}, and " if layers else "and ") + f"{outputs}. {bias}")


def _solution(net) -> list:
    pieces = ["Count all weights" + (" and biases" if net.has_bias else "") + ". "]
    totals = []
    for layer, (n_in, n_out) in enumerate(zip(net.layers, net.layers[1:]), start=1):
        total = n_in * n_out + (n_out if net.has_bias else 0)
        totals.append(total)
        name = "Output" if layer == net.depth else f"Layer {layer}"
        biases = rf" + {n_out}\text{{ biases}}" if net.has_bias else ""
        pieces += [f"{name}: ", Math(rf"{n_in} \times {n_out}\text{{ weights}}{biases} = {total}"), ". "]
    pieces += ["Total: ", Math(" + ".join(map(str, totals)) + f" = {sum(totals)}"), "."]
    return pieces

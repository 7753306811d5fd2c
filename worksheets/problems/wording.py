"""Sentences several kinds share: the activations and biases, the precision asked."""
from __future__ import annotations

from .. import notation
from ..document import Math, Para, para
from ..network import Network
from .checked import Solved


def assumptions(net: Network, biases_drawn: bool = False) -> Para:
    """The sentence that tells students the activations and biases (and, when the
    figure shows them, what the bias labels mean)."""
    hidden = f"all hidden nodes use {_named(net.hidden)} activation" if net.depth > 1 else None
    output = (f"the output node uses {_named(net.output)} activation" if net.layers[-1] == 1
              else f"the output nodes use {_named(net.output)} activation")
    bias = "all hidden and output nodes have a bias" if net.has_bias else "there are no biases"
    if net.has_bias and biases_drawn:
        bias += ", written b = \u2026 under the node"
    clauses = [c for c in (hidden, output, bias) if c]
    sentence = "Assume that " + ", that ".join(clauses[:-1]) + ", and that " + clauses[-1] + "."
    if not net.has_loss:
        return para(sentence)
    return para(sentence, *loss_sentence(net))


def loss_sentence(net: Network) -> tuple:
    """" The loss is ..., L = ...; the targets are written beside the outputs." """
    targets = ("the class c is the output whose target y is 1" if net.loss == "softmax-cross-entropy"
               else "the targets y are written beside the outputs")
    return (f" The loss is {notation.LOSSES[net.loss].name}, ", Math(notation.loss_formula(net.loss, net.depth)),
            f"; {targets}.")


def precision_note(solved: Solved) -> list[Para]:
    if solved.decimals is None:
        return []
    return [para(f"Give numerical answers rounded to {solved.decimals} decimal places.")]


def _named(act: str) -> str:
    """"a ReLU", "a sigmoid": the activation's name with its article."""
    name = notation.OUTPUT_ACTIVATIONS[act].name
    return f"{notation.article(name)} {name}"

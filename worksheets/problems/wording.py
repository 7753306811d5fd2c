"""Sentences several kinds share: the activations and biases, the precision asked."""
from __future__ import annotations

from .. import notation
from ..document import Para, para
from ..network import Network
from .checked import Solved


def assumptions(net: Network, biases_drawn: bool = False) -> Para:
    """The sentence that tells students the activations and biases (and, when the
    figure shows them, what the bias labels mean)."""
    hidden = f"all hidden nodes use {_named(net.hidden)} activation" if net.depth > 1 else None
    output = f"the output node uses {_named(net.output)} activation"
    bias = "all hidden and output nodes have a bias" if net.has_bias else "there are no biases"
    if net.has_bias and biases_drawn:
        bias += ", written b = \u2026 under the node"
    clauses = [c for c in (hidden, output, bias) if c]
    return para("Assume that " + ", that ".join(clauses[:-1]) + ", and that " + clauses[-1] + ".")


def precision_note(solved: Solved) -> list[Para]:
    if solved.decimals is None:
        return []
    return [para(f"Give numerical answers rounded to {solved.decimals} decimal places.")]


def _named(act: str) -> str:
    """"a ReLU", "a sigmoid": the activation's name with its article."""
    name = notation.ACTIVATIONS[act].name
    return f"{notation.article(name)} {name}"

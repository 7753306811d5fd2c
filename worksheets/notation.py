"""How the course writes a network: activation names and the typesetting of quantities.

Every text and key that names an activation, a weight, a node value or a derivative
takes its words and LaTeX from here, so a course's notation is changed in one place.
(The numeric activations live apart, on purpose: see engine.ACTIVATION and
paths.g_exact.)
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Activation:
    name: str  # in sentences: "uses a ReLU activation"
    latex: str  # g applied to a number, "\text{ReLU}(3)"; "" for linear (nothing applied)
    prime: str  # g′ in quantity notation (path sums typed back: "relu'(z1_2)")
    prime_latex: str  # g′ in LaTeX


ACTIVATIONS = {
    "relu": Activation("ReLU", r"\text{ReLU}", "relu'", r"\text{ReLU}'"),
    "sigmoid": Activation("sigmoid", r"\sigma", "sigmoid'", r"\sigma'"),
    "tanh": Activation("tanh", r"\tanh", "tanh'", r"\tanh'"),
    "linear": Activation("linear", "", "linear'", "1"),  # a linear node has no g′ factor
}
HIDDEN_PRIME, HIDDEN_PRIME_LATEX = "g'", "g'"  # the hidden layers' activation is "g"


def article(word: str) -> str:
    return "an" if word[0].lower() in "aeiou" else "a"


def applied(act: str, argument: str) -> str:
    """g(argument) in LaTeX, or the argument alone for a linear activation."""
    g = ACTIVATIONS[act].latex
    return rf"{g}({argument})" if g else argument


# ---- quantities ------------------------------------------------------------------------

def layer_mark(layer) -> str:
    return f"^{{({layer})}}"


def weight(layer, i, j) -> str:
    """W^(l)_ij; i or j may be a letter ("k") in a sum."""
    return f"W{layer_mark(layer)}_{{{i}{j}}}"


def node(symbol: str, layer, i) -> str:
    """z^(l)_i, a^(l)_i or b^(l)_i."""
    return f"{symbol}{layer_mark(layer)}_{{{i}}}"


def input_(i) -> str:
    return f"x_{{{i}}}"


def derivative(of: str) -> str:
    """∂H/∂(of) as a display fraction."""
    return rf"\dfrac{{{{\partial}} H}}{{{{\partial}} {of}}}"


def slash_derivative(of: str) -> str:
    """∂H/∂(of) inline with a slash, as the course writes it in running text."""
    return rf"{{\partial}} H / {{\partial}} {of}"

"""How the course writes a network: activation names and the typesetting of quantities.

Every text and key that names an activation, a weight, a node value or a derivative
takes its words and LaTeX from here, so a course's notation is changed in one place; the
sheet's `conventions:` (layer marks, the order of a weight's indices, δ) enter here.
(The numeric activations live apart, on purpose: see engine.ACTIVATION and
paths.g_exact.)
"""
from __future__ import annotations

from dataclasses import dataclass

from . import conventions


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
# Output layers only, and only with the softmax cross-entropy loss (its slope is folded
# into ∂L/∂z = p − y, so it has no g′ factor of its own).
SOFTMAX = Activation("softmax", r"\operatorname{softmax}", "softmax'", r"\operatorname{softmax}'")
OUTPUT_ACTIVATIONS = {**ACTIVATIONS, "softmax": SOFTMAX}
HIDDEN_PRIME, HIDDEN_PRIME_LATEX = "g'", "g'"  # the hidden layers' activation is "g"


def article(word: str) -> str:
    return "an" if word[0].lower() in "aeiou" else "a"


def applied(act: str, argument: str) -> str:
    """g(argument) in LaTeX, or the argument alone for a linear activation."""
    g = OUTPUT_ACTIVATIONS[act].latex
    return rf"{g}({argument})" if g else argument


# ---- quantities ------------------------------------------------------------------------

def layer_mark(layer) -> str:
    """^(l), or ^[l] in the bracket convention."""
    return conventions.mark(layer)


def weight(layer, i, j) -> str:
    """The weight from node i of layer l−1 to node j of layer l: W^(l)_ij, or W^(l)_ji in
    the to-from convention; i or j may be a letter ("k") in a sum."""
    first, second = conventions.weight_indices(i, j)
    return f"W{layer_mark(layer)}_{{{first}{second}}}"


def node(symbol: str, layer, i) -> str:
    """z^(l)_i, a^(l)_i or b^(l)_i."""
    return f"{symbol}{layer_mark(layer)}_{{{i}}}"


def input_(i) -> str:
    return f"x_{{{i}}}"


# ---- the matrix form: whole layers ------------------------------------------------------

def layer_vector(symbol: str, layer) -> str:
    """z^(l), a^(l), b^(l) as vectors, W^(l) as a matrix (l may be a letter)."""
    return f"{symbol}{layer_mark(layer)}"


def input_vector() -> str:
    return "x"


def derivative(of: str, numerator: str = "H") -> str:
    """∂H/∂(of) (or ∂L/∂(of) with a loss) as a display fraction."""
    return rf"\dfrac{{{{\partial}} {numerator}}}{{{{\partial}} {of}}}"


def node_derivative(symbol: str, layer, i, numerator: str = "H") -> str:
    """∂H/∂z^(l)_i (∂H/∂a, ∂H/∂b ...) as a display fraction; δ^(l)_i for z when the sheet
    writes δ."""
    if symbol == "z" and conventions.uses_delta():
        return delta(layer, i)
    return derivative(node(symbol, layer, i), numerator)


def delta(layer, i=None) -> str:
    """δ^(l)_i, the sheet's name for ∂L/∂z^(l)_i (∂H/∂z^(l)_i without a loss); without i,
    δ^(l), the vector ∂L/∂z^(l) of the matrix form."""
    return rf"\delta{layer_mark(layer)}" if i is None else node(r"\delta", layer, i)


def slash_derivative(of: str, numerator: str = "H") -> str:
    """∂H/∂(of) inline with a slash, as the course writes it in running text."""
    return rf"{{\partial}} {numerator} / {{\partial}} {of}"


def target(k) -> str:
    """y_k, the target of output node k."""
    return f"y_{{{k}}}"


# ---- losses ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Loss:
    name: str  # in sentences: "the half square loss"
    formula: str  # L in LaTeX, over the output layer's a (the layer mark filled in by formula())
    gradient: str  # ∂L/∂a_k (or ∂L/∂z_k for softmax cross-entropy) in LaTeX


LOSSES = {
    "square": Loss("the square loss", r"L = \sum_k (a{mark}_k - y_k)^2", r"2(a{mark}_{k} - y_{k})"),
    "half-square": Loss("the half square loss", r"L = \tfrac{{1}}{{2}} \sum_k (a{mark}_k - y_k)^2",
                        r"a{mark}_{k} - y_{k}"),
    "cross-entropy": Loss("the (binary) cross-entropy loss",
                          r"L = -[\,y \log a{mark}_1 + (1 - y) \log(1 - a{mark}_1)\,]",
                          r"\dfrac{{a{mark}_{k} - y_{k}}}{{a{mark}_{k}(1 - a{mark}_{k})}}"),
    "softmax-cross-entropy": Loss("the softmax cross-entropy loss", r"L = -\log a{mark}_c",
                                  r"a{mark}_{k} - y_{k}"),
}


def loss_formula(loss: str, layer) -> str:
    return LOSSES[loss].formula.format(mark=layer_mark(layer))


def loss_gradient(loss: str, layer, k) -> str:
    """The rule for ∂L/∂a^(L)_k (softmax cross-entropy: ∂L/∂z^(L)_k = p_k − y_k)."""
    return LOSSES[loss].gradient.format(mark=layer_mark(layer), k=f"{{{k}}}")


# ---- batches and L2 --------------------------------------------------------------------

DATA_LOSS = r"\ell"  # the loss of the outputs alone (of one point, in a batch), L without the L2 term


def point_loss(n) -> str:
    """ℓ_n, the loss of point n of a batch (L is the batch's)."""
    return rf"{DATA_LOSS}_{{{n}}}"


def batch_loss(reduce: str, count: int) -> str:
    """L over a batch: the mean (or sum) of its points' losses."""
    total = rf"\sum_{{n=1}}^{{{count}}} {point_loss('n')}"
    return rf"L = \tfrac{{1}}{{{count}}} {total}" if reduce == "mean" else f"L = {total}"


def l2_term() -> str:
    """(λ/2)·Σ W², summed over every entry of every weight matrix."""
    return rf"\tfrac{{\lambda}}{{2}} \sum_{{l,i,j}} ({weight('l', 'i', 'j')})^2"

"""What several problem kinds share: checked values, wording, figures, worked steps."""
from __future__ import annotations

import math
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np

from .. import numbers
from ..document import Answer, DisplayMath, Figure, Math, Para, para
from ..engine import Values, evaluate
from ..figures import FigureSpec
from ..network import Network
from ..paths import derivative_value, exact_forward, rounding_scale
from ..quantities import Quantity, lookup

DEFAULT_DECIMALS = 3
NAMES = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh", "linear": "linear"}


class CheckFailed(Exception):
    """The engine and the independent computation disagree about a value. The message
    names the quantity and both values; build.py adds the sheet, problem and part."""

    def __init__(self, quantity: str, engine_value, independent_value,
                 independent: str = "exact path sum", message: str | None = None):
        super().__init__(message or f"{quantity}: the numpy engine gives {value_text(engine_value)}, "
                                    f"the {independent} gives {value_text(independent_value)}")
        self.quantity = quantity


def value_text(value) -> str:
    """A value in a failure message: floats in full (the difference may be tiny)."""
    if isinstance(value, (float, np.floating)):
        return repr(float(value) + 0.0)
    return str(value)


def letter(index: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[index]


# The label of the part being built, for the message of a failed check (build.py).
CURRENT_PART: ContextVar[str | None] = ContextVar("CURRENT_PART", default=None)


def each_part(items):
    """enumerate(items) for the loop that builds a problem's parts, one part per item:
    while an item's part is built, CURRENT_PART is its label, so a failed check names
    the part. Kinds with more than one part build them in such a loop."""
    for index, item in enumerate(items):
        CURRENT_PART.set(letter(index))
        yield index, item


@dataclass(frozen=True)
class Solved:
    """A network evaluated at its input, every value checked twice."""
    net: Network
    values: Values
    decimals: int | None  # None: exact numbers

    def value(self, q: Quantity):
        """Exact (Fraction) or float value of q, checked against an independent method."""
        return checked_value(self, q)

    def text(self, value) -> str:
        return numbers.text(value, self.decimals)

    def latex(self, value) -> str:
        return numbers.latex(value, self.decimals)

    def factor(self, value) -> str:
        return numbers.factor_latex(value, self.decimals)

    def answer(self, q: Quantity) -> Answer:
        value = self.value(q)
        shown = value if self.decimals is None else numbers.rounded(value, self.decimals)
        return Answer(q.name, numbers.plain(shown) if self.decimals is None else shown,
                      self.latex(value), self.decimals)


def solve(net: Network, decimals: int = DEFAULT_DECIMALS) -> Solved:
    return Solved(net, evaluate(net), None if net.is_exact() else decimals)


def checked_value(solved: Solved, q: Quantity):
    engine_value = lookup(q, solved.values)
    independent = _independent(solved.net, q)
    if not _agree(engine_value, independent) and not _rounding(solved.net, q, engine_value, independent):
        raise CheckFailed(q.name, engine_value, independent,
                          "exact path sum" if q.derivative else "exact forward pass")
    return independent if solved.decimals is None else engine_value


def _independent(net: Network, q: Quantity):
    """q by exact forward pass and sum over paths: no code shared with the engine."""
    if q.derivative:
        return derivative_value(net, q)
    z, a = exact_forward(net)
    if q.symbol == "H":
        return a[-1][0]
    table = {"x": a[0], "z": z[q.layer] if q.layer else None, "a": a[q.layer]}[q.symbol]
    return table[q.i - 1]


def _rounding(net: Network, q: Quantity, engine_value: float, independent) -> bool:
    """True when the difference is within the float engine's rounding error (values past
    2^53); the exact value is the one printed for an exact network."""
    return abs(engine_value - float(independent)) <= 1e-13 * rounding_scale(net, q)


def _agree(engine_value: float, independent) -> bool:
    return math.isclose(engine_value, float(independent), rel_tol=1e-9, abs_tol=1e-9)


# ---- wording ------------------------------------------------------------------------

def assumptions(net: Network, biases_drawn: bool = False) -> Para:
    """The sentence that tells students the activations and biases (and, when the
    figure shows them, what the bias labels mean)."""
    hidden = f"all hidden nodes use {_article(NAMES[net.hidden])} {NAMES[net.hidden]} activation" \
        if net.depth > 1 else None
    output = f"the output node uses {_article(NAMES[net.output])} {NAMES[net.output]} activation"
    bias = "all hidden and output nodes have a bias" if net.has_bias else "there are no biases"
    if net.has_bias and biases_drawn:
        bias += ", written b = \u2026 under the node"
    clauses = [c for c in (hidden, output, bias) if c]
    return para("Assume that " + ", that ".join(clauses[:-1]) + ", and that " + clauses[-1] + ".")


def _article(word: str) -> str:
    return "an" if word[0].lower() in "aeiou" else "a"


def precision_note(solved: Solved) -> list[Para]:
    if solved.decimals is None:
        return []
    return [para(f"Give numerical answers rounded to {solved.decimals} decimal places.")]


def inline(latex: str) -> Math:
    return Math(latex)


# ---- figures ------------------------------------------------------------------------

def figure(net: Network, number: int, with_values: bool = False, solved: Solved | None = None,
           node_values: bool = True) -> Figure:
    """The network drawn in the course's style; with weights, inputs and (unless
    node_values is False) the z and a of every node when with_values is set."""
    spec = FigureSpec(layers=net.layers)
    if with_values:
        solved = solved or solve(net)
        text, given = solved.text, numbers.given_text  # given numbers print as typed
        # Exact networks print their exact values; others the engine's, rounded.
        z, a = exact_forward(net) if solved.decimals is None else (solved.values.z, solved.values.a)
        weights = tuple(tuple(tuple(given(w) for w in row) for row in W) for W in net.weights)
        values = tuple(tuple((text(z[l][j]), text(a[l][j])) for j in range(net.layers[l]))
                            for l in range(1, net.depth + 1))
        biases = tuple(tuple(given(v) for v in b) for b in net.biases) if net.has_bias else None
        spec = FigureSpec(net.layers, weights, values if node_values else None,
                          tuple(given(v) for v in net.x), biases)
    return Figure(spec, f"problem-{number:02d}")


def matrix_latex(rows, decimals: int | None = None) -> str:
    body = r" \\ ".join(" & ".join(numbers.latex(v, decimals) for v in row) for row in rows)
    return rf"\begin{{pmatrix}} {body} \end{{pmatrix}}"


def vector_text(values) -> str:
    return "(" + ", ".join(numbers.text(v) for v in values) + ")"


def is_zero(value) -> bool:
    return float(value) == 0.0


def as_array(rows) -> np.ndarray:
    return np.array(rows, dtype=float)


def sum_lines(lhs: str, prefix: str, terms: list[str], per_line: int = 2) -> tuple[DisplayMath, ...]:
    """lhs = prefix (t1 + t2 + ...) as one display line, or as several of per_line terms
    each when the sum is long (a sum of four paths does not fit the page width)."""
    if len(terms) <= per_line:
        body = " + ".join(terms)
        return (DisplayMath(rf"{lhs} = {prefix} ( {body} )" if prefix else rf"{lhs} = {body}"),)
    chunks = [" + ".join(terms[i:i + per_line]) for i in range(0, len(terms), per_line)]
    opening, closing = ("(", ")") if prefix else ("", "")
    lines = [rf"{lhs} = {prefix} {opening} {chunks[0]}"]
    lines += [rf"+ {chunk}" for chunk in chunks[1:]]
    lines[-1] += f" {closing}"
    return tuple(DisplayMath(line) for line in lines)


def full_sum(net: Network, q: Quantity, ps) -> tuple[DisplayMath, ...]:
    """∂H/∂q = its whole path sum, on as many lines as it needs."""
    from ..paths import PathSum, path_sum_latex
    prefix = path_sum_latex(net, PathSum(ps.prefix, ((),))) if ps.prefix else ""
    terms = [path_sum_latex(net, PathSum((), (t,))) for t in ps.terms]
    return sum_lines(q.latex(), prefix, terms)

"""`matrix-backprop`: backpropagation in matrix form, the way vectorized courses write it:
the δ vectors, ∂L/∂W^(l) as an outer product, ∂L/∂b and ∂L/∂a as vectors, and the shape
of a gradient. Every entry is the scalar engine's value, checked by the exact path sums;
the matrix recurrences are computed again on their own and compared entry by entry."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from .. import conventions, notation, numbers
from ..document import Answer, AnswerSpace, DisplayMath, Math, Part, Problem, para
from ..engine import LOSS, slope
from ..network import Network
from ..quantities import Quantity, UnknownQuantity, check_exists
from ..spec import Decimals, FieldError, NetworkSpec, ProblemSpec
from .arithmetic import Numbers, network_numbers
from .checked import DEFAULT_DECIMALS, CheckFailed, Solved, solve
from .figure import figure_blocks
from .kind import Kind
from .parts import each_part, letter
from .values import require_values
from .wording import assumptions, precision_note

_ASK = re.compile(r"^(?P<shape>shape\s+)?(?:delta(?P<dl>\d)|d(?P<of>[HL])/d(?:(?P<s>[Wbaz])(?P<l>\d)|(?P<x>x)))$")


@dataclass(frozen=True)
class Asked:
    """One part: a whole vector or matrix (or its shape). symbol is "delta", "W", "b",
    "a", "z" or "x"; delta^(l) is ∂L/∂z^(l) written δ."""
    symbol: str
    layer: int
    of: str = "L"
    shape: bool = False

    @property
    def name(self) -> str:
        """The part's quantity in answers.json: delta2, dL/dW2, shape dL/dW1."""
        base = f"delta{self.layer}" if self.symbol == "delta" else \
            f"d{self.of}/d{self.symbol}{'' if self.symbol == 'x' else self.layer}"
        return f"shape {base}" if self.shape else base

    @property
    def entry_symbol(self) -> str:
        """The scalar quantities it is made of: z for δ, x for the input."""
        return "z" if self.symbol == "delta" else self.symbol

    def rows_cols(self, net: Network) -> tuple[int, int]:
        """A matrix's rows and columns as the sheet writes it; a vector is a column, n × 1."""
        if self.symbol == "W":
            return conventions.matrix_shape(net.layers[self.layer - 1], net.layers[self.layer])
        return net.layers[self.layer], 1

    def entries(self, net: Network) -> list[list[Quantity]]:
        """The scalar derivatives, as rows (a vector: one row of n entries); a matrix
        [source][target], as the program holds it (conventions.as_written turns it)."""
        if self.symbol == "W":
            return [[Quantity("W", self.layer, i, j, True, self.of) for j in range(1, net.layers[self.layer] + 1)]
                    for i in range(1, net.layers[self.layer - 1] + 1)]
        return [[Quantity(self.entry_symbol, self.layer, i, derivative=True, of=self.of)
                 for i in range(1, net.layers[self.layer] + 1)]]

    def latex(self) -> str:
        if self.symbol == "delta":
            return notation.delta(self.layer)
        if self.symbol == "x":
            return notation.derivative("x", self.of)
        return notation.derivative(notation.layer_vector(self.symbol, self.layer), self.of)


def parse_asked(value: Any) -> Asked:
    if not isinstance(value, str) or not (m := _ASK.match(value.strip())):
        raise ValueError(f"expected a vector or matrix such as delta2, dL/dW2, dL/db1, dL/da1, dL/dx or "
                         f"shape dL/dW1, got {value!r}"[:200])
    shape = bool(m["shape"])
    if m["dl"]:
        return Asked("delta", int(m["dl"]), shape=shape)
    if m["x"]:
        return Asked("x", 0, m["of"], shape)
    return Asked(m["s"], int(m["l"]), m["of"], shape)


MatrixName = Annotated[Asked, BeforeValidator(parse_asked), WithJsonSchema(
    {"type": "string", "pattern": r"^(shape\s+)?(delta\d|d[HL]/d([Wbaz]\d|x))$",
     "examples": ["delta2", "dL/dW2", "dL/db1", "dL/da1", "shape dL/dW1"]})]


class Spec(ProblemSpec):
    """`matrix-backprop`: δ vectors, gradient matrices and vectors, and their shapes."""
    kind: Literal["matrix-backprop"]
    network: NetworkSpec = Field(description="the network, with weights and input (or random)")
    ask: Annotated[list[MatrixName], Field(min_length=1, max_length=8, description=(
        "whole vectors and matrices, one part each: delta2 (δ^(2) = dL/dz2), dL/dW2, dL/db1, dL/da1, dL/dx, "
        "or `shape dL/dW1` for [rows, columns]"), examples=[["delta2", "dL/dW2", "dL/db1", "shape dL/dW1"]])]
    decimals: Decimals = DEFAULT_DECIMALS
    takes_loss: ClassVar[bool] = True

    @model_validator(mode="after")
    def _check(self):
        require_values(self)
        for index, asked in enumerate(self.ask):
            if asked in self.ask[:index]:
                raise FieldError(f"'{asked.name}' is asked twice", "ask", index)
            for net in self.network.skeletons():
                _check_asked(asked, net, index)
        return self


def _check_asked(asked: Asked, net: Network, index: int) -> None:
    """FieldError unless every entry of the vector or matrix exists on net."""
    of = net.objective
    if asked.symbol != "delta" and asked.of != of:
        raise FieldError(f"'{asked.name}': this network's derivatives are of {of} (d{of}/d...)", "ask", index)
    if asked.symbol != "x" and not 1 <= asked.layer <= net.depth:
        raise FieldError(f"'{asked.name}' does not exist: layers are numbered 1 to {net.depth}", "ask", index)
    if asked.symbol == "a" and asked.layer == net.depth and not asked.shape:
        if net.output == "softmax":
            raise FieldError(f"'{asked.name}': softmax couples its outputs; ask for delta{net.depth} "
                             "(= p - y) instead", "ask", index)
    try:
        check_exists(_of_network(asked, net).entries(net)[0][0], net)
    except UnknownQuantity as exc:
        raise FieldError(f"'{asked.name}': {exc}", "ask", index) from None


def _of_network(asked: Asked, net: Network) -> Asked:
    """δ is of the network's objective (L, or H without a loss)."""
    return Asked(asked.symbol, asked.layer, net.objective, asked.shape)


# ---- the matrix form, computed on its own ----------------------------------------------

def recurrences(net: Network, a: list, z: list) -> dict:
    """The matrix recurrences in from-to form (z = Wᵀa + b), with numpy, from the forward
    values: δ^(L) from the loss, δ^(l) = (W^(l+1) δ^(l+1)) ⊙ g′(z^(l)),
    ∂L/∂a^(l) = W^(l+1) δ^(l+1), ∂L/∂W^(l) = a^(l−1) δ^(l)ᵀ (+ λW^(l)), ∂L/∂b^(l) = δ^(l).
    The one place the orientation of W matters: a to-from sheet transposes it here."""
    L = net.depth
    delta, da, dW = {}, {}, {}
    delta[L], da[L] = _output_delta(net, a[L], z[L])
    for layer in range(L, 0, -1):
        if layer < L:
            da[layer] = net.W(layer + 1) @ delta[layer + 1]
            delta[layer] = da[layer] * slope(net.activation(layer), z[layer], net.relu_at_zero)
        dW[layer] = np.outer(a[layer - 1], delta[layer]) + float(net.l2) * net.W(layer)
    da[0] = net.W(1) @ delta[1]
    return {"delta": delta, "a": da, "W": dW, "b": delta}


def _output_delta(net: Network, a_out, z_out) -> tuple[np.ndarray, np.ndarray]:
    """δ^(L) = ∂L/∂a^(L) ⊙ g′(z^(L)) (p − y after a softmax), and ∂L/∂a^(L) (1 for H)."""
    slopes = slope(net.activation(net.depth), z_out, net.relu_at_zero)
    if not net.has_loss:
        return slopes, np.ones_like(slopes)
    gradient = LOSS[net.loss][1](z_out, a_out, net.targets())
    return (gradient, None) if net.output == "softmax" else (gradient * slopes, gradient)


def matrix_of(solved: Solved, asked: Asked) -> list[list]:
    """The asked vector (one row) or matrix, entry by entry from the checked scalar values,
    each compared with the matrix recurrences."""
    net = solved.net
    by_matrices = recurrences(net, solved.values.a, solved.values.z)
    key = "delta" if asked.symbol in ("delta", "z") else ("a" if asked.symbol == "x" else asked.symbol)
    computed = np.atleast_2d(by_matrices[key][asked.layer])
    rows = []
    for r, row in enumerate(asked.entries(net)):
        values = []
        for c, q in enumerate(row):
            value = solved.value(q)
            if not math.isclose(float(value), float(computed[r, c]), rel_tol=1e-9, abs_tol=1e-9):
                raise CheckFailed(q.name, float(computed[r, c]), value, "scalar engine and exact path sum",
                                  message=f"{asked.name}: the matrix recurrences give {float(computed[r, c])!r} "
                                          f"for {q.name}, the checked scalar value is {value}")
            values.append(value)
        rows.append(values)
    return rows


# ---- the problem ----------------------------------------------------------------------

def build(spec: Spec, number: int) -> Problem:
    net = spec.network.to_network()
    solved = solve(net, spec.decimals)
    intro = (
        para("Consider the neural network in the figure, with its weights and input. The blue numbers on the "
             "edges are the weights; the blue numbers above the inputs are the input values."),
        *figure_blocks(net, number, with_values=True, solved=solved, node_values=False),
        assumptions(net, biases_drawn=True),
        *precision_note(solved),
        para("Work in matrix form: ", Math(_forward_rule()), ", ", Math(notation.delta("l")), " = ",
             Math(notation.derivative(notation.layer_vector("z", "l"), net.objective)),
             ". Vectors are columns. Compute each of the following."),
    )
    shown: set = set()
    parts = []
    for index, asked in each_part(spec.ask):
        asked = _of_network(asked, net)
        if asked.shape:
            parts.append(_shape_part(net, asked, index))
        else:
            parts.append(_value_part(solved, asked, index, shown))
    return Problem(number, spec.id, spec.kind, intro, tuple(parts), spec.points)


def rule_latex(name: str, layer, source: str | None = None) -> str:
    """The matrix form's rules in from-to form, written once (with recurrences(), the place
    a to-from sheet transposes W): "forward" (z = Wᵀa + b), "product" (W^(l+1) δ^(l+1), which
    is ∂L/∂a^(l) and, ⊙ g′, δ^(l)), and "outer" (a^(l−1) δ^(l)ᵀ, which is ∂L/∂W^(l)).
    layer may be a letter; source names the outer product's column (x for layer 1)."""
    to_from = conventions.current().to_from
    if name == "forward":
        z, a, W, b = (notation.layer_vector(s, layer) for s in ("z", "a", "W", "b"))
        weights = W if to_from else rf"{{{W}}}^{{\top}}"
        return rf"{z} = {weights} {notation.layer_vector('a', f'{layer}-1')} + {b}, \; {a} = g({z})"
    if name == "product":
        W = notation.layer_vector('W', layer + 1)
        return rf"{{{W}}}^{{\top}} {notation.delta(layer + 1)}" if to_from else rf"{W} {notation.delta(layer + 1)}"
    column = source or notation.layer_vector('a', layer - 1)
    if to_from:
        return rf"{notation.delta(layer)} {{{column}}}^{{\top}}"
    return rf"{column} {{{notation.delta(layer)}}}^{{\top}}"


def _forward_rule() -> str:
    return rule_latex("forward", "l")


def _value_part(solved: Solved, asked: Asked, index: int, shown: set) -> Part:
    net = solved.net
    rows = _written(asked, matrix_of(solved, asked))
    value = tuple(tuple(_plain(solved, v) for v in row) for row in rows) if asked.symbol == "W" \
        else tuple(_plain(solved, v) for v in rows[0])
    answer = Answer(asked.name, value, rf"{asked.latex()} = {_matrix(solved, rows, asked)}", solved.decimals)
    lines = _work(solved, asked, shown)
    prompt = (para(Math(asked.latex()), f" (a {_size(asked, net)} {'matrix' if asked.symbol == 'W' else 'vector'})"),)
    return Part(letter(index), prompt, answer, tuple(DisplayMath(line) for line in lines), AnswerSpace(lines=2))


def _written(asked: Asked, rows: list[list]) -> list[list]:
    """A gradient matrix as the sheet writes W (to-from: n_l rows); a vector as it is."""
    return [list(row) for row in conventions.as_written(rows)] if asked.symbol == "W" else rows


def _shape_part(net: Network, asked: Asked, index: int) -> Part:
    rows, cols = asked.rows_cols(net)
    answer = Answer(asked.name, (rows, cols), rf"{rows} \times {cols}", None)
    what = "the shape of"
    if asked.symbol == "W":
        row_layer, col_layer = (asked.layer, asked.layer - 1) if conventions.current().to_from \
            else (asked.layer - 1, asked.layer)
        why = para("It has the shape of ", Math(notation.layer_vector("W", asked.layer)), ": one row per node of "
                   f"layer {row_layer}, one column per node of layer {col_layer}, as ",
                   Math(rule_latex("outer", asked.layer, notation.input_vector() if asked.layer == 1 else None)),
                   f" ({rows} × 1 times 1 × {cols}).")
    else:
        why = para(f"A column with one entry per node of layer {asked.layer}." if asked.symbol != "x"
                   else "A column with one entry per input.")
    prompt = (para(what + " ", Math(asked.latex()), " as [rows, columns]"),)
    return Part(letter(index), prompt, answer, (why,), AnswerSpace(lines=1, short=True))


def _size(asked: Asked, net: Network) -> str:
    rows, cols = asked.rows_cols(net)
    return f"{rows} × {cols}"


def _plain(solved: Solved, value):
    return numbers.plain(value) if solved.decimals is None else numbers.rounded(float(value), solved.decimals)


def _matrix(solved: Solved, rows: list[list], asked: Asked) -> str:
    """A matrix as a matrix; a vector as a column."""
    return _pmatrix(solved, rows if asked.symbol == "W" else [[v] for v in rows[0]])


def _pmatrix(solved: Solved, rows) -> str:
    body = r" \\ ".join(" & ".join(solved.latex(v) for v in row) for row in rows)
    return rf"\begin{{pmatrix}} {body} \end{{pmatrix}}"


def _column(solved: Solved, values) -> str:
    return _pmatrix(solved, [[v] for v in values])


# ---- worked solution: the recurrences with numbers ----------------------------------------

def _work(solved: Solved, asked: Asked, shown: set) -> list[str]:
    """The δ vectors from the output down to the layer asked (none twice), then the asked
    vector or matrix from them."""
    net = solved.net
    if asked.symbol in ("delta", "z", "b"):
        lines = _deltas(solved, asked.layer, shown)
        if asked.symbol == "b":
            lines.append(rf"{asked.latex()} = {notation.delta(asked.layer)} = {_vector(solved, 'z', asked.layer)}")
        return lines
    if asked.symbol in ("a", "x"):
        if asked.layer == net.depth:  # ∂L/∂a^(L): the loss's own gradient
            return [rf"{asked.latex()} = {_vector(solved, 'a', net.depth)}"]
        return _deltas(solved, asked.layer + 1, shown) + [_backward_line(solved, asked)]
    lines = _deltas(solved, asked.layer, shown)
    return lines + [_outer_line(solved, asked)]


def _vector(solved: Solved, symbol: str, layer: int) -> str:
    """The column of ∂/∂(symbol)^(layer) entries (z: δ), checked values."""
    q = [Quantity(symbol, layer, i, derivative=True, of=solved.net.objective) for i in range(1, solved.net.layers[layer] + 1)]
    return _column(solved, [solved.value(e) for e in q])


def _deltas(solved: Solved, down_to: int, shown: set) -> list[str]:
    """δ^(L), ..., δ^(down_to) by the recurrence, with numbers; each once per problem."""
    net, lines = solved.net, []
    for layer in range(net.depth, down_to - 1, -1):
        if ("delta", layer) in shown:
            continue
        shown.add(("delta", layer))
        lines.append(_delta_line(solved, layer))
    return lines


def _delta_line(solved: Solved, layer: int) -> str:
    net = solved.net
    delta, result = notation.delta(layer), _vector(solved, "z", layer)
    slopes = _column(solved, _slopes(solved, layer))
    g = rf"{_prime(net, layer)}({notation.layer_vector('z', layer)})"
    if layer < net.depth:
        product = _vector(solved, "a", layer)
        return (rf"{delta} = ({rule_latex('product', layer)}) \odot {g} = ({_weights(net, layer + 1, product=True)} "
                rf"{_vector(solved, 'z', layer + 1)}) \odot {slopes} = {product} \odot {slopes} = {result}")
    if not net.has_loss:
        return rf"{delta} = {g} = {result}"
    if net.output == "softmax":
        p = _column(solved, [solved.value(Quantity("a", layer, k)) for k in range(1, net.layers[layer] + 1)])
        y = _given_column(net.y)
        return rf"{delta} = p - y = {p} - {y} = {result}\quad (\text{{softmax with cross-entropy}})"
    da = notation.derivative(notation.layer_vector("a", layer), "L")
    gradient = _vector(solved, "a", layer)
    if net.output == "linear":
        return rf"{delta} = {da} = {_loss_gradient(solved)} = {gradient}"
    return (rf"{delta} = {da} \odot {g} = ({_loss_gradient(solved)}) \odot {slopes} = {gradient} \odot {slopes} "
            rf"= {result}")


def _loss_gradient(solved: Solved) -> str:
    """∂L/∂a^(L) by the loss's rule, as vectors with the numbers put in."""
    net, L = solved.net, solved.net.depth
    a = _column(solved, [solved.value(Quantity("a", L, k)) for k in range(1, net.layers[L] + 1)])
    y = _given_column(net.y)
    return {"square": rf"2({a} - {y})", "half-square": rf"{a} - {y}",
            "cross-entropy": rf"\dfrac{{{a} - {y}}}{{{a} \odot (1 - {a})}}"}[net.loss]


def _given_column(values) -> str:
    """Given numbers (targets, inputs) as a column, as the spec writes them."""
    return r"\begin{pmatrix} " + r" \\ ".join(numbers.given_latex(v) for v in values) + r" \end{pmatrix}"


def _prime(net: Network, layer: int) -> str:
    act = net.activation(layer)
    return notation.HIDDEN_PRIME_LATEX if act == net.hidden else notation.OUTPUT_ACTIVATIONS[act].prime_latex


def _slopes(solved: Solved, layer: int) -> list:
    """g′(z^(l)) entry by entry (ReLU: 0 or 1, exact)."""
    slopes = slope(solved.net.activation(layer), solved.values.z[layer], solved.net.relu_at_zero)
    return [int(s) if solved.decimals is None else float(s) for s in slopes]


def _weights(net: Network, layer: int, product: bool = False) -> str:
    """W^(l) as the sheet writes it; in a to-from sheet's product W^(l)ᵀ δ, Wᵀ written out
    (which is the matrix as the program holds it)."""
    rows = net.weights[layer - 1] if product else conventions.as_written(net.weights[layer - 1])
    body = r" \\ ".join(" & ".join(numbers.given_latex(w) for w in row) for row in rows)
    return rf"\begin{{pmatrix}} {body} \end{{pmatrix}}"


def _backward_line(solved: Solved, asked: Asked) -> str:
    """∂L/∂a^(l) = W^(l+1) δ^(l+1) with numbers."""
    above = asked.layer + 1
    symbol = "x" if asked.symbol == "x" else "a"
    return (rf"{asked.latex()} = {rule_latex('product', asked.layer)} = "
            rf"{_weights(solved.net, above, product=True)} {_vector(solved, 'z', above)} = {_vector(solved, symbol, asked.layer)}")


def _outer_line(solved: Solved, asked: Asked) -> str:
    """∂L/∂W^(l) = a^(l−1) δ^(l)ᵀ (+ λW^(l)) with numbers."""
    net, layer = solved.net, asked.layer
    source = [solved.value(Quantity("a", layer - 1, i)) for i in range(1, net.layers[layer - 1] + 1)] \
        if layer > 1 else None
    deltas = [solved.value(Quantity("z", layer, j, derivative=True, of=net.objective))
              for j in range(1, net.layers[layer] + 1)]
    rule = rule_latex("outer", layer, notation.input_vector() if layer == 1 else None)
    column = _given_column(net.x) if source is None else _column(solved, source)
    filled = rf"{column} {_pmatrix(solved, [deltas])}"
    if conventions.current().to_from:  # δ aᵀ
        row = _pmatrix(solved, [source]) if source is not None else \
            r"\begin{pmatrix} " + " & ".join(numbers.given_latex(v) for v in net.x) + r" \end{pmatrix}"
        filled = rf"{_column(solved, deltas)} {row}"
    if net.l2:
        rule += rf" + \lambda {notation.layer_vector('W', layer)}"
        filled += rf" + {numbers.given_latex(net.l2)} {_weights(net, layer)}"
    rows = _written(asked, [[solved.value(q) for q in row] for row in asked.entries(net)])
    return rf"{asked.latex()} = {rule} = {filled} = {_pmatrix(solved, rows)}"


# ---- versions --------------------------------------------------------------------------

def variant_numbers(spec: Spec) -> Numbers:
    """Every entry a student computes is an answer; each vector or matrix is one part
    (δ^(l) and ∂L/∂b^(l) are the same vector in disguise: one part)."""
    net = spec.network.to_network()
    asked = [_of_network(a, net) for a in spec.ask if not a.shape]
    entries = [[q for row in a.entries(net) for q in row] for a in asked]
    found = network_numbers(spec, [q for group in entries for q in group])
    parts, seen = [], set()
    for a, group in zip(asked, entries):
        same = ("delta", a.layer) if a.symbol in ("delta", "z", "b") else (a.symbol, a.layer)
        if same not in seen:
            seen.add(same)
            parts.append([found.answers[q.name] for q in group])
    found.parts = parts + [list(a.rows_cols(net)) for a in spec.ask if a.shape]
    return found


EXAMPLE = '''\
kind: matrix-backprop
points: 6
network:
  layers: [2, 2, 2]
  loss: half-square
  bias: true
  W1: [[1, -1], [2, 1]]
  W2: [[1, 2], [-1, 1]]
  b1: [1, 1]
  x: [1, 1]
  y: [1, 2]
ask: [delta2, dL/dW2, dL/db1, dL/da1, shape dL/dW1]   # delta2 is dL/dz2
'''


KIND = Kind("matrix-backprop", Spec, build, needs_values=True, numbers=variant_numbers, example=EXAMPLE)

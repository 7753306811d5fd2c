"""Worked backpropagation steps for the key, one chain-rule equation per quantity.

Each equation shows the rule, the numbers put in, and the result, the way the
course's solutions do: ∂H/∂a = Σ_k W ∂H/∂z = 5(−3) + 1(1) = −14.
"""
from __future__ import annotations

from .. import notation
from ..engine import ACTIVATION
from ..quantities import Quantity
from .checked import Solved


def d(symbol: str, layer: int, node: int) -> Quantity:
    return Quantity(symbol, layer, node, derivative=True)


def prerequisites(solved: Solved, q: Quantity) -> list[Quantity]:
    """The derivatives q's equation uses, nearest the output last."""
    net, L = solved.net, solved.net.depth
    if q.symbol == "W":
        return [d("z", q.layer, q.j)]
    if q.symbol in ("b",):
        return [d("z", q.layer, q.i)]
    if q.symbol == "z":
        return [] if q.layer == L else [d("a", q.layer, q.i)]
    if q.symbol in ("a", "x"):
        layer = 0 if q.symbol == "x" else q.layer
        return [] if layer == L else [d("z", layer + 1, k) for k in range(1, net.layers[layer + 1] + 1)]
    return []


def steps(solved: Solved, targets: list[Quantity], shown: set | None = None) -> list[str]:
    """Equations for targets and everything they need, output side first, none twice."""
    shown = set() if shown is None else shown
    lines: list[str] = []

    def visit(q: Quantity) -> None:
        if q in shown:
            return
        for needed in reversed(prerequisites(solved, q)):
            visit(needed)
        shown.add(q)
        lines.append(equation(solved, q))

    for target in targets:
        visit(target)
    return lines


def equation(solved: Solved, q: Quantity) -> str:
    value = solved.latex(solved.value(q))
    if q.symbol == "W":
        return _weight(solved, q, value)
    if q.symbol == "b":
        return rf"{q.latex()} = {d('z', q.layer, q.i).latex()} = {value}"
    if q.symbol == "z":
        return _node(solved, q, value)
    return _activation(solved, q, value)


def _weight(solved: Solved, q: Quantity, value: str) -> str:
    source = Quantity("x", 0, q.i) if q.layer == 1 else Quantity("a", q.layer - 1, q.i)
    dz = d("z", q.layer, q.j)
    numbers = rf"{solved.factor(solved.value(source))} \cdot {solved.factor(solved.value(dz))}"
    return rf"{q.latex()} = {source.latex()} \cdot {dz.latex()} = {numbers} = {value}"


def _node(solved: Solved, q: Quantity, value: str) -> str:
    net, L = solved.net, solved.net.depth
    z = Quantity("z", q.layer, q.i)
    act = net.activation(q.layer)
    g = notation.HIDDEN_PRIME_LATEX if act == net.hidden else notation.ACTIVATIONS[act].prime_latex
    slope = solved.factor(_slope(solved, q))
    z_value = solved.latex(solved.value(z))
    if q.layer == L:
        rule = rf"{g}({z.latex()})" if act != "linear" else "1"
        return rf"{q.latex()} = {rule} = {value}" if act != "linear" else rf"{q.latex()} = 1"
    da = d("a", q.layer, q.i)
    return (rf"{q.latex()} = {da.latex()} \cdot {g}({z.latex()}) = "
            rf"{solved.factor(solved.value(da))} \cdot {g}({z_value}) = "
            rf"{solved.factor(solved.value(da))} \cdot {slope} = {value}")


def _slope(solved: Solved, q: Quantity):
    """g'(z) of q's node: dH/dz divided by dH/da, computed directly to avoid 0/0."""
    act = solved.net.activation(q.layer)
    z = solved.values.z[q.layer][q.i - 1]
    slope = float(ACTIVATION[act][1](z))
    return int(slope) if solved.decimals is None else slope


def _activation(solved: Solved, q: Quantity, value: str) -> str:
    net = solved.net
    layer = 0 if q.symbol == "x" else q.layer
    if layer == net.depth:
        return rf"{q.latex()} = 1"
    pieces = []
    for k in range(1, net.layers[layer + 1] + 1):
        w = net.weights[layer][q.i - 1][k - 1]
        pieces.append(f"{solved.factor(w)}{_paren(solved.latex(solved.value(d('z', layer + 1, k))))}")
    rule = rf"\sum_k {notation.weight(layer + 1, q.i, 'k')} {notation.derivative(notation.node('z', layer + 1, 'k'))}"
    return rf"{q.latex()} = {rule} = {' + '.join(pieces)} = {value}"


def _paren(text: str) -> str:
    return f"({text})"


# ---- the forward pass ------------------------------------------------------------------

def forward_steps(solved, q: Quantity, shown: set) -> list[str]:
    """Forward-pass equations for q's node and every node before it, none twice."""
    lines = []
    for layer in range(1, q.layer + 1):
        nodes = range(1, solved.net.layers[layer] + 1) if layer < q.layer else [q.i]
        for node in nodes:
            for symbol in ("z", "a"):
                step = Quantity(symbol, layer, node)
                if step not in shown and (layer < q.layer or symbol == "z" or q.symbol == "a"):
                    shown.add(step)
                    lines.append(_equation(solved, step))
    return lines


def _equation(solved, q: Quantity) -> str:
    """z = Σ_i W_ij a_i (+ b) with numbers, or a = g(z)."""
    net, layer, node = solved.net, q.layer, q.i
    z = Quantity("z", layer, node)
    z_value = solved.latex(solved.value(z))
    if q.symbol == "a":
        act = net.activation(layer)
        applied = notation.applied(act, z_value)
        name = f"H = {q.latex()}" if layer == net.depth else q.latex()
        return rf"{name} = {applied} = {solved.latex(solved.value(q))}"
    terms = [f"{solved.factor(net.weights[layer - 1][i][node - 1])}"
             f"({solved.latex(solved.value(_source(layer, i + 1)))})"
             for i in range(net.layers[layer - 1])]
    if net.has_bias:
        terms.append(solved.factor(net.biases[layer - 1][node - 1]))
    return rf"{z.latex()} = {' + '.join(terms)} = {z_value}"


def _source(layer: int, i: int) -> Quantity:
    return Quantity("x", 0, i) if layer == 1 else Quantity("a", layer - 1, i)

"""Worked backpropagation steps for the key, one chain-rule equation per quantity.

Each equation shows the rule, the numbers put in, and the result, the way the
course's solutions do: ∂H/∂a = Σ_k W ∂H/∂z = 5(−3) + 1(1) = −14.
"""
from __future__ import annotations

from functools import lru_cache

from .. import notation, numbers
from ..engine import slope as g_slope
from ..numbers import given_latex
from ..quantities import Quantity, symbol_latex
from .checked import Solved, point_solutions, without_l2


@lru_cache(maxsize=1024)
def d(symbol: str, layer: int, node: int, of: str = "H") -> Quantity:
    """∂(of)/∂ of a node's symbol; one object per quantity (it is immutable), not one per
    equation that names it."""
    return Quantity(symbol, layer, node, derivative=True, of=of)


def prerequisites(solved: Solved, q: Quantity) -> list[Quantity]:
    """The derivatives q's equation uses, nearest the output last."""
    net, L = solved.net, solved.net.depth
    if q.symbol == "W":
        return [d("z", q.layer, q.j, q.of)]
    if q.symbol in ("b",):
        return [d("z", q.layer, q.i, q.of)]
    if q.symbol == "z":
        output_end = q.layer == L and (not net.has_loss or net.output == "softmax")
        return [] if output_end else [d("a", q.layer, q.i, q.of)]
    if q.symbol in ("a", "x"):
        layer = 0 if q.symbol == "x" else q.layer
        return [] if layer == L else [d("z", layer + 1, k, q.of) for k in range(1, net.layers[layer + 1] + 1)]
    return []


def steps(solved: Solved, targets: list[Quantity], shown: set | None = None) -> list[str]:
    """Equations for targets and everything they need, output side first, none twice
    (a batch: each point's values, then their mean or sum)."""
    shown = set() if shown is None else shown
    if solved.net.is_batch:
        return batch_steps(solved, targets, shown)
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
        return rf"{q.latex()} = {d('z', q.layer, q.i, q.of).latex()} = {value}"
    if q.symbol == "z":
        return _node(solved, q, value)
    if q.symbol == "a" and q.layer == solved.net.depth and solved.net.has_loss:
        return _loss_gradient(solved, q, value)
    return _activation(solved, q, value)


def _weight(solved: Solved, q: Quantity, value: str) -> str:
    source = Quantity("x", 0, q.i) if q.layer == 1 else Quantity("a", q.layer - 1, q.i)
    dz = d("z", q.layer, q.j, q.of)
    rule = rf"{source.latex()} \cdot {dz.latex()}"
    numbers = rf"{solved.factor(solved.value(source))} \cdot {solved.factor(solved.value(dz))}"
    if solved.net.l2:  # the L2 term's gradient, λW
        rule += rf" + \lambda\, {notation.weight(q.layer, q.i, q.j)}"
        numbers += rf" + {_l2_product(solved, q)}"
    return rf"{q.latex()} = {rule} = {numbers} = {value}"


def _l2_product(solved: Solved, q: Quantity) -> str:
    """λ · W^(l)_ij with the numbers put in."""
    weight = solved.net.weights[q.layer - 1][q.i - 1][q.j - 1]
    return rf"{given_latex(solved.net.l2)} \cdot {_paren_negative(given_latex(weight))}"


def _node(solved: Solved, q: Quantity, value: str) -> str:
    net, L = solved.net, solved.net.depth
    z = Quantity("z", q.layer, q.i)
    act = net.activation(q.layer)
    g = notation.HIDDEN_PRIME_LATEX if act == net.hidden else notation.OUTPUT_ACTIVATIONS[act].prime_latex
    slope = solved.factor(_slope(solved, q))
    z_value = solved.latex(solved.value(z))
    if q.layer == L and net.output == "softmax":
        return _softmax_gradient(solved, q, value)
    if q.layer == L and not net.has_loss:
        rule = rf"{g}({z.latex()})" if act != "linear" else "1"
        return rf"{q.latex()} = {rule} = {value}" if act != "linear" else rf"{q.latex()} = 1"
    da = d("a", q.layer, q.i, q.of)
    if act == "linear":  # an output with a loss: g′ = 1
        return rf"{q.latex()} = {da.latex()} = {value}"
    return (rf"{q.latex()} = {da.latex()} \cdot {g}({z.latex()}) = "
            rf"{solved.factor(solved.value(da))} \cdot {g}({z_value}) = "
            rf"{solved.factor(solved.value(da))} \cdot {slope} = {value}")


def _slope(solved: Solved, q: Quantity):
    """g'(z) of q's node: dH/dz divided by dH/da, computed directly to avoid 0/0."""
    act = solved.net.activation(q.layer)
    z = solved.values.z[q.layer][q.i - 1]
    slope = float(g_slope(act, z, solved.net.relu_at_zero))
    return int(slope) if solved.decimals is None else slope


def _activation(solved: Solved, q: Quantity, value: str) -> str:
    net = solved.net
    layer = 0 if q.symbol == "x" else q.layer
    if layer == net.depth:
        return rf"{q.latex()} = 1"
    pieces = []
    for k in range(1, net.layers[layer + 1] + 1):
        w = net.weights[layer][q.i - 1][k - 1]
        pieces.append(f"{solved.factor(w)}{_paren(solved.latex(solved.value(d('z', layer + 1, k, q.of))))}")
    rule = (rf"\sum_k {notation.weight(layer + 1, q.i, 'k')} "
            rf"{notation.node_derivative('z', layer + 1, 'k', q.of)}")
    return rf"{q.latex()} = {rule} = {' + '.join(pieces)} = {value}"


def _paren(text: str) -> str:
    return f"({text})"


# ---- where a loss starts the backward pass ---------------------------------------------

def _loss_gradient(solved: Solved, q: Quantity, value: str) -> str:
    """∂L/∂a^(L)_k by the loss's rule, with numbers."""
    net, k = solved.net, q.i
    a = solved.latex(solved.value(Quantity("a", net.depth, k)))
    y = target_latex(net.y[k - 1])
    with_numbers = {"square": rf"2({a} - {_paren_negative(y)})", "half-square": rf"{a} - {_paren_negative(y)}",
                    "cross-entropy": rf"\dfrac{{{a} - {_paren_negative(y)}}}{{{a}(1 - {a})}}"}[net.loss]
    return rf"{q.latex()} = {notation.loss_gradient(net.loss, net.depth, k)} = {with_numbers} = {value}"


def _softmax_gradient(solved: Solved, q: Quantity, value: str) -> str:
    """∂L/∂z^(L)_k = p_k − y_k: softmax and cross-entropy together (the step students are
    told, rather than the softmax's Jacobian)."""
    net, k = solved.net, q.i
    p = solved.latex(solved.value(Quantity("a", net.depth, k)))
    y = target_latex(net.y[k - 1])
    return (rf"{q.latex()} = p_{{{k}}} - y_{{{k}}} = {p} - {_paren_negative(y)} = {value}"
            r"\quad (\text{softmax with cross-entropy: } p = " + notation.node("a", net.depth, "") + ")")


target_latex = given_latex  # a target as the spec gives it (0.01 stays 0.01, not rounded)


def _class_index(net) -> int:
    """0-based index of the class whose one-hot target is 1 (0 for other losses)."""
    return list(net.y).index(1) if net.loss == "softmax-cross-entropy" else 0


def _paren_negative(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def loss_steps(solved: Solved) -> list[str]:
    """L with the outputs and targets put in (with L2: the data term ℓ, then L = ℓ + its term)."""
    if not solved.net.l2:
        return [_data_loss(solved, "L")]
    data = without_l2(solved)
    ell = notation.DATA_LOSS
    return [_data_loss(data, ell),
            rf"L = {ell} + {notation.l2_term()} = {solved.latex(data.value(Quantity('L')))} + "
            rf"{_l2_penalty_numbers(solved)} = {solved.latex(solved.value(Quantity('L')))}"]


def _l2_penalty_numbers(solved: Solved) -> str:
    """\tfrac{λ}{2} · (Σ W²) with the numbers put in."""
    squares = sum((w * w for W in solved.net.weights for row in W for w in row), numbers.Fraction(0))
    return rf"\tfrac{{1}}{{2}} \cdot {given_latex(solved.net.l2)} \cdot {numbers.latex(squares)}"


def _data_loss(solved: Solved, name: str) -> str:
    """The loss of the outputs against the targets, named `name`, with the numbers put in."""
    net = solved.net
    outs = [solved.latex(solved.value(Quantity("a", net.depth, k))) for k in range(1, net.layers[-1] + 1)]
    ys = [target_latex(t) for t in net.y]
    value = solved.latex(solved.value(Quantity("L")))
    squares = " + ".join(rf"({a} - {_paren_negative(y)})^2" for a, y in zip(outs, ys))
    with_numbers = {
        "square": squares,
        "half-square": rf"\tfrac{{1}}{{2}}[{squares}]",
        "cross-entropy": rf"-[{ys[0]} \log {outs[0]} + (1 - {ys[0]}) \log(1 - {outs[0]})]",
        "softmax-cross-entropy": rf"-\log {outs[_class_index(net)]}",
    }[net.loss]
    formula = notation.loss_formula(net.loss, net.depth).replace("L = ", f"{name} = ", 1)
    return rf"{formula} = {with_numbers} = {value}"


# ---- the forward pass ------------------------------------------------------------------

def value_steps(solved, q: Quantity, shown: set) -> list[str]:
    """The forward pass to a value: z or a of a node, H, or the loss L (every output)."""
    net = solved.net
    if net.is_batch:
        return batch_steps(solved, [q], shown)
    if q.symbol == "H":
        return forward_steps(solved, Quantity("a", net.depth, 1), shown)
    if q.symbol != "L":
        return forward_steps(solved, q, shown)
    lines = []
    for k in range(1, net.layers[-1] + 1):
        lines += forward_steps(solved, Quantity("a", net.depth, k), shown)
    return lines + loss_steps(solved)


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
    if q.symbol == "a" and net.activation(layer) == "softmax":
        return (rf"{q.latex()} = \dfrac{{e^{{{z.latex()}}}}}{{\sum_j e^{{{notation.node('z', layer, 'j')}}}}}"
                rf" = {solved.latex(solved.value(q))}")
    if q.symbol == "a":
        act = net.activation(layer)
        applied = notation.applied(act, z_value)
        name = f"H = {q.latex()}" if layer == net.depth and not net.has_loss else q.latex()
        return rf"{name} = {applied} = {solved.latex(solved.value(q))}"
    terms = [f"{solved.factor(net.weights[layer - 1][i][node - 1])}"
             f"({solved.latex(solved.value(_source(layer, i + 1)))})"
             for i in range(net.layers[layer - 1])]
    if net.has_bias:
        terms.append(solved.factor(net.biases[layer - 1][node - 1]))
    return rf"{z.latex()} = {' + '.join(terms)} = {z_value}"


def _source(layer: int, i: int) -> Quantity:
    return Quantity("x", 0, i) if layer == 1 else Quantity("a", layer - 1, i)


# ---- a batch: each point's values, compactly, then their mean (or sum) ------------------

PER_LINE = 3  # values of one point per line
NAMED_POINTS = 3  # a mean of more points is written with a Σ


def batch_steps(solved: Solved, targets: list[Quantity], shown: set) -> list[str]:
    """For each point n its values on the way to the targets (ℓ_n and ∂ℓ_n/∂...), a few
    per line; then each target as the mean (or sum) of its points' values, plus the L2
    term. shown holds (n, quantity) of the values already listed, and targets done."""
    lines = []
    points = point_solutions(solved)
    for n, point in enumerate(points, start=1):
        entries: list[str] = []
        for q in _point_chain(point, targets):
            if (n, q) not in shown:
                shown.add((n, q))
                entries.append(_point_entry(point, n, q))
        lines += [(rf"n = {n}{{:}}\quad " if i == 0 else r"\quad ") + r",\; ".join(entries[i:i + PER_LINE])
                  for i in range(0, len(entries), PER_LINE)]
    for q in targets:
        if q not in shown:
            shown.add(q)
            lines.append(_reduced(solved, points, q))
    return lines


def _point_chain(point: Solved, targets: list[Quantity]) -> list[Quantity]:
    """A point's quantities a key shows for the targets: the outputs, then each
    derivative the chain rule needs (output side first), a weight's source beside it."""
    net = point.net
    chain = [Quantity("a", net.depth, k) for k in range(1, net.layers[-1] + 1)]

    def visit(q: Quantity) -> None:
        if q in chain:
            return
        for needed in reversed(prerequisites(point, q)):
            visit(needed)
        if q.symbol == "W" and q.layer > 1 and Quantity("a", q.layer - 1, q.i) not in chain:
            chain.append(Quantity("a", q.layer - 1, q.i))
        chain.append(q)

    for target in targets:
        visit(target)
    return chain


def _point_name(q: Quantity, n) -> str:
    """ℓ_n, or ∂ℓ_n/∂q."""
    return notation.point_loss(n) if q.symbol == "L" else notation.slash_derivative(symbol_latex(q),
                                                                                    notation.point_loss(n))


def _point_entry(point: Solved, n: int, q: Quantity) -> str:
    """"∂ℓ_n/∂z = 0.14" (or "a = 0.75", "ℓ_n = 0.27") for point n."""
    if q.symbol == "L":
        name = notation.point_loss(n)
    elif q.derivative:
        name = notation.slash_derivative(symbol_latex(q), notation.point_loss(n))
    else:
        name = q.latex()
    return f"{name} = {point.latex(point.value(q))}"


def _reduced(solved: Solved, points: list[Solved], q: Quantity) -> str:
    """q of the batch: the mean (sum) of the points' values, plus the L2 term's part."""
    net = solved.net
    count = len(points)
    each = " + ".join(_paren_negative(point.latex(point.value(q))) for point in points)
    names = " + ".join(_point_name(q, n) for n in range(1, count + 1)) if count <= NAMED_POINTS \
        else rf"\sum_{{n=1}}^{{{count}}} {_point_name(q, 'n')}"
    scale = rf"\tfrac{{1}}{{{count}}}" if net.reduce == "mean" else ""
    rule, numbers_in = rf"{scale}({names})", rf"{scale}({each})"
    if net.l2 and q.symbol == "L":
        rule += f" + {notation.l2_term()}"
        numbers_in += f" + {_l2_penalty_numbers(solved)}"
    elif net.l2 and q.symbol == "W":
        rule += rf" + \lambda\, {notation.weight(q.layer, q.i, q.j)}"
        numbers_in += f" + {_l2_product(solved, q)}"
    return rf"{q.latex()} = {rule} = {numbers_in} = {solved.latex(solved.value(q))}"

"""Names of the quantities of a network: `x_1`, `W2_11`, `b2_1`, `z1_2`, `a1_2`, `H`,
and their derivatives `dH/dW2_11`, ... (1-based, layer number right after the letter).
A network with a loss has the loss `L`, the targets `y_1`, ... and derivatives of L,
`dL/dW2_11`, ...

Names follow the sheet's conventions (conventions.py): in to-from, `W2_12` is the weight
from node 2 of layer 1 to node 1 of layer 2 (a Quantity always holds the source node in
i and the target node in j); with delta, `delta2_1` names ∂H/∂z2_1 (∂L/∂z2_1).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import conventions, notation
from .conventions import weight_name
from .engine import Values
from .network import Network

_NAME = re.compile(r"^(?:d(?P<of>[HL])/d)?(?:(?P<x>[xy])_(?P<xi>\d)|(?P<W>W)(?P<Wl>\d)_(?P<Wi>\d)(?P<Wj>\d)"
                   r"|(?P<s>[bza])(?P<sl>\d)_(?P<sj>\d)|(?P<H>[HL]))$|^delta(?P<dl>\d)_(?P<dj>\d)$")


class UnknownQuantity(ValueError):
    pass


@dataclass(frozen=True)
class Quantity:
    symbol: str  # "x", "W", "b", "z", "a", "H", or with a loss "L" and "y" (a target)
    layer: int = 0  # 0 for x, y, H and L
    i: int = 0  # node of layer-1 for W; the node for x, y, b, z, a (1-based)
    j: int = 0  # node of layer for W (1-based)
    derivative: bool = False  # dH/d(this) rather than the value itself
    of: str = "H"  # what a derivative is of: H, or L on a network with a loss

    @property
    def name(self) -> str:
        written = conventions.current()  # all the name depends on besides q: kept per both
        return _name(self, written.delta, written.weights)

    @property
    def is_delta(self) -> bool:
        """∂H/∂z (∂L/∂z) on a sheet that calls it δ."""
        return self.derivative and self.symbol == "z" and conventions.uses_delta()

    @property
    def base_name(self) -> str:
        if self.symbol in ("H", "L"):
            return self.symbol
        if self.symbol in ("x", "y"):
            return f"{self.symbol}_{self.i}"
        if self.symbol == "W":
            return weight_name(self.layer, self.i, self.j)
        return f"{self.symbol}{self.layer}_{self.i}"

    def value_of(self) -> "Quantity":
        return Quantity(self.symbol, self.layer, self.i, self.j, False, self.of)

    def latex(self) -> str:
        written = conventions.current()  # all the LaTeX depends on besides q: kept per both
        return _latex(self, written.delta, written.weights, written.layer_mark)

    def slash_latex(self) -> str:
        """∂H/∂q written inline with a slash, as the course writes it in running text."""
        if self.derivative and not self.is_delta:
            return notation.slash_derivative(symbol_latex(self), self.of)
        return self.latex()


@lru_cache(maxsize=2048)
def _name(q: Quantity, delta: bool, weights: str) -> str:
    """Quantity.name in the current conventions (delta and weights are theirs: the key, so
    that no other conventions' name is given out): the rules name each asked quantity in
    every draw."""
    if q.is_delta:
        return f"delta{q.layer}_{q.i}"
    return (f"d{q.of}/d" if q.derivative else "") + q.base_name


@lru_cache(maxsize=2048)
def _latex(q: Quantity, delta: bool, weights: str, layer_mark: str) -> str:
    """Quantity.latex in the current conventions (delta, weights and layer_mark are theirs:
    the key, so that no other conventions' LaTeX is given out): a key writes each
    quantity in several equations, every version the same ones."""
    if q.is_delta:
        return notation.delta(q.layer, q.i)
    base = symbol_latex(q)
    return notation.derivative(base, q.of) if q.derivative else base


def symbol_latex(q: Quantity) -> str:
    if q.symbol in ("H", "L"):
        return q.symbol
    if q.symbol == "x":
        return notation.input_(q.i)
    if q.symbol == "y":
        return notation.target(q.i)
    if q.symbol == "W":
        return notation.weight(q.layer, q.i, q.j)
    return notation.node(q.symbol, q.layer, q.i)


def parse(name: str) -> Quantity:
    """Quantity from its name; UnknownQuantity if the name is malformed."""
    m = _NAME.match(name.replace(" ", ""))
    if not m:
        raise UnknownQuantity(f"'{name}' is not a quantity name (examples: x_1, W2_11, b2_1, "
                              "z1_2, a1_2, H, dH/dW2_11; with a loss L, y_1, dL/dW2_11)")
    if m["dl"]:  # of H here: a spec's delta is read as dH/dz or dL/dz (spec.ProblemSpec._delta_names)
        if not conventions.uses_delta():
            raise UnknownQuantity(f"'{name}': δ is written on sheets with conventions: {{delta: true}}; "
                                  f"ask for dL/dz{m['dl']}_{m['dj']} (dH/dz{m['dl']}_{m['dj']} without a loss)")
        return Quantity("z", int(m["dl"]), int(m["dj"]), derivative=True)
    d, of = bool(m["of"]), m["of"] or "H"
    if m["x"]:
        if m["x"] == "y" and d:
            raise UnknownQuantity(f"'{name}': a target is given, not a variable; ask for another derivative")
        return Quantity(m["x"], 0, int(m["xi"]), derivative=d, of=of)
    if m["W"]:
        source, target = conventions.weight_indices(int(m["Wi"]), int(m["Wj"]))  # the order is its own inverse
        return Quantity("W", int(m["Wl"]), source, target, derivative=d, of=of)
    if m["s"]:
        return Quantity(m["s"], int(m["sl"]), int(m["sj"]), derivative=d, of=of)
    if d:
        raise UnknownQuantity(f"'{name}' is not asked: d{of}/d{m['H']} is not a derivative of the network; "
                              "ask for another quantity")
    return Quantity(m["H"])


def check_exists(q: Quantity, net: Network) -> None:
    """UnknownQuantity unless q names a node, weight or bias of net."""
    L, n = net.depth, net.layers
    _check_objective(q, net)
    if q.derivative and n[L] != 1 and not net.has_loss:
        raise UnknownQuantity(f"'{q.name}' needs a single output H, but the output layer has {n[L]} nodes")
    if q.symbol == "H":
        if n[L] != 1:
            raise UnknownQuantity(f"H is a single output but the output layer has {n[L]} nodes")
        return
    if q.symbol == "L":
        return
    if q.symbol == "x":
        _check_index(q.name, q.i, n[0], "input")
        return
    if q.symbol == "y":
        _check_index(q.name, q.i, n[L], "the output layer")
        return
    if not 1 <= q.layer <= L:
        raise UnknownQuantity(f"'{q.name}' does not exist: layers are numbered 1 to {L}")
    if q.symbol == "W":
        _check_index(q.name, q.i, n[q.layer - 1], f"layer {q.layer - 1}")
        _check_index(q.name, q.j, n[q.layer], f"layer {q.layer}")
        return
    if q.symbol == "b" and not net.has_bias:
        raise UnknownQuantity(f"'{q.name}' does not exist: the network has no biases (bias: false)")
    _check_index(q.name, q.i, n[q.layer], f"layer {q.layer}")


def _check_objective(q: Quantity, net: Network) -> None:
    """H and dH/d... without a loss; L, y and dL/d... with one."""
    uses_loss = q.symbol in ("L", "y") or (q.derivative and q.of == "L")
    if uses_loss and not net.has_loss:
        raise UnknownQuantity(f"'{q.name}' needs a loss; set the network's loss: (square, half-square, "
                              "cross-entropy or softmax-cross-entropy) and its targets y")
    if net.has_loss and (q.symbol == "H" or (q.derivative and q.of == "H")):
        raise UnknownQuantity(f"'{q.name}': with a loss, ask for L and its derivatives dL/d... "
                              f"(the outputs are a{net.depth}_1, ...)")
    if net.output == "softmax" and q.derivative and q.symbol == "a" and q.layer == net.depth:
        raise UnknownQuantity(f"'{q.name}': softmax couples its outputs; ask for "
                              f"dL/dz{net.depth}_{q.i} (= p - y) instead")


def _check_index(name: str, index: int, count: int, where: str) -> None:
    if not 1 <= index <= count:
        raise UnknownQuantity(f"'{name}' does not exist: {where} has nodes 1 to {count}")


def lookup(q: Quantity, values: Values) -> float:
    """The number q names, read from a forward/backward pass."""
    if q.symbol == "H":
        return float(values.a[-1][0])
    if q.symbol == "L":
        return float(values.loss)
    if q.symbol == "y":
        raise UnknownQuantity("targets are given, not computed")
    if q.symbol == "x":
        table = values.da[0] if q.derivative else values.a[0]
        return float(table[q.i - 1])
    if q.symbol == "W":
        if not q.derivative:
            raise UnknownQuantity("weights are given, not computed")
        return float(values.dW[q.layer][q.i - 1][q.j - 1])  # an array, or lists (arithmetic.plain_pass)
    tables = {"z": (values.z, values.dz), "a": (values.a, values.da), "b": (None, values.db)}
    table = tables[q.symbol][1 if q.derivative else 0]
    return float(table[q.layer][q.i - 1])

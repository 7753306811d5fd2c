"""Derivatives of H written out as sums over paths, the way the course teaches them.

∂H/∂q = (factors local to q) × Σ over paths from q's node to the output of
(W · g′ · W · g′ ...). With a loss each path ends in the output's gradient ∂L/∂a^(L)_k
(softmax cross-entropy: ∂L/∂z^(L)_k = p_k − y_k, the softmax's slope folded in). Each factor is a symbol that prints in quantity notation
("W2_21", "g'(z1_2)") and in LaTeX, and evaluates exactly on its own forward
pass — independent of the numpy backward pass, which makes it a check of it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from . import conventions, notation
from .conventions import weight_name
from .errors import Unprintable
from .network import PIECEWISE_LINEAR, Network
from .quantities import Quantity


@dataclass(frozen=True)
class Factor:
    kind: str  # "W", "g'", "a", "x", or "dL" (∂L/∂a^(L)_i; ∂L/∂z^(L)_i after a softmax)
    layer: int
    i: int  # 1-based; the node for g', a, x; the source node for W
    j: int = 0  # target node for W

    def notation(self, net: Network) -> str:
        if self.kind == "W":
            return weight_name(self.layer, self.i, self.j)
        if self.kind == "g'":
            return f"{_derivative_name(net, self.layer)}(z{self.layer}_{self.i})"
        if self.kind == "x":
            return f"x_{self.i}"
        if self.kind == "dL":
            return Quantity(_loss_end(net), self.layer, self.i, derivative=True, of="L").name
        return f"a{self.layer}_{self.i}"

    def latex(self, net: Network) -> str:
        if self.kind == "W":
            return notation.weight(self.layer, self.i, self.j)
        if self.kind == "g'":
            return f"{_derivative_latex(net, self.layer)}({notation.node('z', self.layer, self.i)})"
        if self.kind == "x":
            return notation.input_(self.i)
        if self.kind == "dL":
            return notation.node_derivative(_loss_end(net), self.layer, self.i, "L")
        return notation.node("a", self.layer, self.i)


def _loss_end(net: Network) -> str:
    """Where the loss's gradient enters the paths: at a^(L), or at z^(L) after a softmax."""
    return "z" if net.output == "softmax" else "a"


Term = tuple[Factor, ...]


@dataclass(frozen=True)
class PathSum:
    """prefix × (term_1 + term_2 + ...); an empty term is the number 1."""
    prefix: Term
    terms: tuple[Term, ...]


def _derivative_name(net: Network, layer: int) -> str:
    act = net.activation(layer)
    return notation.HIDDEN_PRIME if act == net.hidden else notation.OUTPUT_ACTIVATIONS[act].prime


def _derivative_latex(net: Network, layer: int) -> str:
    act = net.activation(layer)
    return notation.HIDDEN_PRIME_LATEX if act == net.hidden else notation.OUTPUT_ACTIVATIONS[act].prime_latex


def _slope(net: Network, layer: int, node: int) -> tuple[Factor, ...]:
    """The g′ factor of a node, or nothing when its activation is linear (g′ = 1) or a
    softmax (its slope is in ∂L/∂z = p − y)."""
    return () if net.activation(layer) in ("linear", "softmax") else (Factor("g'", layer, node),)


def _path_end(net: Network, node: int) -> Term:
    """The last factor of every path into output node `node`: none for H, else the loss's."""
    return (Factor("dL", net.depth, node),) if net.has_loss else ()


def paths_from(net: Network, layer: int, node: int) -> tuple[Term, ...]:
    """Every path from a^(layer)_node to H (or L), as products W g′ W g′ ... (∂L/∂a)."""
    if layer == net.depth:
        return (_path_end(net, node),)
    terms = []
    for k in range(1, net.layers[layer + 1] + 1):
        step = (Factor("W", layer + 1, node, k),) + _slope(net, layer + 1, k)
        terms.extend(step + rest for rest in paths_from(net, layer + 1, k))
    return tuple(terms)


MAX_TERMS = 64  # a printed sum of more paths would not fit on a page


class TooManyPaths(Unprintable):
    """A path sum too long to write out (and to enumerate in reasonable time)."""


def _prefix_and_start(net: Network, q: Quantity) -> tuple[Term, int, int]:
    """The factors local to q, and the node (layer, node) its paths start from."""
    return _prefix_and_start_of(q, net.depth, net.hidden, net.output)


@lru_cache(maxsize=1024)
def _prefix_and_start_of(q: Quantity, depth: int, hidden: str, output: str) -> tuple[Term, int, int]:
    """_prefix_and_start for any network of that depth and activations (all it looks at):
    a key asks it for every quantity it checks, of networks that differ in their numbers."""
    net = _Shape(depth, hidden, output)
    if q.symbol == "x":
        return (), 0, q.i
    if q.symbol == "a":
        return (), q.layer, q.i
    if q.symbol in ("z", "b"):
        return _slope(net, q.layer, q.i), q.layer, q.i
    if q.symbol == "W":
        source = Factor("x", 0, q.i) if q.layer == 1 else Factor("a", q.layer - 1, q.i)
        return (source,) + _slope(net, q.layer, q.j), q.layer, q.j
    raise ValueError(f"no path sum for {q.name}")


@dataclass(frozen=True)
class _Shape:
    """What _slope asks of a network: which activation each layer has."""
    depth: int
    hidden: str
    output: str

    def activation(self, layer: int) -> str:
        return self.output if layer == self.depth else self.hidden


def path_count(net: Network, q: Quantity) -> int:
    """How many terms path_sum(net, q) has, without listing them."""
    _, layer, _ = _prefix_and_start(net, q)
    return math.prod(net.layers[layer + 1:])


def path_sum(net: Network, q: Quantity) -> PathSum:
    """∂H/∂q as a path sum. q must be a derivative of H with respect to x, W, b, z or a.
    TooManyPaths when it has more than MAX_TERMS terms (9**6 on the largest network)."""
    prefix, layer, node = _prefix_and_start(net, q)
    count = path_count(net, q)
    if count > MAX_TERMS:
        raise TooManyPaths(f"{q.name} is a sum over {count:,} paths in layers {list(net.layers)}; "
                           f"at most {MAX_TERMS} can be written out")
    return PathSum(prefix, paths_from(net, layer, node))


def term_notation(net: Network, term: Term) -> str:
    return " ".join(f.notation(net) for f in term) or "1"


def term_latex(net: Network, term: Term) -> str:
    return r"\, ".join(f.latex(net) for f in term) or "1"


def sum_notation(net: Network, terms) -> str:
    return " + ".join(term_notation(net, t) for t in terms)


def sum_latex(net: Network, terms) -> str:
    return " + ".join(term_latex(net, t) for t in terms)


def path_sum_latex(net: Network, ps: PathSum) -> str:
    inner = sum_latex(net, ps.terms)
    if not ps.prefix:
        return inner
    prefix = term_latex(net, ps.prefix)
    if len(ps.terms) == 1:
        return prefix if ps.terms[0] == () else rf"{prefix}\, {inner}"
    return rf"{prefix} ( {inner} )"  # plain parentheses: the terms are one line high


# ---- exact evaluation, sharing no code with the numpy engine ------------------------

def exact_forward(net: Network) -> tuple[list, list]:
    """z and a of every layer as Fractions (relu/linear) or floats (sigmoid/tanh)."""
    z, a = _forward(net)
    return [None] + [list(v) for v in z[1:]], [list(v) for v in a]


def exact_forward_tuples(net: Network) -> tuple[tuple, tuple]:
    """exact_forward as kept, in tuples (nothing to copy: a key reads one value at a time)."""
    return _forward(net)


@lru_cache(maxsize=16)
def _forward(net: Network) -> tuple[tuple, tuple]:
    """exact_forward, kept for the last few networks (a key asks many quantities of one)."""
    z, a = _compute_forward(net)
    return (None,) + tuple(map(tuple, z[1:])), tuple(map(tuple, a))


def _compute_forward(net: Network) -> tuple[list, list]:
    """Sums of ints stay ints (the generator draws whole numbers, and Fractions cost ten
    times more); every z and a past the input is given out as a Fraction, as before."""
    a = [list(net.x)]
    z = [None]
    for layer in range(1, net.depth + 1):
        W = net.weights[layer - 1]
        b = net.biases[layer - 1] if net.biases else [0] * net.layers[layer]
        zl = [sum((W[i][j] * a[-1][i] for i in range(net.layers[layer - 1])), 0) + b[j]
              for j in range(net.layers[layer])]
        z.append(zl)
        if net.activation(layer) == "softmax":
            a.append(softmax_exact(zl))
        else:
            a.append([_g(net.activation(layer), v) for v in zl])
    return [None] + [_as_fractions(zl) for zl in z[1:]], a[:1] + [_as_fractions(al) for al in a[1:]]


def _as_fractions(values: list) -> list:
    return [Fraction(v) if type(v) is int else v for v in values]


def _g(act: str, v):
    """g_exact, with ints kept ints (ReLU of an off node: the int 0)."""
    if act in PIECEWISE_LINEAR and type(v) is int:
        return v if act == "linear" or v > 0 else 0
    return g_exact(act, v)


def softmax_exact(zl: list) -> list[float]:
    top = max(float(v) for v in zl)
    e = [math.exp(float(v) - top) for v in zl]
    return [v / math.fsum(e) for v in e]


def g_exact(act: str, v):
    """g(v): exact for relu/linear (Fractions), a float for sigmoid/tanh."""
    if act == "relu":
        return v if v > 0 else Fraction(0)
    if act == "linear":
        return v
    if act == "sigmoid":
        return sigmoid(float(v))
    return math.tanh(float(v))


def g_prime_exact(act: str, v, relu_at_zero: int = 0):
    """g'(v), exactly where it can be; ReLU'(0) = relu_at_zero (the sheet's convention)."""
    if act == "relu":
        return Fraction(1) if v > 0 else Fraction(relu_at_zero if v == 0 else 0)
    if act in ("linear", "softmax"):  # softmax: folded into p − y (see _slope)
        return Fraction(1)
    if act == "sigmoid":
        s = sigmoid(float(v))
        return s * (1.0 - s)
    return 1.0 - math.tanh(float(v)) ** 2


def sigmoid(v: float) -> float:
    """1 / (1 + e^-v) without overflow for large |v| (math.exp(1000) raises)."""
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def factor_value(net: Network, f: Factor, z: list, a: list):
    if f.kind == "W":
        return net.weights[f.layer - 1][f.i - 1][f.j - 1]
    if f.kind == "g'":
        return g_prime_exact(net.activation(f.layer), z[f.layer][f.i - 1], net.relu_at_zero)
    if f.kind == "x":
        return a[0][f.i - 1]
    if f.kind == "dL":
        return loss_gradient_exact(net, z, a)[f.i - 1]
    return a[f.layer][f.i - 1]


# ---- losses, exactly where they can be (square losses of rational outputs) -------------

def _log_sigmoid(v: float) -> float:
    """log σ(v) without overflow or log(0)."""
    return -math.log1p(math.exp(-v)) if v >= 0 else v - math.log1p(math.exp(v))


def loss_exact(net: Network, z: list, a: list):
    """L at the network's input, from its own forward pass."""
    out, y, zL = a[net.depth], net.y, z[net.depth]
    if net.loss == "square":
        return sum(((o - t) ** 2 for o, t in zip(out, y)), Fraction(0))
    if net.loss == "half-square":
        return sum(((o - t) ** 2 for o, t in zip(out, y)), Fraction(0)) / 2
    if net.loss == "cross-entropy":
        return -math.fsum(float(t) * _log_sigmoid(float(v)) + (1 - float(t)) * _log_sigmoid(-float(v))
                          for v, t in zip(zL, y))
    top = max(float(v) for v in zL)  # softmax cross-entropy: log Σ e^z − z_c
    log_total = top + math.log(math.fsum(math.exp(float(v) - top) for v in zL))
    return log_total - math.fsum(float(v) * float(t) for v, t in zip(zL, y))


def loss_gradient_exact(net: Network, z: list, a: list) -> list:
    """∂L/∂a^(L)_k for each k (softmax cross-entropy: ∂L/∂z^(L)_k = p_k − y_k)."""
    out, y = a[net.depth], net.y
    if net.loss == "square":
        return [2 * (o - t) for o, t in zip(out, y)]
    if net.loss == "cross-entropy":
        return [(o - float(t)) / (o * (1 - o)) for o, t in zip(out, y)]
    return [o - t for o, t in zip(out, y)]  # half-square; p − y


def term_value(net: Network, term: Term, z: list, a: list):
    return math.prod((factor_value(net, f, z, a) for f in term), start=Fraction(1))


def evaluate_path_sum(net: Network, ps: PathSum, z=None, a=None):
    """The number a path sum stands for, at the network's input."""
    if z is None:
        z, a = exact_forward(net)
    total = sum((term_value(net, t, z, a) for t in ps.terms), Fraction(0))
    return term_value(net, ps.prefix, z, a) * total


def derivative_value(net: Network, q: Quantity):
    """∂H/∂q, the value of path_sum(net, q), without listing the paths: the sum over the
    paths from each node is computed once and shared by every path through that node,
    so the work grows with the edges, not the paths (531,441 of them from an input of
    the largest network). Same factors as path_sum, exact with Fractions; nothing is
    shared with the numpy engine. A batch: the points' own, reduced; plus λW with L2."""
    if net.is_batch:
        data = net.point_weight() * sum((derivative_value(net.point(n), q) for n in range(len(net.batch))),
                                        Fraction(0))
    else:
        z, a = _forward(net)
        prefix, layer, node = _prefix_and_start(net, q)
        data = _product(net, prefix, z, a) * _sums_from_nodes(net)[layer][node - 1]
    if q.symbol == "W" and net.l2:
        return data + l2_gradient_exact(net, q)
    # Without an L2 term: data + Fraction(0), as a Fraction (a float: + 0.0, no −0.0)
    return Fraction(data) if type(data) is int else data if type(data) is Fraction else data + Fraction(0)


def l2_gradient_exact(net: Network, q: Quantity) -> Fraction:
    """The L2 term's part of ∂L/∂q: λ W^(l)_ij for a weight, 0 for anything else."""
    if q.symbol != "W" or not net.l2:
        return Fraction(0)
    return net.l2 * net.weights[q.layer - 1][q.i - 1][q.j - 1]


def l2_penalty_exact(net: Network) -> Fraction:
    """(λ/2)·Σ over every weight matrix of the squares of its entries."""
    if not net.l2:
        return Fraction(0)
    return net.l2 / 2 * sum((w * w for W in net.weights for row in W for w in row), Fraction(0))


def loss_value(net: Network):
    """L, from the network's own forward pass (a batch: its points' reduced), with the L2 term."""
    if net.is_batch:
        data = net.point_weight() * sum((loss_value(net.point(n)) for n in range(len(net.batch))), Fraction(0))
    else:
        z, a = exact_forward(net)
        data = loss_exact(net, z, a)
    return data + l2_penalty_exact(net)


@lru_cache(maxsize=16)
def _sums_from_nodes(net: Network) -> tuple:
    """sums[l][i]: the sum over every path from node i+1 of layer l to the output of the
    product of its factors (W g′ W g′ ...), layer by layer from the output back."""
    z, a = _forward(net)
    sums = [None] * (net.depth + 1)
    sums[net.depth] = tuple(_product(net, _path_end(net, k), z, a) for k in range(1, net.layers[-1] + 1))
    for layer in range(net.depth - 1, -1, -1):
        # each path's step W g′ (g′ of the target node: computed once per node), times the sums onward
        slopes = [_product(net, _slope(net, layer + 1, k), z, a) for k in range(1, net.layers[layer + 1] + 1)]
        sums[layer] = tuple(sum((_integral(w) * g * onward for w, g, onward in zip(row, slopes, sums[layer + 1])), 0)
                            for row in net.weights[layer])
    return tuple(sums)


def _product(net: Network, term: Term, z: list, a: list):
    """term_value, in ints while every factor is one (an integral Fraction counts as one:
    a whole input or ReLU′ = 1); the caller makes the result a Fraction."""
    return math.prod((_integral(factor_value(net, f, z, a)) for f in term), start=1)


def _integral(value):
    return value.numerator if type(value) is Fraction and value.denominator == 1 else value


def rounding_scale(net: Network, q: Quantity) -> float:
    """A bound on the size of every number a float computation of q adds up: q computed
    with |W|, |x|, |b| and g′ = 1. A float64 engine's rounding error stays below about
    1e-15 times this, so a disagreement smaller than that is rounding, not a bug (it
    matters only when intermediate values pass 2^53, e.g. weights near 10^6 in 3 layers)."""
    if net.is_batch:
        data = float(net.point_weight()) * sum(rounding_scale(net.point(n), q) for n in range(len(net.batch)))
        return data + _l2_scale(net, q)
    return _point_scale(net, q) + _l2_scale(net, q)


def _l2_scale(net: Network, q: Quantity) -> float:
    if q.symbol == "L" and not q.derivative:
        return abs(float(l2_penalty_exact(net)))
    return abs(float(l2_gradient_exact(net, q))) if q.derivative else 0.0


def _point_scale(net: Network, q: Quantity) -> float:
    z_abs, a_abs = _abs_forward(net)
    if not q.derivative:
        if q.symbol == "H":
            return a_abs[-1][0]
        if q.symbol == "L":
            return sum((v + abs(float(t))) ** 2 for v, t in zip(a_abs[-1], net.y))
        return {"x": a_abs[0], "z": z_abs[q.layer], "a": a_abs[q.layer]}[q.symbol][q.i - 1]
    prefix, layer, node = _prefix_and_start(net, q)
    local = math.prod(a_abs[f.layer][f.i - 1] for f in prefix if f.kind in ("a", "x"))
    return local * _abs_sums(net)[layer][node - 1]


@lru_cache(maxsize=16)
def _abs_forward(net: Network) -> tuple[list, list]:
    a = [[abs(float(v)) for v in net.x]]
    z = [None]
    for layer in range(1, net.depth + 1):
        W = net.weights[layer - 1]
        b = net.biases[layer - 1] if net.biases else [0] * net.layers[layer]
        z.append([sum(abs(float(W[i][j])) * a[-1][i] for i in range(net.layers[layer - 1])) + abs(float(b[j]))
                  for j in range(net.layers[layer])])
        a.append(z[-1] if net.activation(layer) in ("relu", "linear") else [1.0] * net.layers[layer])
    return z, a


@lru_cache(maxsize=16)
def _abs_sums(net: Network) -> list:
    sums = [None] * (net.depth + 1)
    _, a_abs = _abs_forward(net)
    # |∂L/∂a| ≤ 2(|a| + |y|) for the square losses; 1 for H (the others are not exact)
    sums[net.depth] = ([2.0 * (v + abs(float(t))) for v, t in zip(a_abs[-1], net.y)] if net.has_loss
                       else [1.0] * net.layers[net.depth])
    for layer in range(net.depth - 1, -1, -1):
        sums[layer] = [sum(abs(float(net.weights[layer][node][k])) * sums[layer + 1][k]
                           for k in range(net.layers[layer + 1])) for node in range(net.layers[layer])]
    return sums


# ---- reading quantity notation back, so printed answers can be checked -------------

def parse_term(net: Network, text: str) -> Term:
    """Factors of one product written in quantity notation, e.g. "W2_22 g'(z2_2) W3_21"."""
    factors = []
    for word in text.split():
        if word == "1":
            continue
        if word.startswith("W"):
            layer, ij = word[1:].split("_")
            source, target = conventions.weight_indices(int(ij[0]), int(ij[1]))
            factors.append(Factor("W", int(layer), source, target))
        elif "'(z" in word:
            layer, node = word[word.index("(z") + 2:-1].split("_")
            factors.append(Factor("g'", int(layer), int(node)))
        elif word.startswith("x_"):
            factors.append(Factor("x", 0, int(word[2:])))
        elif word.startswith(("dL/d", "delta")):
            layer, node = word[5:].split("_")  # after "dL/dz" or "delta"
            factors.append(Factor("dL", int(layer), int(node)))
        elif word.startswith("a"):
            layer, node = word[1:].split("_")
            factors.append(Factor("a", int(layer), int(node)))
        else:
            raise ValueError(f"not a factor: {word!r}")
    return tuple(factors)


def parse_sum(net: Network, text: str) -> tuple[Term, ...]:
    return tuple(parse_term(net, t) for t in text.split(" + "))

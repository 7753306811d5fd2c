"""Error carried forward: the value a part takes when it is computed, correctly, from the
student's own answers to the earlier parts of its problem.

The problem's network (answer-regions.json has its numbers) is run forward and backward
node by node; wherever a quantity was answered in an earlier part, the student's value
replaces the computed one, and everything after it is computed from there (z → a → H,
then ∂H/∂a → ∂H/∂z → ∂H/∂W, ∂H/∂b → ∂H/∂a of the layer below → ∂H/∂x; for a gd-step
problem then the new weights and biases → the loss after the step). Exact with fractions
on ReLU and linear networks (square losses too); with sigmoid, tanh or cross-entropy in
floats. Problems without a whole network (graphs, symbolic parts, batches), softmax
outputs, L2, ReLU′(0) = 1 and to-from names carry nothing forward.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable

from .marking import items_of, key_of

SLOPES: dict[str, tuple[Callable, Callable]] = {
    "relu": (lambda z: max(z, 0), lambda z: 1 if z > 0 else 0),  # ReLU'(0) = 0
    "linear": (lambda z: z, lambda z: 1),
    "sigmoid": (lambda z: _sigmoid(float(z)), lambda z: _sigmoid(float(z)) * (1 - _sigmoid(float(z)))),
    "tanh": (lambda z: math.tanh(float(z)), lambda z: 1 - math.tanh(float(z)) ** 2),
}
LOSSES = {"none", "square", "half-square", "cross-entropy"}  # not softmax: it acts on a whole layer


def _sigmoid(z: float) -> float:
    """Without overflow, whatever number a student's answer puts in."""
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


def carried_forward(built, version: str) -> Callable | None:
    """follows(item key, the student's readable answers by key) -> value or None."""
    regions = built.regions[version]
    networks = {p["number"]: p.get("network") for p in regions["problems"]}
    quantity = {key_of(r): _quantity(r) for r in regions["regions"] if r["kind"] != "student-id"}
    order = [item.key for item in items_of(regions)]
    rank = {}  # (problem, part) -> its place in the sheet
    for problem, part, _ in order:
        rank.setdefault((problem, part), len(rank))

    def follows(key: tuple, said: dict):
        net = networks.get(key[0])
        if net is None or quantity.get(key) is None:
            return None
        earlier = {quantity[k]: said[k] for k in order if k[0] == key[0] and rank[k[:2]] < rank[key[:2]]
                   and k in said and quantity.get(k) is not None and not isinstance(said[k], (bool, str))}
        if not earlier:
            return None
        return network_values(net, earlier).get(quantity[key])

    return follows


def _quantity(region: dict) -> str | None:
    """A region's quantity by name; a table's entry as its own quantity (dH/dW1_12)."""
    name, entry = region.get("quantity"), region.get("entry")
    if name is None or entry is None:
        return name
    if "/dW" in name:
        return f"{name}_{entry[0] + 1}{entry[1] + 1}"
    return f"{name}_{entry[1] + 1}"  # a bias table has one row


def _number(value):
    return Fraction(value) if isinstance(value, (int, str)) else value


def _followed(net: dict) -> bool:
    """What these passes model: no L2, ReLU′(0) = 0, quantities named from-to."""
    return not net.get("l2") and not net.get("relu_at_zero") and net.get("names", "from-to") == "from-to"


def network_values(net: dict, given: dict) -> dict:
    """Every value and derivative of the network by name, with the `given` ones put in
    place of the computed ones as the passes go; with a learning rate (gd-step) also the
    new value of every weight and bias and the loss after the step."""
    if net["loss"] not in LOSSES or {net["hidden"], net["output"]} - SLOPES.keys() or not _followed(net):
        return {}
    layers = net["layers"]
    W = [None] + [[[_number(v) for v in row] for row in w] for w in net["W"]]
    b = [None] + ([[_number(v) for v in bias] for bias in net["b"]] if net["b"] else [[0] * n for n in layers[1:]])
    values: dict = {}

    def put(name: str, value):
        values[name] = given.get(name, value)
        return values[name]

    z, a = _forward(net, W, b, put)
    gradients = _backward(net, W, z, a, put)
    if net.get("learning_rate") is not None:
        rate = _number(net["learning_rate"])
        for name, (table, l, i, j) in _parameters(net, W, b).items():
            step = table[l][i][j] if j is not None else table[l][i]
            new = put(f"new {name}", step - rate * gradients[name])
            if j is not None:
                table[l][i][j] = new
            else:
                table[l][i] = new
        _forward(net, W, b, lambda name, value: put(f"{name} after step", value) if name == "L" else value)
    return values


def _forward(net: dict, W, b, put) -> tuple[list, list]:
    layers, depth = net["layers"], len(net["layers"]) - 1
    a = [[put(f"x_{i + 1}", _number(v)) for i, v in enumerate(net["x"])]]
    z = [None]
    for l in range(1, depth + 1):
        g = SLOPES[net["output"] if l == depth else net["hidden"]][0]
        z.append([put(f"z{l}_{j + 1}", sum(W[l][i][j] * a[l - 1][i] for i in range(layers[l - 1])) + b[l][j])
                  for j in range(layers[l])])
        a.append([put(f"a{l}_{j + 1}", g(z[l][j])) for j in range(layers[l])])
    if net["loss"] == "none":
        a[depth][0] = put("H", a[depth][0])
    elif net["loss"] == "cross-entropy":  # one sigmoid output
        p, t = float(a[depth][0]), float(_number(net["y"][0]))
        put("L", -(t * math.log(p) + (1 - t) * math.log(1 - p)) if 0 < p < 1 else math.inf)
    else:
        y = [_number(v) for v in net["y"]]
        half = Fraction(1, 2) if net["loss"] == "half-square" else 1
        put("L", half * sum((p - t) ** 2 for p, t in zip(a[depth], y)))
    return z, a


def _backward(net: dict, W, z: list, a: list, put) -> dict:
    """The derivatives, by name (the weights' and biases' also returned for a step)."""
    layers, depth = net["layers"], len(net["layers"]) - 1
    y = [_number(v) for v in net["y"]] if net["y"] else []
    if net["loss"] == "none":
        d, da = "dH/d", [1]
    elif net["loss"] == "cross-entropy":
        p = float(a[depth][0])
        d, da = "dL/d", [(p - float(y[0])) / (p * (1 - p)) if 0 < p < 1 else math.inf]
    else:
        factor = 2 if net["loss"] == "square" else 1
        d, da = "dL/d", [factor * (p - t) for p, t in zip(a[depth], y)]
    gradients = {}
    for l in range(depth, 0, -1):
        slope = SLOPES[net["output"] if l == depth else net["hidden"]][1]
        da = [put(f"{d}a{l}_{j + 1}", da[j]) for j in range(layers[l])]
        dz = [put(f"{d}z{l}_{j + 1}", da[j] * slope(z[l][j])) for j in range(layers[l])]
        for j in range(layers[l]):
            gradients[f"b{l}_{j + 1}"] = put(f"{d}b{l}_{j + 1}", dz[j])
            for i in range(layers[l - 1]):
                gradients[f"W{l}_{i + 1}{j + 1}"] = put(f"{d}W{l}_{i + 1}{j + 1}", a[l - 1][i] * dz[j])
        da = [sum(W[l][i][j] * dz[j] for j in range(layers[l])) for i in range(layers[l - 1])]
    for i in range(layers[0]):
        put(f"{d}x_{i + 1}", da[i])
    return gradients


def _parameters(net: dict, W, b) -> dict:
    """Every weight and bias by name: (its table, layer, row, column or None)."""
    found = {}
    for l in range(1, len(net["layers"])):
        for i, row in enumerate(W[l]):
            for j in range(len(row)):
                found[f"W{l}_{i + 1}{j + 1}"] = (W, l, i, j)
        if net["b"]:
            for j in range(len(b[l])):
                found[f"b{l}_{j + 1}"] = (b, l, j, None)
    return found

"""Error carried forward: the value a part takes when it is computed, correctly, from the
student's own answers to the earlier parts of its problem.

The problem's network (answer-regions.json has its numbers) is run forward and backward
node by node; wherever a quantity was answered in an earlier part, the student's value
replaces the computed one, and everything after it is computed from there (z → a → H,
then ∂H/∂a → ∂H/∂z → ∂H/∂W, ∂H/∂b → ∂H/∂a of the layer below → ∂H/∂x). Exact with
fractions on ReLU and linear networks (square losses too); with sigmoid or tanh in floats.
Problems without a whole network (graphs, symbolic parts) carry nothing forward.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable

from .marking import items_of, key_of

SLOPES: dict[str, tuple[Callable, Callable]] = {
    "relu": (lambda z: max(z, 0), lambda z: 1 if z > 0 else 0),  # ReLU'(0) = 0
    "linear": (lambda z: z, lambda z: 1),
    "sigmoid": (lambda z: 1 / (1 + math.exp(-float(z))), lambda z: _sigmoid_slope(float(z))),
    "tanh": (lambda z: math.tanh(float(z)), lambda z: 1 - math.tanh(float(z)) ** 2),
}
LOSSES = {"none", "square", "half-square"}


def _sigmoid_slope(z: float) -> float:
    s = 1 / (1 + math.exp(-z))
    return s * (1 - s)


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
                   and k in said and quantity.get(k) is not None}
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


def network_values(net: dict, given: dict) -> dict:
    """Every value and derivative of the network by name, with the `given` ones put in
    place of the computed ones as the passes go."""
    hidden, output, loss = net["hidden"], net["output"], net["loss"]
    if loss not in LOSSES or {hidden, output} - SLOPES.keys():
        return {}
    layers, depth = net["layers"], len(net["layers"]) - 1
    W = [None] + [[[_number(v) for v in row] for row in w] for w in net["W"]]
    b = [None] + ([[_number(v) for v in bias] for bias in net["b"]] if net["b"] else
                  [[0] * n for n in layers[1:]])
    objective = "L" if loss != "none" else "H"
    values: dict = {}

    def put(name: str, value):
        values[name] = given.get(name, value)
        return values[name]

    a = [[put(f"x_{i + 1}", _number(v)) for i, v in enumerate(net["x"])]]
    z = [None]
    for l in range(1, depth + 1):
        g = SLOPES[output if l == depth else hidden][0]
        z.append([put(f"z{l}_{j + 1}", sum(W[l][i][j] * a[l - 1][i] for i in range(layers[l - 1])) + b[l][j])
                  for j in range(layers[l])])
        a.append([put(f"a{l}_{j + 1}", g(z[l][j])) for j in range(layers[l])])
    if loss == "none":
        put("H", a[depth][0])
        a[depth][0] = values["H"]
        upstream = [1]
    else:
        y = [_number(v) for v in net["y"]]
        factor = 2 if loss == "square" else 1
        put("L", sum((p - t) ** 2 for p, t in zip(a[depth], y)) * (Fraction(factor, 2)))
        upstream = [factor * (p - t) for p, t in zip(a[depth], y)]
    d = f"d{objective}/d"
    da = upstream
    for l in range(depth, 0, -1):
        slope = SLOPES[output if l == depth else hidden][1]
        da = [put(f"{d}a{l}_{j + 1}", da[j]) for j in range(layers[l])]
        dz = [put(f"{d}z{l}_{j + 1}", da[j] * slope(z[l][j])) for j in range(layers[l])]
        for j in range(layers[l]):
            put(f"{d}b{l}_{j + 1}", dz[j])
            for i in range(layers[l - 1]):
                put(f"{d}W{l}_{i + 1}{j + 1}", a[l - 1][i] * dz[j])
        da = [sum(W[l][i][j] * dz[j] for j in range(layers[l])) for i in range(layers[l - 1])]
    for i in range(layers[0]):
        put(f"{d}x_{i + 1}", da[i])
    return values

"""Forward and backward pass of a network with numpy, in the course's notation.

z^(l) = W^(l)ᵀ a^(l-1) + b^(l),  a^(l) = g(z^(l)),  a^(0) = x,  H = a^(L);
with a loss, L(a^(L), y) and the derivatives are of L; with L2, L + (λ/2)·Σ W².
A batch's L and gradients are the mean (sum) of its points' own, plus the L2 term.
Lists are indexed by layer number; index 0 of z, dz, W-gradients is unused (None).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import Network


def _sigmoid(z):
    # exp(-log(1 + e^-z)): no overflow (and no RuntimeWarning on stderr) for large |z|
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))


def _softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z))  # shifted: no overflow
    return e / np.sum(e)


# g and g' by name. ReLU'(0) = 0, as in the course (a sheet may say 1: see slope). Softmax (output layer, with the
# softmax cross-entropy loss only) acts on the whole layer; its slope is folded into
# ∂L/∂z = p − y, so its g′ here is 1 (no factor of its own).
ACTIVATION = {
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (np.asarray(z) > 0).astype(float)),
    "linear": (lambda z: z, lambda z: np.ones_like(z)),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "softmax": (_softmax, lambda z: np.ones_like(z)),
}


def slope(act: str, z, relu_at_zero: int = 0):
    """g′(z), elementwise; ReLU′(0) is the sheet's relu_at_zero."""
    if act == "relu":
        z = np.asarray(z, dtype=float)
        on = (z > 0).astype(float)
        return on + (z == 0) * float(relu_at_zero) if relu_at_zero else on  # (+ 0.0 changes nothing)
    return ACTIVATION[act][1](z)


def _log_sigmoid(z):
    return -np.logaddexp(0.0, -np.asarray(z, dtype=float))


# Each loss by name: (L, its gradient) as functions of the output layer's z and a and the
# targets y. The gradient is ∂L/∂a^(L), except for softmax cross-entropy: ∂L/∂z^(L) = p − y.
LOSS = {
    "square": (lambda z, a, y: np.sum((a - y) ** 2), lambda z, a, y: 2.0 * (a - y)),
    "half-square": (lambda z, a, y: 0.5 * np.sum((a - y) ** 2), lambda z, a, y: a - y),
    # log a and log(1 - a) from z, exact where a rounds to 0 or 1
    "cross-entropy": (lambda z, a, y: -np.sum(y * _log_sigmoid(z) + (1 - y) * _log_sigmoid(-z)),
                      lambda z, a, y: (a - y) / (a * (1.0 - a))),
    "softmax-cross-entropy": (lambda z, a, y: np.logaddexp.reduce(z) - np.dot(y, z), lambda z, a, y: a - y),
}


@dataclass(frozen=True)
class Values:
    """Every value and every derivative of H at one input."""
    z: list  # z[l] for l = 1..L
    a: list  # a[0] = x, a[l] for l = 1..L
    dz: list  # dH/dz^(l)
    da: list  # dH/da^(l); da[0] is dH/dx
    dW: list  # dH/dW^(l), same shape as W^(l)
    db: list  # dH/db^(l)
    loss: float | None = None  # L, on a network with a loss (the derivatives are then of L)
    points: tuple = ()  # a batch: each point's own Values (z, a, dz, da are then None here)

    @property
    def H(self) -> float:
        return float(self.a[-1][0]) if self.a[-1].shape == (1,) else self.a[-1]


_last_weights: tuple = (None, ())  # (a network, its W^(l) as read-only float arrays): see _weights


def _weights(net: Network) -> tuple:
    """The network's weight matrices as float arrays, W^(1) first. A forward and a backward
    pass of one network share them (building them is a good part of a small network's
    pass): the last network's are kept, known by identity (the reference held here, so
    no other network can match) and read-only, so they cannot go stale."""
    global _last_weights
    last, arrays = _last_weights
    if last is not net:
        arrays = tuple(net.W(layer) for layer in range(1, net.depth + 1))
        for array in arrays:
            array.flags.writeable = False
        _last_weights = (net, arrays)  # one assignment: a thread sees the old pair or the new, whole
    return arrays


def forward(net: Network, x: np.ndarray) -> tuple[list, list]:
    z, a = [None], [np.asarray(x, dtype=float)]
    weights = _weights(net)
    for layer in range(1, net.depth + 1):
        g = ACTIVATION[net.activation(layer)][0]
        z.append(weights[layer - 1].T @ a[-1] + net.b(layer))
        a.append(g(z[-1]))
    return z, a


def backward(net: Network, z: list, a: list, dH: np.ndarray | None = None) -> Values:
    """Backpropagation; dH is dH/da^(L) (ones for a single output H)."""
    L = net.depth
    da = [None] * (L + 1)
    dz = [None] * (L + 1)
    dW = [None] * (L + 1)
    db = [None] * (L + 1)
    da[L] = np.ones(net.layers[L]) if dH is None else np.asarray(dH, dtype=float)
    loss = None
    if net.has_loss and dH is None:
        loss, da[L] = _loss(net, z[L], a[L])
    weights = _weights(net)
    for layer in range(L, 0, -1):
        dz[layer] = da[layer] * slope(net.activation(layer), z[layer], net.relu_at_zero)
        if layer == L and net.loss == "softmax-cross-entropy":
            dz[layer], da[layer] = da[layer], -net.targets() / a[layer]  # ∂L/∂a_k = −y_k / p_k
        dW[layer] = np.outer(a[layer - 1], dz[layer])
        db[layer] = dz[layer].copy()
        da[layer - 1] = weights[layer - 1] @ dz[layer]
    if loss is not None:
        loss, dW = _regularized(net, loss, dW)
    return Values(z=z, a=a, dz=dz, da=da, dW=dW, db=db, loss=loss)


def _regularized(net: Network, loss: float, dW: list) -> tuple[float, list]:
    """L + (λ/2)·Σ ||W^(l)||², and λW^(l) added to each ∂L/∂W^(l) (biases are not penalized)."""
    if not net.l2:
        return loss, dW
    lam = float(net.l2)
    penalty = 0.5 * lam * sum(float(np.sum(net.W(l) ** 2)) for l in range(1, net.depth + 1))
    return loss + penalty, [None] + [dW[l] + lam * net.W(l) for l in range(1, net.depth + 1)]


def _batch(net: Network) -> Values:
    """A batch: each point's L and gradients, reduced (mean or sum), then the L2 term."""
    points = tuple(evaluate(net.point(n)) for n in range(len(net.batch)))
    weight, L = float(net.point_weight()), net.depth
    loss = weight * sum(p.loss for p in points)
    dW = [None] + [weight * sum(p.dW[l] for p in points) for l in range(1, L + 1)]
    db = [None] + [weight * sum(p.db[l] for p in points) for l in range(1, L + 1)]
    loss, dW = _regularized(net, loss, dW)
    return Values(z=None, a=None, dz=None, da=None, dW=dW, db=db, loss=loss, points=points)


def _loss(net: Network, z_out, a_out) -> tuple[float, np.ndarray]:
    """L and the gradient the backward pass starts from (see LOSS)."""
    value, gradient = LOSS[net.loss]
    y = net.targets()
    return float(value(z_out, a_out, y)), gradient(z_out, a_out, y)


def evaluate(net: Network, x: np.ndarray | None = None) -> Values:
    """Forward and backward pass at x (the network's own input by default; a batch
    network's points when it has them)."""
    if net.is_batch and x is None:
        return _batch(net)
    z, a = forward(net, net.input() if x is None else x)
    return backward(net, z, a)

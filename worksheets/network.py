"""A fully connected network with its parameters and input, in the course's notation.

Layers are numbered 0 (input) to L (output). W[l] is W^(l): n_(l-1) rows, n_l columns,
W[l][i][j] the weight from node i of layer l-1 to node j of layer l (0-based here,
1-based in every name a person reads). Parameters are exact Fractions; the engine
works on float copies and the independent checks on the Fractions.

A batch network has several points (x, y) instead of one x and y: its L and every
gradient are the mean (or sum) over the points of each point's own, and L2
regularization adds (λ/2)·Σ W² to L (λW to each ∂L/∂W) once, after that reduction.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from fractions import Fraction
from functools import cached_property

import numpy as np

from . import notation

ACTIVATIONS = tuple(notation.ACTIVATIONS)
OUTPUT_ACTIVATIONS = tuple(notation.OUTPUT_ACTIVATIONS)
LOSSES = ("none",) + tuple(notation.LOSSES)
PIECEWISE_LINEAR = frozenset({"relu", "linear"})
EXACT_LOSSES = frozenset({"none", "square", "half-square"})  # polynomials of the outputs

Matrix = tuple[tuple[Fraction, ...], ...]
Vector = tuple[Fraction, ...]


@dataclass(frozen=True)
class Network:
    layers: tuple[int, ...]
    hidden: str = "relu"
    output: str = "linear"
    weights: tuple[Matrix, ...] | None = None  # weights[l-1] is W^(l)
    biases: tuple[Vector, ...] | None = None  # biases[l-1] is b^(l); None: no biases
    x: Vector | None = None
    loss: str = "none"  # "none": the output is H itself (one output node)
    y: Vector | None = None  # targets, one per output (softmax cross-entropy: one-hot)
    l2: Fraction = Fraction(0)  # λ of the L2 term (λ/2)·Σ W², over every weight matrix (not biases)
    batch: tuple[tuple[Vector, Vector], ...] | None = None  # several points (x, y); then x and y are None
    reduce: str = "mean"  # how a batch's per-point losses combine: "mean" or "sum"

    def __hash__(self) -> int:
        """The fields' hash, computed once: the exact passes' caches (paths.py) look a
        network up several times per quantity of a key, and hashing its Fractions costs."""
        try:
            return self.__dict__["_hash"]
        except KeyError:
            value = hash(tuple(getattr(self, f.name) for f in fields(self)))
            object.__setattr__(self, "_hash", value)  # frozen: not a field, not compared
            return value

    def __getstate__(self) -> dict:
        """The fields only: not the hash (another process hashes strings differently), nor
        what is kept from them (depth), so that a network pickles the same however used."""
        return {name: value for name, value in self.__dict__.items() if name in self.__dataclass_fields__}

    @property
    def is_batch(self) -> bool:
        return self.batch is not None

    def point(self, n: int) -> "Network":
        """Point n (0-based) of a batch as a network of its own, without the L2 term: its
        loss is that point's L_n."""
        x, y = self.batch[n]
        return replace(self, x=x, y=y, batch=None, l2=Fraction(0))

    def point_weight(self) -> Fraction:
        """What each point's loss is multiplied by: 1/N for a mean, 1 for a sum."""
        return Fraction(1, len(self.batch)) if self.reduce == "mean" else Fraction(1)
    relu_at_zero: int = 0  # ReLU′(0), the sheet's convention (0 or 1)

    @property
    def has_loss(self) -> bool:
        return self.loss != "none"

    @property
    def objective(self) -> str:
        """What derivatives are of: "H" (the output) or "L" (the loss)."""
        return "L" if self.has_loss else "H"

    @cached_property
    def depth(self) -> int:
        """L, the number of the output layer (kept: asked tens of thousands of times a class set)."""
        return len(self.layers) - 1

    @property
    def has_bias(self) -> bool:
        return self.biases is not None

    def activation(self, layer: int) -> str:
        return self.output if layer == self.depth else self.hidden

    def is_exact(self) -> bool:
        """True when every value the network computes is rational."""
        return (self.hidden in PIECEWISE_LINEAR and self.output in PIECEWISE_LINEAR
                and self.loss in EXACT_LOSSES)

    def W(self, layer: int) -> np.ndarray:
        return np.array(self.weights[layer - 1], dtype=float).reshape(
            self.layers[layer - 1], self.layers[layer])

    def b(self, layer: int) -> np.ndarray:
        if self.biases is None:
            return np.zeros(self.layers[layer])
        return np.array(self.biases[layer - 1], dtype=float)

    def input(self) -> np.ndarray:
        return np.array(self.x, dtype=float)

    def targets(self) -> np.ndarray:
        return np.array(self.y, dtype=float)

    def parameter_count(self) -> int:
        """Number of weights (and biases, when the network has them)."""
        pairs = zip(self.layers, self.layers[1:])
        return sum(n_in * n_out + (n_out if self.has_bias else 0) for n_in, n_out in pairs)

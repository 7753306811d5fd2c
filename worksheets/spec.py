"""The spec format: typed, validated objects for a sheet, its problems and networks.

pydantic checks types and keys; the checks that need the whole network (matrix shapes,
quantities that must exist) raise FieldError so the message names the exact key.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from .network import ACTIVATIONS, Network
from .numbers import to_fraction
from .quantities import Quantity, UnknownQuantity, check_exists, parse

MAX_LAYERS = 8
MAX_NODES = 9  # node indices are single digits in quantity names
MAX_MAGNITUDE = 10**6


class FieldError(ValueError):
    """A validation error about a key below the model that raises it."""

    def __init__(self, message: str, *subpath: str | int):
        super().__init__(message)
        self.message = message
        self.subpath = subpath


def _number(value: Any) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"expected a number, got {_show(value)}")
    if isinstance(value, str):
        try:
            value = Fraction(value.strip().replace("\u2212", "-"))
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"expected a number, got {_show(value)}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value}")
    if abs(value) > MAX_MAGNITUDE:
        raise ValueError(f"{_show(value)} is too large (at most {MAX_MAGNITUDE:,} in size)")
    return to_fraction(value)


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


Number = Annotated[Fraction, BeforeValidator(_number)]
Vector = list[Number]
Matrix = list[list[Number]]
Activation = Literal["relu", "sigmoid", "tanh", "linear"]
assert set(Activation.__args__) == set(ACTIVATIONS)


def _quantity(value: Any) -> Quantity:
    if not isinstance(value, str):
        raise ValueError(f"expected a quantity name such as dH/dW2_11, got {_show(value)}")
    try:
        return parse(value)
    except UnknownQuantity as exc:
        raise ValueError(str(exc)) from None


QuantityName = Annotated[Quantity, BeforeValidator(_quantity)]


def _text_id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"expected text or a number, got {_show(value)}")
    return str(value)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class NetworkSpec(Strict):
    layers: list[Annotated[int, Field(strict=True)]]
    activation: Activation = "relu"
    output: Activation = "linear"
    bias: bool = False
    x: Vector | None = None
    W1: Matrix | None = None
    W2: Matrix | None = None
    W3: Matrix | None = None
    W4: Matrix | None = None
    W5: Matrix | None = None
    W6: Matrix | None = None
    W7: Matrix | None = None
    b1: Vector | None = None
    b2: Vector | None = None
    b3: Vector | None = None
    b4: Vector | None = None
    b5: Vector | None = None
    b6: Vector | None = None
    b7: Vector | None = None

    @model_validator(mode="after")
    def _check_shapes(self):
        _check_layers(self.layers)
        L = len(self.layers) - 1
        for layer in range(1, MAX_LAYERS):
            W, b = self.weight(layer), self.bias_vector(layer)
            if layer > L and (W is not None or b is not None):
                name = f"W{layer}" if W is not None else f"b{layer}"
                raise FieldError(f"the network has no layer {layer} (layers: {self.layers})", name)
            if W is not None:
                _check_matrix(W, self.layers[layer - 1], self.layers[layer], f"W{layer}", self.layers)
            if b is not None:
                if not self.bias:
                    raise FieldError("biases are given but bias is false; set bias: true", f"b{layer}")
                _check_vector(b, self.layers[layer], f"b{layer}", f"layer {layer}")
        if self.x is not None:
            _check_vector(self.x, self.layers[0], "x", "the input layer")
        return self

    @property
    def depth(self) -> int:
        return len(self.layers) - 1

    def weight(self, layer: int):
        return getattr(self, f"W{layer}", None)

    def bias_vector(self, layer: int):
        return getattr(self, f"b{layer}", None)

    def has_values(self) -> bool:
        return self.x is not None and all(self.weight(l) is not None for l in range(1, self.depth + 1))

    def to_network(self) -> Network:
        """The network with its numbers (zeros for biases not given)."""
        L = self.depth
        weights = tuple(_matrix(self.weight(l)) for l in range(1, L + 1)) if self.has_values() else None
        biases = None
        if self.bias:
            biases = tuple(tuple(self.bias_vector(l) or [Fraction(0)] * self.layers[l])
                           for l in range(1, L + 1))
        x = tuple(self.x) if self.x is not None else None
        return Network(tuple(self.layers), self.activation, self.output, weights, biases, x)


def _matrix(rows) -> tuple:
    return tuple(tuple(r) for r in rows)


def _check_layers(layers: list[int]) -> None:
    if len(layers) < 2:
        raise FieldError("a network needs at least an input and an output layer", "layers")
    if len(layers) > MAX_LAYERS:
        raise FieldError(f"{len(layers)} layers; at most {MAX_LAYERS} are supported", "layers")
    for i, n in enumerate(layers):
        if not 1 <= n <= MAX_NODES:
            raise FieldError(f"layer {i} has {n} nodes; each layer needs 1 to {MAX_NODES}", "layers", i)


def _check_matrix(W, rows: int, cols: int, name: str, layers) -> None:
    shape = f"{len(W)}×{len(W[0]) if W else 0}"
    ragged = any(len(r) != len(W[0]) for r in W) if W else False
    if ragged or len(W) != rows or (W and len(W[0]) != cols):
        got = "rows of different lengths" if ragged else shape
        raise FieldError(f"expected a {rows}×{cols} matrix for layers {layers}, got {got}", name)


def _check_vector(v, size: int, name: str, where: str) -> None:
    if len(v) != size:
        raise FieldError(f"expected {size} numbers ({where} has {size} nodes), got {len(v)}", name)


def check_quantities(net: Network, quantities, key: str = "ask") -> None:
    """FieldError naming the first quantity that is not in the network."""
    for index, q in enumerate(quantities):
        try:
            check_exists(q, net)
        except UnknownQuantity as exc:
            raise FieldError(str(exc), key, index) from None


class ProblemSpec(Strict):
    """Keys every problem kind accepts."""
    id: Annotated[str, BeforeValidator(_text_id)] | None = None
    points: Annotated[int, Field(strict=True, ge=0)] | None = None

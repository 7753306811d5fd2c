"""The spec format: typed, validated objects for a sheet, its problems and networks.

pydantic checks types and keys; the checks that need the whole network (matrix shapes,
quantities that must exist) raise FieldError so the message names the exact key.
"""
from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, WithJsonSchema, model_validator

from . import conventions
from .network import ACTIVATIONS, LOSSES, OUTPUT_ACTIVATIONS, Network
from .numbers import Given, OutOfRange, parse_exact, to_fraction
from .numbers import text as numbers_text
from .quantities import Quantity, UnknownQuantity, check_exists, parse

MAX_LAYERS = 20  # a network described in words ("784 inputs, 128 and 64 hidden, 10 outputs")
MAX_NODES = 100_000
DRAWN_LAYERS = 8  # a network drawn on a page
DRAWN_NODES = 9  # ... and its node indices are single digits in quantity names
WEIGHT_FIELDS = 7  # W1 ... W7: the weights of a drawn network
MAX_MAGNITUDE = 10**6


class FieldError(ValueError):
    """A validation error about a key below the model that raises it."""

    def __init__(self, message: str, *subpath: str | int):
        super().__init__(message)
        self.message = message
        self.subpath = subpath


def _number(value: Any) -> Fraction:
    if isinstance(value, Fraction):  # made by the generator, already checked
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"expected a number, got {_show(value)}")
    if value == "random":  # reached only where nothing is drawn (elsewhere number_or_random takes it)
        raise ValueError("random is not supported here; give a number (random is for a network's weights, "
                         "biases and input, a graph's inputs and given values)")
    typed = value
    if isinstance(value, str):
        try:
            value = parse_exact(value)
        except OutOfRange as exc:
            raise ValueError(f"{_show(typed)} {exc}") from None
        except ValueError:
            raise ValueError(f"expected a number, got {_show(typed)}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value}")
    if abs(value) > MAX_MAGNITUDE:
        raise ValueError(f"{_show(typed)} is too large (at most {MAX_MAGNITUDE:,} in size)")
    if value and abs(value) < Fraction(1, MAX_MAGNITUDE):
        raise ValueError(f"{_show(typed)} is too small (a nonzero number is at least 1/{MAX_MAGNITUDE:,} in size)")
    # str(float) is the shortest text that reads back as the float: what was typed
    return Given(to_fraction(value), typed.strip() if isinstance(typed, str) else str(typed))


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


class RandomValue:
    """A number the spec leaves to the generator (written `random`)."""
    _instance = None

    def __new__(cls):
        cls._instance = cls._instance or super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "random"


RANDOM = RandomValue()


def number_or_random(value: Any):
    """A number of a spec, or `random` for the generator to choose."""
    return RANDOM if value == "random" else _number(value)


def _whole(value: Any):
    return RANDOM if value == "random" else value


# What the editor's schema says of the types whose validators do the work.
NUMBER_SCHEMA = {"anyOf": [{"type": "number"}, {"type": "string", "pattern": '^\\s*[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?(\\s*/\\s*\\d+)?\\s*$'}],
                 "description": "a number: 3, -0.5, 1e-3, or a fraction as text, \"1/3\""}
PARAM_SCHEMA = {"anyOf": [NUMBER_SCHEMA, {"const": "random"}]}
Number = Annotated[Fraction, BeforeValidator(_number), WithJsonSchema(NUMBER_SCHEMA)]
Param = Annotated[Any, BeforeValidator(number_or_random), WithJsonSchema(PARAM_SCHEMA)]
Vector = Annotated[list[Param] | RandomValue, BeforeValidator(_whole),
                   WithJsonSchema({"anyOf": [{"type": "array", "items": PARAM_SCHEMA}, {"const": "random"}]})]
Matrix = Annotated[list[list[Param]] | RandomValue, BeforeValidator(_whole),
                   WithJsonSchema({"anyOf": [{"type": "array", "items": {"type": "array", "items": PARAM_SCHEMA}},
                                             {"const": "random"}]})]
Range = Annotated[tuple[Annotated[int, Field(strict=True)], Annotated[int, Field(strict=True)]],
                  Field(description="[low, high], both included")]
Activation = Literal["relu", "sigmoid", "tanh", "linear"]
assert set(Activation.__args__) == set(ACTIVATIONS)
OutputActivation = Literal["relu", "sigmoid", "tanh", "linear", "softmax"]
assert set(OutputActivation.__args__) == set(OUTPUT_ACTIVATIONS)
LossName = Literal["none", "square", "half-square", "cross-entropy", "softmax-cross-entropy"]
assert set(LossName.__args__) == set(LOSSES)


MAX_POINTS = 8  # a batch: its points are printed in a table beside the figure
MAX_BATCH_LINES = 50  # lines of per-point values a key may list for a batch (one part, one page)


def _entry(value: Any, *where: int):
    """One number (or `random`) of x or y; a mistake names its place in the list."""
    try:
        return number_or_random(value)
    except ValueError as exc:
        raise FieldError(str(exc), *where) from None


def _points(value: Any):
    """x: one point (a list of numbers) or a batch (a list of rows, one per point; a
    row may be `random`)."""
    if value == "random":
        return RANDOM
    if not isinstance(value, list):
        raise ValueError(f"expected a list of numbers (or of rows, for a batch of points), got {_show(value)}")
    if not any(isinstance(v, list) for v in value):
        return [_entry(v, i) for i, v in enumerate(value)]
    _check_point_count(value)
    rows = []
    for n, row in enumerate(value):
        if row == "random":
            rows.append(RANDOM)
        elif isinstance(row, list):
            rows.append([_entry(v, n, i) for i, v in enumerate(row)])
        else:
            raise FieldError(f"expected a row of numbers (a batch has one row per point), got {_show(row)}", n)
    return rows


def _check_point_count(rows: list) -> None:
    if not 1 <= len(rows) <= MAX_POINTS:
        raise ValueError(f"{len(rows)} points; a batch has 1 to {MAX_POINTS}")


def _targets(value: Any):
    """`y: [0.01, 0.99]` (one per output) or `y: 2` (a class): a list either way. In a
    batch, one entry per point: a row of targets, or a number (one output, or a class)."""
    if value == "random":
        return RANDOM
    if not isinstance(value, list):
        return [_entry(value)]
    if any(isinstance(v, list) for v in value):
        _check_point_count(value)
    return [[_entry(v, n, i) for i, v in enumerate(entry)] if isinstance(entry, list) else _entry(entry, n)
            for n, entry in enumerate(value)]


ROW_SCHEMA = {"type": "array", "items": PARAM_SCHEMA}
Points = Annotated[Any, BeforeValidator(_points), WithJsonSchema(
    {"anyOf": [ROW_SCHEMA, {"type": "array", "items": {"anyOf": [ROW_SCHEMA, {"const": "random"}]},
                            "minItems": 1, "maxItems": MAX_POINTS}, {"const": "random"}]})]
Targets = Annotated[Any, BeforeValidator(_targets), WithJsonSchema(
    {"anyOf": [{"type": "array", "items": {"anyOf": [PARAM_SCHEMA, ROW_SCHEMA]}}, PARAM_SCHEMA,
               {"const": "random"}]})]


def _quantity(value: Any) -> Quantity:
    if not isinstance(value, str):
        raise ValueError(f"expected a quantity name such as dH/dW2_11, got {_show(value)}")
    try:
        return parse(value)
    except UnknownQuantity as exc:
        raise ValueError(str(exc)) from None


QUANTITY_PATTERN = r"^(d[HL]/d)?([xy]_\d|W\d_\d\d|[bza]\d_\d|H|L)$|^delta\d_\d$"
QuantityName = Annotated[Quantity, BeforeValidator(_quantity), WithJsonSchema(
    {"type": "string", "pattern": QUANTITY_PATTERN, "examples": ["dH/dW2_11", "dH/dx_1", "z1_2", "H"],
     "description": "a quantity: x_1, W2_11, b2_1, z1_2, a1_2, H, or dH/d of one of them; with a loss "
                    "L, y_1 and dL/d...; delta2_1 for dH/dz2_1 (dL/dz2_1); W2_12 in to-from joins node 2 "
                    "of layer 1 to node 1 of layer 2"})]
Asked = Annotated[list[QuantityName], Field(min_length=1, max_length=12, description="the quantities asked, "
                  "one part each", examples=[["dH/dz2_1", "dH/da1_2", "dH/dW1_11"]])]
Decimals = Annotated[int, Field(ge=0, le=6, description="decimal places of answers that are not exact "
                                "(sigmoid, tanh)", examples=[3])]


MAX_ID = 200  # characters; an id is printed in the problem's heading


def _text_id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"expected text or a number, got {_show(value)}")
    if len(str(value)) > MAX_ID:
        raise ValueError(f"{len(str(value)):,} characters; at most {MAX_ID} are allowed")
    return str(value)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


Layers = list[Annotated[int, Field(strict=True)]]


def _choices(value: Any):
    """`layers: [2, 2, 1]` is one architecture; `[[2, 2, 1], [2, 3, 1]]` a choice of them."""
    if not isinstance(value, list):
        return value  # reported as "expected a list" at `layers` itself
    return value if value and all(isinstance(v, list) for v in value) else [value]


def _weights(layer: int):
    return Field(None, description=f"W^({layer}): one row per node of layer {layer - 1}, one column per node of "
                 f"layer {layer} (conventions: weights: to-from, one row per node of layer {layer}); numbers, "
                 "`random` entries, or `random` for the whole matrix",
                 examples=[[[2, 1], [3, "random"]], "random"])


def _biases(layer: int):
    return Field(None, description=f"b^({layer}): one number per node of layer {layer} (with bias: true)",
                 examples=[[1, -2], "random"])


_LAYERS_SCHEMA = {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 2}


class NetworkSpec(Strict):
    """A fully connected network: its layers, activations, weights, biases and input."""
    layers: Annotated[list[Layers], BeforeValidator(_choices), WithJsonSchema(
        {"anyOf": [_LAYERS_SCHEMA, {"type": "array", "items": _LAYERS_SCHEMA, "minItems": 1}]}), Field(
        description="node counts, input layer first; a list of them for an architecture chosen per version",
        examples=[[2, 2, 1], [[3, 2, 2, 1], [2, 3, 2, 1]]])]
    activation: Activation = Field("relu", description="activation of every hidden layer", examples=["sigmoid"])
    output: OutputActivation = Field("linear", description="activation of the output layer (softmax: 2 or more "
                                     "outputs, with loss: softmax-cross-entropy)", examples=["sigmoid"])
    loss: LossName = Field("none", description="none: the output is H (one output node); square: "
                           "L = Σ_k (a_k − y_k)²; half-square: ½·Σ_k (a_k − y_k)²; cross-entropy: "
                           "−[y log a + (1 − y) log(1 − a)] (one sigmoid output); softmax-cross-entropy: "
                           "−log softmax(z)_c (output: softmax)", examples=["half-square"])
    y: Targets | None = Field(None, description="the targets, one per output node (with a loss); "
                              "softmax-cross-entropy: the class, 1-based; a batch: one entry per point",
                              examples=[[0.01, 0.99], 2, "random", [[1, 0], [0, 1]]])
    l2: Number = Field(Fraction(0), description="λ of L2 regularization: adds (λ/2)·Σ W² over every weight "
                       "matrix (not the biases) to the loss", examples=["1/10", 0.01])
    reduce: Literal["mean", "sum"] = Field("mean", description="a batch: L and every gradient are the mean "
                                           "(or sum) over its points", examples=["sum"])
    bias: bool = Field(False, description="true: every hidden and output node has a bias (b1, b2, ...; "
                       "default 0)", examples=[True])
    x: Points | None = Field(None, description="the input, one number per input node; a batch of points: "
                             "one row per point", examples=[[1, 3], "random", [[1, 3], [2, -1]]])
    W1: Matrix | None = _weights(1)
    W2: Matrix | None = _weights(2)
    W3: Matrix | None = _weights(3)
    W4: Matrix | None = _weights(4)
    W5: Matrix | None = _weights(5)
    W6: Matrix | None = _weights(6)
    W7: Matrix | None = _weights(7)
    b1: Vector | None = _biases(1)
    b2: Vector | None = _biases(2)
    b3: Vector | None = _biases(3)
    b4: Vector | None = _biases(4)
    b5: Vector | None = _biases(5)
    b6: Vector | None = _biases(6)
    b7: Vector | None = _biases(7)

    @model_validator(mode="after")
    def _check_shapes(self):
        if not self.layers:
            raise FieldError("expected node counts such as [2, 2, 1]", "layers")
        for choice, layers in enumerate(self.layers):
            where = ("layers", choice)  # the choice index is dropped for a single architecture
            _check_layers(layers, where)
            self._check_parameters(layers)
        self._turn_weights_around()
        return self

    def _turn_weights_around(self) -> None:
        """A to-from sheet's matrices (n_l rows), held as every other (n_(l-1) rows)."""
        if not conventions.current().to_from:
            return
        for layer in range(1, WEIGHT_FIELDS + 1):
            W = self.weight(layer)
            if W is not None and W is not RANDOM:
                object.__setattr__(self, f"W{layer}", conventions.from_written(W))  # frozen: once, here

    def _check_parameters(self, layers: list[int]) -> None:
        L = len(layers) - 1
        for layer in range(1, WEIGHT_FIELDS + 1):
            W, b = self.weight(layer), self.bias_vector(layer)
            if layer > L and (W is not None or b is not None):
                name = f"W{layer}" if W is not None else f"b{layer}"
                raise FieldError(f"the network has no layer {layer} (layers: {layers})", name)
            if W is not None and W is not RANDOM:
                _check_matrix(W, *conventions.matrix_shape(layers[layer - 1], layers[layer]), f"W{layer}", layers)
            if b is not None:
                if not self.bias:
                    raise FieldError("biases are given but bias is false; set bias: true", f"b{layer}")
                if b is not RANDOM:
                    _check_vector(b, layers[layer], f"b{layer}", f"layer {layer}")
        if self.is_batch:
            for n, row in enumerate(self.x):
                if row is not RANDOM:
                    _check_vector(row, layers[0], "x", "the input layer", n)
        elif self.x is not None and self.x is not RANDOM:
            _check_vector(self.x, layers[0], "x", "the input layer")
        self._check_regularization()
        self._check_loss(layers)

    @property
    def is_batch(self) -> bool:
        """True when x is a list of rows, one per point."""
        return isinstance(self.x, list) and any(isinstance(row, list) for row in self.x)

    def _check_regularization(self) -> None:
        if self.l2 < 0:
            raise FieldError(f"λ is 0 or more, got {numbers_text(self.l2)}", "l2")
        if self.l2 and self.loss == "none":
            raise FieldError("l2 regularization adds to a loss; set loss: and the targets y", "l2")
        if "reduce" in self.model_fields_set and not self.is_batch:
            raise FieldError("reduce combines the losses of a batch; give x as a list of rows, one per point",
                             "reduce")

    def _check_loss(self, layers: list[int]) -> None:
        """The loss fits the output layer, and the targets fit the loss."""
        outputs, loss = layers[-1], self.loss
        if loss == "none":
            if self.output == "softmax":
                raise FieldError("a softmax output needs loss: softmax-cross-entropy", "output")
            if self.y is not None:
                raise FieldError("targets are given but the network has no loss; set loss: (square, "
                                 "half-square, cross-entropy or softmax-cross-entropy)", "y")
            if self.is_batch:
                raise FieldError("a batch of points needs a loss (L is the mean or sum of the points' "
                                 "losses); set loss: and the targets y", "x")
            return
        if (loss == "softmax-cross-entropy") != (self.output == "softmax"):
            raise FieldError("softmax-cross-entropy goes with output: softmax, and a softmax output "
                             "with it", "loss")
        if loss == "softmax-cross-entropy" and outputs < 2:
            raise FieldError("softmax-cross-entropy needs 2 or more output nodes", "loss")
        if loss == "cross-entropy" and (outputs != 1 or self.output != "sigmoid"):
            raise FieldError("cross-entropy is for one sigmoid output (use softmax-cross-entropy "
                             "for several classes)", "loss")
        if self.y is None or self.y is RANDOM:
            return
        if not self.is_batch:
            if any(isinstance(v, list) for v in self.y):
                raise FieldError("rows of targets are for a batch; give x as a list of rows too, one per point",
                                 "y")
            self._check_targets(self.y, outputs)
            return
        if len(self.y) != len(self.x):
            raise FieldError(f"expected {len(self.x)} targets, one per point (x has {len(self.x)} rows), "
                             f"got {len(self.y)}", "y")
        for n, entry in enumerate(self.y):
            if entry is not RANDOM:
                self._check_targets(entry if isinstance(entry, list) else [entry], outputs, n)

    def _check_targets(self, y: list, outputs: int, *where: int) -> None:
        """One point's targets: a class, or one number per output."""
        if self.loss == "softmax-cross-entropy":
            self._check_class(y, outputs, where)
        else:
            _check_vector(y, outputs, "y", "the output layer", *where)
        if self.loss == "cross-entropy" and any(v is not RANDOM and not 0 <= v <= 1 for v in y):
            raise FieldError("a cross-entropy target is between 0 and 1", "y", *where)

    def _check_class(self, y: list, outputs: int, where: tuple) -> None:
        if len(y) != 1:
            raise FieldError(f"softmax-cross-entropy takes the class, a number 1 to {outputs}", "y", *where)
        c = y[0]
        if c is not RANDOM and (c.denominator != 1 or not 1 <= c <= outputs):
            raise FieldError(f"the class is a whole number 1 to {outputs}, got {c}", "y", *where)

    @property
    def architecture(self) -> list[int]:
        """The node counts; only for a spec with a single architecture."""
        if len(self.layers) != 1:
            raise ValueError("the generator has not chosen the architecture yet")
        return self.layers[0]

    @property
    def depth(self) -> int:
        return len(self.architecture) - 1

    def weight(self, layer: int):
        return getattr(self, f"W{layer}", None)

    def bias_vector(self, layer: int):
        return getattr(self, f"b{layer}", None)

    # Set on networks the generator made, which are concrete by construction.
    _drawn: bool = PrivateAttr(default=False)

    @classmethod
    def drawn(cls, **fields) -> "NetworkSpec":
        """A network of plain numbers made by the generator: the shapes are right by
        construction, so validation is skipped (it runs thousands of times per sheet).
        What model_construct(**fields) makes, with _drawn set, but without its work per
        field (a fifth of a draw's time): the defaults are looked up once (_defaults)."""
        defaults = _DRAWN_DEFAULTS.get(cls) or _defaults(cls)
        network = cls.__new__(cls)
        _set = object.__setattr__  # as model_construct sets them (the model is frozen)
        _set(network, "__dict__", {name: fields[name] if name in fields else default
                                   for name, default in defaults.items()
                                   if default is not _REQUIRED or name in fields})
        _set(network, "__pydantic_fields_set__", {name for name in defaults if name in fields})
        _set(network, "__pydantic_extra__", None)
        _set(network, "__pydantic_private__", {"_drawn": True})
        return network

    def is_random(self) -> bool:
        """True when the generator still has something to choose."""
        return not self._is_drawn() and (len(self.layers) > 1 or self.has_random_numbers())

    def has_random_numbers(self) -> bool:
        """True when a weight, bias or input is written `random`."""
        if self._is_drawn():
            return False
        values = [self.x, self.y] + [getattr(self, f"{k}{l}") for k in "Wb" for l in range(1, WEIGHT_FIELDS + 1)]
        return any(_has_random(v) for v in values)

    def _is_drawn(self) -> bool:
        """self._drawn, read where pydantic keeps it (self._drawn goes through the model's
        __getattr__, a good part of a drawn network's to_network)."""
        private = self.__pydantic_private__
        return bool(private and private.get("_drawn"))

    def has_values(self) -> bool:
        return (not self.is_random() and self.x is not None and (self.loss == "none" or self.y is not None)
                and all(self.weight(l) is not None for l in range(1, self.depth + 1)))

    def skeletons(self) -> list[Network]:
        """The network of every architecture choice, without numbers (for validation)."""
        return [Network(tuple(layers), self.activation, self.output, None,
                        tuple((Fraction(0),) * n for n in layers[1:]) if self.bias else None, None,
                        self.loss, relu_at_zero=conventions.relu_at_zero()) for layers in self.layers]

    def to_network(self) -> Network:
        """The network with its numbers (zeros for biases not given); needs a concrete spec."""
        layers = self.architecture
        if self.is_random():
            raise ValueError("the network still has random parts")
        L = len(layers) - 1
        given = [self.weight(l) for l in range(1, L + 1)]
        # has_values(), without asking again what is known here (a draw asks this thousands of times)
        has_values = self.x is not None and (self.loss == "none" or self.y is not None) and None not in given
        weights = tuple(map(_matrix, given)) if has_values else None
        biases = None
        if self.bias:
            biases = tuple(tuple(self.bias_vector(l) or [Fraction(0)] * layers[l]) for l in range(1, L + 1))
        common = dict(l2=self.l2, reduce=self.reduce)
        if self.is_batch:
            ys = self.y if self.y is not None else [None] * len(self.x)
            batch = tuple((tuple(x), self.targets(layers[-1], y)) for x, y in zip(self.x, ys))
            return Network(tuple(layers), self.activation, self.output, weights, biases, None, self.loss, None,
                           batch=batch, relu_at_zero=conventions.relu_at_zero(), **common)
        x = tuple(self.x) if self.x is not None else None
        return Network(tuple(layers), self.activation, self.output, weights, biases, x, self.loss,
                       self.targets(layers[-1], self.y), relu_at_zero=conventions.relu_at_zero(), **common)

    def targets(self, outputs: int, y) -> tuple | None:
        """One point's y as one number per output (a class becomes one-hot)."""
        if y is None or self.loss == "none":
            return None
        y = y if isinstance(y, list) else [y]
        if self.loss == "softmax-cross-entropy":
            return tuple(Fraction(int(k == y[0])) for k in range(1, outputs + 1))
        return tuple(y)


_DRAWN_DEFAULTS: dict = {}  # a NetworkSpec class -> {field: default}, in the fields' order
IMMUTABLE = (type(None), bool, int, str, Fraction)
_REQUIRED = object()  # a field without a default: in a drawn network only when given


def _defaults(cls) -> dict:
    """Each field's default, shared by every drawn network: so only immutable ones."""
    defaults = {name: _REQUIRED if field.is_required() else field.get_default(call_default_factory=True)
                for name, field in cls.model_fields.items()}
    shared = [value for value in defaults.values() if value is not _REQUIRED]
    if not all(isinstance(value, IMMUTABLE) for value in shared) or set(cls.__private_attributes__) != {"_drawn"}:
        raise TypeError(f"{cls.__name__}.drawn shares defaults and knows one private attribute")
    _DRAWN_DEFAULTS[cls] = defaults
    return defaults


def _has_random(value) -> bool:
    if value is RANDOM:
        return True
    return isinstance(value, list) and any(_has_random(v) for v in value)


def _matrix(rows) -> tuple:
    return tuple(tuple(r) for r in rows)


def _check_layers(layers: list[int], where: tuple) -> None:
    if len(layers) < 2:
        raise FieldError("a network needs at least an input and an output layer", *where)
    if len(layers) > MAX_LAYERS:
        raise FieldError(f"{len(layers)} layers; at most {MAX_LAYERS} are supported", *where)
    if sum(n * m for n, m in zip(layers, layers[1:])) > MAX_NODES * MAX_NODES:
        raise FieldError("more than 10^10 weights; that is not a network a worksheet can be about", *where)
    for i, n in enumerate(layers):
        if not 1 <= n <= MAX_NODES:
            raise FieldError(f"layer {i} has {n:,} nodes; each layer needs 1 to {MAX_NODES:,}", *where, i)


def check_drawn(network: NetworkSpec, hint: str = "") -> None:
    """FieldError unless every architecture of the network fits a figure on a page."""
    for choice, layers in enumerate(network.layers):
        where = ("network", "layers", choice)  # the choice index is dropped for a single architecture
        if len(layers) > DRAWN_LAYERS:
            raise FieldError(f"{len(layers)} layers; a drawn network has at most {DRAWN_LAYERS}{hint}", *where)
        for i, n in enumerate(layers):
            if n > DRAWN_NODES:
                raise FieldError(f"layer {i} has {n:,} nodes; a drawn network has 1 to {DRAWN_NODES} per "
                                 f"layer{hint}", *where, i)


def _check_matrix(W, rows: int, cols: int, name: str, layers) -> None:
    shape = f"{len(W)}×{len(W[0]) if W else 0}"
    ragged = any(len(r) != len(W[0]) for r in W) if W else False
    if ragged or len(W) != rows or (W and len(W[0]) != cols):
        got = "rows of different lengths" if ragged else shape
        raise FieldError(f"expected a {rows}×{cols} matrix for layers {layers}, got {got}", name)


def _check_vector(v, size: int, name: str, where: str, *index: int) -> None:
    if len(v) != size:
        raise FieldError(f"expected {_count(size, 'number')} ({where} has {_count(size, 'node')}), got {len(v)}",
                         name, *index)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def check_batch_quantities(network: NetworkSpec, quantities, key: str = "ask") -> None:
    """FieldError naming the first quantity a batch does not have as one number: z, a and
    their derivatives are one per point; L and ∂L/∂W, ∂L/∂b are the batch's."""
    if not network.is_batch:
        return
    for index, q in enumerate(quantities):
        if q.symbol != "L" and not (q.derivative and q.symbol in ("W", "b")):
            raise FieldError(f"'{q.name}' has one value per point of the batch; ask for L, dL/dW or dL/db",
                             key, index)


def check_quantities(network: "NetworkSpec | Network", quantities, key: str = "ask") -> None:
    """FieldError naming the first quantity missing from the network (from any of its
    architecture choices)."""
    nets = network.skeletons() if isinstance(network, NetworkSpec) else [network]
    for index, q in enumerate(quantities):
        for net in nets:
            try:
                check_exists(q, net)
            except UnknownQuantity as exc:
                where = f" (in architecture {list(net.layers)})" if len(nets) > 1 else ""
                raise FieldError(str(exc) + where, key, index) from None


class RandomRanges(Strict):
    """Where the generator draws integers from, and the good-problem limits."""
    weights: Range = Field((-3, 3), description="weights drawn from [low, high] (never 0)", examples=[[-3, 3]])
    inputs: Range = Field((-3, 3), description="inputs drawn from [low, high]", examples=[[-2, 3]])
    biases: Range = Field((-2, 2), description="biases drawn from [low, high]", examples=[[-2, 2]])
    given: Range = Field((-5, 5), description="numbers a kind takes outside a network (`given:`)",
                         examples=[[-5, 5]])
    max_value: Annotated[int, Field(strict=True, ge=1)] = Field(
        99, description="the largest size of any value a student computes", examples=[60])

    @model_validator(mode="after")
    def _ordered(self):
        for name in ("weights", "inputs", "biases", "given"):
            low, high = getattr(self, name)
            if max(abs(low), abs(high)) > MAX_MAGNITUDE:  # drawn numbers obey the spec's limit too
                raise FieldError(f"expected numbers at most {MAX_MAGNITUDE:,} in size, got [{low}, {high}]", name)
            if low > high:
                raise FieldError(f"expected [low, high] with low <= high, got [{low}, {high}]", name)
        return self


_UNITS = {"pt": 1.0, "in": 72.0, "cm": 72 / 2.54, "mm": 72 / 25.4}
MAX_LENGTH_POINTS = 72 * 10.0  # 10 in: more than a page is a typo


def _length(value: Any) -> float:
    """A length in points from `3cm`, `1.5in`, `20mm`, `12pt` or a bare 0."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0:
        return 0.0
    if isinstance(value, str):
        text = value.strip().lower()
        for unit, points in _UNITS.items():
            number = text[:-len(unit)].strip()
            if text.endswith(unit) and number.replace(".", "", 1).isdigit():
                length = float(number) * points
                if length > MAX_LENGTH_POINTS:
                    raise ValueError(f"{_show(value)} is longer than a page (at most 10in)")
                return length
    raise ValueError(f"expected a length such as 3cm, 1in, 20mm, 12pt or 0, got {_show(value)}")


Length = Annotated[float, BeforeValidator(_length), WithJsonSchema(
    {"anyOf": [{"type": "string", "pattern": r"^\s*\d+(\.\d*)?\s*(cm|mm|in|pt)\s*$"}, {"const": 0}],
     "description": "a length: 3cm, 1.5in, 20mm, 12pt, or 0"})]


MAX_OWN_TEXT = 2000  # characters of an own intro or prompt
OWN_MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$", re.S)  # $...$ in own text; \$ is a dollar sign


def _is_delta(name) -> bool:
    return isinstance(name, str) and re.fullmatch(r"\s*delta\d_\d\s*", name) is not None


class ProblemSpec(Strict):
    """Keys every problem kind accepts."""
    id: Annotated[str, BeforeValidator(_text_id), WithJsonSchema({"type": ["string", "integer"]})] | None = Field(
        None, description="a name for the problem, printed in its heading and answers.json", examples=["151"])
    points: Annotated[int, Field(strict=True, ge=0)] | None = Field(None, description="points for the problem",
                                                                     examples=[6])
    # Ranges for numbers left to the generator; set for the whole sheet or per problem.
    random: RandomRanges | None = Field(None, description="ranges for the numbers left to the generator "
                                        "(default: the sheet's)")
    # Versions may (and must) have a ReLU that is off, so zero answers are allowed.
    dead_relu: bool = Field(False, description="true: every version has a hidden ReLU that is off, and "
                            "answers may be 0", examples=[True])

    work_space: Length | None = Field(None, description="blank space for working after the problem's parts "
                                      "(default: the sheet's)", examples=["3cm", 0])
    answer_format: Literal["boxes", "bubbles"] | None = Field(
        None, description="boxes or bubbles for this problem's answers (default: the sheet's)",
        examples=["bubbles"])
    intro: Annotated[str, Field(min_length=1, max_length=MAX_OWN_TEXT)] | None = Field(
        None, description="your own opening sentence(s), in place of the kind's; $...$ is math, everything "
        "else prints as typed; the figure, the numbers and the answers stay computed",
        examples=["A start-up trains the network in the figure to price houses."])
    prompts: Annotated[list[Annotated[str, Field(min_length=1, max_length=MAX_OWN_TEXT)]],
                       Field(min_length=1)] | None = Field(
        None, description="your own prompt for each part, in order ($...$ is math)",
        examples=[["How much does $H$ change per unit of $W^{(1)}_{11}$?"]])

    @model_validator(mode="before")
    @classmethod
    def _delta_names(cls, data):
        """`delta2_1` in `ask` (`target`, a claim's `about`) is dH/dz2_1, or dL/dz2_1 on a network
        with a loss."""
        if not isinstance(data, dict) or not conventions.uses_delta():
            return data  # (parse refuses delta names on other sheets)
        network = data.get("network")
        of = "L" if isinstance(network, dict) and network.get("loss", "none") != "none" else "H"
        changed = {}
        claims = data.get("claims")
        if isinstance(claims, list) and any(isinstance(c, dict) and _is_delta(c.get("about")) for c in claims):
            changed["claims"] = [{**c, "about": f"d{of}/dz{c['about'].strip()[5:]}"}
                                 if isinstance(c, dict) and _is_delta(c.get("about")) else c for c in claims]
        for key in ("ask", "target"):
            names = data.get(key)
            if _is_delta(names):
                changed[key] = f"d{of}/dz{names.strip()[5:]}"
            elif isinstance(names, list) and any(_is_delta(n) for n in names):
                changed[key] = [f"d{of}/dz{n.strip()[5:]}" if _is_delta(n) else n for n in names]
        return {**data, **changed} if changed else data

    @model_validator(mode="after")
    def _own_math_is_closed(self):
        for key, texts in (("intro", [self.intro]), ("prompts", self.prompts or [])):
            for index, text in enumerate(texts):
                if text is not None and re.search(r"(?<!\\)\$\$", text):
                    where = (key,) if key == "intro" else (key, index)
                    raise FieldError("$$ is not supported: math goes between single dollars, $...$ "
                                     "(write \\$ for a dollar sign)", *where)
                if text is not None and len(OWN_MATH.sub("", text).replace(r"\$", "")) != \
                        len(OWN_MATH.sub("", text).replace(r"\$", "").replace("$", "")):
                    where = (key,) if key == "intro" else (key, index)
                    raise FieldError("a $ that opens math is never closed (write \\$ for a dollar sign)", *where)
        asked = getattr(self, "ask", None) or getattr(self, "claims", None)  # one part each (other kinds: at build)
        if self.prompts and asked and len(self.prompts) != len(asked):
            raise FieldError(f"{len(self.prompts)} prompts for {len(asked)} part{'s' * (len(asked) != 1)}; "
                             "give one per part", "prompts")
        return self

    takes_loss: ClassVar[bool] = False  # kinds that ask about L set this

    def draws_network(self) -> bool:
        """True when the problem's network is drawn (and so limited to a page's size)."""
        return getattr(self, "network", None) is not None

    takes_batch: ClassVar[bool] = False  # kinds whose answers are a batch's L and gradients set this

    @model_validator(mode="after")
    def _batch_taken(self):
        network = getattr(self, "network", None)
        if network is None or not network.is_batch:
            return self
        if not self.takes_batch:
            raise FieldError(f"the {self.kind} kind works on one input; give x as one point (a batch of points "
                             "is for backprop, forward, gradient-table and gd-step)",
                             "network", "x")
        for layers in network.layers:
            # the key lists each point's values, 3 a line: at most every z, a and derivative
            lines = len(network.x) * -(-(2 * sum(layers[1:]) + layers[-1]) // 3)
            if lines > MAX_BATCH_LINES:
                raise FieldError(f"{len(network.x)} points on layers {layers}: the key would list up to {lines} "
                                 f"lines of point values (at most {MAX_BATCH_LINES}); use fewer points or a "
                                 "smaller network", "network", "x")
        return self

    @model_validator(mode="after")
    def _loss_taken(self):
        network = getattr(self, "network", None)
        if network is not None and network.loss != "none" and not self.takes_loss:
            raise FieldError(f"the {self.kind} kind is about H, a network without a loss; remove loss: "
                             "(backprop, forward, gradient-table, gd-step and matrix-backprop take one)", "network", "loss")
        return self

    @model_validator(mode="after")
    def _fits_the_page(self):
        if self.draws_network():
            check_drawn(self.network, "" if "figure" not in type(self).model_fields
                        else " (set figure: false to describe it in words)")
        return self

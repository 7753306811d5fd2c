"""Each course's notation: a sheet's `conventions:`, and the one place that converts to it.

Inside, the program has one notation, the course's default ("from-to"): W^(l)_ij joins
node i of layer l−1 to node j of layer l, W^(l) has n_(l−1) rows, z^(l) = W^(l)ᵀ a^(l−1) + b^(l).
A sheet in "to-from" (CS231n, Nielsen) writes W^(l)_jk for the weight from node k to node j,
and its matrices with n_l rows (z = W a). The conversion happens only at the edges: the
spec's matrices and quantity names are turned around as they are read, and names, layer
marks and δ as they are written; the math never sees the difference, so it cannot diverge.

A sheet's conventions hold while it is read and built (`use`), the way a locale does;
everything that names a quantity asks `current()`.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Conventions(BaseModel):
    """How a course writes a network; every default is this course's notation."""
    model_config = ConfigDict(extra="forbid", frozen=True)

    weights: Literal["from-to", "to-from"] = Field(
        "from-to", description="from-to: W^(l)_ij joins node i of layer l-1 to node j of layer l, W^(l) has "
        "n_(l-1) rows (z = Wᵀa); to-from: W^(l)_jk joins node k of layer l-1 to node j of layer l, W^(l) has "
        "n_l rows (z = W a), in the spec's matrices, quantity names, figures, texts and keys",
        examples=["to-from"])
    layer_mark: Literal["paren", "bracket"] = Field("paren", description="paren: W^(l); bracket: W^[l]",
                                                    examples=["bracket"])
    delta: bool = Field(False, description="true: δ^(l)_j names ∂L/∂z^(l)_j (∂H/∂z^(l)_j without a loss) in "
                        "texts, keys and answers.json, and `delta2_1` may be asked",
                        examples=[True])
    relu_at_zero: Annotated[int, Field(strict=True, ge=0, le=1)] = Field(0, description="ReLU′(0): 0 or 1, in the answers, their check and "
                                        "the texts", examples=[1])

    @property
    def to_from(self) -> bool:
        return self.weights == "to-from"


DEFAULT = Conventions()
_CURRENT: ContextVar[Conventions] = ContextVar("conventions", default=DEFAULT)


def current() -> Conventions:
    return _CURRENT.get()


@contextmanager
def use(conventions: Conventions | None):
    """Within the block, names and numbers are read and written in these conventions."""
    token = _CURRENT.set(conventions or DEFAULT)
    try:
        yield
    finally:
        _CURRENT.reset(token)


# ---- weights: the order of a weight's two indices, and of a matrix's rows --------------

def weight_indices(source, target) -> tuple:
    """A weight's two subscripts as the sheet writes them, from the (source node of layer
    l−1, target node of layer l) inside: (source, target) from-to, (target, source) to-from."""
    return (target, source) if current().to_from else (source, target)


def weight_name(layer: int, source: int, target: int) -> str:
    """`W2_12` in the sheet's order of the indices (source node of layer l−1, target node
    of layer l, 1-based)."""
    first, second = weight_indices(source, target)
    return f"W{layer}_{first}{second}"


def as_written(matrix) -> tuple:
    """A matrix indexed [source][target] (W^(l) inside, ∂L/∂W^(l)) as the sheet writes it:
    transposed in to-from, so that it has n_l rows."""
    return tuple(zip(*matrix)) if current().to_from and matrix else tuple(map(tuple, matrix))


def from_written(matrix: list) -> list:
    """A spec's matrix as the program holds it (to-from: transposed back); it is its own
    inverse, as_written for lists."""
    return [list(row) for row in zip(*matrix)] if current().to_from and matrix else matrix


def matrix_shape(sources: int, targets: int) -> tuple[int, int]:
    """(rows, columns) of W^(l) as the sheet writes it."""
    return (targets, sources) if current().to_from else (sources, targets)


def forward_rule(bias: bool = True) -> str:
    """z^(l) = W^(l)ᵀ a^(l−1) + b^(l) (to-from: W^(l) a^(l−1) + ...) in LaTeX, in the sheet's marks."""
    l, prev = mark("l"), mark("l - 1")
    weights = rf"W{l} a{prev}" if current().to_from else rf"W{l[:-1]} \top}} a{prev}"
    return rf"z{l} = {weights}" + (rf" + b{l}" if bias else "")


# ---- layer marks and δ ----------------------------------------------------------------

def mark(layer) -> str:
    """The superscript ^(l) or ^[l] in LaTeX."""
    return f"^{{[{layer}]}}" if current().layer_mark == "bracket" else f"^{{({layer})}}"


def brackets() -> tuple[str, str]:
    """The two characters around a layer number in plain text: "(" ")" or "[" "]"."""
    return ("[", "]") if current().layer_mark == "bracket" else ("(", ")")


def uses_delta() -> bool:
    return current().delta


def relu_at_zero() -> int:
    return current().relu_at_zero

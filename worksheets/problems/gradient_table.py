"""`gradient-table`: fill in every entry of ∂H/∂W^(l) (and ∂H/∂b^(l)) with a few entries
given as hints, the way course homework asks for whole gradient matrices."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..chain import steps
from ..document import Answer, AnswerSpace, DisplayMath, Math, Part, Problem, Table, Text, para
from ..quantities import Quantity
from ..spec import Decimals, FieldError, NetworkSpec, ProblemSpec, QuantityName, check_quantities
from . import common
from .backprop import require_values

KIND = "gradient-table"
NEEDS_VALUES = True  # the generator fills in missing weights and inputs when ranges are set


class Spec(ProblemSpec):
    kind: Literal["gradient-table"]
    network: NetworkSpec
    layers: list[Annotated[int, Field(strict=True, ge=1)]] | None = None  # default: every layer
    hints: list[QuantityName] = []  # entries printed filled in, e.g. dH/dW1_11
    decimals: Decimals = common.DEFAULT_DECIMALS

    @model_validator(mode="after")
    def _check(self):
        require_values(self)
        for index, layer in enumerate(self.layers or []):
            if layer > self.network.depth:
                raise FieldError(f"the network has layers 1 to {self.network.depth}", "layers", index)
        check_quantities(self.network, self.hints, "hints")
        for index, q in enumerate(self.hints):
            if not (q.derivative and q.symbol in ("W", "b")):
                raise FieldError(f"'{q.name}' is not a table entry; hints are dH/dW or dH/db entries",
                                 "hints", index)
        return self


def build(spec: Spec, number: int) -> Problem:
    net = spec.network.to_network()
    solved = common.solve(net, spec.decimals)
    intro = (
        para("Consider the neural network in the figure with its weights, input and the values "
             "of every node."),
        common.figure(net, number, with_values=True, solved=solved),
        common.assumptions(net, biases_drawn=True),
        *common.precision_note(solved),
        para("Fill in every empty entry of the gradient tables. The entries already filled in "
             "are given to help you check your work."),
    )
    hints = set(spec.hints)
    tables = [("W", layer) for layer in (spec.layers or range(1, net.depth + 1))]
    if net.has_bias:
        tables += [("b", layer) for _, layer in list(tables)]
    shown: set = set()
    parts = [_part(solved, symbol, layer, hints, index, shown) for index, (symbol, layer) in common.each_part(tables)]
    return Problem(number, spec.id, KIND, intro, tuple(parts), spec.points)


def _entries(net, symbol: str, layer: int) -> list[list[Quantity]]:
    if symbol == "b":
        return [[Quantity("b", layer, j, derivative=True) for j in range(1, net.layers[layer] + 1)]]
    return [[Quantity("W", layer, i, j, derivative=True) for j in range(1, net.layers[layer] + 1)]
            for i in range(1, net.layers[layer - 1] + 1)]


def _part(solved, symbol: str, layer: int, hints: set, index: int, shown: set) -> Part:
    net = solved.net
    entries = _entries(net, symbol, layer)
    values = [[solved.value(q) for q in row] for row in entries]
    name = f"dH/d{symbol}{layer}"
    blank = _table(solved, entries, values, lambda q: q in hints)
    matrix = common.matrix_latex(values, solved.decimals)
    answer = Answer(name, tuple(tuple(_plain(solved, v) for v in row) for row in values),
                    rf"{_matrix_name(symbol, layer)} = {matrix}", solved.decimals)
    work = [DisplayMath(line) for line in steps(solved, [q for row in entries for q in row], shown)]
    prompt = (para("Entries of ", Math(_matrix_name(symbol, layer)), ":"), blank)
    # The answer's matrix is the table filled in: the steps are the worked solution.
    solution = tuple(work) or (para("See the steps above."),)
    return Part(common.letter(index), prompt, answer, solution, AnswerSpace(lines=0))


def _matrix_name(symbol: str, layer: int) -> str:
    return rf"\dfrac{{{{\partial}} H}}{{{{\partial}} {symbol}^{{({layer})}}}}"


def _plain(solved, value):
    from .. import numbers
    return numbers.plain(value) if solved.decimals is None else numbers.rounded(value, solved.decimals)


def _table(solved, entries, values, show) -> Table:
    """Header row of column indices j, then one row per i; None marks a cell to fill in."""
    header = ((Text(""),),) + tuple((Math(f"j = {j}"),) for j in range(1, len(entries[0]) + 1))
    rows = [header]
    for i, (row, row_values) in enumerate(zip(entries, values), start=1):
        label = (Math(f"i = {i}"),) if row[0].symbol == "W" else (Text(""),)
        rows.append((label,) + tuple((Text(solved.text(v)),) if show(q) else None
                                     for q, v in zip(row, row_values)))
    return Table(tuple(rows))


def variant_numbers(spec: Spec):
    """For the version rules: every entry a student fills in is an answer."""
    from ..variants import network_numbers
    net = spec.network.to_network()
    layers = spec.layers or range(1, net.depth + 1)
    symbols = ("W", "b") if net.has_bias else ("W",)
    tables = [_entries(net, symbol, layer) for symbol in symbols for layer in layers]
    asked = [q for table in tables for row in table for q in row if q not in set(spec.hints)]
    found = network_numbers(spec, asked)
    # Each table is one part: two parts share an answer only if two whole tables are equal.
    found.parts = [[[found.answers.get(q.name) for q in row] for row in table] for table in tables]
    return found

"""`gradient-table`: fill in every entry of ∂H/∂W^(l) (and ∂H/∂b^(l)) with a few entries
given as hints, the way course homework asks for whole gradient matrices."""
from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace
from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from .. import conventions, notation, numbers
from ..document import Answer, AnswerSpace, DisplayMath, Math, Part, Problem, Table, Text, para
from ..errors import Unprintable
from ..quantities import Quantity
from ..spec import MAX_BATCH_LINES, Decimals, FieldError, NetworkSpec, ProblemSpec, QuantityName, check_quantities
from .arithmetic import network_numbers
from .chain import PER_LINE, prerequisites, steps
from .checked import DEFAULT_DECIMALS, solve
from .figure import figure_blocks
from .formulas import matrix_latex
from .kind import Kind
from .parts import each_part, letter
from .values import require_values
from .wording import assumptions, batch_legend, precision_note

MAX_WORKED_LINES = 120  # chain-rule equations in the key: about four pages
# The key's filled-in table must fit the text width of A4 inside a part's solution box
# (480 - 24 - 12 pt); the renderer sizes columns by their widest text, 11 pt padding each.
TABLE_WIDTH, COLUMN_PADDING, LABEL_COLUMN, CHARACTER, HEADER = 444.0, 11.0, 51.0, 5.5, 30.0


class Spec(ProblemSpec):
    """`gradient-table`: fill in every entry of ∂H/∂W^(l) (and ∂H/∂b^(l)) with a few entries
    given as hints, the way course homework asks for whole gradient matrices."""
    kind: Literal["gradient-table"]
    network: NetworkSpec = Field(description="the network, with weights and input (or random)")
    layers: list[Annotated[int, Field(strict=True, ge=1)]] | None = Field(
        None, description="the layers whose tables are asked (default: every layer)", examples=[[1]])
    hints: list[QuantityName] = Field([], description="entries printed filled in, to check work by",
                                      examples=[["dH/dW1_11"]])
    decimals: Decimals = DEFAULT_DECIMALS
    takes_loss: ClassVar[bool] = True  # then the tables are of ∂L/∂W^(l) (with L2: its λW too)
    takes_batch: ClassVar[bool] = True

    @model_validator(mode="after")
    def _check(self):
        require_values(self)
        for index, layer in enumerate(self.layers or []):
            if layer > self.network.depth:
                raise FieldError(f"the network has layers 1 to {self.network.depth}", "layers", index)
            if layer in self.layers[:index]:
                raise FieldError(f"layer {layer} is listed twice", "layers", index)
        points = len(self.network.x) if self.network.is_batch else 0
        for net in self.network.skeletons():
            lines = worked_lines(net, _tables(net, self.layers), points)
            limit = MAX_BATCH_LINES if points else MAX_WORKED_LINES
            if lines > limit:
                raise FieldError(f"the key would work out {lines} chain-rule equations for these tables "
                                 f"(at most {limit} can be printed); ask for fewer layers"
                                 f"{' or points' if points else ''}",
                                 *(("layers",) if self.layers else ()))
        check_quantities(self.network, self.hints, "hints")
        for index, q in enumerate(self.hints):
            if not (q.derivative and q.symbol in ("W", "b")):
                raise FieldError(f"'{q.name}' is not a table entry; hints are dH/dW or dH/db entries "
                                 "(dL/dW or dL/db with a loss)",
                                 "hints", index)
        return self


def build(spec: Spec, number: int) -> Problem:
    net = spec.network.to_network()
    solved = solve(net, spec.decimals)
    intro = (
        batch_legend() if net.is_batch else
        para("Consider the neural network in the figure with its weights, input and the values "
             "of every node."),
        *figure_blocks(net, number, with_values=True, solved=solved),
        assumptions(net, biases_drawn=True),
        *precision_note(solved),
        para("Fill in every empty entry of the gradient tables. The entries already filled in "
             "are given to help you check your work."),
    )
    hints = set(spec.hints)
    tables = _tables(net, spec.layers)
    shown: set = set()
    parts = [_part(solved, symbol, layer, hints, index, shown) for index, (symbol, layer) in each_part(tables)]
    return Problem(number, spec.id, spec.kind, intro, tuple(parts), spec.points)


def _tables(net, layers) -> list[tuple[str, int]]:
    tables = [("W", layer) for layer in (layers or range(1, net.depth + 1))]
    if net.has_bias:
        tables += [("b", layer) for _, layer in list(tables)]
    return tables


def worked_lines(net, tables, points: int = 0) -> int:
    """How many equations the key's worked solution has (chain.steps: each quantity
    the tables need, once); it depends only on the architecture (and a batch's size:
    each point's values, PER_LINE a line, then one line per entry)."""
    shown: set = set()
    solved = SimpleNamespace(net=net)  # prerequisites look at the network's shape only

    def visit(q: Quantity) -> None:
        if q not in shown:
            shown.add(q)
            for needed in prerequisites(solved, q):
                visit(needed)
    entries = [q for symbol, layer in tables for row in _entries(net, symbol, layer) for q in row]
    for q in entries:
        visit(q)
    if not points:
        return len(shown)
    per_point = len(shown) + net.layers[-1] + net.depth * max(net.layers)  # outputs and weights' sources
    return points * -(-per_point // PER_LINE) + len(entries)


def _require_width(solved, name: str, values) -> None:
    """Unprintable when the filled-in table would be wider than the page (its numbers
    cannot be wrapped); the estimate follows the renderer's column sizes."""
    columns = [max(len(solved.text(v)) * CHARACTER for v in column) for column in zip(*values)]
    width = LABEL_COLUMN + sum(max(c, HEADER) + COLUMN_PADDING for c in columns)
    if width > TABLE_WIDTH:
        widest = max(len(solved.text(v)) for row in values for v in row)
        raise Unprintable(f"the table of {name} is too wide to print ({len(columns)} columns of numbers "
                          f"up to {widest} characters long); use smaller numbers or a narrower layer")


def _entries(net, symbol: str, layer: int) -> list[list[Quantity]]:
    """The table's quantities, a list per row (made once per shape: every version and every
    draw of a problem asks for the same)."""
    rows = _entries_of(symbol, layer, net.layers[layer - 1], net.layers[layer], net.objective,
                       conventions.current().to_from)
    return [list(row) for row in rows]


@lru_cache(maxsize=256)
def _entries_of(symbol: str, layer: int, sources: int, targets: int, of: str, to_from: bool) -> tuple:
    if symbol == "b":
        return (tuple(Quantity("b", layer, j, derivative=True, of=of) for j in range(1, targets + 1)),)
    held = [[Quantity("W", layer, i, j, derivative=True, of=of) for j in range(1, targets + 1)]
            for i in range(1, sources + 1)]
    return tuple(zip(*held)) if to_from else tuple(map(tuple, held))  # to-from: a row per node of layer l


def _part(solved, symbol: str, layer: int, hints: set, index: int, shown: set) -> Part:
    net = solved.net
    entries = _entries(net, symbol, layer)
    values = [[solved.value(q) for q in row] for row in entries]
    name = f"d{net.objective}/d{symbol}{layer}"
    _require_width(solved, name, values)
    blank = _table(solved, entries, values, lambda q: q in hints)
    matrix = matrix_latex(values, solved.decimals)
    answer = Answer(name, tuple(tuple(_plain(solved, v) for v in row) for row in values),
                    rf"{_matrix_name(symbol, layer, net.objective)} = {matrix}", solved.decimals)
    work = [DisplayMath(line) for line in steps(solved, [q for row in entries for q in row], shown)]
    prompt = (para("Entries of ", Math(_matrix_name(symbol, layer, net.objective)), ":"), blank)
    # The answer's matrix is the table filled in: the steps are the worked solution.
    solution = tuple(work)
    return Part(letter(index), prompt, answer, solution, AnswerSpace(lines=0))


def _matrix_name(symbol: str, layer: int, of: str) -> str:
    return notation.derivative(f"{symbol}{notation.layer_mark(layer)}", of)


def _plain(solved, value):
    return numbers.plain(value) if solved.decimals is None else numbers.rounded(value, solved.decimals)


def _table(solved, entries, values, show) -> Table:
    """Header row of column indices (j; k in to-from), then one row per i (j); None marks a
    cell to fill in."""
    row_index, column_index = conventions.weight_indices("i", "j") if row_is_weight(entries) else ("", "j")
    header = ((Text(""),),) + tuple((Math(f"{column_index} = {j}"),) for j in range(1, len(entries[0]) + 1))
    rows = [header]
    for i, (row, row_values) in enumerate(zip(entries, values), start=1):
        label = (Math(f"{row_index} = {i}"),) if row[0].symbol == "W" else (Text(""),)
        rows.append((label,) + tuple((Text(solved.text(v)),) if show(q) else None
                                     for q, v in zip(row, row_values)))
    return Table(tuple(rows))


def row_is_weight(entries) -> bool:
    return entries[0][0].symbol == "W"


def variant_numbers(spec: Spec):
    """For the version rules: every entry a student fills in is an answer."""
    net = spec.network.to_network()
    layers = spec.layers or range(1, net.depth + 1)
    symbols = ("W", "b") if net.has_bias else ("W",)
    tables = [_entries(net, symbol, layer) for symbol in symbols for layer in layers]
    hints = set(spec.hints)
    asked = [q for table in tables for row in table for q in row if q not in hints]
    found = network_numbers(spec, asked)
    # Each table is one part: two parts share an answer only if two whole tables are equal.
    found.parts = [[[found.answers.get(q.name) for q in row] for row in table] for table in tables]
    return found


EXAMPLE = '''\
kind: gradient-table
points: 6
network:
  layers: [2, 2, 1]
  W1: [[1, 2], [-1, 1]]
  W2: [[2], [-1]]
  x: [1, 2]
hints: [dH/dW1_11]            # entries printed filled in
'''


KIND = Kind("gradient-table", Spec, build, needs_values=True, relus_on=True, numbers=variant_numbers,
            example=EXAMPLE)

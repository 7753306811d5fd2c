"""The independent check of a computational graph: forward-mode derivatives with dual
numbers, by evaluating each node's expression tree directly.

Nothing is shared with worksheets.circuit but the spec's text: no gates, no backward
pass. Python's own arithmetic on Dual numbers gives each node's value and the derivative
of the output with respect to one node (a seed of 1 on that node, 0 on the nodes before
it), so a wrong decomposition into gates or a wrong local gradient shows up as a
disagreement. Conventions as in circuit: ties of max/min go to the first argument,
ReLU′(0) = |x|′(0) = 0.
"""
from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Dual:
    value: object  # Fraction or float
    slope: object = Fraction(0)

    def __add__(self, other):
        other = _dual(other)
        return Dual(self.value + other.value, self.slope + other.slope)

    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.value, -self.slope)

    def __sub__(self, other):
        return self + -_dual(other)

    def __rsub__(self, other):
        return _dual(other) + -self

    def __mul__(self, other):
        other = _dual(other)
        return Dual(self.value * other.value, self.slope * other.value + self.value * other.slope)

    __rmul__ = __mul__

    def __truediv__(self, other):
        other = _dual(other)
        value = _divide(self.value, other.value)
        return Dual(value, _divide(self.slope * other.value - self.value * other.slope, other.value * other.value))

    def __rtruediv__(self, other):
        return _dual(other) / self

    def __pow__(self, exponent):
        n = Fraction(exponent)
        if n.denominator == 1:
            value = self.value ** int(n)
            below = self.value ** (int(n) - 1)
        else:
            value = float(self.value) ** float(n)
            below = float(self.value) ** (float(n) - 1)
        return Dual(value, n * below * self.slope)


def _divide(a, b):
    return a / b if isinstance(a, float) or isinstance(b, float) else Fraction(a) / Fraction(b)


def _dual(x) -> Dual:
    return x if isinstance(x, Dual) else Dual(Fraction(x) if not isinstance(x, float) else x)


def _chain(value, slope_of_value):
    return lambda d: Dual(value(d.value), slope_of_value(d.value) * d.slope)


def _sigmoid(v):
    v = float(v)
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))


FUNCTIONS = {
    "exp": _chain(lambda v: math.exp(v), lambda v: math.exp(v)),
    "log": _chain(lambda v: math.log(v), lambda v: 1 / v),
    "sigmoid": _chain(_sigmoid, lambda v: _sigmoid(v) * (1 - _sigmoid(v))),
    "tanh": _chain(lambda v: math.tanh(v), lambda v: 1 - math.tanh(v) ** 2),
    "relu": _chain(lambda v: v if v > 0 else Fraction(0), lambda v: 1 if v > 0 else 0),
    "abs": _chain(abs, lambda v: (v > 0) - (v < 0)),
    "max": lambda a, b: a if _dual(a).value >= _dual(b).value else _dual(b),
    "min": lambda a, b: a if _dual(a).value <= _dual(b).value else _dual(b),
}


def evaluate(graph: dict, inputs: dict, seed: str | None = None) -> dict[str, Dual]:
    """Every node of the graph as a Dual: its value, and its derivative with respect to
    the node `seed` (every node's slope is 0 when seed is None)."""
    values: dict[str, Dual] = {}
    for name, text in graph.items():
        if name in inputs:
            values[name] = Dual(inputs[name])
        else:
            values[name] = _dual(_evaluate(ast.parse(text, mode="eval").body, values))
        if name == seed:
            values[name] = Dual(values[name].value, Fraction(1))
    return values


def _evaluate(tree, values: dict):
    """A restricted interpreter over the node's expression tree: only the constructs the
    circuit parser accepted can appear here (a spec passed it first)."""
    if isinstance(tree, ast.Constant):
        return Fraction(tree.value) if isinstance(tree.value, int) else Fraction(str(tree.value))
    if isinstance(tree, ast.Name):
        return values[tree.id]
    if isinstance(tree, ast.UnaryOp):
        operand = _evaluate(tree.operand, values)
        return -operand if isinstance(tree.op, ast.USub) else operand
    if isinstance(tree, ast.BinOp):
        a, b = _evaluate(tree.left, values), _evaluate(tree.right, values)
        return {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
                ast.Div: lambda: _dual(a) / b, ast.Pow: lambda: _dual(a) ** b}[type(tree.op)]()
    if isinstance(tree, ast.Call):
        return FUNCTIONS[tree.func.id](*(_dual(_evaluate(arg, values)) for arg in tree.args))
    raise ValueError(f"unexpected construct {type(tree).__name__}")

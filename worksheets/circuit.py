"""Scalar computational graphs ("circuits"): expressions parsed into gates, a forward pass
and a backward pass gate by gate, as CS231n and micrograd teach them.

    parse_graph({"x": -2, "y": 5, "q": "x + y", "f": "q * z"})  -> Circuit
    circuit.forward(inputs) -> values of every wire
    circuit.backward(values, output) -> d output / d wire, per wire and per use of a wire

Each expression is parsed with `ast` (never evaluated) and turned into one gate per
operation; a node with several operations becomes a chain of gates whose last wire carries
the node's name. Each gate has its own forward and local derivative (micrograd style):
upstream gradient times local gradient, summed where a wire fans out. Rational gates
compute exactly with Fractions; exp, log, sigmoid and tanh with floats. The independent
check (worksheets.dual) recomputes every derivative in forward mode, sharing none of this.

Conventions: max/min send the gradient to the first argument of a tie; ReLU′(0) = 0 and
|x|′ at 0 is 0.
"""
from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from fractions import Fraction

MAX_GATES = 40  # a figure of more gates is no longer legible on a page
MAX_EXPRESSION = 300  # characters of one node's expression
NAME_LENGTH = 12
FUNCTIONS = {"exp": 1, "log": 1, "sigmoid": 1, "relu": 1, "tanh": 1, "abs": 1, "max": 2, "min": 2}
SMOOTH = {"exp", "log", "sigmoid", "tanh"}  # computed with floats


class GraphError(ValueError):
    """A graph that cannot be parsed or evaluated; the message names the node."""

    def __init__(self, node: str, message: str):
        super().__init__(f"node '{node}': {message}")
        self.node = node


@dataclass(frozen=True)
class Gate:
    op: str  # add, mul, neg, inv, addc, mulc, pow, max, min, exp, log, sigmoid, relu, tanh, abs
    args: tuple  # wire names (str) or constants (Fraction) feeding the gate
    out: str  # the wire it drives: the node's name for its last gate, else "~1", "~2", ...
    const: Fraction | None = None  # the c of addc/mulc, the exponent of pow

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(a for a in self.args if isinstance(a, str))


@dataclass
class Circuit:
    inputs: list[str]  # input names, in spec order
    gates: list[Gate]  # in evaluation order
    nodes: list[str]  # every named node, inputs first, in spec order
    uses: dict = field(default_factory=dict)  # wire -> [(gate index, argument index)]

    def __post_init__(self):
        for index, gate in enumerate(self.gates):
            for position, arg in enumerate(gate.args):
                if isinstance(arg, str):
                    self.uses.setdefault(arg, []).append((index, position))

    @property
    def exact(self) -> bool:
        """True when every value is rational (no exp, log, sigmoid, tanh, fractional power)."""
        return all(g.op not in SMOOTH and not (g.op == "pow" and g.const.denominator != 1)
                   for g in self.gates)

    @property
    def integral(self) -> bool:
        """True when integer inputs give integer values (no 1/x, no negative power)."""
        return self.exact and all(g.op != "inv" and not (g.op == "pow" and g.const < 0) for g in self.gates)

    def forward(self, inputs: dict) -> dict:
        """The value of every wire, inputs included."""
        values = dict(inputs)
        for gate in self.gates:
            args = [values[a] if isinstance(a, str) else a for a in gate.args]
            try:
                values[gate.out] = _FORWARD[gate.op](gate, *args)
            except (ZeroDivisionError, ValueError, OverflowError) as exc:
                raise GraphError(self.node_of(gate), f"{_describe(exc)} at the given values") from None
        return values

    def backward(self, values: dict, output: str) -> tuple[dict, dict]:
        """(gradient of output per wire, gradient per use): uses[(gate, position)] is what
        flows back along one wire into one gate's input; a wire's gradient is their sum."""
        grads = {wire: Fraction(0) for wire in values}
        grads[output] = Fraction(1)
        per_use = {}
        last = next(i for i, g in enumerate(self.gates) if g.out == output)
        for index in range(last, -1, -1):
            gate = self.gates[index]
            locals_ = self.local_gradients(gate, values)
            for position, (arg, local) in enumerate(zip(gate.args, locals_)):
                if isinstance(arg, str):
                    per_use[(index, position)] = grads[gate.out] * local
                    grads[arg] += per_use[(index, position)]
        return grads, per_use

    def local_gradients(self, gate: Gate, values: dict) -> tuple:
        """d gate output / d each argument, at these values (the gate's own rule)."""
        args = [values[a] if isinstance(a, str) else a for a in gate.args]
        try:
            return _LOCAL[gate.op](gate, values[gate.out], *args)
        except (ZeroDivisionError, ValueError, OverflowError):
            raise GraphError(self.node_of(gate), "not differentiable at the given values") from None

    def node_of(self, gate: Gate) -> str:
        """The named node a gate belongs to (the first named wire at or after it)."""
        start = self.gates.index(gate)
        return next(g.out for g in self.gates[start:] if not g.out.startswith("~"))


# ---- gates: forward and local derivatives, one pair per operation -----------------------

def _sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))


def _power(gate, a):
    n = gate.const
    if n.denominator == 1:
        return Fraction(a) ** int(n) if not isinstance(a, float) else a ** int(n)
    if a < 0:
        raise ValueError("a fractional power of a negative number")
    return float(a) ** float(n)


_FORWARD = {
    "add": lambda g, a, b: a + b,
    "mul": lambda g, a, b: a * b,
    "neg": lambda g, a: -a,
    "inv": lambda g, a: 1 / a if isinstance(a, float) else Fraction(1) / a,
    "addc": lambda g, a: a + g.const,
    "mulc": lambda g, a: a * g.const,
    "pow": _power,
    "max": lambda g, a, b: a if a >= b else b,
    "min": lambda g, a, b: a if a <= b else b,
    "relu": lambda g, a: a if a > 0 else Fraction(0),
    "abs": lambda g, a: abs(a),
    "exp": lambda g, a: math.exp(a),
    "log": lambda g, a: math.log(a) if a > 0 else _fail("the logarithm of a number that is not positive"),
    "sigmoid": lambda g, a: _sigmoid(float(a)),
    "tanh": lambda g, a: math.tanh(a),
}

_LOCAL = {  # (gate, its output, its arguments) -> d output / d argument, per argument
    "add": lambda g, out, a, b: (1, 1),
    "mul": lambda g, out, a, b: (b, a),
    "neg": lambda g, out, a: (-1,),
    "inv": lambda g, out, a: (-out * out,),
    "addc": lambda g, out, a: (1,),
    "mulc": lambda g, out, a: (g.const,),
    "pow": lambda g, out, a: (g.const * _power(Gate("pow", (a,), "", g.const - 1), a),),
    "max": lambda g, out, a, b: (1, 0) if a >= b else (0, 1),
    "min": lambda g, out, a, b: (1, 0) if a <= b else (0, 1),
    "relu": lambda g, out, a: (1 if a > 0 else 0,),
    "abs": lambda g, out, a: (1 if a > 0 else -1 if a < 0 else 0,),
    "exp": lambda g, out, a: (out,),
    "log": lambda g, out, a: (1 / a,),
    "sigmoid": lambda g, out, a: (out * (1 - out),),
    "tanh": lambda g, out, a: (1 - out * out,),
}


def _fail(message: str):
    raise ValueError(message)


def _describe(exc: Exception) -> str:
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    if isinstance(exc, OverflowError):
        return "a number too large to compute"
    return str(exc) if "math domain" not in str(exc) else "a value outside the function's domain"


# ---- parsing ------------------------------------------------------------------------

def parse_graph(graph: dict) -> Circuit:
    """The circuit of a spec's `graph:` (name -> number, `random` or expression text).
    GraphError names the node and the construct it cannot take."""
    inputs, gates, nodes, temporaries = [], [], [], iter(range(1, 10**6))
    for name, value in graph.items():
        _check_name(name, graph)
        nodes.append(name)
        if not isinstance(value, str) or _is_number_text(value) or value == "random":
            if gates:
                raise GraphError(name, "inputs come before the nodes computed from them")
            inputs.append(name)
            continue
        if len(value) > MAX_EXPRESSION:
            raise GraphError(name, f"an expression of {len(value):,} characters; at most {MAX_EXPRESSION}")
        builder = _Builder(name, set(nodes[:-1]), gates, temporaries)
        try:
            tree = ast.parse(value, mode="eval")
        except SyntaxError as exc:
            raise GraphError(name, f"cannot read {value!r}: {exc.msg}") from None
        except (RecursionError, MemoryError):
            raise GraphError(name, "the expression is nested too deeply") from None
        try:
            result = builder.wire(tree.body)
        except RecursionError:
            raise GraphError(name, "the expression is nested too deeply") from None
        if not builder.made or not isinstance(result, str):
            raise GraphError(name, "an expression needs at least one operation on another node")
        gates[-1] = Gate(gates[-1].op, gates[-1].args, name, gates[-1].const)
        if len(gates) > MAX_GATES:
            raise GraphError(name, f"the graph has more than {MAX_GATES} gates; a figure of it "
                                   "would not be legible")
    if not gates:
        raise GraphError(nodes[-1] if nodes else "?", "the graph has no operations")
    return Circuit(inputs, gates, nodes)


def _is_number_text(text: str) -> bool:
    try:
        Fraction(text.replace("_", "x"))  # underscores are not digit separators here
        return True
    except (ValueError, ZeroDivisionError):
        return False


def _check_name(name, graph: dict) -> None:
    if not isinstance(name, str) or not name.isidentifier() or not name.isascii():
        raise GraphError(str(name), "a node's name is a letter followed by letters, digits or _")
    if len(name) > NAME_LENGTH:
        raise GraphError(name, f"a node's name has at most {NAME_LENGTH} characters")
    if name in FUNCTIONS:
        raise GraphError(name, f"'{name}' is a function; choose another name")


class _Builder:
    """Turns one expression into gates appended to `gates`."""

    def __init__(self, node: str, known: set, gates: list, temporaries):
        self.node, self.known, self.gates, self.temporaries = node, known, gates, temporaries
        self.made = False

    def fail(self, message: str):
        raise GraphError(self.node, message)

    def wire(self, tree):
        """The wire (name) or constant (Fraction) an expression tree evaluates to."""
        if isinstance(tree, ast.Constant):
            if isinstance(tree.value, bool) or not isinstance(tree.value, (int, float)):
                self.fail(f"{tree.value!r} is not a number")
            if isinstance(tree.value, float) and not math.isfinite(tree.value):
                self.fail("numbers must be finite")
            return Fraction(tree.value) if isinstance(tree.value, int) else Fraction(str(tree.value))
        if isinstance(tree, ast.Name):
            if tree.id == self.node:
                self.fail("a node cannot use itself (the graph would have a cycle)")
            if tree.id not in self.known:
                self.fail(f"'{tree.id}' is used before it is defined (nodes are listed in order)")
            return tree.id
        if isinstance(tree, ast.UnaryOp) and isinstance(tree.op, (ast.USub, ast.UAdd)):
            value = self.wire(tree.operand)
            if isinstance(tree.op, ast.UAdd):
                return value
            return -value if isinstance(value, Fraction) else self.gate("neg", value)
        if isinstance(tree, ast.BinOp):
            return self.binary(tree)
        if isinstance(tree, ast.Call):
            return self.call(tree)
        self.fail(f"unsupported construct: {type(tree).__name__} (use numbers, names, + - * / **, "
                  f"and {', '.join(FUNCTIONS)})")

    def binary(self, tree: ast.BinOp):
        a, b = self.wire(tree.left), self.wire(tree.right)
        op = type(tree.op)
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            self.fail("an operation on two numbers; write the number")
        if op is ast.Add:
            return self.gate("addc", b, const=a) if isinstance(a, Fraction) else \
                self.gate("addc", a, const=b) if isinstance(b, Fraction) else self.gate("add", a, b)
        if op is ast.Mult:
            return self.gate("mulc", b, const=a) if isinstance(a, Fraction) else \
                self.gate("mulc", a, const=b) if isinstance(b, Fraction) else self.gate("mul", a, b)
        if op is ast.Sub:  # a - b = a + (-b)
            if isinstance(b, Fraction):
                return self.gate("addc", a, const=-b)
            negated = self.gate("neg", b)
            return self.gate("addc", negated, const=a) if isinstance(a, Fraction) else self.gate("add", a, negated)
        if op is ast.Div:  # a / b = a · (1/b)
            if isinstance(b, Fraction):
                if b == 0:
                    self.fail("division by zero")
                return self.gate("mulc", a, const=1 / b)
            inverse = self.gate("inv", b)
            return self.gate("mulc", inverse, const=a) if isinstance(a, Fraction) else self.gate("mul", a, inverse)
        if op is ast.Pow:
            if not isinstance(b, Fraction):
                self.fail("an exponent must be a number")
            if abs(b) > 10 or b in (0, 1):
                self.fail("an exponent is a number from -10 to 10, other than 0 and 1")
            return self.gate("pow", a, const=b)
        self.fail(f"unsupported operator: {type(tree.op).__name__}")

    def call(self, tree: ast.Call):
        name = tree.func.id if isinstance(tree.func, ast.Name) else None
        if name not in FUNCTIONS:
            shown = name or type(tree.func).__name__
            self.fail(f"unknown function '{shown}' (known: {', '.join(FUNCTIONS)})")
        if tree.keywords or len(tree.args) != FUNCTIONS[name]:
            self.fail(f"{name} takes {FUNCTIONS[name]} argument{'s' * (FUNCTIONS[name] > 1)}")
        args = [self.wire(arg) for arg in tree.args]
        if all(isinstance(a, Fraction) for a in args):
            self.fail(f"{name} of numbers only; write the number")
        return self.gate(name, *args)

    def gate(self, op: str, *args, const: Fraction | None = None) -> str:
        out = f"~{next(self.temporaries)}"
        self.gates.append(Gate(op, tuple(args), out, const))
        self.made = True
        return out

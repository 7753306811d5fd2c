"""`graph-backprop`: the forward and backward pass through a scalar computational graph
(a "circuit" of gates), as in CS231n's notes and micrograd: values of named nodes and
derivatives of the output with respect to them, gate by gate."""
from __future__ import annotations

import ast
import math
import re
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from .. import notation, numbers, randomness
from ..circuit import Circuit, GraphError, parse_graph
from ..document import Answer, AnswerSpace, DisplayMath, Figure, Math, Part, Problem, para
from ..dual import evaluate as dual_evaluate
from ..figures.circuit import CircuitFigureSpec, arrow_id
from ..spec import PARAM_SCHEMA, RANDOM, Decimals, FieldError, ProblemSpec, number_or_random
from .arithmetic import Numbers
from .checked import CheckFailed, value_text
from .kind import GivenValues, Kind
from .parts import each_part, letter

DEFAULT_DECIMALS = 2  # as CS231n prints graph values
MAX_NODES = 60


def _graph_value(value: Any):
    """A node: a number or `random` (an input), or an expression of earlier nodes."""
    if isinstance(value, str) and value != "random" and not _looks_numeric(value):
        return value
    return number_or_random(value)


def _looks_numeric(text: str) -> bool:
    return bool(re.fullmatch(r"\s*[-+]?[\d.]+(?:[eE][-+]?\d+)?(?:\s*/\s*\d+)?\s*", text))


class Spec(ProblemSpec):
    """`graph-backprop`: the forward and backward pass through a scalar computational graph (a
    "circuit" of gates), as in CS231n's notes and micrograd: values of named nodes and
    derivatives of the output with respect to them, gate by gate."""
    kind: Literal["graph-backprop"]
    graph: Annotated[dict[str, Annotated[Any, BeforeValidator(_graph_value)]],
                     Field(min_length=2, max_length=MAX_NODES)] = Field(
        description="the nodes in order: inputs (numbers or random), then expressions of earlier nodes",
        examples=[{"x": -2, "y": 5, "z": -4, "q": "x + y", "f": "q * z"}],
        json_schema_extra={"additionalProperties": {"anyOf": [PARAM_SCHEMA, {"type": "string"}]}})
    output: str | None = Field(None, description="the node whose gradients are asked (default: the last)",
                               examples=["f"])
    show: Literal["inputs", "values", "none"] = Field(
        "inputs", description="numbers on the worksheet's figure: the inputs', every value, or none",
        examples=["values"])
    ask: Annotated[list[str], Field(min_length=1, max_length=12)] = Field(
        description="node names (their values) and d<output>/d<node> (gradients), one part each",
        examples=[["q", "f", "df/dx"]])
    decimals: Decimals = DEFAULT_DECIMALS
    zero_ok: bool = Field(False, description="true: versions may ask a gradient that max or ReLU routes "
                          "away (0)", examples=[True])

    @model_validator(mode="after")
    def _check(self):
        try:
            circuit = circuit_of(self)
        except GraphError as exc:
            raise FieldError(str(exc), "graph", exc.node if exc.node in self.graph else None) from None
        if self.output is not None and self.output not in self.graph:
            raise FieldError(f"'{self.output}' is not a node of the graph", "output")
        if output_of(self) in circuit.inputs:
            raise FieldError(f"'{output_of(self)}' is an input; the output is a computed node", "output")
        for index, item in enumerate(self.ask):
            if asked(self, item) is None:
                raise FieldError(f"'{item}' is neither a node nor d{output_of(self)}/d<node> "
                                 f"(nodes: {', '.join(self.graph)})", "ask", index)
        if not any(value is RANDOM for value in self.graph.values()):
            try:
                Solved(self)
            except GraphError as exc:
                raise FieldError(str(exc), "graph", exc.node) from None
        return self


def output_of(spec: Spec) -> str:
    return spec.output or list(spec.graph)[-1]


def asked(spec: Spec, item: str) -> tuple[str, bool] | None:
    """(node, is a derivative) of an `ask` entry, or None."""
    if item in spec.graph:
        return item, False
    match = re.fullmatch(r"d(\w+)/d(\w+)", item.replace(" ", ""))
    if match and match[1] == output_of(spec) and match[2] in spec.graph:
        return match[2], True
    return None


def circuit_of(spec: Spec) -> Circuit:
    return _parse(circuit_key(spec))


@lru_cache(maxsize=64)
def _parse(nodes: tuple) -> Circuit:
    """The circuit of a graph (inputs as None): the same for every version."""
    return parse_graph({name: "random" if text is None else text for name, text in nodes})


class Solved:
    """A graph at its inputs: values and gradients, each recomputed in forward mode with
    dual numbers (worksheets.dual, no shared code) and compared."""

    def __init__(self, spec: Spec):
        self.spec, self.circuit, self.output = spec, circuit_of(spec), output_of(spec)
        self.inputs = {name: spec.graph[name] for name in self.circuit.inputs}
        self.values = self.circuit.forward(self.inputs)
        self.grads, self.per_use = self.circuit.backward(self.values, self.output)
        self.decimals = None if self.circuit.exact else spec.decimals

    def check(self) -> None:
        """Every named node's value and gradient against the dual-number evaluation."""
        expressions = {n: v for n, v in self.spec.graph.items() if isinstance(v, str)}
        graph = {**{n: None for n in self.circuit.inputs}, **expressions}
        plain = dual_evaluate(graph, self.inputs)
        for name in self.circuit.nodes:
            _compare(name, self.values[name], plain[name].value, "forward pass with dual numbers")
            slope = dual_evaluate(graph, self.inputs, seed=name)[self.output].slope
            _compare(f"d{self.output}/d{name}", self.grads[name], slope, "forward-mode derivative")

    def places(self, value) -> int | None:
        """Decimals for a value: a float (past an exp, log, sigmoid or tanh) is rounded, a
        rational value prints exactly."""
        return self.decimals if isinstance(value, float) else None

    def text(self, value) -> str:
        return numbers.text(value, self.places(value))

    def latex(self, value) -> str:
        return numbers.latex(value, self.places(value))

    def answer(self, item: str) -> Answer:
        node, derivative = asked(self.spec, item)
        value = self.grads[node] if derivative else self.values[node]
        places = self.places(value)
        shown = numbers.plain(value) if places is None else numbers.rounded(value, places)
        return Answer(item, shown, self.latex(value), places)


def _compare(quantity: str, value, independent, method: str) -> None:
    exact = not isinstance(value, float) and not isinstance(independent, float)
    if (value != independent) if exact else \
            not math.isclose(float(value), float(independent), rel_tol=1e-9, abs_tol=1e-12):
        raise CheckFailed(quantity, value, independent, message=f"{quantity}: the backward pass gives "
                          f"{value_text(value)}, the {method} gives {value_text(independent)}")


# ---- wording --------------------------------------------------------------------------

def build(spec: Spec, number: int) -> Problem:
    solved = Solved(spec)
    solved.check()
    circuit, output = solved.circuit, solved.output
    definitions = [rf"{_name_latex(n)} = {expression_latex(spec.graph[n])}"
                   for n in circuit.nodes if n not in circuit.inputs]
    givens = ", ".join(rf"{_name_latex(n)} = {numbers.latex(solved.values[n])}" for n in circuit.inputs)
    intro = [
        para("The computational graph in the figure computes ", Math(_name_latex(output)), " from ",
             *_listing([Math(_name_latex(n)) for n in circuit.inputs]), ":"),
        *(DisplayMath(r", \qquad ".join(definitions[k:k + 3])) for k in range(0, len(definitions), 3)),
        para("Evaluate it at ", Math(givens), "."),
        Figure(figure_spec(solved, values=spec.show, gradients=False), f"problem-{number:02d}"),
        *_conventions(solved),
        *([para(f"Give numerical answers rounded to {solved.decimals} decimal places.")]
          if solved.decimals is not None else []),
        para("Run the forward pass, then the backward pass, and give each of the following."),
    ]
    parts, shown = [], set()
    for index, item in each_part(spec.ask):
        node, derivative = asked(spec, item)
        lines = _backward_lines(solved, node, shown) if derivative else _forward_lines(solved, node, shown)
        prompt = Math(_derivative_latex(output, node) if derivative else _name_latex(node))
        parts.append(Part(letter(index), (para(prompt),), solved.answer(item),
                          tuple(DisplayMath(line) for line in lines),
                          AnswerSpace(lines=1, short=True)))
    first_backward = next((i for i, item in enumerate(spec.ask) if asked(spec, item)[1]), len(parts) - 1)
    parts[first_backward] = _with_key_figure(parts[first_backward], solved, number)
    return Problem(number, spec.id, spec.kind, tuple(intro), tuple(parts), spec.points)


def _listing(items: list) -> list:
    """a, b and c"""
    if len(items) == 1:
        return items
    out = []
    for item in items[:-1]:
        out += [item, ", "]
    out[-1] = " and "
    return out + [items[-1]]


def _conventions(solved: Solved) -> list:
    """The rules for kinks, said only when a version lands on one."""
    kinks = []
    for gate in solved.circuit.gates:
        args = [solved.values[a] if isinstance(a, str) else a for a in gate.args]
        if gate.op in ("max", "min") and args[0] == args[1]:
            kinks.append("where the two arguments of max or min are equal, the gradient goes to the first")
        if gate.op in ("relu", "abs") and args[0] == 0:
            kinks.append(f"the derivative of {'ReLU' if gate.op == 'relu' else '|x|'} at 0 is taken to be 0")
    kinks = list(dict.fromkeys(kinks))
    return [para("Here " + " and ".join(kinks) + ".")] if kinks else []


def _with_key_figure(part: Part, solved: Solved, number: int) -> Part:
    """The worked solution of the first backward part ends with the graph annotated with
    every value and gradient, as the key of a circuit problem shows it."""
    figure = Figure(figure_spec(solved, values="values", gradients=True), f"problem-{number:02d}-key")
    caption = para("Forward values above each wire, gradients of ", Math(_name_latex(solved.output)),
                   " below it:")
    return Part(part.label, part.prompt, part.answer, part.solution + (caption, figure), part.space)


# ---- worked steps ----------------------------------------------------------------------

def _forward_lines(solved: Solved, node: str, shown: set) -> list[str]:
    """node = its expression = the expression with numbers = value, and the nodes it needs."""
    lines = []
    for name in solved.circuit.nodes:
        if name in solved.circuit.inputs or ("value", name) in shown:
            continue
        shown.add(("value", name))
        text = solved.spec.graph[name]
        filled = expression_latex(text, {n: _value_latex(solved, n) for n in solved.spec.graph},
                                  {n: _value_latex(solved, n, inline=True) for n in solved.spec.graph})
        lines.append(rf"{_name_latex(name)} = {expression_latex(text)} = {filled} = "
                     rf"{solved.latex(solved.values[name])}")
        if name == node:
            break
    return lines


def _value_latex(solved: Solved, node: str, inline: bool = False) -> str:
    """A node's value: an input as given, a computed one to the problem's precision
    (inline: a fraction as 1/2, for inside another fraction)."""
    value = solved.values[node]
    places = None if node in solved.circuit.inputs else solved.places(value)
    return numbers.text(value, places, minus="-") if inline else numbers.latex(value, places)


def _backward_lines(solved: Solved, node: str, shown: set) -> list[str]:
    """The backward pass from the output down to node: each gate's upstream gradient times
    its local gradient, and sums where a wire fans out."""
    circuit, output = solved.circuit, solved.output
    lines = [] if ("grad", output) in shown else [rf"{_derivative_latex(output, output)} = 1"]
    shown.add(("grad", output))
    names = wire_names(circuit)
    uses_done: dict[str, list] = {}
    last = next(i for i, g in enumerate(circuit.gates) if g.out == output)
    for index in range(last, -1, -1):
        gate = circuit.gates[index]
        for position, arg in enumerate(gate.args):
            if not isinstance(arg, str) or (index, position) not in solved.per_use:
                continue
            contribution = solved.per_use[(index, position)]
            upstream = solved.grads[gate.out]
            local = solved.circuit.local_gradients(gate, solved.values)[position]
            rule = _local_latex(gate, position, names, solved)
            uses = circuit.uses[arg]
            uses_done.setdefault(arg, []).append(contribution)
            if ("grad", arg) in shown:
                continue
            step = (rf"{_derivative_latex(output, names[gate.out])} \cdot {rule}"
                    rf" = {_paren(solved.latex(upstream))} \cdot {_paren(solved.latex(local))}")
            if len(uses) == 1:
                lines.append(rf"{_derivative_latex(output, names[arg])} = {step} = {solved.latex(contribution)}")
                shown.add(("grad", arg))
            else:
                lines.append(rf"\text{{via }} {_wire_latex(names[gate.out])}: \quad {step} = {solved.latex(contribution)}")
                if len(uses_done[arg]) == len(uses):
                    terms = " + ".join(_paren(solved.latex(c)) for c in uses_done[arg])
                    lines.append(rf"{_derivative_latex(output, names[arg])} = {terms} = "
                                 rf"{solved.latex(solved.grads[arg])}")
                    shown.add(("grad", arg))
        if ("grad", node) in shown:
            break
    return lines


def _local_latex(gate, position: int, names: dict, solved: Solved) -> str:
    """The local gradient of a gate with respect to one argument, as a formula."""
    args = [_wire_latex(names[a]) if isinstance(a, str) else solved.latex(a) for a in gate.args]
    a = args[0]
    if r"\frac" in a:  # a constant fraction: 1/2 inline, not a fraction inside the fractions below
        a = f"({numbers.text(gate.args[0], solved.places(gate.args[0]), minus='-')})"
    if gate.op in ("add", "addc"):
        return "1"
    if gate.op == "mul":
        return args[1 - position]
    if gate.op == "mulc":
        return _paren(numbers.latex(gate.const))
    if gate.op == "pow":
        n = numbers.plain(gate.const)
        return rf"{_paren(numbers.latex(gate.const))} \, {{{a}}}^{{{numbers.latex(n - 1)}}}"
    if gate.op in ("max", "min"):
        relation = {("max", 0): r"\ge", ("max", 1): "<", ("min", 0): r"\le", ("min", 1): ">"}[gate.op, position]
        return rf"[{args[0]} {relation} {args[1]}]"
    return {"neg": "-1", "inv": rf"-\frac{{1}}{{{a}^2}}", "exp": rf"\exp({a})", "log": rf"\frac{{1}}{{{a}}}",
            "sigmoid": rf"\sigma({a})(1 - \sigma({a}))", "tanh": rf"1 - \tanh^2({a})",
            "relu": rf"[{a} > 0]", "abs": rf"\text{{sign}}({a})"}[gate.op]


def wire_names(circuit: Circuit) -> dict[str, str]:
    """Names of the wires as printed: a node's own name, u1, u2, ... for the others."""
    names = {name: name for name in circuit.nodes}
    count = 0
    for gate in circuit.gates:
        if gate.out.startswith("~"):
            count += 1
            names[gate.out] = f"u{count}"
    return names


def figure_spec(solved: Solved, values: str, gradients: bool) -> CircuitFigureSpec:
    """The graph's figure: values "inputs", "values" (every wire) or "none"; gradients
    below the wires for the key."""
    circuit, names = solved.circuit, wire_names(solved.circuit)
    gates = tuple((_symbol(g), tuple(a if isinstance(a, str) else "#" + solved.text(a) for a in g.args), g.out)
                  for g in circuit.gates)
    used = {a for g in circuit.gates for a in g.inputs}
    ends = (solved.output,) + tuple(g.out for g in circuit.gates if g.out not in used and g.out != solved.output)
    shown = {"inputs": circuit.inputs, "values": list(solved.values), "none": []}[values]
    if not gradients:  # the worksheet never prints a value it asks for
        asked_values = {node for node, derivative in map(lambda item: asked(solved.spec, item), solved.spec.ask)
                        if not derivative}
        shown = [wire for wire in shown if wire not in asked_values]
    printed = [w for w in solved.values if not w.startswith("~") or gradients]
    # Inputs print as given (exact); computed values to the problem's precision.
    value_texts = tuple((w, numbers.text(solved.values[w]) if w in circuit.inputs else solved.text(solved.values[w]))
                        for w in shown)
    gradient_texts = ()
    if gradients:
        gradient_texts = tuple((arrow_id("use", i, p), solved.text(g)) for (i, p), g in solved.per_use.items())
        gradient_texts += tuple((arrow_id("end", w), solved.text(solved.grads[w])) for w in ends)
    return CircuitFigureSpec(tuple(circuit.inputs), gates, ends,
                             tuple((w, names[w]) for w in printed if w not in circuit.inputs),
                             value_texts, gradient_texts)


_SYMBOLS = {"add": "+", "mul": "×", "neg": "·(−1)", "inv": "1/x", "max": "max", "min": "min",
            "exp": "exp", "log": "log", "sigmoid": "σ", "tanh": "tanh", "relu": "ReLU", "abs": "|x|"}
_SUPERSCRIPTS = str.maketrans("0123456789-/", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻ᐟ")


def _symbol(gate) -> str:
    if gate.op in _SYMBOLS:
        return _SYMBOLS[gate.op]
    c = numbers.text(gate.const)
    if gate.op == "addc":
        return c if c.startswith("−") else f"+{c}"
    if gate.op == "mulc":
        return f"·{c}" if gate.const > 0 and gate.const.denominator == 1 else f"·({c})"
    return "x" + str(numbers.plain(gate.const)).translate(_SUPERSCRIPTS)  # pow


# ---- expressions in LaTeX ----------------------------------------------------------------

def _name_latex(name: str) -> str:
    match = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name)
    if match:
        base = match[1] if len(match[1]) == 1 else rf"\mathit{{{match[1]}}}"
        return f"{base}_{{{match[2]}}}"
    escaped = name.replace("_", r"\_")
    return name if len(name) == 1 else rf"\mathit{{{escaped}}}"


_wire_latex = _name_latex


def _derivative_latex(output: str, node: str) -> str:
    return rf"\dfrac{{{{\partial}} {_name_latex(output)}}}{{{{\partial}} {_name_latex(node)}}}"


def _paren(latex: str) -> str:
    return f"({latex})" if latex.startswith("-") else latex


_FUNCTIONS = {"exp": r"\exp", "log": r"\log", "sigmoid": r"\sigma", "tanh": r"\tanh",
              "relu": notation.ACTIVATIONS["relu"].latex, "max": r"\max", "min": r"\min"}
_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.Pow: 3}


def expression_latex(text: str, values: dict | None = None, inline_values: dict | None = None) -> str:
    """An expression in LaTeX; with values, every name replaced by its value's LaTeX
    (inline_values: the same values with fractions written 1/2, used inside a fraction).
    A division is a stacked fraction, and a division or fractional number inside it is
    written inline, (1/2)/3, never as a fraction inside a fraction."""
    return _latex(ast.parse(text, mode="eval").body, (values or {}, inline_values or values or {}))


def _latex(tree, values: tuple, parent: int = 0, within: bool = False) -> str:
    """within: inside a stacked fraction, where divisions and fractions are inline."""
    if isinstance(tree, ast.Constant):
        number = numbers.to_fraction(tree.value)
        if not within:
            return numbers.latex(number)
        text = numbers.text(number, minus="-")
        return _wrap(text, "/" in text and parent >= 2)
    if isinstance(tree, ast.Name):
        value = values[within].get(tree.id)
        if value is None:
            return _name_latex(tree.id)
        return f"({value})" if (value.startswith("-") and parent) or ("/" in value and parent >= 2) else value
    if isinstance(tree, ast.UnaryOp):
        inner = _latex(tree.operand, values, 2, within)
        return inner if isinstance(tree.op, ast.UAdd) else _wrap(f"-{inner}", parent > 1)
    if isinstance(tree, ast.BinOp):
        level = _PRECEDENCE[type(tree.op)]
        if isinstance(tree.op, ast.Div) and within:
            left, right = _latex(tree.left, values, level, True), _latex(tree.right, values, level + 1, True)
            return _wrap(f"{left}/{right}", parent >= level)  # (1/2)(x - y), (a/b)/c
        if isinstance(tree.op, ast.Div):
            return rf"\frac{{{_latex(tree.left, values, 0, True)}}}{{{_latex(tree.right, values, 0, True)}}}"
        if isinstance(tree.op, ast.Pow):
            return rf"{{{_latex(tree.left, values, 4, within)}}}^{{{_latex(tree.right, values, 0, True)}}}"
        left, right = _latex(tree.left, values, level, within), _latex(tree.right, values, level + 1, within)
        operator = {ast.Add: "+", ast.Sub: "-", ast.Mult: r"\cdot"}[type(tree.op)]
        return _wrap(f"{left} {operator} {right}", level < parent)
    if isinstance(tree, ast.Call):
        args = ", ".join(_latex(a, values, 0, within) for a in tree.args)
        if tree.func.id == "abs":
            return rf"\left| {args} \right|"
        return rf"{_FUNCTIONS[tree.func.id]}({args})"
    raise ValueError(f"unexpected construct {type(tree).__name__}")


def _wrap(latex: str, needed: bool) -> str:
    return f"({latex})" if needed else latex


# ---- versions ------------------------------------------------------------------------------

def variant_numbers(spec: Spec) -> Numbers:
    """Every value and gradient a student finds; the asked ones are the answers."""
    try:
        solved = Solved(spec)
    except GraphError:  # e.g. a division by zero at these inputs: never a good problem
        return Numbers([math.inf])
    every = list(solved.values.values()) + list(solved.grads.values())
    answers = {item: float(solved.answer(item).value) for item in spec.ask}
    # Parts equal on every input (df/dx and df/dq through an add gate) are one answer to
    # the rule "no two parts share an answer": asking both is the lesson, not a slip.
    parts = [answers[group[0]] for group in _always_equal(circuit_key(spec), output_of(spec), tuple(spec.ask))]
    return Numbers([float(v) for v in every], answers, exact=solved.circuit.integral, parts=parts)


def circuit_key(spec: Spec) -> tuple:
    return tuple((name, value if isinstance(value, str) else None) for name, value in spec.graph.items())


@lru_cache(maxsize=64)
def _always_equal(key: tuple, output: str, ask: tuple) -> list[list[str]]:
    """The asked items grouped by equality at three arbitrary inputs."""
    circuit = _parse(key)
    samples = []
    for k in range(3):
        inputs = {name: 0.37 + 0.61 * k + 0.23 * i for i, name in enumerate(circuit.inputs)}
        try:
            values = circuit.forward(inputs)
            grads = circuit.backward(values, output)[0]
        except GraphError:
            continue
        samples.append({item: round(float(values[item] if item in values else
                                          grads[item.replace(" ", "")[len(output) + 3:]]), 9) for item in ask})
    groups: dict = {}
    for item in ask:
        groups.setdefault(tuple(sample[item] for sample in samples) or (item,), []).append(item)
    return list(groups.values())


def _has_random(spec: Spec) -> bool:
    return any(value is RANDOM for value in spec.graph.values())


def _draw_inputs(spec: Spec, ranges, rng) -> dict:
    return {"graph": {name: randomness.fill(value, ranges.inputs, rng) if value is RANDOM else value
                      for name, value in spec.graph.items()}}


def _input_parameters(spec: Spec) -> dict:
    return {name: numbers.parameter_json(value) for name, value in spec.graph.items()
            if not isinstance(value, str)}


EXAMPLE = '''\
kind: graph-backprop
points: 4
graph:                        # inputs first, then expressions of earlier nodes
  x: -2
  y: 5
  z: -4
  q: x + y
  f: q * z
ask: [q, f, df/dq, df/dx, df/dz]
'''


KIND = Kind("graph-backprop", Spec, build, numbers=variant_numbers,
            given=GivenValues(_has_random, _draw_inputs, _input_parameters), example=EXAMPLE)

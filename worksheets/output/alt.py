"""Text descriptions of figures, for readers who cannot see them (the HTML page's alt
text, the LMS exports' image descriptions).

A network figure is described from its FigureSpec: the layers with their sizes and
activations, then every number it shows in words ("x₁ to z₁⁽¹⁾: weight 2"); a
computational graph from its CircuitFigureSpec: its inputs, each gate with the wires it
takes and gives, then every value and gradient shown. Numbers are the figure's own
label texts, so the description says exactly what the drawing prints.
"""
from __future__ import annotations

from ..figures.circuit import CircuitFigureSpec
from ..figures.spec import FigureSpec
from ..notation import OUTPUT_ACTIVATIONS as ACTIVATIONS

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")  # no superscript [ ]: written z₁^[1]


def describe(spec) -> str:
    """The description of a network figure or of a computational graph's figure."""
    if isinstance(spec, FigureSpec):
        return network_description(spec)
    if isinstance(spec, CircuitFigureSpec):
        return graph_description(spec)
    raise TypeError(f"no description for a figure of {type(spec).__name__}")


# --- networks -------------------------------------------------------------------------

def node_name(symbol: str, layer: int, j: int, marks: str = "()") -> str:
    """z₁⁽¹⁾ (z₁^[1] with bracket marks) for node j (0-based) of layer l; x₁ for the inputs."""
    sub = str(j + 1).translate(_SUB)
    if layer == 0:
        return f"x{sub}"
    return f"{symbol}{sub}{f'({layer})'.translate(_SUP)}" if marks == "()" else f"{symbol}{sub}^[{layer}]"


def network_description(spec: FigureSpec) -> str:
    def named(symbol: str, layer: int, j: int) -> str:  # in the figure's layer marks
        return node_name(symbol, layer, j, spec.marks)

    sentences = [_layers_sentence(spec)]
    if spec.input_values:
        sentences.append("Inputs: " + ", ".join(f"{named('x', 0, i)} = {v}"
                                                for i, v in enumerate(spec.input_values)) + ".")
    if spec.weights:
        sentences.append("Weights: " + "; ".join(
            f"{named('x' if layer == 1 else 'a', layer - 1, i)} to {named('z', layer, j)}: weight {w}"
            for layer, matrix in enumerate(spec.weights, start=1)
            for i, row in enumerate(matrix) for j, w in enumerate(row)) + ".")
    else:
        sentences.append("No weights are shown.")
    if spec.biases:
        sentences.append("Biases: " + ", ".join(
            f"{named('b', layer, j)} = {b}" for layer, row in enumerate(spec.biases, start=1)
            for j, b in enumerate(row)) + ".")
    if spec.node_values:
        sentences.append("Node values: " + "; ".join(
            f"{named('z', layer, j)} = {z}, {named('a', layer, j)} = {a}"
            for layer, nodes in enumerate(spec.node_values, start=1) for j, (z, a) in enumerate(nodes)) + ".")
    if spec.targets:
        depth = len(spec.layers) - 1
        sentences.append("Targets beside the outputs: " + ", ".join(
            f"{named('a', depth, j)}: y = {t}" for j, t in enumerate(spec.targets)) + ".")
    if spec.loss:
        sentences.append(f"After the outputs: the {spec.loss}.")
    return " ".join(sentences)


def _layers_sentence(spec: FigureSpec) -> str:
    depth = len(spec.layers) - 1
    inputs = ", ".join(node_name("x", 0, i) for i in range(spec.layers[0]))
    described = [f"an input layer of {_count(spec.layers[0])} ({inputs})"]
    for layer in range(1, depth + 1):
        which = "an output layer" if layer == depth else f"hidden layer {layer}"
        activation = spec.activations[layer - 1] if len(spec.activations) >= layer else None
        with_activation = f" with {ACTIVATIONS[activation].name} activation" if activation else ""
        described.append(f"{which} of {_count(spec.layers[layer])}{with_activation}")
    return (f"A neural network of {depth + 1} layers, drawn left to right: " + "; ".join(described)
            + ". Each node of a layer is connected to every node of the next layer, and each node "
            "after the inputs shows its z and its a; " + ("the outputs feed the loss L." if spec.loss
                                                           else "the output is H."))


def _count(n: int) -> str:
    return f"{n} node" + ("s" if n != 1 else "")


# --- computational graphs -------------------------------------------------------------

_GATE_WORDS = {"+": "add", "×": "multiply", "·(−1)": "negate", "1/x": "reciprocal", "max": "maximum",
               "min": "minimum", "exp": "exponential", "log": "logarithm", "σ": "sigmoid", "tanh": "tanh",
               "ReLU": "ReLU", "|x|": "absolute value"}


def graph_description(spec: CircuitFigureSpec) -> str:
    wires = _wire_words(spec)
    sentences = [f"A computational graph, drawn left to right, with inputs {_listed(spec.inputs)} "
                 f"and {len(spec.gates)} gate{'s' if len(spec.gates) != 1 else ''}."]
    for index, (symbol, args, out) in enumerate(spec.gates):
        taken = _listed([f"the constant {a[1:]}" if a.startswith("#") else wires[a] for a in args])
        gives = f" and gives {wires[out]}" if not out.startswith("~") or out in dict(spec.names) else ""
        sentences.append(f"Gate {index + 1}, {_gate_words(symbol)}, takes {taken}{gives}.")
    sentences.append(f"The output is {wires[spec.ends[0]]}.")
    if spec.values:
        sentences.append("Values above the wires: " + ", ".join(f"{wires[w]} = {v}" for w, v in spec.values) + ".")
    if spec.gradients:
        sentences.append("Gradients below the wires: " + "; ".join(
            f"{_arrow_words(spec, wires, arrow)}: {g}" for arrow, g in spec.gradients) + ".")
    return " ".join(sentences)


def _wire_words(spec: CircuitFigureSpec) -> dict[str, str]:
    """A wire by its printed name, or (unnamed on the figure) by the gate it leaves."""
    names = dict(spec.names)
    words = {w: w for w in spec.inputs}
    for index, (_, _, out) in enumerate(spec.gates):
        words[out] = names.get(out, f"the output of gate {index + 1}")
    return words


def _arrow_words(spec: CircuitFigureSpec, wires: dict[str, str], arrow: str) -> str:
    kind, *where = arrow.split(":")
    if kind == "end":
        return f"at the output {wires[where[0]]}"
    gate, position = int(where[0]), int(where[1])
    return f"{wires[spec.gates[gate][1][position]]} into gate {gate + 1}"


def _gate_words(symbol: str) -> str:
    if symbol in _GATE_WORDS:
        return f"{_GATE_WORDS[symbol]} ({symbol})"
    if symbol.startswith("·"):
        return f"multiply by {symbol[1:].strip('()')}"
    if symbol.startswith(("+", "−")):
        return f"add {symbol.lstrip('+')}"
    return f"power ({symbol})"


def _listed(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

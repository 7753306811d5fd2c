"""Computational-graph figures: gates as circles with their symbol, inputs as labelled
wires, each wire's forward value above it and (in keys) its gradient below it.

Graphviz `dot` lays the graph out left to right (once per structure, see
graphviz.dot_layout); the labels are then placed on the wires it drew and the whole
figure is pinned for `neato -n2`, like the network figures.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from html import escape

from ..typeset.fonts import FAMILY
from .graphviz import dot_layout
from .layout import text_width

BLUE = "#0033cc"  # forward values, as the numbers of network figures
RED = "#b00020"  # gradients
LABEL_SIZE = 10  # 8.5 pt as figures are printed (FIGURE_SCALE 0.85)
GATE_SIZE = 11
GAP = 1.5  # points between a wire and the nearest edge of its label


@dataclass(frozen=True)
class CircuitFigureSpec:
    """What a graph figure shows; texts are formatted by the problem kind."""
    inputs: tuple[str, ...]  # input wires, in spec order
    # per gate: (symbol, its arguments: wire names or "#" + a constant's text, its output wire)
    gates: tuple[tuple[str, tuple[str, ...], str], ...]
    ends: tuple[str, ...]  # wires that leave the figure on the right (the output first)
    names: tuple[tuple[str, str], ...] = ()  # wire -> name printed at the start of its label
    values: tuple[tuple[str, str], ...] = ()  # wire -> value text, above each of its arrows
    gradients: tuple[tuple[str, str], ...] = ()  # arrow id -> gradient text, below it

    def dot(self) -> str:
        return pinned_dot(self)


def arrow_id(kind: str, *where) -> str:
    """The id of one arrow: ("use", gate index, argument index) or ("end", wire)."""
    return ":".join([kind, *map(str, where)])


def _skeleton(spec: CircuitFigureSpec) -> str:
    """The structure alone, for dot's layout (labels are placed afterwards)."""
    lines = ["digraph g {", f"  graph [rankdir=LR, nodesep=0.3, ranksep={_rank_gap(spec):.2f}];",
             f'  node [shape=circle, fixedsize=true, width=0.4, fontname="{FAMILY}", fontsize={GATE_SIZE}];',
             "  edge [arrowsize=0.6];"]
    for k, name in enumerate(spec.inputs):
        lines.append(f'  i{k} [shape=plaintext, width=0.3, label=<{_html(name, GATE_SIZE, italic=True)}>];')
    source = {name: f"i{k}" for k, name in enumerate(spec.inputs)}
    for index, (symbol, args, out) in enumerate(spec.gates):
        size = GATE_SIZE if len(symbol) <= 3 else GATE_SIZE - 3  # "ReLU", "tanh", "·(−1)" fit the circle
        lines.append(f'  g{index} [label="{_dot(symbol)}", fontsize={size}];')
        for position, arg in enumerate(args):
            if arg.startswith("#"):
                lines.append(f'  c{index}_{position} [shape=plaintext, width=0.3, label="{_dot(arg[1:])}"];')
                lines.append(f"  c{index}_{position} -> g{index};")
            else:
                lines.append(f"  {source[arg]} -> g{index};")
        source[out] = f"g{index}"
    for k, wire in enumerate(spec.ends):
        lines.append(f'  e{k} [shape=plaintext, width=0.3, label=""];')
        lines.append(f"  {source[wire]} -> e{k};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def pinned_dot(spec: CircuitFigureSpec) -> str:
    """DOT source for `neato -n2`: dot's nodes and wires, with the labels added."""
    layout = dot_layout(_skeleton(spec))
    objects = {o["_gvid"]: o for o in layout["objects"] if "pos" in o and "nodes" not in o}  # nodes, not subgraphs
    names, values, gradients = dict(spec.names), dict(spec.values), dict(spec.gradients)
    lines = ["digraph figure {",
             "  graph [outputorder=edgesfirst, bgcolor=transparent, pad=0.05];",
             f'  node [fontname="{FAMILY}", fontsize={GATE_SIZE}, penwidth=0.9, margin=0];',
             "  edge [penwidth=0.8, arrowsize=0.6];"]
    for node in objects.values():
        shape = "circle" if node["name"].startswith("g") else "plaintext"
        if node["name"].startswith("i"):  # an input: its name, in italic with a subscript
            label = f"<{_html(spec.inputs[int(node['name'][1:])], GATE_SIZE, italic=True)}>"
        else:
            label = f'"{_dot(node["label"])}"'
        size = f', fontsize={node["fontsize"]}' if "fontsize" in node else ""
        lines.append(f'  {node["name"]} [shape={shape}, fixedsize=true, width={node["width"]}, '
                     f'height={node["height"]}, label={label}{size}, pos="{node["pos"]}!"];')
    wires = _arrows(spec)
    labels = []
    for edge in layout.get("edges", []):
        tail, head = objects[edge["tail"]]["name"], objects[edge["head"]]["name"]
        lines.append(f'  {tail} -> {head} [pos="{edge["pos"]}"];')
        if not wires.get((tail, head)):
            continue
        wire, arrow_key = wires[(tail, head)].pop(0)
        above = " = ".join(t for t in (names.get(wire) and _html(names[wire], LABEL_SIZE), values.get(wire)
                                          and escape(values[wire])) if t)
        if above:
            plain = re.sub(r"<[^>]+>", "", above)
            labels.append((f"a{len(labels)}", above, BLUE, *_beside(edge["pos"], plain, 1, head.startswith("e"))))
        if arrow_key in gradients:
            text = escape(gradients[arrow_key])
            labels.append((f"b{len(labels)}", text, RED,
                           *_beside(edge["pos"], gradients[arrow_key], -1, head.startswith("e"))))
    for name, text, color, x, y in labels:
        lines.append(f'  {name} [shape=plaintext, width=0, height=0, fontsize={LABEL_SIZE}, '
                     f'fontcolor="{color}", label=<{text}>, pos="{x:.2f},{y:.2f}!"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _arrows(spec: CircuitFigureSpec) -> dict:
    """(tail node, head node) -> [(wire, arrow id)] of the arrows between them, in order
    (a value used twice by one gate, x * x, is two arrows)."""
    source = {name: f"i{k}" for k, name in enumerate(spec.inputs)}
    arrows: dict = {}
    for index, (_, args, out) in enumerate(spec.gates):
        for position, arg in enumerate(args):
            if not arg.startswith("#"):
                arrows.setdefault((source[arg], f"g{index}"), []).append((arg, arrow_id("use", index, position)))
        source[out] = f"g{index}"
    for k, wire in enumerate(spec.ends):
        arrows.setdefault((source[wire], f"e{k}"), []).append((wire, arrow_id("end", wire)))
    return arrows


def _rank_gap(spec: CircuitFigureSpec) -> float:
    """Inches between columns of gates: 0.5, or more where a wire's label is wider, so that
    every label fits along its wire between the two gates."""
    names, values = dict(spec.names), dict(spec.values)
    texts = [" = ".join(t for t in (names.get(w), values.get(w)) if t) for w in {*names, *values}]
    texts += [text for _, text in spec.gradients]
    widest = max((text_width(text, LABEL_SIZE) for text in texts), default=0.0)
    return max(0.5, (widest + 4 * GAP + 6) / 72)


def _beside(pos: str, text: str, side: int, output: bool = False) -> tuple[float, float]:
    """The centre of a label above (side 1) or below (-1) a wire, 40% of the way along it,
    far enough that its box clears the line whatever the wire's slope. An output's wire
    is short and ends in empty space: its label starts where the wire does and runs on
    past the arrowhead, rather than back over the gate it leaves."""
    points = [tuple(map(float, p.split(","))) for p in pos.split() if not p.startswith(("e,", "s,"))]
    (x0, y0), (x1, y1) = points[0], points[-1]
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length  # the normal on the upper side
    if ny < 0:
        nx, ny = -nx, -ny
    half_width, half_height = text_width(text, LABEL_SIZE) / 2, LABEL_SIZE * 0.6
    clearance = half_width * abs(nx) + half_height * abs(ny) + GAP
    x, y = x0 + 0.4 * (x1 - x0), y0 + 0.4 * (y1 - y0)
    if output:
        x = max(x, min(x0, x1) + half_width + GAP)
    return x + side * clearance * nx, y + side * clearance * ny


def _html(name: str, size: float, italic: bool = False) -> str:
    """A wire's name as a Graphviz HTML label: w0 and w_0 as w with a subscript 0."""
    match = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name)
    base, script = (match[1], match[2]) if match else (name, "")
    text = f"<I>{escape(base)}</I>" if italic else escape(base)
    if script:
        text += f'<SUB><FONT POINT-SIZE="{size * 0.7:.1f}">{script}</FONT></SUB>'
    return text


def _dot(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')

"""Geometry of a network figure: where nodes, weights and values go (points, y up).

Graphviz only draws what is decided here (`neato -n2`, everything pinned), because its
own edge-label placement is illegible on dense layers. Each weight sits on its own
edge, near the source end; the fraction along the edge is searched per edge so the
label avoids the other edges, the other labels and the nodes.

The geometry does not depend on the numbers themselves, only on the figure's Frame:
the architecture, which numbers are shown, and one slot width per kind of number (the
widest of that kind, every label of the kind gets a box that wide). Versions of a
problem share their frame, so the layout is searched, and the figure drawn by
Graphviz, once per frame; the numbers are centred in their boxes and filled in later.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from reportlab.pdfbase.pdfmetrics import stringWidth

from ..typeset.fonts import REGULAR, register_fonts
from .spec import FigureSpec

LABEL_SIZE = 11  # z, a, x inside the nodes
SCRIPT_SIZE = 8  # their sub- and superscripts
VALUE_SIZE = 10  # values above the nodes
WEIGHT_SIZE = 9  # weights on the edges

DIAMETER = 48.0  # split circle; each half holds a letter with stacked scripts
BOX_SIDE = 30.0  # input box
OUT_ARROW = 42.0  # length of the arrow leaving each output node
MARGIN = 4.0  # around the whole figure
BOX_HEIGHT = 0.8  # of a label's box, in em
VALUE_GAP = 6.0  # between the z and a values above a node
# A weight's edge runs through its label at the height of the minus sign: this much
# white each side keeps a leading minus from merging with the line.
WEIGHT_PAD = 2.5

# Fractions of the visible edge (rim to rim) tried for a weight label: 0.12 .. 0.48.
FRACTIONS = tuple(round(0.12 + 0.02 * k, 2) for k in range(19))
PREFERRED = 0.3  # the fraction we like best, for a uniform look
CLEAR = 1.5  # a weight label keeps this far from other edges, labels and nodes
ROOMY = 4.0  # ... and would rather keep this far from other edges
GAPS = (120, 135, 150, 165, 180, 200, 225, 250, 280)  # column gaps tried with weights

# Costs. A weight label overlapping a node, a value or another label: HARD. Another
# edge through its box: CROSSING, halved for a graze of a corner, up to 3.5 times through
# the middle. Another edge or label within ROOMY: NEAR or CROWDED. Each unit of fraction
# away from PREFERRED: OFF_CENTRE. An edge through a value above a node: VALUE_CROSSING.
# A point of column gap: WIDTH (traded only when no gap is free of crossings).
HARD, CROSSING, NEAR, CROWDED, OFF_CENTRE = 1000.0, 100.0, 3.0, 20.0, 10.0
VALUE_CROSSING, WIDTH = 20.0, 3.0


@dataclass(frozen=True)
class Box:
    """Axis-aligned rectangle given by its centre and size."""
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Box, gap: float = 0.0) -> bool:
        return (abs(self.x - other.x) < (self.w + other.w) / 2 + gap
                and abs(self.y - other.y) < (self.h + other.h) / 2 + gap)


@dataclass(frozen=True)
class Node:
    layer: int
    index: int  # 0-based within the layer
    x: float
    y: float
    size: float  # circle diameter or box side

    @property
    def is_input(self) -> bool:
        return self.layer == 0

    @property
    def radius(self) -> float:
        return self.size / 2


@dataclass(frozen=True)
class Label:
    """A text centred in a white box; kind is 'weight', 'z', 'a', 'x' (input value) or
    'bias'. The name (see label_texts) is also its node's name in the DOT source."""
    kind: str
    name: str
    text: str
    box: Box
    size: float  # font size


@dataclass(frozen=True)
class Weight:
    """The label of the edge from node `source` of layer l-1 to node `target` of layer l."""
    layer: int  # l, the target's layer
    source: int
    target: int
    fraction: float  # of the visible edge, from the source's rim towards the target's
    label: Label


@dataclass(frozen=True)
class Layout:
    nodes: tuple[tuple[Node, ...], ...]  # per layer, input layer first
    weights: tuple[Weight, ...]
    values: tuple[Label, ...]  # values above nodes and biases below them
    outputs: tuple[tuple[float, float], ...]  # where each output arrow ends
    width: float
    height: float
    marks: str = "()"  # around the layer number of a node's z and a: "()" or "[]"

    def edges(self):
        """(tail, head) for every edge between layers, in a fixed order."""
        for left, right in zip(self.nodes, self.nodes[1:]):
            for tail in left:
                for head in right:
                    yield tail, head


# The kinds of numbers a figure shows, each with its own slot width; 'node' is z and a.
SLOT_KINDS = ("weight", "x", "node", "bias", "target", "loss")
SLOT_SIZES = {"weight": WEIGHT_SIZE, "x": VALUE_SIZE, "node": VALUE_SIZE, "bias": VALUE_SIZE,
              "target": VALUE_SIZE, "loss": VALUE_SIZE}
TARGET_GAP = 4.0  # between an output arrow's head and its target


@dataclass(frozen=True)
class Frame:
    """A figure without its numbers: all its geometry depends on."""
    layers: tuple[int, ...]
    slots: tuple[tuple[str, float], ...]  # (kind, text width in points) per kind shown
    marks: str = "()"  # the layer marks of the node labels

    def shows(self, kind: str) -> bool:
        return kind in dict(self.slots)

    def slot(self, kind: str) -> float:
        return dict(self.slots)[kind]


def text_width(text: str, size: float) -> float:
    register_fonts()
    return stringWidth(text, REGULAR, size)


def bias_text(label: str) -> str:
    """A bias under its node: "b = 2" (the problem's text says what b is)."""
    return "b = " + label


def label_texts(spec: FigureSpec) -> dict[str, str]:
    """Every number the figure shows, by label name: w<l>_<i>_<j> for the weight on the
    edge from node i of layer l-1 to node j of layer l (0-based), x<i>, z<l>_<j>,
    a<l>_<j> and b<l>_<j> for input values, node values and biases."""
    texts = {}
    for layer, matrix in enumerate(spec.weights or (), start=1):
        for i, row in enumerate(matrix):
            texts.update((f"w{layer}_{i}_{j}", text) for j, text in enumerate(row))
    texts.update((f"x{i}", text) for i, text in enumerate(spec.input_values or ()))
    for layer, nodes in enumerate(spec.node_values or (), start=1):
        for j, (z, a) in enumerate(nodes):
            texts[f"z{layer}_{j}"], texts[f"a{layer}_{j}"] = z, a
    for layer, nodes in enumerate(spec.biases or (), start=1):
        texts.update((f"b{layer}_{j}", bias_text(text)) for j, text in enumerate(nodes))
    # "y = 0.01" beside its own output, as "b = 2" under its node (the text says what y is)
    texts.update((f"y{j}", "y = " + text) for j, text in enumerate(spec.targets or ()))
    if spec.loss is not None:
        texts["loss"] = spec.loss
    return texts


def slot_kind(name: str) -> str:
    return {"w": "weight", "x": "x", "z": "node", "a": "node", "b": "bias", "y": "target",
            "l": "loss"}[name[0]]


# Every slot is at least this wide, so that versions of a problem whose numbers all
# have one digit share a frame (and a look) with those that have a negative one.
NARROWEST = "−0"


def frame_of(spec: FigureSpec) -> Frame:
    """The spec's frame. Slot widths are rounded up to whole points so that versions
    whose widest numbers differ by a hair (or not at all: digits are equally wide)
    share one."""
    widest = {}
    for name, text in label_texts(spec).items():
        kind = slot_kind(name)
        least = widest.get(kind, text_width(NARROWEST, SLOT_SIZES[kind]))
        widest[kind] = max(least, text_width(text, SLOT_SIZES[kind]))
    slots = tuple((kind, float(math.ceil(widest[kind]))) for kind in SLOT_KINDS if kind in widest)
    return Frame(tuple(spec.layers), slots, spec.marks)


def placeholder(name: str) -> str:
    """The text of label `name` in a frame's layout: unique in the figure, and plain
    ASCII so Graphviz writes it unchanged into the SVG and JSON."""
    return f"@{name}@"


def layout(spec: FigureSpec) -> Layout:
    """The layout of the spec's frame, with the spec's numbers in the labels."""
    texts = label_texts(spec)

    def filled(label: Label) -> Label:
        return replace(label, text=texts[label.name])

    shape = frame_layout(frame_of(spec))
    return replace(shape, weights=tuple(replace(w, label=filled(w.label)) for w in shape.weights),
                   values=tuple(filled(v) for v in shape.values))


@lru_cache(maxsize=None)
def frame_layout(frame: Frame) -> Layout:
    """Columns left to right, each centred vertically; column gaps are chosen one by one,
    each the narrowest where the weight labels find clear places. Label texts are
    placeholders."""
    row_gap = _row_gap(frame)
    columns = [_column(layer, n, row_gap) for layer, n in enumerate(frame.layers)]
    weights = []
    for layer in range(1, len(columns)):
        columns[layer], placed = _fit_gap(frame, layer, columns[layer - 1], columns[layer])
        weights += placed
    values = [v for column in columns for v in _values_of(frame, column)]
    outputs = [(n.x + n.radius + OUT_ARROW, n.y) for n in columns[-1]]
    return replace(_shifted(columns, weights, values + _after_outputs(frame, outputs), outputs), marks=frame.marks)


def _after_outputs(frame: Frame, outputs: list) -> list[Label]:
    """Each output's target right of its arrow, and the loss right of the targets (a
    batch's figure has no targets: the loss alone, right of the arrows)."""
    if not frame.shows("target"):
        if not frame.shows("loss"):
            return []
        middle = sum(y for _, y in outputs) / len(outputs)
        loss_x = outputs[0][0] + TARGET_GAP + _slot_box_width(frame, "loss") / 2
        return [_value(frame, "loss", "loss", loss_x, middle)]
    width = _slot_box_width(frame, "target")
    x = outputs[0][0] + TARGET_GAP + width / 2
    labels = [_value(frame, "target", f"y{j}", x, y) for j, (_, y) in enumerate(outputs)]
    if frame.shows("loss"):
        middle = sum(y for _, y in outputs) / len(outputs)
        loss_x = x + width / 2 + 2 * TARGET_GAP + _slot_box_width(frame, "loss") / 2
        labels.append(_value(frame, "loss", "loss", loss_x, middle))
    return labels


def _row_gap(frame: Frame) -> float:
    # Beyond 4 nodes a layer's edges get steep and crowd the labels: give them room.
    gap = DIAMETER + 18.0 + 5.0 * max(0, max(frame.layers) - 4)
    if frame.shows("node") or frame.shows("x"):
        gap += VALUE_SIZE + 4.0
    if frame.shows("bias"):
        gap += VALUE_SIZE + 4.0
    return gap


def _column(layer: int, count: int, row_gap: float) -> list[Node]:
    size = BOX_SIDE if layer == 0 else DIAMETER
    top = (count - 1) * row_gap / 2
    return [Node(layer, j, 0.0, top - j * row_gap, size) for j in range(count)]


def _moved(column: list[Node], x: float) -> list[Node]:
    return [Node(n.layer, n.index, x, n.y, n.size) for n in column]


def _values_of(frame: Frame, column: list[Node]) -> list[Label]:
    """Value labels above the nodes of one column (z left, a right) and biases below."""
    labels = []
    for node in column:
        above = node.y + node.radius + 1.5 + BOX_HEIGHT * VALUE_SIZE / 2
        if node.is_input:
            if frame.shows("x"):
                labels.append(_value(frame, "x", f"x{node.index}", node.x, above))
            continue
        where = f"{node.layer}_{node.index}"
        if frame.shows("node"):
            # Both close to the top of the circle, z ending and a starting near the centre
            # line (when the number fills its slot): steep edges arrive and leave further
            # out, below the numbers.
            half = VALUE_GAP / 2 + _slot_box_width(frame, "node") / 2
            labels.append(_value(frame, "z", "z" + where, node.x - half, above))
            labels.append(_value(frame, "a", "a" + where, node.x + half, above))
        if frame.shows("bias"):
            below = node.y - node.radius - 1.5 - BOX_HEIGHT * VALUE_SIZE / 2
            labels.append(_value(frame, "bias", "b" + where, node.x, below))
    return labels


def _slot_box_width(frame: Frame, kind: str) -> float:
    """The white box behind a label: its slot plus a pad each side, wider for weights
    (see WEIGHT_PAD)."""
    return frame.slot(kind) + 2 * (WEIGHT_PAD if kind == "weight" else 1.0)


def _value(frame: Frame, kind: str, name: str, x: float, y: float) -> Label:
    # 0.8 em high covers digits and the minus sign (0.66 em) with a little room.
    box = Box(x, y, _slot_box_width(frame, slot_kind(name)), BOX_HEIGHT * VALUE_SIZE)
    return Label(kind, name, placeholder(name), box, VALUE_SIZE)


def _fit_gap(frame, layer, left, right) -> tuple[list[Node], list[Weight]]:
    """Places column `layer` right of `left`: the narrowest gap where no edge crosses a
    label, else the best trade of crossings against width."""
    plain = 80.0 + 10.0 * max(len(left), len(right))  # room for the arrowheads
    numbered = frame.shows("weight")
    gaps = GAPS if numbered else (plain,) + tuple(g for g in GAPS if g > plain)
    tried = []
    for gap in gaps:
        moved = _moved(right, left[0].x + gap)
        weights, cost = _place_weights(frame, layer, left, moved) if numbered else ([], 0.0)
        cost += VALUE_CROSSING * _values_crossed(frame, left, moved)
        if cost < CROSSING / 2:
            return moved, weights
        tried.append((cost + WIDTH * gap, gap, moved, weights))
    _, _, moved, weights = min(tried, key=lambda t: t[:2])
    return moved, weights


def _values_crossed(frame, left, right) -> int:
    """How many (edge, value label) pairs cross between two columns. Steep edges of a
    node pass through the numbers above it; only a wider gap makes them less steep."""
    values = _values_of(frame, left) + _values_of(frame, right)
    return sum(segment_hits_box((s.x, s.y), (t.x, t.y), v.box, 0.5)
               for s in left for t in right for v in values)


def _place_weights(frame, layer, left, right) -> tuple[list[Weight], float]:
    """Weight labels on the edges between two columns, and the cost of their placement.

    Every edge spans the whole gap, so "does it cross a label box" compares the edge's
    height at the box's centre with the box's reach; this is vectorised over all edges
    (e), candidate fractions (f) and other edges (s).
    """
    pairs = [(s, t) for s in left for t in right]
    x0, x1 = left[0].x, right[0].x
    y0 = np.array([s.y for s, _ in pairs])
    y1 = np.array([t.y for _, t in pairs])
    slope = (y1 - y0) / (x1 - x0)
    length = np.hypot(x1 - x0, y1 - y0)
    start, end = left[0].radius, right[0].radius  # the visible part of each edge
    fractions = np.array(FRACTIONS)
    along = (start + fractions[None, :] * (length - start - end)[:, None]) / length[:, None]
    xs = x0 + along * (x1 - x0)  # candidate centres xs[e, f], ys[e, f]
    ys = y0[:, None] + along * (y1 - y0)[:, None]
    widths = np.full(len(pairs), _slot_box_width(frame, "weight"))
    height = BOX_HEIGHT * WEIGHT_SIZE
    everyone = np.arange(len(pairs))

    # Cost that does not depend on the other labels: edges, nodes, values, preference.
    fixed = OFF_CENTRE * np.abs(fractions - PREFERRED)[None, :].repeat(len(pairs), 0)
    line_y = y0[None, None, :] + slope[None, None, :] * (xs[:, :, None] - x0)
    distance = np.abs(line_y - ys[:, :, None])
    half_w = widths[:, None, None] / 2
    distance[everyone, :, everyone] = np.inf  # its own edge
    reach = height / 2 + CLEAR + np.abs(slope)[None, None, :] * (half_w + CLEAR)
    # An edge through the middle of a label is worse than one grazing its corner.
    depth = np.clip(1 - distance / reach, 0, 1)
    fixed += (CROSSING * ((distance < reach) * (0.5 + 3 * depth ** 2))).sum(2)
    roomy = height / 2 + ROOMY + np.abs(slope)[None, None, :] * (half_w + ROOMY)
    fixed += NEAR * ((distance >= reach) & (distance < roomy)).sum(2)
    for o in _values_of(frame, left) + _values_of(frame, right):
        fixed += HARD * ((np.abs(xs - o.box.x) < (widths[:, None] + o.box.w) / 2 + CLEAR)
                         & (np.abs(ys - o.box.y) < (height + o.box.h) / 2 + CLEAR))
    for n in left + right:  # nearest point of each candidate box to the node's centre
        dx = np.maximum(np.abs(xs - n.x) - widths[:, None] / 2, 0)
        dy = np.maximum(np.abs(ys - n.y) - height / 2, 0)
        fixed += HARD * (np.hypot(dx, dy) < n.radius + CLEAR)

    # Greedy, then rounds where each label moves to its best place given the others.
    choice = np.full(len(pairs), -1)

    def clashes(e: int) -> np.ndarray:
        """For each candidate of edge e: the cost of its nearness to the other labels."""
        others = everyone[(choice >= 0) & (everyone != e)]
        cx, cy = xs[others, choice[others]], ys[others, choice[others]]
        dx = np.abs(xs[e][:, None] - cx) - (widths[e] + widths[others]) / 2
        dy = np.abs(ys[e][:, None] - cy) - height
        gap = np.maximum(dx, dy)  # > 0: how far apart the two boxes are
        return (HARD * (gap < CLEAR) + CROWDED * ((gap >= CLEAR) & (gap < ROOMY))).sum(1)

    for _ in range(4):
        moved = False
        for e in everyone:
            f = int(np.argmin(fixed[e] + clashes(e)))
            moved, choice[e] = moved or f != choice[e], f
        if not moved:
            break
    weights, cost = [], 0.0
    for e, (s, t) in enumerate(pairs):
        f = int(choice[e])
        cost += fixed[e, f] + clashes(e)[f]
        box = Box(float(xs[e, f]), float(ys[e, f]), float(widths[e]), height)
        name = f"w{layer}_{s.index}_{t.index}"
        label = Label("weight", name, placeholder(name), box, WEIGHT_SIZE)
        weights.append(Weight(layer, s.index, t.index, FRACTIONS[f], label))
    return weights, float(cost)


def segment_hits_box(p, q, box: Box, gap: float = 0.0) -> bool:
    """Whether segment pq passes through the box grown by `gap` (Liang-Barsky clipping)."""
    (x0, y0), (x1, y1) = p, q
    dx, dy = x1 - x0, y1 - y0
    lo, hi = 0.0, 1.0
    for d, start, low, high in ((dx, x0, box.x - box.w / 2 - gap, box.x + box.w / 2 + gap),
                                (dy, y0, box.y - box.h / 2 - gap, box.y + box.h / 2 + gap)):
        if d == 0:
            if not low <= start <= high:
                return False
            continue
        a, b = (low - start) / d, (high - start) / d
        lo, hi = max(lo, min(a, b)), min(hi, max(a, b))
        if lo > hi:
            return False
    return True


def visible_edge(tail: Node, head: Node) -> tuple[tuple[float, float], tuple[float, float]]:
    """The drawn part of an edge: from the tail's rim to the head's rim."""
    dx, dy = head.x - tail.x, head.y - tail.y
    length = math.hypot(dx, dy)
    ux, uy = dx / length, dy / length
    return ((tail.x + ux * tail.radius, tail.y + uy * tail.radius),
            (head.x - ux * head.radius, head.y - uy * head.radius))


def uncleared(layout: Layout) -> list[Weight]:
    """The weights whose label box another edge passes through or within CLEAR of. None
    up to 4 nodes per layer (tests/test_page_layout.py); with 5 or 6 the placement is
    best effort and the build names these."""
    edges = [((head.layer, tail.index, head.index), visible_edge(tail, head))
             for tail, head in layout.edges()]
    return [w for w in layout.weights
            if any(key != (w.layer, w.source, w.target) and segment_hits_box(p, q, w.label.box, CLEAR)
                   for key, (p, q) in edges)]


def box_hits_circle(box: Box, cx: float, cy: float, r: float) -> bool:
    nearest_x = min(max(cx, box.x - box.w / 2), box.x + box.w / 2)
    nearest_y = min(max(cy, box.y - box.h / 2), box.y + box.h / 2)
    return math.hypot(cx - nearest_x, cy - nearest_y) < r


def _shifted(columns, weights, values, outputs) -> Layout:
    """Moves everything so the figure's lower left corner is (0, 0), MARGIN inside."""
    boxes = [w.label.box for w in weights] + [v.box for v in values]
    nodes = [n for column in columns for n in column]
    left = min([n.x - n.radius for n in nodes] + [b.x - b.w / 2 for b in boxes])
    bottom = min([n.y - n.radius for n in nodes] + [b.y - b.h / 2 for b in boxes])
    right = max([x for x, _ in outputs] + [n.x + n.radius for n in nodes]
                + [b.x + b.w / 2 for b in boxes])
    top = max([n.y + n.radius for n in nodes] + [b.y + b.h / 2 for b in boxes])
    dx, dy = MARGIN - left, MARGIN - bottom

    def box(b: Box) -> Box:
        return Box(round(b.x + dx, 2), round(b.y + dy, 2), round(b.w, 2), round(b.h, 2))

    def label(v: Label) -> Label:
        return replace(v, box=box(v.box))

    return Layout(
        nodes=tuple(tuple(Node(n.layer, n.index, round(n.x + dx, 2), round(n.y + dy, 2), n.size)
                          for n in column) for column in columns),
        weights=tuple(Weight(w.layer, w.source, w.target, w.fraction, label(w.label))
                      for w in weights),
        values=tuple(label(v) for v in values),
        outputs=tuple((round(x + dx, 2), round(y + dy, 2)) for x, y in outputs),
        width=round(right - left + 2 * MARGIN, 2),
        height=round(top - bottom + 2 * MARGIN, 2),
    )

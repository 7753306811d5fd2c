"""A Layout as DOT source for `neato -n2`: every node pinned, nothing left to Graphviz.

Weights and values are small white boxes drawn over the edges (outputorder=edgesfirst),
named like their labels (see layout.label_texts), with plain centred text: Graphviz
then writes each as `<text text-anchor="middle" x=centre ...>`, so a number can be
swapped for another without moving anything (see templates.py). Node letters use nested
HTML tables so a subscript sits under its superscript, as in LaTeX; Graphviz's own
<SUB><SUP> would put them side by side.
"""
from __future__ import annotations

import math
from html import escape

from reportlab.pdfbase.pdfmetrics import stringWidth

from ..typeset.fonts import FAMILY, ITALIC, REGULAR, register_fonts
from .layout import LABEL_SIZE, SCRIPT_SIZE, Label, Layout, Node

BLUE = "#0033cc"  # numbers
SCRIPTS_HEIGHT = 18  # two rows of SCRIPT_SIZE text, as Graphviz sets them
PEN = 0.9  # node outlines
EDGE_PEN = 0.8
# Graphviz centres a label's line box on the node, so digits stand this much (in em)
# above the node's centre; labels are moved down by it to centre them on their spot.
DIGIT_RAISE = 0.085


def to_dot(layout: Layout) -> str:
    """DOT source of one figure; the same layout always gives the same bytes."""
    lines = [
        "digraph figure {",
        "  graph [outputorder=edgesfirst, splines=line, bgcolor=transparent, pad=0];",
        f'  node [fontname="{FAMILY}", fontsize={LABEL_SIZE}, penwidth={PEN}, margin=0];',
        f"  edge [penwidth={EDGE_PEN}, arrowsize=0.6];",
        # Invisible corners pin the bounding box to the layout's, margins included.
        '  corner0 [shape=point, style=invis, width=0, height=0, pos="0,0"];',
        f"  corner1 [shape=point, style=invis, width=0, height=0, "
        f"{_pos(layout.width, layout.height)}];",
    ]
    for column in layout.nodes:
        lines += [f"  {_name(n)} [{_node_attributes(n, layout.marks)}];" for n in column]
    for k, (x, y) in enumerate(layout.outputs):
        lines.append(f"  out{k} [shape=point, style=invis, width=0, height=0, {_pos(x, y)}];")
    for label in [w.label for w in layout.weights] + list(layout.values):
        lines.append(f"  {label.name} [{_label_attributes(label)}];")
    lines += [f"  {_name(tail)} -> {_name(head)};" for tail, head in layout.edges()]
    lines += [f"  {_name(n)} -> out{k};" for k, n in enumerate(layout.nodes[-1])]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _name(node: Node) -> str:
    return f"n{node.layer}_{node.index}"


def _num(x: float) -> str:
    return f"{x:.2f}"


def _pos(x: float, y: float) -> str:
    return f'pos="{_num(x)},{_num(y)}"'


def _node_attributes(node: Node, marks: str) -> str:
    size = f"width={node.size / 72:.4f}, height={node.size / 72:.4f}"
    if node.is_input:
        label = _letter("x", str(node.index + 1), "")
        return f"shape=box, fixedsize=true, {size}, {_pos(node.x, node.y)}, label=<{label}>"
    return f"shape=circle, fixedsize=true, {size}, {_pos(node.x, node.y)}, label=<{_split(node, marks)}>"


def _split(node: Node, marks: str) -> str:
    """The two halves of a hidden or output node, z left and a right of a vertical rule.

    The cells are nearly as tall as the circle so that the rule spans it.
    """
    sub, sup = str(node.index + 1), f"{marks[0]}{node.layer}{marks[1]}"
    half = f'FIXEDSIZE="TRUE" WIDTH="{node.size / 2 - 1:.0f}" HEIGHT="{node.size - 4:.0f}"'
    return (f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"><TR>'
            f"<TD {half}>{_letter('z', sub, sup)}</TD><VR/>"
            f"<TD {half}>{_letter('a', sub, sup)}</TD></TR></TABLE>")


def _letter(letter: str, sub: str, sup: str) -> str:
    """An italic letter with the superscript stacked over the subscript.

    The table has a fixed size (its natural one) because Graphviz would otherwise stretch
    it to fill the tall cell around it and pull the scripts apart.
    """
    register_fonts()
    width = (math.ceil(stringWidth(letter, ITALIC, LABEL_SIZE))
             + math.ceil(max(stringWidth(s, REGULAR, SCRIPT_SIZE) for s in (sub, sup))) + 2)
    script = f'<TD ALIGN="LEFT"><FONT POINT-SIZE="{SCRIPT_SIZE}">{{}}</FONT></TD>'
    return (f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0" FIXEDSIZE="TRUE" '
            f'WIDTH="{width}" HEIGHT="{SCRIPTS_HEIGHT}">'
            f'<TR><TD ROWSPAN="2"><I>{letter}</I></TD>{script.format(escape(sup) or "&#160;")}</TR>'
            f"<TR>{script.format(escape(sub))}</TR></TABLE>")


def _label_attributes(label: Label) -> str:
    # Plain, not HTML, so Graphviz centres the text on the box whatever its width. (Keep
    # the letters' HTML labels inside tables: Graphviz 2.43 left-aligns a plain label
    # whose text equals a bare HTML label's elsewhere in the graph.)
    box = label.box
    # fixedsize=shape: the box is the layout's, the (taller) line of text may overflow it.
    return (f"shape=box, style=filled, fillcolor=white, color=transparent, fixedsize=shape, "
            f"width={box.w / 72:.4f}, height={box.h / 72:.4f}, "
            f"{_pos(box.x, box.y - DIGIT_RAISE * label.size)}, "
            f"fontsize={label.size:g}, fontcolor=\"{BLUE}\", label=\"{dot_text(label.text)}\"")


def dot_text(text: str) -> str:
    """Text for a plain (not HTML) DOT label, shown as is: Graphviz decodes HTML
    entities in plain labels and reads a backslash as an escape (\\N, \\l, ...)."""
    return escape(text).replace("\\", "\\\\")

"""Graphviz's xdot drawing operations (from -Tjson) as a reportlab Drawing: vector, exact.

Both use points with y pointing up and the origin at the lower left, so coordinates
carry over unchanged. See https://graphviz.org/docs/outputs/canon/#xdot for the ops.
"""
from __future__ import annotations

from functools import lru_cache

from reportlab.graphics.shapes import Drawing, Ellipse, Group, Path, PolyLine, Polygon, String
from reportlab.lib import colors

from ..render.fonts import BOLD, BOLD_ITALIC, FAMILY, ITALIC, REGULAR, register_fonts
from .graphviz import Rendered

DRAW_KEYS = ("_draw_", "_ldraw_", "_hdraw_", "_tdraw_", "_hldraw_", "_tldraw_")
ANCHORS = {"l": "start", "c": "middle", "r": "end"}
BOLD_FLAG, ITALIC_FLAG = 1, 2  # bits of the xdot `t` op


def scaled(figure: Drawing, max_width: float) -> Drawing:
    """A new Drawing of the figure scaled down (never up) to at most max_width points."""
    scale = min(1.0, max_width / figure.width)
    result = Drawing(figure.width * scale, figure.height * scale)
    result.add(Group(*figure.contents, transform=(scale, 0, 0, scale, 0, 0)))
    return result


def drawing(rendered: Rendered) -> Drawing:
    """The figure as a Drawing, at its natural size."""
    register_fonts()
    x0, y0, x1, y1 = (float(v) for v in rendered.layout["bb"].split(","))
    group = Group()
    # Edges first, then nodes: the order Graphviz used (outputorder=edgesfirst), so the
    # white label boxes cover the edges. The graph's own background is not drawn.
    for item in rendered.layout.get("edges", []) + rendered.layout.get("objects", []):
        for key in DRAW_KEYS:
            _Pen(group).run(item.get(key, []))
    group.transform = (1, 0, 0, 1, -x0, -y0)
    result = Drawing(x1 - x0, y1 - y0)
    result.add(group)
    return result


class _Pen:
    """Replays xdot ops; colour, line width and font persist from op to op."""

    def __init__(self, group: Group):
        self.group = group
        self.stroke = colors.black
        self.fill = colors.black
        self.line_width = 1.0
        self.dashes = None
        self.font_size, self.face, self.flags = 14.0, FAMILY, 0

    def run(self, ops: list[dict]) -> None:
        for op in ops:
            getattr(self, "op_" + op["op"], self.op_ignored)(op)

    def op_ignored(self, op: dict) -> None:
        pass  # images, gradients: never produced by our DOT

    def op_c(self, op):
        self.stroke = _color(op["color"])

    def op_C(self, op):
        self.fill = _color(op["color"])

    def op_S(self, op):
        style = op["style"]
        if style.startswith("setlinewidth("):
            self.line_width = float(style[len("setlinewidth("):-1])
        elif style in ("dashed", "dotted", "solid"):
            self.dashes = {"dashed": (5, 2), "dotted": (1, 2), "solid": None}[style]

    def op_F(self, op):
        self.font_size, self.face = op["size"], op["face"]

    def op_t(self, op):
        self.flags = op["fontchar"]

    def op_T(self, op):
        if self.stroke is None:
            return
        x, y = op["pt"]
        self.group.add(String(x, y, op["text"], fontName=self._font(), fontSize=self.font_size,
                              fillColor=self.stroke, textAnchor=ANCHORS[op["align"]]))

    def op_e(self, op, filled=False):
        cx, cy, rx, ry = op["rect"]
        self.group.add(Ellipse(cx, cy, rx, ry, **self._paint(filled)))

    def op_E(self, op):
        self.op_e(op, filled=True)

    def op_p(self, op, filled=False):
        points = op["points"]
        if _area(points) == 0:  # an HTML-table rule (<VR/>): a flat polygon, stroked twice
            self.group.add(PolyLine(_flat(points[:2]), **self._paint(False)))
        else:
            self.group.add(Polygon(_flat(points), **self._paint(filled)))

    def op_P(self, op):
        self.op_p(op, filled=True)

    def op_L(self, op):
        self.group.add(PolyLine(_flat(op["points"]), **self._paint(False)))

    def op_b(self, op, filled=False):
        points = op["points"]
        path = Path(**self._paint(filled))
        path.moveTo(*points[0])
        for k in range(1, len(points) - 2, 3):
            path.curveTo(*points[k], *points[k + 1], *points[k + 2])
        if filled:
            path.closePath()
        self.group.add(path)

    def op_B(self, op):
        self.op_b(op, filled=True)

    def _paint(self, filled: bool) -> dict:
        return dict(strokeColor=self.stroke, strokeWidth=self.line_width,
                    strokeDashArray=self.dashes, fillColor=self.fill if filled else None)

    def _font(self) -> str:
        if self.face != FAMILY:
            return REGULAR  # the only face our DOT names
        bold, italic = self.flags & BOLD_FLAG, self.flags & ITALIC_FLAG
        return (BOLD_ITALIC if bold and italic else BOLD if bold else ITALIC if italic else REGULAR)


@lru_cache(maxsize=None)  # a figure has few colours; parsing them is slow in reportlab
def _color(spec: str):
    """'#rrggbb' or '#rrggbbaa' (alpha 0, as in Graphviz's 'transparent', paints nothing)."""
    if spec.startswith("#") and len(spec) == 9:
        if int(spec[7:], 16) == 0:
            return None
        return colors.Color(*(int(spec[k:k + 2], 16) / 255 for k in (1, 3, 5)),
                            alpha=int(spec[7:], 16) / 255)
    if spec == "transparent":
        return None
    return colors.toColor(spec)


def _area(points: list[list[float]]) -> float:
    """Twice the signed area (shoelace formula)."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1]))


def _flat(points: list[list[float]]) -> list[float]:
    return [c for point in points for c in point]

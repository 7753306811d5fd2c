"""Graphviz's xdot drawing operations (from -Tjson) as a reportlab Drawing: vector, exact.

Both use points with y pointing up and the origin at the lower left, so coordinates
carry over unchanged. See https://graphviz.org/docs/outputs/canon/#xdot for the ops.

For PDFs a Drawing is also compiled into a Painting: its shapes as PDF operators, made
once per frame, so that drawing a figure costs one transform and its texts (renderPDF
walks and re-checks every shape of every figure: ten times slower).
"""
from __future__ import annotations

from functools import lru_cache

from reportlab.graphics.shapes import Drawing, Ellipse, Group, Path, Polygon, PolyLine, String, _renderPath
from reportlab.lib import colors
from reportlab.lib.attrmap import AttrMap, AttrMapValue
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.pathobject import PDFPathObject

from ..typeset.fonts import BOLD, BOLD_ITALIC, FAMILY, ITALIC, REGULAR, register_fonts
from .graphviz import Rendered

DRAW_KEYS = ("_draw_", "_ldraw_", "_hdraw_", "_tdraw_", "_hldraw_", "_tldraw_")
ANCHORS = {"l": "start", "c": "middle", "r": "end"}
BOLD_FLAG, ITALIC_FLAG, SUPERSCRIPT_FLAG, SUBSCRIPT_FLAG = 1, 2, 8, 16  # bits of the xdot `t` op


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
        # Graphviz gives a <SUB>/<SUP> run the baseline of its line; shift it as its SVG does.
        y += self.font_size * (0.35 * bool(self.flags & SUPERSCRIPT_FLAG) - 0.3 * bool(self.flags & SUBSCRIPT_FLAG))
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


# ---- the Drawing as PDF operators ----------------------------------------------------

class FigureDrawing(Drawing):
    """A figure's Drawing that can also put itself on a PDF canvas without renderPDF:
    `painting` holds its shapes as PDF operators, `texts` its label texts (see Painting)."""
    _attrMap = AttrMap(BASE=Drawing, painting=AttrMapValue(None, desc="a Painting"),
                       texts=AttrMapValue(None, desc="label name -> text, for the slots"))

    def draw_on(self, canvas, x: float, y: float, scale: float = 1.0) -> None:
        """Draws the figure with its lower left corner at (x, y), scaled by `scale`."""
        self.painting.draw_on(canvas, x, y, scale, self.texts)


class Painting:
    """A Drawing (as drawing() makes them) compiled into PDF content-stream operators.

    Shapes become operators once. Texts cannot: reportlab subsets TrueType fonts per
    document, giving each character its code when a document first uses it, so a text's
    bytes depend on the document. Each String is therefore encoded when drawn, in the
    order renderPDF would draw it, through the font's splitString/getSubsetInternalName,
    which is what reportlab's text objects do and what registers the font with the
    document (so it gets embedded). `slots` maps a String's index in the Drawing's group
    to a label name: its text is taken from the `texts` given to draw_on.
    """

    def __init__(self, drawing: Drawing, slots: dict[int, str] | None = None):
        group = drawing.contents[0]
        a, b, c, d, self.dx, self.dy = group.transform
        if (a, b, c, d) != (1, 0, 0, 1):
            raise ValueError("a figure's group may only be translated")
        self.steps: list[str | _Text] = []  # operators for shapes, and the texts between
        ops = _Operators()
        for k, shape in enumerate(group.contents):
            if not isinstance(shape, String):
                ops.paint(shape)
            elif shape.fillColor is not None:  # renderPDF draws no text without a colour
                ops.set("rg", _rgb(shape.fillColor))  # a text's colour is fixed: cached too
                self.steps += [ops.flush(), _Text(shape, (slots or {}).get(k))]
        self.steps.append(ops.flush())

    def draw_on(self, canvas, x: float, y: float, scale: float, texts: dict[str, str]) -> None:
        at = fp_str(scale, 0, 0, scale, x + scale * self.dx, y + scale * self.dy)
        written = _written_texts(canvas._doc)
        code = [f"q {at} cm"]
        for step in self.steps:
            if step.__class__ is str:
                code.append(step)
            else:
                text = texts[step.slot] if step.slot else step.text
                shown = written.get((step, text))
                code.append(shown if shown is not None else step.operators(canvas, text, written))
        code.append("Q")
        canvas.addLiteral("\n".join(code))


PAINT = {(True, False): "S", (False, True): "f*", (True, True): "B*"}  # even-odd, as renderPDF


class _Operators:
    """Writes shapes as PDF operators, setting colours, line width and dashes only when
    they change (renderPDF sets them all around every shape)."""

    def __init__(self):
        self.code = ["0 J 0 j"]  # butt caps, mitre joins, as renderPDF; the page may differ
        self.state: dict[str, str] = {}  # operator -> its operands, as last set

    def set(self, operator: str, operands: str) -> None:
        if self.state.get(operator) != operands:
            self.state[operator] = operands
            self.code.append(f"{operands} {operator}")

    def paint(self, shape) -> None:
        path = PDFPathObject()
        fillable = _trace(shape, path)
        stroke = shape.strokeColor
        fill = getattr(shape, "fillColor", None) if fillable else None
        if stroke is not None:
            self.set("RG", _rgb(stroke))
            self.set("w", fp_str(shape.strokeWidth))
            self.set("d", f"[{fp_str(shape.strokeDashArray)}] 0" if shape.strokeDashArray
                     else "[] 0")
        if fill is not None:
            self.set("rg", _rgb(fill))
        if stroke is not None or fill is not None:
            self.code += [path.getCode(), PAINT[stroke is not None, fill is not None]]

    def flush(self) -> str:
        """The operators written since the last flush."""
        code, self.code = "\n".join(self.code), []
        return code


def _trace(shape, path: PDFPathObject) -> bool:
    """Adds the shape's outline to the path; whether renderPDF would fill it."""
    if isinstance(shape, Ellipse):
        path.ellipse(shape.cx - shape.rx, shape.cy - shape.ry, 2 * shape.rx, 2 * shape.ry)
        return True
    if isinstance(shape, Path):  # filled only when closed, as renderPDF does by default
        return _renderPath(shape, (path.moveTo, path.lineTo, path.curveTo, path.close))
    if isinstance(shape, (PolyLine, Polygon)):
        points = shape.points
        path.moveTo(*points[:2])
        for k in range(2, len(points), 2):
            path.lineTo(*points[k:k + 2])
        if isinstance(shape, Polygon):
            path.close()
        return isinstance(shape, Polygon)
    raise TypeError(f"figures do not draw {type(shape).__name__}")


def _rgb(color) -> str:
    # A translucent colour would need an ExtGState resource in the document, which
    # operators alone cannot add; Graphviz gives our figures only opaque ones.
    if color.alpha != 1:
        raise ValueError(f"figures cannot paint translucent colours ({color})")
    return fp_str(color.red, color.green, color.blue)


ANCHOR_SHIFTS = {"start": 0.0, "middle": 0.5, "end": 1.0}  # of the text's width, leftwards


class _Text:
    """One String of a Painting: its text, or the text of label `slot`."""

    def __init__(self, string: String, slot: str | None):
        self.text, self.slot = string.text, slot
        self.x, self.y = string.x, fp_str(string.y)
        self.font, self.size = getFont(string.fontName), string.fontSize
        self.size_operand = fp_str(string.fontSize)
        self.shift = ANCHOR_SHIFTS[string.textAnchor]

    def operators(self, canvas, text: str, written: dict) -> str:
        """BT ... ET showing `text` (its own or its label's), encoded for the canvas's
        document; kept in `written` (the document's: see _written_texts)."""
        x = self.x - self.shift * _width(text, self.font.fontName, self.size)
        font, doc = self.font, canvas._doc
        key = (font.fontName, self.size_operand, text)
        shown = written.get(key)  # (the same text in another place of the figure or another figure)
        if shown is None:
            shown = written[key] = " ".join(f"{font.getSubsetInternalName(subset, doc)} {self.size_operand} Tf "
                                            f"({canvas._escape(chunk)}) Tj"
                                            for subset, chunk in font.splitString(text, doc))
        operators = written[(self, text)] = f"BT 1 0 0 1 {fp_str(x)} {self.y} Tm {shown} ET"
        return operators


def _written_texts(doc) -> dict:
    """A document's texts of figures as operators, made once per document and text: a
    character keeps its code in a document once given one. Keyed by (font name, size,
    text) for what a Tf ... Tj shows, and by (_Text, text) for a whole BT ... ET."""
    written = doc.__dict__.get("_figure_texts")
    if written is None:
        written = doc._figure_texts = {}
    return written


@lru_cache(maxsize=4096)
def _width(text: str, font: str, size: float) -> float:
    return stringWidth(text, font, size)

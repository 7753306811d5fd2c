"""The ink of a typeset formula, and how it gets into a PDF.

ziamath lays a formula out as a tree of nodes whose leaves are font glyphs and a few
filled rectangles (fraction bars, underlines). Instead of going through SVG text, this
module walks that tree and keeps, per formula, where each glyph goes (`Ink`).

In a PDF every glyph outline is written once per document as a Form XObject, and a
formula is a short run of page operators that place glyphs (one "cm" and one "Do"
each). Glyph names come from the font, so the same input always gives the same bytes.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cached_property

import ziamath
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream, PDFZCompress, xObjectName
from ziamath.drawable import Glyph
from ziamath.mathtable import AssembledGlyph
from ziamath.nodes import Mnode

PX_TO_PT = 0.75  # ziamath measures in CSS px (96/in)


class InkError(ValueError):
    """ziamath drew something other than glyphs and filled rectangles."""


@dataclass(frozen=True)
class Placed:
    """A glyph outline (by shape name) at (x, y) pt, scaled from font units by `scale`."""
    shape: str
    x: float
    y: float
    scale: float


@dataclass(frozen=True)
class Ink:
    """What a formula draws, in pt with the origin at the left end of its baseline, y up:
    glyphs, filled rectangles (x, y, width, height), and other inks placed at offsets
    (dx, dy). A formula built from cached atoms refers to their inks, so its PDF
    operators are mostly the atoms' cached ones."""
    glyphs: tuple[Placed, ...] = ()
    rules: tuple[tuple[float, float, float, float], ...] = ()
    parts: tuple[tuple[float, float, "Ink"], ...] = ()

    def shifted(self, dx: float, dy: float = 0.0) -> "Ink":
        return Ink(parts=((dx, dy, self),))

    @staticmethod
    def join(inks) -> "Ink":
        return Ink(parts=tuple(part for ink in inks for part in _as_parts(ink)))

    @cached_property
    def operators(self) -> str:
        """PDF operators that draw the ink at the origin in the current fill colour
        (one "cm" and one "Do" per glyph)."""
        lines = list(map(_glyph_operators, self.glyphs))
        lines += [f"{_n(x, 3)} {_n(y, 3)} {_n(w, 3)} {_n(h, 3)} re f" for x, y, w, h in self.rules]
        lines += [f"{_shift_operator(dx, dy)}\n{ink.operators}\nQ" for dx, dy, ink in self.parts if ink.operators]
        return "\n".join(lines)

    @cached_property
    def shapes(self) -> tuple[str, ...]:
        """The glyph shapes drawn, each once."""
        names = [g.shape for g in self.glyphs] + [s for _, _, ink in self.parts for s in ink.shapes]
        return tuple(dict.fromkeys(names))


_glyph_lines: dict[tuple, str] = {}  # (shape, x, y, scale) -> its operators: digits come back at the same places


def _glyph_operators(g: Placed) -> str:
    """A glyph's "cm" and "Do" (formatting its numbers costs more than looking them up:
    a version's numbers are new atoms, but made of the same glyphs at the same places)."""
    place = (g.shape, g.x, g.y, g.scale)
    line = _glyph_lines.get(place)
    if line is None:
        if len(_glyph_lines) >= 1 << 14:
            _glyph_lines.clear()
        scale = _n(g.scale, 6)
        line = _glyph_lines[place] = f"q {scale} 0 0 {scale} {_n(g.x, 3)} {_n(g.y, 3)} cm /{xObjectName(g.shape)} Do Q"
    return line


_shifts: dict[tuple, str] = {}  # (dx, dy) -> "q ... cm": a version's formulas set their atoms at the same places


def _shift_operator(dx: float, dy: float) -> str:
    """"q 1 0 0 1 dx dy cm", kept per place (see _glyph_operators)."""
    line = _shifts.get((dx, dy))
    if line is None:
        if len(_shifts) >= 1 << 14:
            _shifts.clear()
        line = _shifts[dx, dy] = f"q 1 0 0 1 {_n(dx, 3)} {_n(dy, 3)} cm"
    return line


def _as_parts(ink: Ink) -> tuple[tuple[float, float, Ink], ...]:
    """The ink as parts to join: a bare group of parts is merged, not nested."""
    return ink.parts if not ink.glyphs and not ink.rules else ((0.0, 0.0, ink),)


@dataclass(frozen=True)
class Layout:
    """A formula laid out by ziamath: its ink, advance width and extent around the
    baseline, all in pt."""
    ink: Ink
    width: float
    ascent: float
    descent: float


def layout(math: ziamath.Math) -> Layout:
    """The ink and metrics of a ziamath formula."""
    glyphs: list[Placed] = []
    rules: list[tuple[float, float, float, float]] = []
    _walk(math.node, 0.0, 0.0, glyphs, rules)
    bbox = math.node.bbox
    return Layout(Ink(tuple(glyphs), tuple(rules)), width=math.node.xadvance() * PX_TO_PT,
                  ascent=max(bbox.ymax, 0.0) * PX_TO_PT, descent=max(-bbox.ymin, 0.0) * PX_TO_PT)


def _walk(node, x: float, y: float, glyphs: list, rules: list) -> None:
    """Collects the leaves of ziamath's node tree; (x, y) are ziamath's SVG px (y down),
    as in Mnode.draw."""
    if isinstance(node, Glyph):
        if not node.phantom:
            _place_glyph(node.glyph, node.size, x, y, glyphs)
    elif isinstance(node, Mnode):
        for (dx, dy), child in zip(node.nodexy, node.nodes):
            _walk(child, x + dx, y + dy, glyphs, rules)
    else:  # a line or box drawable: let it draw itself, then read the SVG it made
        svg = ET.Element("g")
        node.draw(x, y, svg)
        for element in svg:
            rules.append(_rule(element))


def glyph_layout(glyph, size_pt: float, y: float = 0.0) -> Layout:
    """One glyph of `size_pt`, on the baseline moved up by `y` pt."""
    glyphs: list[Placed] = []
    _place_glyph(glyph, size_pt / PX_TO_PT, 0.0, -y / PX_TO_PT, glyphs)
    units = size_pt / glyph.font.info.layout.unitsperem
    return Layout(Ink(tuple(glyphs)), glyph.advance() * units,
                  ascent=glyph.bbox.ymax * units + y, descent=-glyph.bbox.ymin * units - y)


def _place_glyph(glyph, size_px: float, x: float, y: float, glyphs: list) -> None:
    units_to_px = size_px / glyph.font.info.layout.unitsperem
    if isinstance(glyph, AssembledGlyph):  # a stretched delimiter: its pieces, offset
        for piece, offset in zip(glyph.glyphs, glyph.offsets):
            dx, dy = (0.0, -offset) if glyph.vert else (offset, 0.0)
            _place_glyph(piece, size_px, x + dx * units_to_px, y + dy * units_to_px, glyphs)
        return
    shape = glyph_shape(glyph)
    if shape is not None:
        glyphs.append(Placed(shape, x * PX_TO_PT, -y * PX_TO_PT, units_to_px * PX_TO_PT))


def _rule(element: ET.Element) -> tuple[float, float, float, float]:
    if element.tag != "rect" or "stroke" in element.attrib:
        raise InkError(f"cannot draw ziamath's <{element.tag}> {element.attrib}")
    x, y, w, h = (float(element.get(k)) for k in ("x", "y", "width", "height"))
    return x * PX_TO_PT, -(y + h) * PX_TO_PT, w * PX_TO_PT, h * PX_TO_PT


# --- glyph outlines ------------------------------------------------------------------

@dataclass(frozen=True)
class Shape:
    """A glyph outline as PDF path operators in font units, and its bounding box."""
    operators: str
    bbox: tuple[float, float, float, float]


SHAPES: dict[str, Shape] = {}  # by name; filled once per process


def glyph_shape(glyph) -> str | None:
    """The name of the glyph's outline in SHAPES (None for an empty glyph, a space)."""
    name = "g" + glyph.id
    if name not in SHAPES:
        if not glyph.operators:
            return None
        SHAPES[name] = Shape(_path_operators(glyph.operators), _bbox(glyph.operators))
    return name


def _path_operators(operators) -> str:
    """ziafont's outline segments (font units, y up) as PDF path operators, filled with
    the nonzero rule like SVG's default."""
    out, current = [], (0.0, 0.0)
    for op in operators:
        kind = type(op).__name__
        if kind == "Moveto":
            if out:
                out.append("h")
            current = (op.p.x, op.p.y)
            out.append(f"{_n(op.p.x)} {_n(op.p.y)} m")
        elif kind == "Lineto":
            current = (op.p.x, op.p.y)
            out.append(f"{_n(op.p.x)} {_n(op.p.y)} l")
        elif kind == "Quad":  # PDF has only cubic curves: raise the degree
            (x0, y0), (x1, y1), (x2, y2) = current, (op.p1.x, op.p1.y), (op.p2.x, op.p2.y)
            c1 = (x0 + 2 / 3 * (x1 - x0), y0 + 2 / 3 * (y1 - y0))
            c2 = (x2 + 2 / 3 * (x1 - x2), y2 + 2 / 3 * (y1 - y2))
            current = (x2, y2)
            out.append(f"{_n(c1[0])} {_n(c1[1])} {_n(c2[0])} {_n(c2[1])} {_n(x2)} {_n(y2)} c")
        elif kind == "Cubic":
            current = (op.p3.x, op.p3.y)
            out.append(" ".join(_n(v) for v in (op.p1.x, op.p1.y, op.p2.x, op.p2.y,
                                                  op.p3.x, op.p3.y)) + " c")
        else:
            raise InkError(f"unknown outline segment {kind}")
    return "\n".join(out + ["h f"])


def _bbox(operators) -> tuple[float, float, float, float]:
    """Bounding box of all points, control points included (so it contains the curve)."""
    points = [(p.x, p.y) for op in operators for p in op.points()[0]]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _n(value: float, places: int = 2) -> str:
    """A PDF number: fixed point, no exponent, no trailing zeros."""
    text = (_FIXED[places] % value).rstrip("0").rstrip(".")
    return text if text and text != "-0" else "0"


_FIXED = {places: f"%.{places}f" for places in range(10)}  # (% formats faster than a nested f-string)


# --- into a PDF -----------------------------------------------------------------------

def draw_ink(canvas, ink: Ink) -> None:
    """Adds the ink, in black, to the canvas's current page at its origin, first defining
    in this document the glyph shapes it has not used yet."""
    canvas.addLiteral("0 g\n" + ink.operators)
    use_shapes(canvas, ink.shapes)


def use_shapes(canvas, shapes) -> None:
    """Defines in the canvas's document the glyph shapes it has not used yet, and lists
    them all with the current page (what canvas.doForm records: the page's resources
    must list every form it uses)."""
    doc = canvas._doc
    defined = doc.__dict__.get("_glyph_shapes")  # the shapes this document has
    if defined is None:
        defined = doc._glyph_shapes = set()
    if not defined.issuperset(shapes):  # (most often it has them all: a set test in C)
        for shape in shapes:
            if shape not in defined:
                if not doc.hasForm(shape):
                    doc.Reference(_glyph_form(shape), xObjectName(shape))
                defined.add(shape)
    canvas._formsinuse.extend(shapes)


def _glyph_form(name: str) -> PDFStream:
    """A minimal Form XObject: a glyph's outline needs no resources. (reportlab's
    PDFFormXObject adds a resource dictionary to each, which costs time on every
    document.)"""
    return _GlyphForm(name)


class _GlyphForm(PDFStream):
    """A glyph's Form XObject, whose bytes (compressed, with its dictionary) are made once
    per process: they refer to no other object, so they are the same in every document
    (ours are never encrypted). Each document has its own (reportlab registers an object
    with one document), made without a dictionary or content until those are needed."""
    _bytes: dict[str, bytes] = {}

    def __init__(self, name: str):  # (PDFStream's fields are made in format, if at all)
        self.name = name

    def format(self, document):
        data = self._bytes.get(self.name)
        if data is None:
            shape = SHAPES[self.name]
            dictionary = PDFDictionary({"Type": PDFName("XObject"), "Subtype": PDFName("Form"),
                                        "BBox": PDFArray([round(v, 2) for v in shape.bbox])})
            data = self._bytes[self.name] = PDFStream(dictionary, shape.operators, [PDFZCompress]).format(document)
        return data

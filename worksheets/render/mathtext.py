"""LaTeX math -> reportlab vector drawing (ziamath typesets, svglib converts).

Glyphs come out as filled paths in STIX Two Math, so formulas need no font embedding
and are identical on every machine. Paths carry no text: the PDF text layer never
contains math (see pdf.py for how answers stay searchable).

Supported: what ziamath's LaTeX subset covers (scripts, \\frac/\\dfrac, pmatrix, \\sum,
\\text, \\quad, \\neq, \\approx, ...) plus two conveniences:
  * plain ``\\partial`` is fine here; it is wrapped as ``{\\partial}`` so ziamath does
    not give it operator spacing;
  * a minus sign after "=", "(", ",", an operator, etc. is printed as a sign;
  * ``\\blank`` (or ``\\blank{6em}``) is a fill-in-the-blank line, drawn just below
    the baseline like a handwritten-answer line. ``\\rule{3in}{0.4pt}`` works too and
    sits on the baseline.
"""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache

import ziafont
import ziamath
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from svglib.svglib import svg2rlg

from .fonts import REGULAR, register_fonts

# svglib cannot resolve SVG2 <symbol>/<use> glyph references; ask for plain paths.
ziafont.config.svg2 = False


def _tex_operator_spacing() -> None:
    """Adjusts ziamath's operator table (MathML's) to TeX's spacing: "×" and "·" get the
    medium space of + and −, not a hair space ("2×3"); a relation that starts a
    formula ("≈ 0.25") gets no space on its left."""
    table = ziamath.operators.operators
    for op in ("\u00d7", "\u00b7", "\u22c5"):
        table[(op, "infix")] = {"lspace": "mediummathspace", "rspace": "mediummathspace"}
    for (op, form), params in list(table.items()):
        if form == "infix" and params.get("lspace") == "thickmathspace":
            table.setdefault((op, "prefix"), {**params, "lspace": "0em"})


_tex_operator_spacing()

PX_TO_PT = 0.75  # ziamath measures in CSS px (96/in); svglib converts px to pt
MARGIN_PX = 1.0  # ziamath's default blank margin around the SVG viewBox
BLANK_WIDTH = "6em"


class MathError(ValueError):
    """A formula ziamath cannot typeset."""


@dataclass(frozen=True)
class MathBox:
    """A typeset formula. Sizes in points; the baseline is `descent` above the bottom."""
    latex: str
    drawing: Drawing
    width: float
    ascent: float
    descent: float

    @property
    def height(self) -> float:
        return self.ascent + self.descent

    def draw_on(self, canvas, x: float, baseline: float, scale: float = 1.0) -> None:
        """Draws with the left end of the baseline at (x, baseline)."""
        canvas.saveState()
        canvas.translate(x, baseline)
        canvas.scale(scale, scale)
        # The drawing includes ziamath's margin on every side.
        margin = MARGIN_PX * PX_TO_PT
        renderPDF.draw(self.drawing, canvas, -margin, -self.descent - margin)
        canvas.restoreState()


def typeset(latex: str, size: float = 11.0, display: bool = False) -> MathBox:
    """Typesets `latex` at `size` pt; display=True uses display style (big operators,
    limits below \\sum). Cached: formulas repeat a lot across problems and versions."""
    return _typeset(latex, float(size), bool(display))


@lru_cache(maxsize=4096)
def _typeset(latex: str, size: float, display: bool) -> MathBox:
    source = _expand_macros(latex)
    try:
        math = ziamath.Latex(source, size=size / PX_TO_PT, inline=not display, margin=MARGIN_PX)
        svg = math.svg()
    except Exception as exc:  # ziamath raises assorted errors on bad input
        raise MathError(f"cannot typeset math {latex!r}: {type(exc).__name__} {exc}") from exc
    # An unknown command comes through as its literal name; better to fail loudly.
    if re.search(r"\\[A-Za-z]", ET.tostring(math.mathml, encoding="unicode")):
        raise MathError(f"cannot typeset math {latex!r}: unknown command")
    drawing = svg2rlg(io.StringIO(svg))
    if drawing is None:
        raise MathError(f"svglib could not read the SVG of {latex!r}")
    # renderPDF starts every drawing by selecting its default font, Helvetica, which
    # would put an unembedded base-14 font into the PDF; start with ours instead.
    register_fonts()
    drawing.initialFontName = REGULAR
    width_px, height_px = math.getsize()
    descent_px = -math.getyofst()
    return MathBox(latex=latex, drawing=drawing, width=width_px * PX_TO_PT,
                   ascent=(height_px - descent_px) * PX_TO_PT, descent=descent_px * PX_TO_PT)


# After these a minus sign is a sign, not subtraction (TeX decides this itself; ziamath
# spaces every "-" as a binary operator, giving "= − 2" and "5( − 3)").
_BEFORE_UNARY_MINUS = re.compile(
    r"(^|[=(\[{,;&+<>]|\\\\|\\(?:cdot|times|approx|neq|ne|leq?|geq?|quad|qquad|to|pm|mp"
    r"|div|in|equiv|sim|mapsto|Rightarrow|rightarrow|left)(?![A-Za-z]))(\s*)-")


def _expand_macros(latex: str) -> str:
    latex = _BEFORE_UNARY_MINUS.sub(r"\1\2{-}", latex)
    latex = re.sub(r"\\partial(?![A-Za-z])", r"{\\partial}", latex)
    latex = re.sub(r"\\blank\{([^}]*)\}", r"\\underline{\\hspace{\1}}", latex)
    return re.sub(r"\\blank(?![A-Za-z])", rf"\\underline{{\\hspace{{{BLANK_WIDTH}}}}}", latex)

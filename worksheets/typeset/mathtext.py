"""LaTeX math -> typeset formulas drawn as vector paths in PDFs.

ziamath lays formulas out in STIX Two Math; glyphs are drawn as filled outlines (see
mathink), so formulas need no font embedding, look the same on every machine and
carry no text: the PDF text layer never contains math (see pdf.py for how answers stay
searchable).

Speed: ziamath needs 40-90 ms for a whole formula, and worked solutions differ in every
version. So a formula is split at its top level into TeX atoms (mathsplit), each atom
is typeset once per process, and the atoms are set side by side on one baseline with
TeX's spacing. Anything the splitter does not understand is typeset whole.

Supported: what ziamath's LaTeX subset covers (scripts, \\frac/\\dfrac, pmatrix, \\sum,
\\text, \\quad, \\neq, \\approx, ...) plus three conveniences:
  * plain ``\\partial`` is fine here; it is wrapped as ``{\\partial}`` so ziamath does
    not give it operator spacing;
  * a minus sign after "=", "(", ",", an operator, etc. is printed as a sign;
  * ``\\blank`` (or ``\\blank{6em}``) is a fill-in-the-blank line, drawn just below
    the baseline like a handwritten-answer line. ``\\rule{3in}{0.4pt}`` works too and
    sits on the baseline.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from functools import lru_cache
from xml.sax.saxutils import escape

import ziamath

from ..caching import kept_on_second_use
from . import mathink
from .mathink import PX_TO_PT, Ink, Layout
from .mathsplit import SPACE_MU, SYMBOLS, is_fraction, matrix_cells, resolve_unary, split, stretches

BLANK_WIDTH = "6em"


class MathError(ValueError):
    """A formula ziamath cannot typeset."""


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: typeset() caches them
class MathBox:
    """A typeset formula. Sizes in points; the baseline is `descent` above the bottom."""
    latex: str
    ink: Ink
    width: float
    ascent: float
    descent: float

    @property
    def height(self) -> float:
        return self.ascent + self.descent

    def draw_on(self, canvas, x: float, baseline: float, scale: float = 1.0) -> None:
        """Draws with the left end of the baseline at (x, baseline)."""
        # In q/Q directly: the ink sets only its fill colour, which Q restores.
        canvas.addLiteral(f"q {scale:.4f} 0 0 {scale:.4f} {x:.3f} {baseline:.3f} cm")
        mathink.draw_ink(canvas, self.ink)
        canvas.addLiteral("Q")


def typeset(latex: str, size: float = 11.0, display: bool = False) -> MathBox:
    """Typesets `latex` at `size` pt; display=True uses display style (big operators,
    limits below \\sum). Cached: formulas repeat a lot across problems and versions."""
    return _typeset(latex, float(size), bool(display))


# Whole formulas, mostly a version's own worked steps: enough for one version's measuring
# and writing, and for the steps many versions share; more only holds memory in a class
# set of thousands (the atoms below are what versions share).
@lru_cache(maxsize=1024)
def _typeset(latex: str, size: float, display: bool) -> MathBox:
    result = _formula(latex, size, display)
    return MathBox(latex, result.ink, result.width, result.ascent, result.descent)


def _formula(latex: str, size: float, display: bool) -> Layout:
    pieces = _pieces(latex, size, display)
    return _whole(latex, size, display) if pieces is None else _compose(pieces, size)


def _pieces(latex: str, size: float, display: bool) -> list[tuple[str, Layout | int]] | None:
    """The formula's atoms, each as its class and its layout (a space: its width in mu),
    or None if it does not split. Made a stretch between "=" signs at a time (see
    mathsplit.split), each stretch once: only the stretches with a version's numbers are
    new. (TeX's rules for a sign look no further than the "=" on either side, so a
    stretch's classes are those it has in the whole formula.)"""
    pieces: list[tuple[str, Layout | int]] = []
    for stretch in stretches(latex):
        found = _stretch_pieces(stretch, size, display)
        if found is None:
            atoms = split(latex)
            return None if atoms is None else _laid_out(resolve_unary(atoms), size, display)
        pieces += found
    return pieces


@kept_on_second_use(maxsize=4096)  # (three stretches in four carry a version's own numbers, met once)
def _stretch_pieces(stretch: str, size: float, display: bool) -> tuple[tuple[str, Layout | int], ...] | None:
    atoms = split(stretch)
    return None if atoms is None else tuple(_laid_out(resolve_unary(atoms), size, display))


def _laid_out(atoms, size: float, display: bool) -> list[tuple[str, Layout | int]]:
    return [(atom.kind, int(atom.source) if atom.kind == "space" else _atom(atom.kind, atom.source, size, display))
            for atom in atoms]


def _compose(pieces, size: float) -> Layout:
    """The atoms side by side on one baseline, with TeX's space between them."""
    mu = size / 18  # the math unit: STIX Two Math's em is the font size
    x, previous, parts, ascent, descent = 0.0, None, [], 0.0, 0.0
    for kind, piece in pieces:
        if kind == "space":
            x += piece * mu
            continue
        if previous is not None:
            x += SPACE_MU[previous, kind] * mu
        parts.append((x, 0.0, piece.ink))  # (what Ink.join of piece.ink.shifted(x) gives)
        x += piece.width
        if piece.ascent > ascent:
            ascent = piece.ascent
        if piece.descent > descent:
            descent = piece.descent
        previous = kind
    return Layout(Ink(parts=tuple(parts)), x, ascent, descent)


@lru_cache(maxsize=8192)
def _atom(kind: str, source: str, size: float, display: bool) -> Layout:
    """One atom, with the width TeX would give it (the caller adds the space between
    atoms)."""
    if source in SYMBOLS:  # one glyph, with no space of its own
        mathml = (f'<math><mo lspace="0em" rspace="0em" stretchy="false">'
                  f'{escape(SYMBOLS[source][1])}</mo></math>')
        return mathink.layout(ziamath.Math(mathml, size=size / PX_TO_PT, margin=0))
    if kind == "inner" and (matrix := matrix_cells(source)):
        return _matrix(*matrix, size)
    piece = _whole(source, size, display)
    if kind == "op":  # ziamath adds the operator's own space after it
        return replace(piece, width=_ink_right(piece.ink))
    if is_fraction(source):
        return _fraction_box(piece, size)
    return piece


NULL_DELIMITER_SPACE = 0.12  # em: TeX's 1.2 pt at 10 pt on each side of a fraction


def _fraction_box(piece: Layout, size: float) -> Layout:
    """A fraction is as wide as its bar plus TeX's null delimiter space on each side
    (ziamath puts extra space after it instead)."""
    if not piece.ink.rules:
        return piece
    bar_x, _, bar_width, _ = max(piece.ink.rules, key=lambda rule: rule[2])
    pad = NULL_DELIMITER_SPACE * size
    return replace(piece, ink=piece.ink.shifted(pad - bar_x), width=bar_width + 2 * pad)


# amsmath's matrices: rows at least as tall as a strut (0.7 and 0.3 of a 1.2 em line),
# columns 2 \arraycolsep (1 em) apart, the whole centred on the math axis, between
# \left and \right delimiters at least 90.1% as tall and no more than 5 pt shorter.
_MATRIX_DELIMITERS = {"matrix": "", "pmatrix": "()", "bmatrix": "[]", "Bmatrix": "{}",
                      "vmatrix": "||", "Vmatrix": "\u2016\u2016"}
STRUT_HEIGHT, STRUT_DEPTH, COLUMN_GAP = 0.84, 0.36, 1.0  # em


def _matrix(env: str, rows: list[list[str]], size: float) -> Layout:
    """A matrix laid out like amsmath's, with cells composed from atoms (text style)."""
    cells = [[_formula(cell, size, False) for cell in row] for row in rows]
    n_columns = max(len(row) for row in cells)
    widths = [max(row[c].width for row in cells if c < len(row)) for c in range(n_columns)]
    heights = [max([STRUT_HEIGHT * size] + [cell.ascent for cell in row]) for row in cells]
    depths = [max([STRUT_DEPTH * size] + [cell.descent for cell in row]) for row in cells]
    total = sum(heights) + sum(depths)
    axis = _axis_height(size)
    inks, y = [], axis + total / 2
    for row, height, depth in zip(cells, heights, depths):
        y -= height
        x = 0.0
        for cell, width in zip(row, widths):
            inks.append(cell.ink.shifted(x + (width - cell.width) / 2, y))
            x += width + COLUMN_GAP * size
        y -= depth
    body = Layout(Ink.join(inks), sum(widths) + COLUMN_GAP * size * (n_columns - 1),
                  axis + total / 2, total / 2 - axis)
    delimiters = _MATRIX_DELIMITERS[env]
    if not delimiters:
        return body
    needed = max(total * 0.901, total - 5.0 * size / 10)
    left, right = (_delimiter(char, needed, size) for char in delimiters)
    return _row([left, body, right])


def _row(pieces: list[Layout]) -> Layout:
    """Layouts side by side, with no space between them."""
    x, inks = 0.0, []
    for piece in pieces:
        inks.append(piece.ink.shifted(x))
        x += piece.width
    return Layout(Ink.join(inks), x, max(p.ascent for p in pieces), max(p.descent for p in pieces))


def _math_font():
    return ziamath.zmath.loadedfonts["default"]


def _axis_height(size: float) -> float:
    font = _math_font()
    return font.math.consts.axisHeight * size / font.info.layout.unitsperem


@lru_cache(maxsize=256)
def _delimiter(char: str, height: float, size: float) -> Layout:
    """The font's smallest version of `char` at least `height` pt tall (or one built
    from pieces), centred on the math axis."""
    font = _math_font()
    units = size / font.info.layout.unitsperem
    glyph = font.math.variant(font.glyph(char).index, height / units, vert=True)
    centre = (glyph.bbox.ymin + glyph.bbox.ymax) / 2 * units
    return mathink.glyph_layout(glyph, size, _axis_height(size) - centre)


def _ink_right(ink: Ink) -> float:
    ends = [x + w for x, _, w, _ in ink.rules]
    ends += [g.x + mathink.SHAPES[g.shape].bbox[2] * g.scale for g in ink.glyphs]
    return max(ends, default=0.0)


def _whole(latex: str, size: float, display: bool) -> Layout:
    """`latex` typeset by ziamath in one piece."""
    source = _expand_macros(latex)
    try:
        math = ziamath.Latex(source, size=size / PX_TO_PT, inline=not display, margin=0)
        result = mathink.layout(math)
    except Exception as exc:  # ziamath raises assorted errors on bad input
        raise MathError(f"cannot typeset math {latex!r}: {type(exc).__name__} {exc}") from exc
    # An unknown command comes through as its literal name; better to fail loudly.
    if re.search(r"\\[A-Za-z]", ET.tostring(math.mathml, encoding="unicode")):
        raise MathError(f"cannot typeset math {latex!r}: unknown command")
    return result


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

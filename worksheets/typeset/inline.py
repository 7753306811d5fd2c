"""A paragraph of plain text and inline math, word-wrapped to the frame width.

reportlab's Paragraph cannot hold vector math boxes, so this flowable does its own
(small) line breaking: words are separated by whitespace only, so "$x$," keeps its
comma, and a word wider than the line is cut into pieces. Text is drawn as real
text (searchable, selectable); math as paths, on the same baseline.

Measuring and line breaking are cached by content: most paragraphs come back unchanged
in every version of a sheet, and in its worksheet and key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import NamedTuple

from reportlab.lib.colors import Color, black
from reportlab.pdfbase.pdfmetrics import getAscentDescent, stringWidth

from ..document import Math
from .fonts import REGULAR, register_fonts, runs
from .mathtext import MathBox, typeset
from .templates import Templated, same

TEXT_SIZE = 11.0
LEADING = 1.3  # baseline distance of plain text lines, in font sizes
LINE_GAP = 2.0  # minimum clearance between a tall formula and the next line, pt


@dataclass(frozen=True)
class Styled:
    """Text in a given font, colour and size (headings, labels, "Answer:"); size None
    is the paragraph's."""
    text: str
    font: str = REGULAR
    color: Color = black
    size: float | None = None

    def __hash__(self) -> int:
        # Without the colour, whose hash reportlab computes slowly: paragraphs are looked
        # up by their pieces many times a version (equal pieces still hash equal).
        return hash((self.text, self.font, self.size))


class _Text(NamedTuple):
    """A piece of a word in one style, with its font size and width (measured once)."""
    text: str
    style: Styled
    size: float
    width: float


@dataclass
class _Run:
    """Text in one font, size and colour."""
    text: str
    font: str
    size: float
    color: Color


@dataclass
class _Line:
    items: list = field(default_factory=list)  # (x, _Run | MathBox)
    width: float = 0.0
    ascent: float = 0.0
    descent: float = 0.0


class InlineParagraph(Templated):
    """Mixed text and math: pieces are Text, Math or Styled; align "left" or "center"."""

    def __init__(self, pieces, size: float = TEXT_SIZE, align: str = "left",
                 space_before: float = 0.0, space_after: float = 0.0):
        super().__init__()
        register_fonts()
        self.size = size
        self.align = align
        self.spaceBefore, self.spaceAfter = space_before, space_after
        self._pieces = _styled(pieces)
        self._lines: list[_Line] = []

    def natural_width(self) -> float:
        """Width on one line, without wrapping (for sizing table columns)."""
        return _one_line(self._pieces, self.size)

    def first_baseline(self) -> float:
        """Distance from the top to the first baseline (after wrap)."""
        return self._lines[0].ascent

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self._lines, self.height = _broken(self._pieces, self.size, availWidth)
        return self.width, self.height

    def template_key(self):
        # The lines stand for the pieces: _broken gives the same lines to the same pieces
        # at the same width (and equal lines, or none, to others), and comparing the
        # pieces themselves costs more than the rest of a replay.
        return ("paragraph", same(self._lines), self.size, self.align, self.width, self.height)

    def draw(self):
        canvas = self.canv
        text = canvas.beginText()  # one text object for the whole paragraph
        y, previous, has_text = self.height, None, False
        for line in self._lines:
            y -= line.ascent if previous is None else _pitch(previous, line, self.size)
            x0 = (self.width - line.width) / 2 if self.align == "center" else 0.0
            for x, item in line.items:
                if isinstance(item, MathBox):
                    item.draw_on(canvas, x0 + x, y)
                else:
                    text.setTextOrigin(x0 + x, y)
                    text.setFont(item.font, item.size)
                    text.setFillColor(item.color)
                    text._textOut(item.text)  # (textOut's bytes; it also measures, for a cursor not used)
                    has_text = True
            previous = line
        if has_text:
            canvas.drawText(text)


def natural_width(pieces, size: float = TEXT_SIZE) -> float:
    """The width of InlineParagraph(pieces, size) on one line, without making one."""
    return _one_line(_styled(pieces), size)


def _styled(pieces) -> tuple:
    """The pieces with plain Text as Styled text, one Styled per text and one Math per
    formula: equal paragraphs then hold the same objects, which compare at once in the
    caches below (a version's pieces are its own objects, equal to the last version's)."""
    return _Pieces(p if isinstance(p, Styled) else _math(p.latex) if isinstance(p, Math) else _plain(p.text)
                   for p in pieces)


class _Pieces(tuple):
    """A paragraph's pieces, hashed once: they are looked up several times a paragraph
    (measuring, line breaking, the drawing's templates). Equal to, and hashed as, the
    plain tuple."""

    def __new__(cls, pieces):
        self = super().__new__(cls, pieces)
        self._hash = tuple.__hash__(self)
        return self

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self):  # (the hash is not pickled: another process hashes strings differently)
        return _Pieces, (tuple(self),)


@lru_cache(maxsize=4096)
def _plain(text: str) -> Styled:
    return Styled(text)


@lru_cache(maxsize=4096)
def _math(latex: str) -> Math:
    return Math(latex)


def _one_line(pieces: tuple, size: float) -> float:
    words = _words(pieces, size)
    return sum(width for _, width, _ in words) + sum(space for _, _, space in words[:-1])


_SPACES = re.compile(r"([ \t\n\r\f\v]+)")  # break here; a no-break space (U+00A0) does not

# A word is a tuple of fragments with no whitespace between them: _Text for text, MathBox
# for math. Each word is stored with its width and the width of the space after it.


@lru_cache(maxsize=1024)  # (a version's own paragraphs would hold their formulas in memory)
def _words(pieces: tuple, size: float) -> tuple[tuple[tuple, float, float], ...]:
    words: list[tuple[tuple, float, float]] = []
    current: list = []
    for piece in pieces:
        if isinstance(piece, Math):
            current.append(typeset(piece.latex, size))
            continue
        font_size = piece.size or size
        for chunk in _SPACES.split(piece.text):
            if not chunk:
                continue
            if _SPACES.fullmatch(chunk):
                if current:
                    words.append(_word(current, _text_width(" ", piece.font, font_size)))
                    current = []
            else:
                for text, font in runs(chunk, piece.font):  # a fallback font for é, 中, 😀
                    style = piece if font == piece.font else replace(piece, font=font)
                    current.append(_Text(text, style, font_size, _text_width(text, font, font_size)))
    if current:
        words.append(_word(current, 0.0))
    return tuple(words)


def _word(fragments: list, space_after: float) -> tuple[tuple, float, float]:
    return tuple(fragments), sum(f.width for f in fragments), space_after


@lru_cache(maxsize=1 << 16)
def _text_width(text: str, font: str, size: float) -> float:
    """stringWidth, remembered: the same words come back in every version."""
    return stringWidth(text, font, size)


@lru_cache(maxsize=1024)
def _broken(pieces: tuple, size: float, width: float) -> tuple[list[_Line], float]:
    """The lines of the paragraph at `width`, and their total height. (The lines are
    shared between paragraphs with the same pieces; nothing changes them once made.)"""
    lines = _break_lines(_words(pieces, size), width, size)
    return lines, _total_height(lines, size)


def _break_lines(words, width: float, size: float) -> list[_Line]:
    lines = [_Line()]
    space = 0.0  # width of the space before the next word; 0 at a line start
    for word, word_width, space_after in words:
        for piece, w in _cut_to_width(word, word_width, width):
            if lines[-1].items and lines[-1].width + space + w > width:
                lines.append(_Line())
                space = 0.0
            _place(lines[-1], piece, space)
            space = 0.0
        space = space_after
    ascent, descent = getAscentDescent(REGULAR, size)
    for line in lines:
        line.ascent = max(line.ascent, ascent)
        line.descent = max(line.descent, -descent)
    return lines


def _place(line: _Line, word, space: float) -> None:
    """Appends a word to the line, `space` after what is already there."""
    x = line.width + space if line.items else 0.0
    for i, fragment in enumerate(word):
        last = line.items[-1][1] if line.items else None
        if isinstance(fragment, MathBox):
            line.items.append((x, fragment))
            line.ascent = max(line.ascent, fragment.ascent)
            line.descent = max(line.descent, fragment.descent)
        else:
            style, size = fragment.style, fragment.size
            if isinstance(last, _Run) and (last.font, last.size, last.color) == \
                    (style.font, size, style.color):
                # One string per run of same-styled text, with real spaces, so the
                # PDF's text layer reads like the sentence.
                last.text += (" " if i == 0 and space else "") + fragment.text
            else:
                line.items.append((x, _Run(fragment.text, style.font, size, style.color)))
        x += fragment.width
    line.width = x


def _cut_to_width(word: tuple, word_width: float, width: float) -> list[tuple[tuple, float]]:
    """The word itself if it fits, else pieces no wider than `width` (text is cut
    between characters; a formula is never cut; a closing mark, "$x$." or "$x$)", stays
    on the line it closes, a few points past its end); each with its width."""
    if word_width <= width:
        return [(word, word_width)]
    pieces, current, used = [], [], 0.0
    for fragment in word:
        if isinstance(fragment, MathBox):
            chars = [fragment]
        else:
            chars = [_Text(c, fragment.style, fragment.size,
                           _text_width(c, fragment.style.font, fragment.size))
                     for c in fragment.text]
        for char in chars:
            if current and used + char.width > width and not _closes(char):
                pieces.append((_merge_chars(current), used))
                current, used = [], 0.0
            current.append(char)
            used += char.width
    pieces.append((_merge_chars(current), used))
    return pieces


def _closes(char) -> bool:
    return isinstance(char, _Text) and char.text in ".,;:!?)]}"


def _merge_chars(piece: list) -> tuple:
    merged: list = []
    for fragment in piece:
        if merged and not isinstance(fragment, MathBox) and not isinstance(merged[-1], MathBox) \
                and (merged[-1].style, merged[-1].size) == (fragment.style, fragment.size):
            previous = merged[-1]
            merged[-1] = _Text(previous.text + fragment.text, fragment.style, fragment.size,
                               previous.width + fragment.width)
        else:
            merged.append(fragment)
    return tuple(merged)


def _pitch(above: _Line, below: _Line, size: float) -> float:
    """Baseline-to-baseline distance: the usual leading, more around tall formulas."""
    return max(size * LEADING, above.descent + below.ascent + LINE_GAP)


def _total_height(lines: list[_Line], size: float) -> float:
    height = lines[0].ascent + lines[-1].descent
    return height + sum(_pitch(a, b, size) for a, b in zip(lines, lines[1:]))

"""A paragraph of plain text and inline math, word-wrapped to the frame width.

reportlab's Paragraph cannot hold vector math boxes, so this flowable does its own
(small) line breaking: words are separated by whitespace only, so "$x$," keeps its
comma, and a word wider than the line is cut into pieces. Text is drawn as real
text (searchable, selectable); math as paths, on the same baseline.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from reportlab.lib.colors import Color, black
from reportlab.pdfbase.pdfmetrics import getAscentDescent, stringWidth
from reportlab.platypus import Flowable

from ..document import Math
from .fonts import REGULAR, register_fonts
from .mathtext import MathBox, typeset

TEXT_SIZE = 11.0
LEADING = 1.3  # baseline distance of plain text lines, in font sizes
LINE_GAP = 2.0  # minimum clearance between a tall formula and the next line, pt


@dataclass(frozen=True)
class Styled:
    """Text in a given font and colour (headings, labels, "Answer:")."""
    text: str
    font: str = REGULAR
    color: Color = black


@dataclass
class _Run:
    """Text drawn with one drawString call."""
    text: str
    font: str
    color: Color


@dataclass
class _Line:
    items: list = field(default_factory=list)  # (x, _Run | MathBox)
    width: float = 0.0
    ascent: float = 0.0
    descent: float = 0.0


class InlineParagraph(Flowable):
    """Mixed text and math: pieces are Text, Math or Styled; align "left" or "center"."""

    def __init__(self, pieces, size: float = TEXT_SIZE, align: str = "left"):
        super().__init__()
        register_fonts()
        self.size = size
        self.align = align
        self._words = _words(pieces, size)
        self._lines: list[_Line] = []

    def natural_width(self) -> float:
        """Width on one line, without wrapping (for sizing table columns)."""
        words = sum(_word_width(word, self.size) for word, _ in self._words)
        return words + sum(space for _, space in self._words[:-1])

    def first_baseline(self) -> float:
        """Distance from the top to the first baseline (after wrap)."""
        return self._lines[0].ascent

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self._lines = _break_lines(self._words, availWidth, self.size)
        self.height = _total_height(self._lines, self.size)
        return self.width, self.height

    def draw(self):
        canvas = self.canv
        y = self.height
        previous = None
        for line in self._lines:
            y -= line.ascent if previous is None else _pitch(previous, line, self.size)
            x0 = (self.width - line.width) / 2 if self.align == "center" else 0.0
            for x, item in line.items:
                if isinstance(item, MathBox):
                    item.draw_on(canvas, x0 + x, y)
                else:
                    canvas.setFont(item.font, self.size)
                    canvas.setFillColor(item.color)
                    canvas.drawString(x0 + x, y, item.text)
            previous = line


_SPACES = re.compile(r"([ \t\n\r\f\v]+)")  # break here; a no-break space (U+00A0) does not

# A word is a list of fragments with no whitespace between them: (str, Styled) pairs
# for text, MathBox for math. Each word is stored with the width of the space after it.

def _words(pieces, size: float) -> list[tuple[list, float]]:
    words: list[tuple[list, float]] = []
    current: list = []
    for piece in pieces:
        if isinstance(piece, Math):
            current.append(typeset(piece.latex, size))
            continue
        style = piece if isinstance(piece, Styled) else Styled(piece.text)
        for chunk in _SPACES.split(style.text):
            if not chunk:
                continue
            if _SPACES.fullmatch(chunk):
                if current:
                    words.append((current, stringWidth(" ", style.font, size)))
                    current = []
            else:
                current.append((chunk, style))
    if current:
        words.append((current, 0.0))
    return words


def _fragment_width(fragment, size: float) -> float:
    if isinstance(fragment, MathBox):
        return fragment.width
    text, style = fragment
    return stringWidth(text, style.font, size)


def _word_width(word, size: float) -> float:
    return sum(_fragment_width(f, size) for f in word)


def _break_lines(words, width: float, size: float) -> list[_Line]:
    lines = [_Line()]
    space = 0.0  # width of the space before the next word; 0 at a line start
    for word, space_after in words:
        for piece in _cut_to_width(word, width, size):
            w = _word_width(piece, size)
            if lines[-1].items and lines[-1].width + space + w > width:
                lines.append(_Line())
                space = 0.0
            _place(lines[-1], piece, space, size)
            space = 0.0
        space = space_after
    ascent, descent = getAscentDescent(REGULAR, size)
    for line in lines:
        line.ascent = max(line.ascent, ascent)
        line.descent = max(line.descent, -descent)
    return lines


def _place(line: _Line, word, space: float, size: float) -> None:
    """Appends a word to the line, `space` after what is already there."""
    x = line.width + space if line.items else 0.0
    for i, fragment in enumerate(word):
        last = line.items[-1][1] if line.items else None
        if isinstance(fragment, MathBox):
            line.items.append((x, fragment))
            line.ascent = max(line.ascent, fragment.ascent)
            line.descent = max(line.descent, fragment.descent)
        else:
            text, style = fragment
            if isinstance(last, _Run) and (last.font, last.color) == (style.font, style.color):
                # One string per run of same-styled text, with real spaces, so the
                # PDF's text layer reads like the sentence.
                last.text += (" " if i == 0 and space else "") + text
            else:
                line.items.append((x, _Run(text, style.font, style.color)))
        x += _fragment_width(fragment, size)
    line.width = x


def _cut_to_width(word, width: float, size: float) -> list[list]:
    """The word itself if it fits, else pieces no wider than `width` (text is cut
    between characters; a formula is never cut)."""
    if _word_width(word, size) <= width:
        return [word]
    pieces, current, used = [], [], 0.0
    for fragment in word:
        if isinstance(fragment, MathBox):
            chars = [fragment]
        else:
            text, style = fragment
            chars = [(c, style) for c in text]
        for char in chars:
            w = _fragment_width(char, size)
            if current and used + w > width:
                pieces.append(current)
                current, used = [], 0.0
            current.append(char)
            used += w
    pieces.append(current)
    return [_merge_chars(p) for p in pieces]


def _merge_chars(piece: list) -> list:
    merged: list = []
    for fragment in piece:
        if merged and not isinstance(fragment, MathBox) and not isinstance(merged[-1], MathBox) \
                and merged[-1][1] == fragment[1]:
            merged[-1] = (merged[-1][0] + fragment[0], fragment[1])
        else:
            merged.append(fragment)
    return merged


def _pitch(above: _Line, below: _Line, size: float) -> float:
    """Baseline-to-baseline distance: the usual leading, more around tall formulas."""
    return max(size * LEADING, above.descent + below.ascent + LINE_GAP)


def _total_height(lines: list[_Line], size: float) -> float:
    height = lines[0].ascent + lines[-1].descent
    return height + sum(_pitch(a, b, size) for a, b in zip(lines, lines[1:]))

"""Sheet -> printable PDF: the students' worksheet and the TAs' answer key.

Both share one layout (same headings, prompts, figures, tables) so a TA can hold the
key next to a student's sheet; the worksheet adds room to write, the key adds the
answer and the worked solution under each part.

Searchable answers: math is drawn as paths and has no text, so a numeric answer
(int, Fraction, float) is printed in the text font, with a true minus sign U+2212
("−0.25", "3/4"); pdftotext finds it. Symbolic answers are typeset as math.

Deterministic: reportlab's invariant mode fixes dates and IDs, fonts are subset the
same way every time and math is cached paths, so equal Sheets give equal bytes.
"""
from __future__ import annotations

import io
from fractions import Fraction
from functools import lru_cache

from reportlab import rl_config
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import letter
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, KeepTogether, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from .. import numbers
from ..document import Answer, AnswerSpace, DisplayMath, Figure, Math, Para, Part, Problem, Sheet, Table, Text
from ..typeset import patches
from ..typeset.fonts import BOLD, REGULAR, register_fonts, runs, text_width
from ..typeset.inline import TEXT_SIZE, InlineParagraph, Styled
from ..typeset.mathtext import typeset

MARGIN = 0.8 * inch
PART_INDENT = 24.0  # room for the "(a)" label left of a part
LINE_SPACE = 24.0  # height of one answer-box line: room for handwriting with fractions
BLOCK_GAP = 5.0
GREY = Color(0.45, 0.45, 0.45)
RULE_GREY = Color(0.75, 0.75, 0.75)
HEADER_FILL = Color(0.92, 0.92, 0.92)
SOLUTION_FILL = Color(0.95, 0.95, 0.95)
SOLUTION_PAD = 6.0

TITLE_SIZE, HEADING_SIZE = 16.0, 12.5
HEADING_SPACE_BEFORE = 14.0


def worksheet_pdf(sheet: Sheet, figures, pagesize=letter,
                  slots: list[float] | None = None) -> bytes:
    """The students' sheet. `figures` maps each FigureSpec to an object with .drawing.
    `slots` (see output.tallest) pads the sheet's pieces so that versions line up."""
    return LaidOut(sheet, figures, False, pagesize).pdf(slots)


def key_pdf(sheet: Sheet, figures, pagesize=letter, slots: list[float] | None = None) -> bytes:
    """The answer key: the same sheet with answers and worked solutions."""
    return LaidOut(sheet, figures, True, pagesize).pdf(slots)


# --- the same layout in every version --------------------------------------------------
#
# A sheet is laid out as a column of pieces: the header, then per problem its heading
# and intro, and each of its parts. A page breaks only between pieces, so versions whose
# pieces have equal heights have equal pages: problem k and its parts start on the same
# page at the same height. To get there, every version is measured (LaidOut.heights),
# the largest height of each piece is taken (output.tallest) and passed as `slots`:
# each piece is padded at its bottom to its slot. (A piece taller than a page is shrunk
# to fit.)

def worksheet_files(version, slots: tuple) -> dict[str, bytes]:
    return {"worksheet.pdf": version.worksheet.pdf(slots[0])}


def key_files(version, slots: tuple) -> dict[str, bytes]:
    return {"key.pdf": version.key.pdf(slots[1])}


def prepare_libraries() -> None:
    """The patches of typeset.patches, the fonts, and reportlab's settings for every PDF of
    a build (the blank page of all-worksheets.pdf too, so it must not matter which
    process writes which PDF). Called before anything is measured or written."""
    patches.apply()
    register_fonts()
    rl_config.invariant = 1
    rl_config.useA85 = 0  # binary streams: ASCII85 only makes files bigger and slower


class LaidOut:
    """A sheet's worksheet (or key) laid out and measured, ready to be written once:
    .heights, the height of each piece, and .pdf(slots) as worksheet_pdf/key_pdf. (A
    class set measures every version before writing any; keeping the layout saves
    laying each version out twice. The pieces' arrangement depends only on the width,
    so the PDF is the same as from a fresh layout.)"""

    def __init__(self, sheet: Sheet, figures, key: bool, pagesize=letter):
        prepare_libraries()
        self.sheet, self.key, self.pagesize = sheet, key, pagesize
        width, room = _frame_size(pagesize)
        self.header, self.problems = _layout(sheet, figures, key, width, room)
        self._heights = None

    @property
    def heights(self) -> list[float]:
        if self._heights is None:
            width, room = _frame_size(self.pagesize)
            scratch = Canvas(io.BytesIO(), pagesize=self.pagesize, initialFontName=REGULAR)
            self._heights = [piece.wrapOn(scratch, width, room)[1]
                             for piece in [self.header, *_flatten(self.problems)]]
        return self._heights

    def pdf(self, slots: list[float] | None = None) -> bytes:
        if self.problems is None:
            raise RuntimeError("a LaidOut sheet is written only once")
        header, problems, sheet, key = self.header, self.problems, self.sheet, self.key
        self.header = self.problems = None  # drawn below: not to be drawn again
        label = sheet.title + (f" \u2014 Version {sheet.version}" if sheet.version else "")
        label += " \u2014 Answer key" if key else ""
        out = io.BytesIO()
        doc = _doc_template(out, self.pagesize, label)
        if slots is not None:
            _pad([header, *_flatten(problems)], slots)
        story = [header] + [_KeepProblemTogether(pieces) for pieces in problems]
        doc.build(story, canvasmaker=_footer_canvas(label))
        return out.getvalue()


def _doc_template(out, pagesize, title: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(out, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN,
                             topMargin=MARGIN, bottomMargin=MARGIN, title=title,
                             author="", subject="", creator="worksheets", producer="worksheets")


@lru_cache(maxsize=8)
def _frame_size(pagesize) -> tuple[float, float]:
    """The width and height that flowables get in the page's frame, computed as reportlab
    computes them (to the last bit: slots measured here must match the real layout)."""
    doc = _doc_template(io.BytesIO(), pagesize, "")
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height)
    return frame._getAvailableWidth(), frame._aH


def _layout(sheet: Sheet, figures, key: bool, width: float, room: float):
    """The header piece, and the pieces of each problem."""
    header = _Group(_sheet_header(sheet, figures, key, width), max_height=room)
    problems = [_problem_pieces(problem, figures, key, width, room) for problem in sheet.problems]
    return header, problems


def _flatten(problems: list[list[Flowable]]) -> list[Flowable]:
    return [piece for pieces in problems for piece in pieces]


def _pad(pieces: list[Flowable], slots: list[float]) -> None:
    if len(slots) != len(pieces):
        raise ValueError(f"{len(slots)} slots for {len(pieces)} pieces: slots must come from "
                         f"the heights of the same kind of sheet (worksheet or key)")
    for piece, slot in zip(pieces, slots):
        piece.min_height = slot


# --- page furniture -------------------------------------------------------------

def _footer_canvas(label: str):
    """A canvas class that holds pages back until the end so that every footer can
    say "Page p of n"."""

    class FooterCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            kwargs["initialFontName"] = REGULAR  # keep Helvetica out of the PDF
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            for number, page in enumerate(self._pages, start=1):
                self.__dict__.update(page)
                self._draw_footer(number, len(self._pages))
                Canvas.showPage(self)
            Canvas.save(self)

        def _draw_footer(self, number: int, total: int):
            width, _ = self._pagesize
            y = MARGIN / 2
            self.saveState()
            self.setFillColor(GREY)
            x = MARGIN
            for text, font in runs(_fit(label, REGULAR, 9, width - 2 * MARGIN - 80), REGULAR):
                self.setFont(font, 9)  # the title may need a fallback font (中, 😀)
                self.drawString(x, y, text)
                x += stringWidth(text, font, 9)
            self.setFont(REGULAR, 9)
            self.drawRightString(width - MARGIN, y, f"Page {number} of {total}")
            self.restoreState()

    return FooterCanvas


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Shortens text with an ellipsis so that it fits in `width`."""
    if text_width(text, font, size) <= width:
        return text
    while text and text_width(text + "\u2026", font, size) > width:
        text = text[:-1]
    return text + "\u2026"


def _sheet_header(sheet: Sheet, figures, key: bool, width: float) -> list[Flowable]:
    story: list[Flowable] = [InlineParagraph([Styled(sheet.title, BOLD)], TITLE_SIZE, "center")]
    subtitle = [f"Version {sheet.version}"] if sheet.version else []
    subtitle += ["Answer key"] if key else []
    if subtitle:
        story.append(InlineParagraph([Styled(" \u2014 ".join(subtitle))], align="center",
                                     space_before=2))
    story.append(Spacer(1, 14))
    if not key:
        story += [_NameLine(), Spacer(1, 10)]
    for block in sheet.instructions:
        story += _block(block, figures, width)
    story.append(_Rule(spaceBefore=6))
    return story


# --- problems and parts ------------------------------------------------------------

def _problem_pieces(problem: Problem, figures, key: bool, width: float,
                    room: float) -> list[Flowable]:
    """A problem as pieces: its heading and intro, then each part."""
    heading = [Styled(f"Problem {problem.number}", BOLD)]
    if problem.points is not None:
        points = f"{problem.points} point{'' if problem.points == 1 else 's'}"
        heading.append(Styled(f" ({points})", REGULAR, size=10))
    if problem.id:
        heading.append(Styled(f" (#{problem.id})", REGULAR, GREY, size=8.5))
    opening: list[Flowable] = [InlineParagraph(heading, HEADING_SIZE, space_after=4)]
    for block in problem.intro:
        opening += _block(block, figures, width)
    parts = [_part(part, figures, key, width, room) for part in problem.parts]
    return [_Group(opening, space_before=HEADING_SPACE_BEFORE, max_height=room), *parts]


class _KeepProblemTogether(KeepTogether):
    """Keeps a problem's pieces on one page. A problem taller than a page is not moved
    to a fresh page (reportlab's KeepTogether would) but continues where it is, breaking
    between parts, with the heading and intro kept with the first part."""

    def __init__(self, pieces: list[Flowable]):
        super().__init__(pieces)
        self._pieces = pieces

    def split(self, availWidth, availHeight):
        frame = getattr(self, "_frame", None)
        if frame is None or self._H <= frame._height:
            return super().split(availWidth, availHeight)
        # A leading action flowable makes the frame queue the pieces instead of
        # requiring the first one to fit right here.
        start = self.NullActionFlowable()
        if self._opening_fits_with_first_part(frame._height):
            return [start, KeepTogether(self._pieces[:2]), *self._pieces[2:]]
        return [start, *self._pieces]

    def _opening_fits_with_first_part(self, page: float) -> bool:
        if len(self._pieces) < 2:
            return False
        opening, first = self._pieces[:2]
        return opening.height + first.getSpaceBefore() + first.height <= page


def _part(part: Part, figures, key: bool, width: float, room: float) -> Flowable:
    """One part: "(a)" hanging left of the prompt, then room to answer (worksheet) or
    the answer and worked solution on a tinted background (key)."""
    inner = width - PART_INDENT
    flow: list[Flowable] = []
    for block in part.prompt:
        flow += _block(block, figures, inner)
    if key:
        solution = [InlineParagraph([Styled("Answer: ", BOLD), _answer_piece(part.answer)]),
                    Spacer(1, BLOCK_GAP)]
        for block in part.solution:
            solution += _block(block, figures, inner - 2 * SOLUTION_PAD)
        flow.append(_Group(_trim(solution), fill=SOLUTION_FILL, pad=SOLUTION_PAD, space_before=2))
    else:
        flow.append(_answer_space(part.space))
    return _Group(flow, indent=PART_INDENT, label=Styled(f"({part.label})", BOLD), space_before=8,
                  max_height=room)


def _trim(flowables: list[Flowable]) -> list[Flowable]:
    """Without trailing spacers (a tinted box should end at its last line)."""
    while flowables and isinstance(flowables[-1], Spacer):
        flowables = flowables[:-1]
    return flowables


def _answer_piece(answer: Answer):
    """The answer as printed in the key: numbers as text (findable with pdftotext),
    True/False in words, anything else as typeset math."""
    value = answer.value
    if isinstance(value, bool):
        return Styled("True" if value else "False", BOLD)
    if isinstance(value, (int, Fraction, float)):
        return Styled(format_number(value, answer.decimals))
    return Math(answer.latex)


def format_number(value: int | Fraction | float, decimals: int | None = None) -> str:
    """How the key prints a number: "−3", "3/4", "0.25" (true minus sign), by the rules of
    worksheets.numbers: rounded half away from zero, never "−0" or "−0.000"."""
    if isinstance(value, float) and decimals is None and not value.is_integer():
        return repr(value).replace("-", "\u2212")  # "0.4375", not the exact binary fraction
    return numbers.text(value, decimals)  # "−3" for −3.0, "0" for −0.0


def _answer_space(space: AnswerSpace) -> Flowable:
    if space.true_false:
        return _TrueFalse()
    if space.lines == 0:  # the prompt itself has the room (e.g. a table to fill in)
        return Spacer(1, 4)
    return _WritingBox(space.lines)


# --- blocks -----------------------------------------------------------------------

def _block(block, figures, width: float) -> list[Flowable]:
    if isinstance(block, Para):
        return [InlineParagraph(block.content), Spacer(1, BLOCK_GAP)]
    if isinstance(block, DisplayMath):
        return [_DisplayFormula(block.latex)]
    if isinstance(block, Figure):
        if block.spec not in figures:
            raise KeyError(f"no drawing given for figure {block.name!r}")
        return [_Figure(figures[block.spec].drawing), Spacer(1, BLOCK_GAP)]
    if isinstance(block, Table):
        return [_table(block, width), Spacer(1, BLOCK_GAP + 2)]
    raise TypeError(f"cannot print block {block!r}")


def _table(table: Table, width: float) -> RLTable:
    pad = 5.0
    empty_width = 60.0  # room to write a number in a blank cell
    rows = [[_cell(cell, header=(r == 0)) for cell in row] for r, row in enumerate(table.rows)]
    n_cols = max(len(row) for row in rows)
    rows = [row + [""] * (n_cols - len(row)) for row in rows]
    col_widths = []
    for c in range(n_cols):
        cells = [row[c] for row in rows]
        natural = max((cell.natural_width() if isinstance(cell, InlineParagraph) else empty_width)
                      for cell in cells)
        col_widths.append(natural + 2 * pad + 1)
    if sum(col_widths) > width:
        col_widths = [w * width / sum(col_widths) for w in col_widths]
    result = RLTable(rows, colWidths=col_widths, hAlign="CENTER")
    result.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),  # else cells select Helvetica
        ("GRID", (0, 0), (-1, -1), 0.5, GREY),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return result


def _cell(cell, header: bool):
    if cell is None:
        return Spacer(1, 18)  # a blank box for the student, tall enough to write in
    pieces = [Styled(p.text, BOLD) if header and isinstance(p, Text) else p for p in cell]
    return InlineParagraph(pieces, align="center")


class _Group(Flowable):
    """Flowables drawn as one unsplittable unit, `indent` from the left, with an
    optional hanging label at the first baseline and an optional tinted background.
    (Nested KeepTogethers cannot do this: KeepTogether reports a huge height to force
    a split.)

    min_height pads the group at its bottom (slots, so that versions line up); content
    taller than max_height (a page) is shrunk to fit rather than overflowing the frame."""

    def __init__(self, flowables: list[Flowable], indent: float = 0.0, label: Styled | None = None,
                 fill: Color | None = None, pad: float = 0.0, space_before: float = 0.0,
                 max_height: float | None = None):
        super().__init__()
        self.content = flowables
        self.indent, self.label, self.fill, self.pad = indent, label, fill, pad
        self.spaceBefore = space_before
        self.min_height, self.max_height = 0.0, max_height
        self._arranged_for = None  # the width the content was arranged for

    def wrap(self, availWidth, availHeight):
        # reportlab wraps a flowable several times while it looks for room; the
        # arrangement depends only on the width.
        if availWidth != self._arranged_for:
            self._natural_height = self._arrange(availWidth)
            self._arranged_for = availWidth
        natural, limit = self._natural_height, self.max_height or float("inf")
        self.scale = min(1.0, limit / natural) if natural else 1.0
        self.width = availWidth
        self.height = min(max(natural * self.scale, self.min_height), limit)
        return self.width, self.height

    def _arrange(self, width: float) -> float:
        """Places the content top-down; returns its natural height."""
        inner = width - self.indent - 2 * self.pad
        self._placed, y, space_after = [], self.pad, 0.0
        for i, f in enumerate(self.content):
            w, h = f.wrapOn(self.canv, inner, 0x7fffffff)
            y += max(space_after, f.getSpaceBefore()) if i else 0.0
            x = self.indent + self.pad + (inner - w) / 2 * (getattr(f, "hAlign", "") == "CENTER")
            self._placed.append((f, x, y + h))
            y += h
            space_after = f.getSpaceAfter()
        return y + self.pad

    def draw(self):
        canvas, natural = self.canv, self._natural_height
        if self.scale == 1.0:  # the content at the top, any padding below it
            return self._draw_content(canvas, top=self.height)
        canvas.saveState()
        canvas.translate(0, self.height - natural * self.scale)
        canvas.scale(self.scale, self.scale)
        self._draw_content(canvas, top=natural)
        canvas.restoreState()

    def _draw_content(self, canvas, top: float):
        bottom_of_content = top - self._natural_height
        if self.fill is not None:
            canvas.setFillColor(self.fill)
            canvas.rect(self.indent, bottom_of_content, self.width - self.indent,
                        self._natural_height, stroke=0, fill=1)
        for f, x, bottom in self._placed:
            if not isinstance(f, Spacer):  # nothing to draw, and drawOn is not free
                f.drawOn(canvas, x, top - bottom)
        if self.label and self._placed:
            f, _, bottom = self._placed[0]
            canvas.setFont(self.label.font, TEXT_SIZE)
            canvas.setFillColor(self.label.color)
            baseline = top - bottom + f.height - _first_baseline(f)
            canvas.drawString(0, baseline, self.label.text)


def _first_baseline(flowable: Flowable) -> float:
    """Distance from the top of a flowable to its first baseline, where a label goes."""
    if isinstance(flowable, InlineParagraph):
        return flowable.first_baseline()
    if isinstance(flowable, _DisplayFormula):
        return flowable.box.ascent * flowable.scale
    return TEXT_SIZE


class _DisplayFormula(Flowable):
    """A centred display-style formula, shrunk if wider than the frame."""

    def __init__(self, latex: str):
        super().__init__()
        self.box = typeset(latex, TEXT_SIZE, display=True)
        self.spaceBefore = self.spaceAfter = 6

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self.scale = min(1.0, availWidth / self.box.width)
        self.height = self.box.height * self.scale
        return self.width, self.height

    def draw(self):
        x = (self.width - self.box.width * self.scale) / 2
        self.box.draw_on(self.canv, x, self.box.descent * self.scale, self.scale)


class _Figure(Flowable):
    """A figure, centred, scaled down to the frame width (never up). A network figure
    (a RenderedFigure or its drawing) draws itself from cached PDF operators (draw_on);
    any other reportlab Drawing goes through renderPDF, shape by shape."""
    MAX_HEIGHT = 4.5 * inch

    def __init__(self, figure):
        super().__init__()
        self.figure = figure  # shared between the worksheet and the key: not modified
        self.spaceBefore = 4

    def wrap(self, availWidth, availHeight):
        f = self.figure
        self.scale = min(1.0, availWidth / f.width, self.MAX_HEIGHT / f.height)
        self.width = availWidth
        self.height = f.height * self.scale
        return self.width, self.height

    def draw(self):
        x = (self.width - self.figure.width * self.scale) / 2
        if hasattr(self.figure, "draw_on"):
            self.figure.draw_on(self.canv, x, 0, self.scale)
            return
        self.canv.translate(x, 0)
        self.canv.scale(self.scale, self.scale)
        # Wrapped rather than modified, and started in our font, not reportlab's Helvetica.
        d = self.figure
        renderPDF.draw(Drawing(d.width, d.height, d, initialFontName=REGULAR), self.canv, 0, 0)


class _WritingBox(Flowable):
    """An empty framed box of `lines` handwriting lines, with faint rules."""

    def __init__(self, lines: int):
        super().__init__()
        self.lines = max(1, lines)
        self.spaceBefore = 4
        self.spaceAfter = 2

    def wrap(self, availWidth, availHeight):
        self.width, self.height = availWidth, self.lines * LINE_SPACE + 4
        return self.width, self.height

    def draw(self):
        c = self.canv
        c.setStrokeColor(RULE_GREY)
        c.setLineWidth(0.4)
        for i in range(1, self.lines):
            y = self.height - 2 - i * LINE_SPACE
            c.line(6, y, self.width - 6, y)
        c.setStrokeColor(GREY)
        c.setLineWidth(0.7)
        c.rect(0, 0, self.width, self.height)


class _TrueFalse(Flowable):
    """"○ True   ○ False": circles for the student to fill in."""

    def wrap(self, availWidth, availHeight):
        self.width, self.height = availWidth, 20
        return self.width, self.height

    def draw(self):
        c = self.canv
        x, baseline, radius = 4.0, 6.0, 4.5
        for word in ("True", "False"):
            c.setStrokeColor(black)
            c.setLineWidth(0.7)
            c.circle(x + radius, baseline + 3.5, radius)
            c.setFont(REGULAR, TEXT_SIZE)
            c.drawString(x + 2 * radius + 5, baseline, word)
            x += 2 * radius + 5 + stringWidth(word, REGULAR, TEXT_SIZE) + 28


class _NameLine(Flowable):
    """"Name: ________   Student ID: ______" with drawn lines to write on."""

    def wrap(self, availWidth, availHeight):
        self.width, self.height = availWidth, 18
        return self.width, self.height

    def draw(self):
        c = self.canv
        c.setFont(BOLD, TEXT_SIZE)
        c.setLineWidth(0.6)
        id_start = self.width * 0.62
        for label, x, end in (("Name:", 0, id_start - 20), ("Student ID:", id_start, self.width)):
            c.drawString(x, 4, label)
            c.line(x + stringWidth(label, BOLD, TEXT_SIZE) + 5, 2, end, 2)


class _Rule(Flowable):
    """A thin horizontal rule across the frame."""

    def __init__(self, spaceBefore=0.0):
        super().__init__()
        self.spaceBefore = spaceBefore

    def wrap(self, availWidth, availHeight):
        self.width, self.height = availWidth, 4
        return self.width, self.height

    def draw(self):
        self.canv.setLineWidth(0.6)
        self.canv.line(0, 2, self.width, 2)

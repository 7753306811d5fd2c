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
import re
import weakref
from fractions import Fraction
from functools import lru_cache
from typing import NamedTuple

from reportlab import rl_config
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import letter
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.units import cm, inch
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from .. import numbers
from ..document import Answer, AnswerSpace, DisplayMath, Figure, Math, Para, Part, Problem, Sheet, Table, Text
from ..typeset import patches
from ..typeset.fonts import BOLD, REGULAR, register_fonts, runs, text_width
from ..typeset.inline import TEXT_SIZE, InlineParagraph, Styled, natural_width
from ..typeset.mathtext import typeset
from ..typeset.templates import Templated, keys_of
from .scanmarks import BUBBLE_PITCH, ChoiceBubbles, DigitBubbles, ScanLayout, StudentIdGrid, TrueFalseBubbles

MARGIN = 0.75 * inch  # left and right
MARGIN_Y = 0.6 * inch  # top and bottom: the footer sits halfway, 0.3 in from the edge
PART_INDENT = 24.0  # room for the "(a)" label left of a part
PART_SPACE = 6.0  # above each part (or row of parts)
KEY_PART_SPACE = 3.0  # in a key, whose parts have their tinted solutions to set them apart
COLUMN_GAP = 14.0  # between parts side by side, and between a figure and its text
SHORT_BOX_WIDTH = 4 * cm  # a number's box, beside its prompt
BOX_GAP = 8.0  # between a prompt and the box or circles beside it
# Figures are drawn at most this size: weights stay at 7.6 pt (LaTeX's \footnotesize is 8),
# and a problem with its figure fits half a page.
FIGURE_SCALE = 0.85
# A key's figures are smaller (weights at 6.3 pt): they are for reference beside the worked
# steps, and a smaller figure lets the problem's text sit beside it.
KEY_FIGURE_SCALE = 0.7
SIDE_TEXT_MIN = 125.0  # a text column beside a figure needs this much room
# A key's parts go side by side only with this many steps or fewer: longer solutions are
# more compact in two columns of steps across the page. (A count, not a height, so
# that every version makes the same choice.)
KEY_GRID_STEPS = 4
# Two columns of worked steps may shrink their formulas to 1/1.08 (10.2 pt) rather than
# stack them, so that versions whose steps are a little wider keep the same layout.
STEPS_SHRINK = 1.08
LINE_SPACE = 24.0  # height of one answer-box line: room for handwriting with fractions
BLOCK_GAP = 5.0
GREY = Color(0.45, 0.45, 0.45)
RULE_GREY = Color(0.75, 0.75, 0.75)
HEADER_FILL = Color(0.92, 0.92, 0.92)
SOLUTION_FILL = Color(0.95, 0.95, 0.95)
SOLUTION_PAD = 4.0

TITLE_SIZE, HEADING_SIZE = 16.0, 12.5
# Large print (--large-print): body text at 18 pt instead of TEXT_SIZE (11 pt). The sheet
# is laid out on a page smaller by this factor (margins too) and each page is scaled up
# by it when drawn, so text, math, figures and answer space grow together.
LARGE_PRINT = 18.0 / TEXT_SIZE
HEADING_SPACE_BEFORE = 12.0
KEY_HEADING_SPACE_BEFORE = 8.0


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
    """worksheet.pdf, and answer-regions.json when it has scan marks or bubbles (drawn
    together: the regions are where the bubbles were drawn). slots[-1] has the digits
    every version's bubbles share (output.Version.heights)."""
    laid_out = version.worksheet
    files = {"worksheet.pdf": laid_out.pdf(slots[0], slots[-1])}
    if laid_out.scan.wanted:
        files["answer-regions.json"] = laid_out.scan.regions.json(laid_out.sheet, laid_out.scan.formats)
    return files


def key_files(version, slots: tuple) -> dict[str, bytes]:
    return {"key.pdf": version.key.pdf(slots[1])}


def large_worksheet_files(version, slots: tuple) -> dict[str, bytes]:
    return {"worksheet-large.pdf": version.worksheet_large.pdf(slots[2])}


def large_key_files(version, slots: tuple) -> dict[str, bytes]:
    return {"key-large.pdf": version.key_large.pdf(slots[3])}


def prepare_libraries() -> None:
    """The patches of typeset.patches, the fonts, and reportlab's settings for every PDF of
    a build (the blank page of all-worksheets.pdf too, so it must not matter which
    process writes which PDF). Called before anything is measured or written."""
    patches.apply()
    register_fonts()
    rl_config.invariant = 1
    rl_config.useA85 = 0  # binary streams: ASCII85 only makes files bigger and slower
    # reportlab checks every attribute set on a figure's shapes (about 200 a version) unless
    # told it runs in production; our shapes are made by code, not typed by a user.
    rl_config.shapeChecking = 0


class LaidOut:
    """A sheet's worksheet (or key) laid out and measured, ready to be written once:
    .heights, the height of each piece, and .pdf(slots) as worksheet_pdf/key_pdf. (A
    class set measures every version before writing any; keeping the layout saves
    laying each version out twice. The pieces' arrangement depends only on the width,
    so the PDF is the same as from a fresh layout.)

    `scale` above 1 (LARGE_PRINT) lays the sheet out on `pagesize` shrunk by it and draws
    each page enlarged by it onto `pagesize`."""

    def __init__(self, sheet: Sheet, figures, key: bool, pagesize=letter, scale: float = 1.0):
        prepare_libraries()
        self.sheet, self.key, self.paper, self.scale = sheet, key, tuple(pagesize), scale
        self.pagesize = (pagesize[0] / scale, pagesize[1] / scale)  # the page laid out
        self.figures = figures
        self.scan = ScanLayout(sheet, key, scale, self.pagesize)
        width, room = _frame_size(self.pagesize, scale)
        self.header, self.problems = _layout(sheet, figures, key, width, room, self.scan)
        self._heights = None

    @property
    def heights(self) -> list[float]:
        if self._heights is None:
            width, room = _frame_size(self.pagesize, self.scale)
            # No canvas: no flowable here measures with one (and making one costs more
            # than some pieces' measuring).
            self._heights = [piece.wrapOn(None, width, room)[1]
                             for piece in [self.header, *_flatten(self.problems)]]
        return self._heights

    def pdf(self, slots: list[float] | None = None, shared_digits: list[float] | None = None) -> bytes:
        """The PDF; `shared_digits` (scanmarks.needs, the largest over the versions) makes
        every version's digit bubbles the same, laying this one out again if it needs it."""
        if self.problems is None:
            raise RuntimeError("a LaidOut sheet is written only once")
        if shared_digits is not None and self.scan.share(shared_digits):
            self.header, self.problems = _layout(self.sheet, self.figures, self.key,
                                                 *_frame_size(self.pagesize, self.scale), self.scan)
        header, problems, sheet, key = self.header, self.problems, self.sheet, self.key
        self.header = self.problems = None  # drawn below: not to be drawn again
        label = sheet.title + (f" \u2014 Version {sheet.version}" if sheet.version else "")
        label += " \u2014 Answer key" if key else ""
        out = io.BytesIO()
        doc = _doc_template(out, self.pagesize, label, self.scale)
        if slots is not None:
            _pad([header, *_flatten(problems)], slots)
        room = _frame_size(self.pagesize, self.scale)[1]
        story = [header] + [_ProblemFlow([opening, *rows], continued, room, key or k == 0, k == 0)
                            for k, (opening, continued, *rows) in enumerate(problems)]
        marks = self.scan.page_marks if self.scan.marks else None
        doc.build(story, canvasmaker=_footer_canvas(label, self.scale, self.paper, marks))
        data = out.getvalue()
        _release(doc, out)
        return data


def _release(doc, out: io.BytesIO) -> None:
    """Drops what a written document holds (its PDF objects: the pages' streams, fonts,
    a few hundred kilobytes). reportlab's document is a web of reference cycles that only
    a full garbage collection frees, and those are rare: a class set's worker held dozens
    of written documents at a time."""
    pdf = doc.canv._doc
    pdf.idToObject.clear()
    pdf.idToObjectNumberAndVersion.clear()
    pdf.Pages.pages.clear()
    doc.canv._code = []
    out.close()


def _doc_template(out, pagesize, title: str, scale: float = 1.0) -> SimpleDocTemplate:
    return SimpleDocTemplate(out, pagesize=pagesize, leftMargin=MARGIN / scale, rightMargin=MARGIN / scale,
                             topMargin=MARGIN_Y / scale, bottomMargin=MARGIN_Y / scale, title=title,
                             author="", subject="", creator="worksheets", producer="worksheets")


@lru_cache(maxsize=8)
def _frame_size(pagesize, scale: float = 1.0) -> tuple[float, float]:
    """The width and height that flowables get in the page's frame, computed as reportlab
    computes them (to the last bit: slots measured here must match the real layout)."""
    doc = _doc_template(io.BytesIO(), pagesize, "", scale)
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height)
    return frame._getAvailableWidth(), frame._aH


def _layout(sheet: Sheet, figures, key: bool, width: float, room: float, scan: ScanLayout):
    """The header piece, and the pieces of each problem."""
    header = _Group(_sheet_header(sheet, figures, key, width, scan), max_height=room)
    problems = [_reused_pieces(problem, figures, key, width, room, sheet.work_space, scan)
                for problem in sheet.problems]
    return header, problems


# --- a problem that comes back unchanged -------------------------------------------
#
# A problem with nothing random, or one of a problem's few variants, is the same Problem
# object in many versions (build.Plan keeps the problems it built). From the second time
# one is laid out, its pieces are laid out once more into a measured template, and every
# later version gets a copy of the template (a copy: each document pads its pieces to its
# slots and hooks its own answer regions to them). A copy is what laying the problem out
# again would give: the layout depends only on the problem, the arguments below and its
# figures' sizes (a copy draws this version's drawings).

class _Template(NamedTuple):
    problem: Problem  # (held, so that no other problem gets its id)
    pieces: list[Flowable] | None  # None: not copied (a flowable _copy does not know)
    parts: dict[int, Part]  # id of a part's flowable (scan.placed) -> the part
    specs: dict[int, object]  # id of a drawing in the pieces -> its FigureSpec
    sizes: tuple | None  # its figures' sizes (_figure_sizes)


_SEEN: dict[tuple, weakref.ref] = {}  # problems laid out once, by _reused_pieces' key (not kept alive)
_TEMPLATES: dict[tuple, _Template] = {}


def _reused_pieces(problem: Problem, figures, key: bool, width: float, room: float, work_space: float,
                   scan: ScanLayout) -> list[Flowable]:
    """_problem_pieces, copied from a template when the problem comes back."""
    ident = (id(problem), key, width, room, work_space)
    template = _TEMPLATES.get(ident)
    if template is None or template.problem is not problem:
        seen = _SEEN.get(ident)
        if seen is None or seen() is not problem:  # the first time: no template for a problem seen once
            _remember(_SEEN, ident, weakref.ref(problem))
            return _problem_pieces(problem, figures, key, width, room, work_space, scan)
        template = _template(problem, figures, key, width, room, work_space)
        _remember(_TEMPLATES, ident, template, limit=64)
    if template.pieces is None or template.sizes != _figure_sizes(problem, figures) or \
            any(scan.answer(problem, part) is not None for part in problem.parts):  # (bubbles: laid out each time)
        return _problem_pieces(problem, figures, key, width, room, work_space, scan)
    return [_copy(piece, template, figures, scan) for piece in template.pieces]


def _figure_sizes(problem: Problem, figures) -> tuple | None:
    """The sizes of the problem's figures' drawings (what of them the layout depends on;
    a copy draws this version's drawings), None if one is missing."""
    drawings = [figures.get(spec) for spec in _figure_specs(problem)]
    if None in drawings:
        return None
    return tuple((d.drawing.width, d.drawing.height) for d in drawings)


def _figure_specs(problem: Problem) -> list:
    blocks = problem.intro + tuple(b for part in problem.parts for b in part.prompt + part.solution)
    return [block.spec for block in blocks if isinstance(block, Figure)]


class _PartsNoted:
    """Stands in for the ScanLayout while a template is laid out: no bubbles, and it
    notes each part's flowable (its copies get the document's answer regions)."""

    def __init__(self):
        self.parts: dict[int, Part] = {}

    def answer(self, problem: Problem, part: Part):
        return None

    def placed(self, problem: Problem, part: Part, flowable):
        self.parts[id(flowable)] = part
        return flowable


def _template(problem: Problem, figures, key: bool, width: float, room: float, work_space: float) -> _Template:
    noted = _PartsNoted()
    pieces = _problem_pieces(problem, figures, key, width, room, work_space, noted)
    if not all(_copyable(piece) for piece in pieces):
        return _Template(problem, None, {}, {}, None)
    for piece in pieces:  # measured as LaidOut.heights measures: the copies keep the arrangement
        piece.wrapOn(None, width, room)
    distinct = set(_figure_specs(problem))
    specs = {id(figures[spec].drawing): spec for spec in distinct}
    if len(specs) != len(distinct):  # one drawing for two figures: which is whose is unknown
        return _Template(problem, None, {}, {}, None)
    return _Template(problem, pieces, noted.parts, specs, _figure_sizes(problem, figures))


def _copyable(flowable: Flowable) -> bool:
    """Whether _copy knows the flowable and all it holds: their state after measuring is
    their attributes, shared safely (nothing changes them once measured) but for the
    lists of flowables, which are copied."""
    kind = type(flowable)
    if kind is _Group:
        return all(_copyable(f) for f in flowable.content)
    if kind is _Row:
        return all(_copyable(f) for f, _ in flowable.cells)
    return kind in (InlineParagraph, _DisplayFormula, _Figure, Spacer, _WritingBox, _TrueFalse)


def _copy(flowable: Flowable, template: _Template, figures, scan: ScanLayout) -> Flowable:
    copy = object.__new__(type(flowable))
    copy.__dict__.update(flowable.__dict__)
    if isinstance(flowable, _Group):  # (_placed has the content in its order)
        copy.content = [_copy(f, template, figures, scan) for f in flowable.content]
        copy._placed = [(f, x, bottom) for f, (_, x, bottom) in zip(copy.content, flowable._placed)]
    elif isinstance(flowable, _Row):
        copy.cells = [(_copy(f, template, figures, scan), width) for f, width in flowable.cells]
    elif isinstance(flowable, _Figure):
        copy.figure = figures[template.specs[id(flowable.figure)]].drawing
    part = template.parts.get(id(flowable))
    return copy if part is None else scan.placed(template.problem, part, copy)


def _flatten(problems: list[list[Flowable]]) -> list[Flowable]:
    return [piece for pieces in problems for piece in pieces]


def _pad(pieces: list[Flowable], slots: list[float]) -> None:
    if len(slots) != len(pieces):
        raise ValueError(f"{len(slots)} slots for {len(pieces)} pieces: slots must come from "
                         f"the heights of the same kind of sheet (worksheet or key)")
    for piece, slot in zip(pieces, slots):
        piece.min_height = slot


# --- page furniture -------------------------------------------------------------

def _footer_canvas(label: str, scale: float = 1.0, paper=None, marks=None):
    """A canvas class that holds pages back until the end so that every footer can
    say "Page p of n". With `scale` above 1 each page, laid out on the smaller page the
    canvas is made with, is drawn enlarged by it onto `paper`. `marks(canvas, page)`
    draws a page's scan marks."""

    class FooterCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            kwargs["initialFontName"] = REGULAR  # keep Helvetica out of the PDF
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def current_page(self) -> int:  # getPageNumber() counts only pages already saved
            return len(self._pages) + 1

        def save(self):
            for number, page in enumerate(self._pages, start=1):
                self.__dict__.update(page)
                self._draw_footer(number, len(self._pages))
                if marks is not None:
                    marks(self, number)
                if scale != 1.0:  # the page's content, footer included, enlarged onto the paper
                    self._code.insert(0, f"{fp_str(scale)} 0 0 {fp_str(scale)} 0 0 cm")
                    self._pagesize = paper
                Canvas.showPage(self)
            Canvas.save(self)

        def _draw_footer(self, number: int, total: int):
            width, _ = self._pagesize
            margin, y = MARGIN / scale, MARGIN_Y / 2 / scale
            self.saveState()
            self.setFillColor(GREY)
            for x, text, font in _footer_runs(label, margin, width - 2 * margin - 80):
                self.setFont(font, 9)  # the title may need a fallback font (中, 😀)
                _draw_kept(self, Canvas.drawString, x, y, text)
            self.setFont(REGULAR, 9)
            _draw_kept(self, Canvas.drawRightString, width - margin, y, f"Page {number} of {total}")
            self.restoreState()

    return FooterCanvas


_KEPT_TEXTS: dict = {}  # what _draw_kept keeps (bounded: emptied when full)


def _draw_kept(canvas, draw, x: float, y: float, text: str) -> None:
    """draw(canvas, x, y, text) (drawString or drawRightString), its operators kept for
    the next page and document (every document's footer says "Page 1 of 4"; every version
    labels its parts at the same places; neither changes the canvas). They depend
    on the font, size, leading, position and text, and on this document's codes for the
    text's characters and names for its font subsets: all in the key. (Finding the codes
    gives characters new to the document theirs, as drawing does. Within a document they
    never change: a text drawn before is not encoded again.)"""
    key = (draw, canvas._fontname, canvas._fontsize, canvas._leading, canvas.bottomup, x, y, text)
    in_document = canvas._doc.__dict__.setdefault("_kept_texts", {})
    code = in_document.get(key)
    if code is None:
        font = getFont(canvas._fontname)
        if not font._dynamicFont:
            draw(canvas, x, y, text)
            return
        pieces = tuple(font.splitString(text, canvas._doc))
        names = tuple(font.getSubsetInternalName(subset, canvas._doc) for subset in dict.fromkeys(s for s, _ in pieces))
        code = _KEPT_TEXTS.get((key, pieces, names))
        if code is None:
            draw(canvas, x, y, text)
            if len(_KEPT_TEXTS) >= 256:
                _KEPT_TEXTS.clear()
            code = _KEPT_TEXTS[(key, pieces, names)] = canvas._code[-1]
            in_document[key] = code
            return
        in_document[key] = code
    canvas._code.append(code)


@lru_cache(maxsize=64)
def _footer_runs(label: str, x: float, width: float) -> tuple[tuple[float, str, str], ...]:
    """The footer's label, shortened to `width`, as (x, text, font) runs from x (the same
    on every page of a document: made once)."""
    placed = []
    for text, font in runs(_fit(label, REGULAR, 9, width), REGULAR):
        placed.append((x, text, font))
        x += stringWidth(text, font, 9)
    return tuple(placed)


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Shortens text with an ellipsis so that it fits in `width`."""
    if text_width(text, font, size) <= width:
        return text
    while text and text_width(text + "\u2026", font, size) > width:
        text = text[:-1]
    return text + "\u2026"


def _sheet_header(sheet: Sheet, figures, key: bool, width: float, scan: ScanLayout) -> list[Flowable]:
    story: list[Flowable] = [InlineParagraph([Styled(sheet.title, BOLD)], TITLE_SIZE, "center")]
    subtitle = [f"Version {sheet.version}"] if sheet.version else []
    subtitle += ["Answer key"] if key else []
    if subtitle:
        story.append(InlineParagraph([Styled(" \u2014 ".join(subtitle))], align="center",
                                     space_before=2))
    story.append(Spacer(1, 10))
    if not key:
        story += [_NameLine(student_id=not scan.marks), Spacer(1, 10)]
    if scan.marks:  # the student-ID grid at the right, the instructions (if short) and points beside it
        grid = StudentIdGrid(sheet.scan.id_digits, scan.regions)
        left = width - grid.width_needed() - COLUMN_GAP
        text = [f for block in sheet.instructions for f in _block(block, figures, left)]
        # long: across the page above
        if _instructions_height(sheet.instructions, text, left) > grid.wrap(left, 1e9)[1]:
            story += [f for block in sheet.instructions for f in _block(block, figures, width)]
            text = []
        # (a Spacer first: _Row takes the first baseline of its first column)
        story.append(_Row([(_Group([Spacer(1, 0), *text, *_score_table(sheet, left)]), left),
                           (grid, grid.width_needed())], COLUMN_GAP))
        story.append(_Rule(spaceBefore=6))
        return story
    for block in sheet.instructions:
        story += _block(block, figures, width)
    if not key:
        story += _score_table(sheet, width)
    story.append(_Rule(spaceBefore=6))
    return story


def _instructions_height(instructions: tuple, flowables: list[Flowable], width: float) -> float:
    """_height of the instructions' flowables, measured once for all versions (the
    instructions are the same in every version)."""
    if any(isinstance(block, Figure) for block in instructions):  # (its size is not in the key)
        return _height(flowables, width)
    key = (instructions, width)
    if key not in _INSTRUCTIONS_HEIGHTS:
        _remember(_INSTRUCTIONS_HEIGHTS, key, _height(flowables, width), limit=64)
    return _INSTRUCTIONS_HEIGHTS[key]


_INSTRUCTIONS_HEIGHTS: dict[tuple, float] = {}


SCORE_COLUMNS = 16  # problems per row of the points table; more continue below


def _score_table(sheet: Sheet, width: float) -> list[Flowable]:
    """Problem | Points | Score with the total, across the page as exam classes print it
    (rows, not columns: three lines whatever the number of problems)."""
    scored = [p for p in sheet.problems if p.points is not None]
    if not sheet.score_table or not scored:
        return []
    tables: list[Flowable] = []
    for k in range(0, len(scored), SCORE_COLUMNS):
        chunk = scored[k:k + SCORE_COLUMNS]
        last = k + SCORE_COLUMNS >= len(scored)
        rows = [["Problem", *(str(p.number) for p in chunk)], ["Points", *(str(p.points) for p in chunk)],
                ["Score", *("" for _ in chunk)]]
        if last:
            for row, total in zip(rows, ("Total", str(sum(p.points for p in scored)), "")):
                row.append(total)
        cells = len(rows[0]) - 1
        table = RLTable(rows, colWidths=[52.0] + [min(32.0, (width - 52) / cells)] * cells,
                        rowHeights=[15, 15, 24], hAlign="CENTER", spaceBefore=8)
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), REGULAR), ("FONTNAME", (0, 0), (0, -1), BOLD),
            ("FONTNAME", (0, 0), (-1, 0), BOLD), ("FONTSIZE", (0, 0), (-1, -1), 10),
            ("GRID", (0, 0), (-1, -1), 0.5, GREY), ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("ALIGN", (1, 0), (-1, -1), "CENTER"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]))
        tables.append(table)
    return tables


# --- problems and parts ------------------------------------------------------------
#
# A problem is a list of pieces: [opening, continued, row, row, ...]. The opening is its
# heading, text and figure; `continued` is what tops each later page of a problem taller
# than a page ("Problem k (continued)" and, on worksheets, the figure again); each row
# holds one part, or several short parts side by side. Every piece is measured and
# padded to its slot (so `continued` too, though only tall problems draw it).

def _problem_pieces(problem: Problem, figures, key: bool, width: float, room: float,
                    work_space: float, scan: ScanLayout) -> list[Flowable]:
    """A problem as pieces: its opening, its continuation heading, then its rows."""
    scale = KEY_FIGURE_SCALE if key else FIGURE_SCALE
    opening = _Group([_heading(problem), *_intro(problem, figures, width, scale)],
                     space_before=KEY_HEADING_SPACE_BEFORE if key else HEADING_SPACE_BEFORE,
                     max_height=room)
    continued = [_heading(problem, continued=True)]
    if not key:  # the student needs the figure on every page of the problem
        continued += [f for block in problem.intro if isinstance(block, Figure)
                      for f in _block(block, figures, width)]
    rows = _part_rows(problem, figures, key, width, room, scan)
    space = problem.work_space if problem.work_space is not None else work_space
    if space > 0 and not key:  # room for working, after the last part
        rows.append(_Group([Spacer(1, space)], max_height=room))
    return [opening, _Group(continued, max_height=room), *rows]


def _heading(problem: Problem, continued: bool = False) -> InlineParagraph:
    heading = [Styled(f"Problem {problem.number}", BOLD)]
    if continued:
        heading.append(Styled(" (continued)", REGULAR, size=10))
    elif problem.points is not None:
        points = f"{problem.points} point{'' if problem.points == 1 else 's'}"
        heading.append(Styled(f" ({points})", REGULAR, size=10))
    if problem.id and not continued:
        heading.append(Styled(f" (#{problem.id})", REGULAR, GREY, size=8.5))
    return InlineParagraph(heading, HEADING_SIZE, space_after=4)


def _intro(problem: Problem, figures, width: float, scale: float = FIGURE_SCALE) -> list[Flowable]:
    """The problem's text and figure; the text beside the figure when that is shorter."""
    blocks = list(problem.intro)
    at = [k for k, block in enumerate(blocks) if isinstance(block, Figure)]

    def stacked() -> list[Flowable]:
        return [f for block in blocks for f in _block(block, figures, width, scale)]

    if len(at) != 1 or blocks[at[0]].spec not in figures:  # (a missing drawing: _block reports it)
        return stacked()
    first, last = at[0], at[0] + 1  # the paragraphs around the figure go beside it
    while first > 0 and isinstance(blocks[first - 1], Para):
        first -= 1
    while last < len(blocks) and isinstance(blocks[last], Para):
        last += 1
    drawing = figures[blocks[at[0]].spec].drawing
    figure = _Figure(drawing, scale)
    figure_width = figure.natural_width(width)
    text_width = width - figure_width - COLUMN_GAP
    side = [b for b in blocks[first:last] if not isinstance(b, Figure)]
    if text_width < SIDE_TEXT_MIN or not side:
        return stacked()
    text = _Group([f for block in side for f in _block(block, figures, text_width)])
    beside = _Row([(text, text_width), (figure, figure_width)], COLUMN_GAP)
    flowables = [f for block in blocks[:first] for f in _block(block, figures, width)]
    flowables += [beside, Spacer(1, BLOCK_GAP)]
    flowables += [f for block in blocks[last:] for f in _block(block, figures, width)]
    # Both heights depend only on the blocks and the figure's size: measured once for all
    # the versions whose intros differ only in the figure's numbers.
    shape = (tuple((drawing.width, drawing.height) if isinstance(b, Figure) else b for b in blocks), width, scale)
    shorter = _BESIDE_IS_SHORTER.get(shape)
    if shorter is None:
        shorter = _height(flowables, width) < _height(stacked(), width)
        _remember(_BESIDE_IS_SHORTER, shape, shorter)
    return flowables if shorter else stacked()


_BESIDE_IS_SHORTER: dict[tuple, bool] = {}  # intro's shape -> whether its text goes beside its figure


def _remember(cache: dict, key, value, limit: int = 512) -> None:
    """Stores a computed value, forgetting the oldest beyond `limit` (a class set's
    versions can each bring new ones)."""
    if len(cache) >= limit:
        del cache[next(iter(cache))]
    cache[key] = value


def _height(flowables: list[Flowable], width: float) -> float:
    return _Group(flowables).wrapOn(None, width, 0x7fffffff)[1]


def _part_rows(problem: Problem, figures, key: bool, width: float, room: float, scan: ScanLayout) -> list[Flowable]:
    """The parts, one to a row, or side by side 2 or 3 to a row when they are narrow.

    Every part gives one piece whatever the arrangement: a row of n parts is followed by
    n - 1 empty pieces. So versions that arrange a problem differently (a wider number
    in one of them) still have the same pieces, and slots still line them up."""
    bubbles = [scan.answer(problem, part) for part in problem.parts]
    widths = _grid(problem.parts, key, width, bubbles)
    if widths is None:
        return [_row_piece([scan.placed(problem, part, _part(part, figures, key, width, b))], room, key)
                for part, b in zip(problem.parts, bubbles)]
    n = len(widths)
    cells = [scan.placed(problem, part, _part(part, figures, key, widths[k % n], b))
             for k, (part, b) in enumerate(zip(problem.parts, bubbles))]
    pieces = []
    for k in range(0, len(cells), n):
        row = cells[k:k + n]
        pieces.append(_row_piece([_Row(list(zip(row, widths)), COLUMN_GAP)], room, key))
        pieces += [_Group([]) for _ in row[1:]]
    return pieces


def _row_piece(content: list[Flowable], room: float, key: bool = False) -> Flowable:
    # The space above a row is inside it, so the empty pieces after a row take none.
    return _Group([Spacer(1, KEY_PART_SPACE if key else PART_SPACE), *content], max_height=room)


def _grid(parts: tuple[Part, ...], key: bool, width: float, bubbles: list) -> list[float] | None:
    """Column widths for parts side by side: 3 or 2 columns when each column's widest
    part fits on one line (a prompt with its box; in a key also each step); None for
    one part per row. The columns share the room left over."""
    if len(parts) < 2 or key and any(len(p.solution) > KEY_GRID_STEPS for p in parts):
        return None
    needs = [_key_width(part) if key else _part_width(part, b) for part, b in zip(parts, bubbles)]
    for n in (3, 2):
        if n > len(parts):
            continue
        columns = [max(needs[k::n]) for k in range(n)]
        spare = width - sum(columns) - (n - 1) * COLUMN_GAP
        if spare >= 0:
            return [c + spare / n for c in columns]
    return None


def _part_width(part: Part, bubbles=None) -> float:
    """The width a worksheet's part needs: its label, prompt and box (or bubbles) on one
    line; a part with a full-width box cannot share its row."""
    if not (part.space.short or part.space.lines == 0) or part.space.true_false:
        return float("inf")
    if bubbles is not None and part.space.lines == 0:
        return float("inf")  # a table of bubble grids
    box = BOX_GAP + SHORT_BOX_WIDTH if part.space.short else 0.0
    if bubbles is not None:
        box = BOX_GAP + DigitBubbles.width_needed()
    return PART_INDENT + max((_natural_width(b) for b in part.prompt), default=0.0) + box + 1.0


def _key_width(part: Part) -> float:
    """The width a key's part needs: its prompt and answer on one line, and each step."""
    prompt = [b for b in _key_prompt(part)]
    answer = natural_width(_answer_pieces(part.answer))
    line = sum(_natural_width(b) for b in prompt) + BOX_GAP + answer if len(prompt) == 1 \
        else max([answer] + [_natural_width(b) for b in prompt])
    steps = max((_natural_width(b) for b in part.solution), default=0.0) + 2 * SOLUTION_PAD
    return PART_INDENT + max(line, steps) + 1.0


def _key_prompt(part: Part) -> tuple:
    """A part's prompt in the key: without the empty table the student fills in (the
    worked solution shows it filled)."""
    if part.space.lines == 0 and not (part.space.short or part.space.true_false):
        return tuple(b for b in part.prompt if not isinstance(b, Table))
    return part.prompt


def _natural_width(block) -> float:
    if isinstance(block, Para):
        return natural_width(block.content)
    if isinstance(block, Table):
        return sum(_plain_table_widths(block))
    if isinstance(block, DisplayMath):
        return typeset(block.latex, TEXT_SIZE, display=True).width
    return float("inf")  # a figure takes the whole width


class _ProblemFlow(Flowable):
    """A problem's pieces stacked. A problem that fits on a page is never split: it moves
    to the next page whole. One taller than a page starts on a fresh page and breaks only
    between pieces, `continued` heading each later page. With `anywhere` (keys, and the
    first problem, which must start under the sheet's header) it breaks between pieces
    wherever the page ends. The opening ends a page alone only under the sheet's header
    (`lead`: problem 1 starts on page 1) when the next part cannot fit there at all."""

    def __init__(self, pieces: list[Flowable], continued: Flowable, room: float,
                 anywhere: bool = False, lead: bool = False):
        super().__init__()
        self.pieces, self.continued, self.room, self.anywhere = pieces, continued, room, anywhere
        self.lead = lead
        self.spaceBefore = pieces[0].getSpaceBefore()

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self._sizes = [p.wrapOn(self.canv, availWidth, availHeight)[1] for p in self.pieces]
        self.height = self._stacked(len(self.pieces))
        return self.width, self.height

    def _stacked(self, count: int) -> float:
        """Height of the first `count` pieces."""
        return (sum(self._sizes[:count])
                + sum(p.getSpaceBefore() for p in self.pieces[1:count]))

    def draw(self):
        y = self.height
        for k, (piece, size) in enumerate(zip(self.pieces, self._sizes)):
            y -= size + (piece.getSpaceBefore() if k else 0.0)
            piece.drawOn(self.canv, 0, y)

    def split(self, availWidth, availHeight):
        self.wrap(availWidth, availHeight)
        at_top = availHeight >= self.room - 0.01
        if not (self.anywhere or (self.height > self.room and at_top)):
            return []  # whole, on the next page
        fitting = max([0] + [n for n in range(1, len(self.pieces) + 1)
                             if self._stacked(n) <= availHeight])
        if fitting < min(2, len(self.pieces)):
            if not (at_top or self.lead and fitting == 1 and self.height > self.room):
                return []
            fitting = 1  # a piece taller than the page is shrunk to fit it
        first = _ProblemFlow(self.pieces[:fitting], self.continued, self.room, True)
        if fitting == len(self.pieces):
            return [first]
        rest = self.pieces[fitting:]
        # The continuation heading only with a piece under it (else the next page would
        # begin with it all over again).
        heading = self.continued.wrapOn(self.canv, availWidth, self.room)[1]
        if heading + rest[0].getSpaceBefore() + self._sizes[fitting] <= self.room:
            rest = [self.continued, *rest]
        return [first, _ProblemFlow(rest, self.continued, self.room, self.anywhere)]


def _part(part: Part, figures, key: bool, width: float, bubbles=None) -> Flowable:
    """One part: "(a)" hanging left of the prompt, then room to answer (worksheet) or
    the answer and worked solution on a tinted background (key). A short answer's box,
    true/false circles and a key's short answer sit on the prompt's line."""
    inner = width - PART_INDENT
    prompt = [f for block in (_key_prompt(part) if key else part.prompt)
              for f in _block(block, figures, inner, blank=None if key else bubbles)]
    if key:
        answer = _answer_paragraph(part.answer)
        flow = _beside(_trim(prompt), answer, answer.natural_width() + 1.0, inner)
        steps = _compact_steps(part.solution, figures, inner - 2 * SOLUTION_PAD)
        if steps:
            flow.append(_Group(_trim(steps), fill=SOLUTION_FILL, pad=SOLUTION_PAD, space_before=2))
    elif part.space.true_false and bubbles is not None:
        flow = _beside(_trim(prompt), bubbles, bubbles.width_needed(), inner, True)
    elif part.space.true_false:
        flow = _beside(_trim(prompt), _TrueFalse(), _TrueFalse.width_needed(), inner, True)
    elif part.space.short and bubbles is not None:
        flow = _beside(_trim(prompt), bubbles(), DigitBubbles.width_needed(), inner, True)
    elif isinstance(bubbles, ChoiceBubbles):  # its options under the prompt, in place of the box
        flow = prompt + [bubbles]
    elif part.space.short:
        flow = _beside(_trim(prompt), _WritingBox(1), SHORT_BOX_WIDTH, inner, True)
    else:
        flow = prompt + [_answer_space(part.space)]
    return _Group(flow, indent=PART_INDENT, label=Styled(f"({part.label})", BOLD))


def _answer_paragraph(answer: Answer) -> InlineParagraph:
    return InlineParagraph(_answer_pieces(answer))


def _answer_pieces(answer: Answer) -> list:
    return [Styled("Answer: ", BOLD), _answer_piece(answer)]


def _beside(prompt: list[Flowable], item: Flowable, item_width: float, width: float,
            at_right: bool = False) -> list[Flowable]:
    """The prompt with `item` on its line: at the right edge (`at_right`; the prompt
    wraps beside it, and boxes of parts above each other line up), else right after a
    one-line prompt, else below the prompt."""
    if at_right:
        return [_Row([(_Group(prompt), width - item_width - BOX_GAP), (item, item_width)], BOX_GAP)]
    if len(prompt) == 1 and isinstance(prompt[0], InlineParagraph):
        natural = prompt[0].natural_width() + 1.0  # + 1: no line break from rounding
        if natural + BOX_GAP + item_width <= width:
            return [_Row([(prompt[0], natural), (item, item_width)], BOX_GAP)]
    return prompt + [item]


def _compact_steps(blocks, figures, width: float) -> list[Flowable]:
    """A worked solution, its runs of formulas in two columns (read down) where they fit."""
    flowables: list[Flowable] = []
    run: list[DisplayMath] = []
    blocks = list(blocks)
    for k, block in enumerate([*blocks, None]):
        following = blocks[k + 1] if k + 1 < len(blocks) else None
        if isinstance(block, DisplayMath) and not (_continues(block) or _continues(following)):
            run.append(block)
            continue
        flowables += _formula_columns(run, width)
        run = []
        if block is not None:  # (a formula of several lines stays one under the other)
            flowables += _block(block, figures, width)
    return flowables


def _continues(block) -> bool:
    """A display line that continues the formula above it ("+ ..." of a long sum)."""
    return isinstance(block, DisplayMath) and _CONTINUING.match(block.latex) is not None


_CONTINUING = re.compile(r"\s*[-+=]")  # (no copy of a long formula, as lstrip() made)


def _formula_columns(run: list[DisplayMath], width: float) -> list[Flowable]:
    """Consecutive formulas: two or more in two columns each as wide as its widest
    formula when both fit across `width`; else runs of three or more formulas that fit
    in half the width in two equal columns; else one under the other."""
    widths = [_natural_width(b) for b in run]
    # The left column takes half the formulas (rounded up), or as near half as fits.
    for down in sorted(range(1, len(run)), key=lambda k: (abs(2 * k - len(run) - 0.5), -k)):
        needs = [max(widths[:down]), max(widths[down:])]
        if sum(needs) + COLUMN_GAP > width * STEPS_SHRINK or not len(run) - 1 <= 2 * down <= len(run) + 2:
            continue
        spare = width - sum(needs) - COLUMN_GAP  # < 0: the formulas are shrunk a little to fit
        columns = [w + spare / 2 for w in needs] if spare >= 0 else \
            [w * (width - COLUMN_GAP) / sum(needs) for w in needs]
        return [_formula_row((run[:down], run[down:]), columns)]
    flowables, short = [], []
    half = (width - COLUMN_GAP) / 2
    for block in [*run, None]:
        if block is not None and _natural_width(block) <= half:
            short.append(block)
            continue
        if len(short) >= 3:
            down = (len(short) + 1) // 2
            flowables.append(_formula_row((short[:down], short[down:]), [half, half]))
        else:
            flowables += [_DisplayFormula(b.latex, space=3) for b in short]
        short = []
        if block is not None:
            flowables.append(_DisplayFormula(block.latex, space=3))
    return flowables


def _formula_row(chunks, widths: list[float]) -> Flowable:
    columns = [_Group([_DisplayFormula(b.latex, space=2) for b in chunk]) for chunk in chunks]
    return _Row(list(zip(columns, widths)), COLUMN_GAP, space=4)


class _Row(Templated):
    """Flowables side by side, each in a column of the given width, tops aligned. A box
    or circles in a later column are centred on the first column's first line (and
    that column moves down when the box is the taller)."""

    def __init__(self, cells: list[tuple[Flowable, float]], gap: float, space: float = 0.0):
        super().__init__()
        self.cells, self.gap = cells, gap
        self.spaceBefore = self.spaceAfter = space

    def wrap(self, availWidth, availHeight):
        sizes = [f.wrapOn(self.canv, w, availHeight)[1] for f, w in self.cells]
        middle = _first_baseline(self.cells[0][0]) - 0.3 * TEXT_SIZE  # of the first line
        tops = [0.0] + [_centred_top(f, size, middle) for (f, _), size in zip(self.cells[1:], sizes[1:])]
        lowest = min(tops)
        self._tops = [top - lowest for top in tops]
        self._sizes = sizes
        self.width = availWidth
        self.height = max(top + size for top, size in zip(self._tops, sizes))
        return self.width, self.height

    def first_baseline(self) -> float:
        return self._tops[0] + _first_baseline(self.cells[0][0])

    def template_key(self):
        cells = keys_of(f for f, _ in self.cells)
        if cells is None:
            return None
        widths = tuple(w for _, w in self.cells)
        return ("row", cells, widths, tuple(self._tops), tuple(self._sizes), self.gap, self.width, self.height)

    def drawn_content(self) -> list:
        return [f for f, _ in self.cells]

    def draw(self):
        x = 0.0
        for (f, w), top, size in zip(self.cells, self._tops, self._sizes):
            f.drawOn(self.canv, x, self.height - top - size)
            x += w + self.gap


def _centred_top(f: Flowable, size: float, middle: float) -> float:
    """Where a box, circles or bubbles beside a prompt start: centred on its first line
    (digit bubbles: their first row)."""
    if isinstance(f, DigitBubbles):
        return middle - 1 - BUBBLE_PITCH / 2
    if isinstance(f, (_WritingBox, _TrueFalse, TrueFalseBubbles)):
        return middle - size / 2
    return 0.0


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

def _block(block, figures, width: float, figure_scale: float = FIGURE_SCALE, blank=None) -> list[Flowable]:
    """A block's flowables; `blank(entry)` gives the bubbles of a table's blank cell."""
    if isinstance(block, Para):
        return [InlineParagraph(block.content), Spacer(1, BLOCK_GAP)]
    if isinstance(block, DisplayMath):
        return [_DisplayFormula(block.latex)]
    if isinstance(block, Figure):
        if block.spec not in figures:
            raise KeyError(f"no drawing given for figure {block.name!r}")
        return [_Figure(figures[block.spec].drawing, figure_scale), Spacer(1, BLOCK_GAP)]
    if isinstance(block, Table):
        return [_table(block, width, blank), Spacer(1, BLOCK_GAP + 2)]
    raise TypeError(f"cannot print block {block!r}")


TABLE_PAD = 5.0


def _table_cells(table: Table, blank=None) -> list[list]:
    rows = [[_cell(cell, header=(r == 0)) if cell is not None or blank is None else blank([r - 1, c - 1])
             for c, cell in enumerate(row)] for r, row in enumerate(table.rows)]
    n_cols = max(len(row) for row in rows)
    return [row + [""] * (n_cols - len(row)) for row in rows]


def _table_widths(table: Table, rows: list[list] | None = None) -> list[float]:
    """Each column's natural width."""
    empty_width = 48.0  # room to write a number in a blank cell
    rows = rows or _table_cells(table)
    return [max((cell.natural_width() if hasattr(cell, "natural_width") else empty_width)
                for cell in column) + 2 * TABLE_PAD + 1 for column in zip(*rows)]


@lru_cache(maxsize=256)
def _plain_table_widths(table: Table) -> tuple[float, ...]:
    """_table_widths of a table without bubbles in its blank cells (the same table comes
    back in the worksheet and the key, and its headers in every version)."""
    return tuple(_table_widths(table))


def _table(table: Table, width: float, blank=None) -> RLTable:
    pad = TABLE_PAD
    rows = _table_cells(table, blank)
    col_widths = list(_plain_table_widths(table)) if blank is None else _table_widths(table, rows)
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


class _Group(Templated):
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
        self.on_draw = None  # called with (canvas, width, height) where drawn (templates.draw_on)

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
        left, canvas = self.indent + self.pad, self.canv
        self._placed = placed = []
        y, space_after = self.pad, 0.0
        for i, f in enumerate(self.content):
            w, h = f.wrapOn(canvas, inner, 0x7fffffff)
            if i:
                y += max(space_after, f.getSpaceBefore())
            x = left + (inner - w) / 2 if getattr(f, "hAlign", "") == "CENTER" else left
            placed.append((f, x, y + h))
            y += h
            space_after = f.getSpaceAfter()
        return y + self.pad

    def template_key(self):
        drawn = [(f, x, bottom) for f, x, bottom in self._placed if not isinstance(f, Spacer)]
        content = keys_of(f for f, _, _ in drawn)
        if content is None:
            return None
        return ("group", content, tuple((x, bottom) for _, x, bottom in drawn), self.indent, self.label,
                self.fill, self.pad, self.scale, self.width, self.height, self._natural_height)

    def drawn_content(self) -> list:
        return [f for f, _, _ in self._placed if not isinstance(f, Spacer)]

    def first_baseline(self) -> float:
        if not self._placed:
            return TEXT_SIZE
        f, _, bottom = self._placed[0]
        return bottom - f.height + _first_baseline(f)

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
            _draw_kept(canvas, Canvas.drawString, 0, baseline, self.label.text)


def _first_baseline(flowable: Flowable) -> float:
    """Distance from the top of a flowable to its first baseline, where a label goes."""
    if isinstance(flowable, (InlineParagraph, _Row, _Group)):
        return flowable.first_baseline()
    if isinstance(flowable, _DisplayFormula):
        return flowable.box.ascent * flowable.scale
    return TEXT_SIZE


class _DisplayFormula(Templated):
    """A centred display-style formula, shrunk if wider than the frame."""

    def __init__(self, latex: str, space: float = 5.0):
        super().__init__()
        self.latex = latex
        self.box = typeset(latex, TEXT_SIZE, display=True)
        self.spaceBefore = self.spaceAfter = space

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self.scale = min(1.0, availWidth / self.box.width)
        self.height = self.box.height * self.scale
        return self.width, self.height

    def template_key(self):
        return ("formula", self.latex, self.width, self.scale)

    def draw(self):
        x = (self.width - self.box.width * self.scale) / 2
        self.box.draw_on(self.canv, x, self.box.descent * self.scale, self.scale)


class _Figure(Templated):
    """A figure, centred, scaled down to the frame width (never up). A network figure
    (a RenderedFigure or its drawing) draws itself from cached PDF operators (draw_on);
    any other reportlab Drawing goes through renderPDF, shape by shape."""
    MAX_HEIGHT = 4.5 * inch

    def __init__(self, figure, scale: float = FIGURE_SCALE):
        super().__init__()
        self.figure = figure  # shared between the worksheet and the key: not modified
        self.largest = scale  # the scale when there is room
        self.spaceBefore = 4

    def natural_width(self, width: float) -> float:
        """The width the figure takes in a column of `width`."""
        f = self.figure
        return f.width * min(self.largest, width / f.width, self.MAX_HEIGHT / f.height)

    def wrap(self, availWidth, availHeight):
        f = self.figure
        self.scale = min(self.largest, availWidth / f.width, self.MAX_HEIGHT / f.height)
        self.width = availWidth
        self.height = f.height * self.scale
        return self.width, self.height

    def template_key(self):
        """A network figure by its frame's painting and its numbers."""
        f = self.figure
        painting = getattr(f, "painting", None)
        if painting is None:
            return None
        return ("figure", painting, tuple(sorted(f.texts.items())), f.width, f.height, self.width, self.scale)

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


class _WritingBox(Templated):
    """An empty framed box of `lines` handwriting lines, with faint rules."""

    def __init__(self, lines: int):
        super().__init__()
        self.lines = max(1, lines)
        self.spaceBefore = 4
        self.spaceAfter = 2

    def wrap(self, availWidth, availHeight):
        self.width, self.height = availWidth, self.lines * LINE_SPACE + 4
        return self.width, self.height

    def template_key(self):
        return ("box", self.width, self.height)

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


class _TrueFalse(Templated):
    """"○ True   ○ False": circles for the student to fill in."""

    @staticmethod
    def width_needed() -> float:
        return 8.0 + 2 * (9.0 + 5) + 28 + sum(stringWidth(w, REGULAR, TEXT_SIZE)
                                             for w in ("True", "False"))

    def wrap(self, availWidth, availHeight):
        self.width, self.height = availWidth, 16
        return self.width, self.height

    def template_key(self):
        return ("true-false", self.width)

    def draw(self):
        c = self.canv
        x, baseline, radius = 4.0, 4.0, 4.5
        for word in ("True", "False"):
            c.setStrokeColor(black)
            c.setLineWidth(0.7)
            c.circle(x + radius, baseline + 3.5, radius)
            c.setFont(REGULAR, TEXT_SIZE)
            c.drawString(x + 2 * radius + 5, baseline, word)
            x += 2 * radius + 5 + stringWidth(word, REGULAR, TEXT_SIZE) + 28


class _NameLine(Templated):
    """"Name: ________   Student ID: ______" with drawn lines to write on (no ID line
    when the ID has its bubble grid)."""

    def __init__(self, student_id: bool = True):
        super().__init__()
        self.student_id = student_id

    def wrap(self, availWidth, availHeight):
        self.width, self.height = availWidth, 18
        return self.width, self.height

    def template_key(self):
        return ("name-line", self.width, self.student_id)

    def draw(self):
        c = self.canv
        c.setFont(BOLD, TEXT_SIZE)
        c.setLineWidth(0.6)
        id_start = self.width * 0.62
        lines = (("Name:", 0, id_start - 20), ("Student ID:", id_start, self.width))
        for label, x, end in lines if self.student_id else (("Name:", 0, id_start - 20),):
            c.drawString(x, 4, label)
            c.line(x + stringWidth(label, BOLD, TEXT_SIZE) + 5, 2, end, 2)


class _Rule(Templated):
    """A thin horizontal rule across the frame."""

    def __init__(self, spaceBefore=0.0):
        super().__init__()
        self.spaceBefore = spaceBefore

    def wrap(self, availWidth, availHeight):
        self.width, self.height = availWidth, 4
        return self.width, self.height

    def template_key(self):
        return ("rule", self.width)

    def draw(self):
        self.canv.setLineWidth(0.6)
        self.canv.line(0, 2, self.width, 2)

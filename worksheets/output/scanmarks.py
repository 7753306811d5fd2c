"""What a scanner reads on a worksheet: corner marks and a QR code on every page, the
student-ID bubble grid, and answers as bubbles (numbers as digit rows, true/false).

The geometry is drawn here and nowhere else. Every bubble, where it is drawn, records
its page and position in a Regions collector (its flowable's on_draw, called also where
a template replays the drawing: typeset.templates), so answer-regions.json (and the
grader) get their boxes from the very objects that drew them.

Positions in regions are in points from the page's top-left corner (y down), as a
scanned image is read. The grader (worksheets.grading) imports the constants below.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from itertools import chain, compress

import segno
from reportlab.lib.colors import Color, black
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.pathobject import PDFPathObject

from ..document import Part, Problem, Sheet
from ..typeset.fonts import BOLD, REGULAR
from ..typeset.inline import TEXT_SIZE
from ..typeset.mathtext import typeset
from ..typeset.templates import Templated
from .jsontext import dumps as json_text

# Corner marks: solid squares, their outer edges MARK_INSET from the paper's edges
# (inside what printers print, outside the text and the footer).
MARK_SIZE = 14.0
MARK_INSET = 24.0
# The QR code sits in the left margin under the top-left mark, QR_BOX points square
# (a version 2 code: 25 modules of about 1.45 pt, 3 pixels at 150 dpi).
QR_BOX = 36.0
QR_LEFT = 16.0
QR_TOP = 52.0
QR_BYTES = 26  # what a version 2 code holds at error level M
QR_MASK = 2  # the QR mask pattern "column mod 3 = 0" (every mask makes a valid code)
QR_PREFIX = "ws1"  # names the format of the text, so a stranger's QR code is told apart

BUBBLE_RADIUS = 4.0
BUBBLE_PITCH = 10.5  # centre to centre, across and down
PLACE_LABEL = 20.0  # room for "×10" left of a digit row
SIGN_COLUMN = 11.0  # the "−" bubble left of the first row
ID_LABEL = "Student ID"
FAINT = Color(0.55, 0.55, 0.55)
BOXES = 99  # a need no digit grid meets: the part keeps its box (a fraction, an expression)
MAX_DIGIT_ROWS = 12  # a longer number keeps its box
MAX_EXACT_DECIMALS = 4  # an exact fraction with more places after the point keeps its box (1/3 has no end)


# --- page marks -----------------------------------------------------------------------

def mark_boxes(pagesize) -> list[tuple[float, float, float, float]]:
    """The four corner marks as (x0, y0, x1, y1) from the top-left, in the order
    top-left, top-right, bottom-right, bottom-left."""
    width, height = pagesize
    near, far_x, far_y = MARK_INSET, width - MARK_INSET - MARK_SIZE, height - MARK_INSET - MARK_SIZE
    corners = [(near, near), (far_x, near), (far_x, far_y), (near, far_y)]
    return [(x, y, x + MARK_SIZE, y + MARK_SIZE) for x, y in corners]


def qr_text(sheet: Sheet, page: int) -> str:
    """"ws1 <spec hash> <version> <page> <sheet name>", the name cut to fit the code."""
    fixed = f"{QR_PREFIX} {sheet.scan.code} {sheet.version or '-'} {page} "
    name = sheet.name.encode("utf-8")[:max(0, QR_BYTES - len(fixed))].decode("utf-8", "ignore")
    return fixed + name


def qr_matrix(text: str) -> tuple[bytes, ...]:
    """The rows of text's QR code (1 a dark module): segno's code at error level M with
    the fixed mask QR_MASK (any mask makes a valid code; choosing the best costs 5 ms a
    page). A text in byte mode is made from the code of another text of its length
    (_SameLength): a page's text differs from the sheet's other pages only in its
    version and page number."""
    data = text.encode("utf-8")
    if not text.isascii() or not set(text) - _ALPHANUMERIC or len(data) > 2 * QR_BYTES:
        return tuple(bytes(row) for row in _segno(text).matrix)
    known = _SAME_LENGTH.get(len(data))
    if known is None:
        known = _SAME_LENGTH[len(data)] = _SameLength(data)
    return known.rows(data)


_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")  # a text of these is not in byte mode
_TO_BITS, _FROM_BITS = bytes.maketrans(b"\0\1", b"01"), bytes.maketrans(b"01", b"\0\1")


def _segno(data):
    return segno.make(data, error="m", micro=False, boost_error=False, mask=QR_MASK,
                      mode="byte" if isinstance(data, bytes) else None)


class _SameLength:
    """QR codes of byte-mode texts of one length. For those, version, mode, length field,
    padding, format information and mask are all the same, and the rest is linear in the
    text's bits: the data bits are the text's bits, Reed-Solomon is linear over GF(2), and
    the modules take them in a fixed order. So a text's code is the code of the first text
    of its length XOR, for every bit in which the two differ, what flipping that bit alone
    changes (made by segno once per bit, bounded by the length's bits)."""

    def __init__(self, data: bytes):
        self.data, self.flips = data, {}
        matrix = _segno(data).matrix
        self.size, self.code = len(matrix), self._bits(matrix)

    @staticmethod
    def _bits(matrix) -> int:
        return int(b"".join(matrix).translate(_TO_BITS), 2)

    def rows(self, data: bytes) -> tuple[bytes, ...]:
        differ = int.from_bytes(data, "big") ^ int.from_bytes(self.data, "big")
        code = self.code
        while differ:
            bit = differ & -differ
            flip = self.flips.get(bit)
            if flip is None:
                flipped = (int.from_bytes(self.data, "big") ^ bit).to_bytes(len(data), "big")
                flip = self.flips[bit] = self._bits(_segno(flipped).matrix) ^ self.code
            code ^= flip
            differ ^= bit
        modules = format(code, f"0{self.size * self.size}b").encode().translate(_FROM_BITS)
        return tuple(modules[start:start + self.size] for start in range(0, len(modules), self.size))


_SAME_LENGTH: dict[int, _SameLength] = {}  # by length in bytes (at most 2 * QR_BYTES of them)


@dataclass(frozen=True)
class PageCode:
    """What a page's QR code says."""
    code: str
    version: str | None
    page: int
    name: str


def read_qr_text(text: str) -> PageCode | None:
    """The inverse of qr_text; None for a code that is not ours."""
    fields = text.split(" ", 4)
    if len(fields) < 4 or fields[0] != QR_PREFIX or not fields[3].isdigit():
        return None
    return PageCode(fields[1], None if fields[2] == "-" else fields[2], int(fields[3]),
                    fields[4] if len(fields) > 4 else "")


def draw_page_marks(canvas, sheet: Sheet, page: int) -> None:
    """The corner marks and the QR code of one worksheet page."""
    width, height = canvas._pagesize
    canvas.saveState()
    canvas.setFillColor(black)
    for x0, y0, x1, y1 in mark_boxes((width, height)):
        canvas.rect(x0, height - y1, x1 - x0, y1 - y0, stroke=0, fill=1)
    matrix = qr_matrix(qr_text(sheet, page))
    squares = _module_squares(len(matrix), height)
    # each row's dark modules (a row of matrix is 0 and 1 bytes), picked in C: 625 modules a page
    path = PDFPathObject(["n", *chain.from_iterable(map(compress, squares, matrix))])
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


@lru_cache(maxsize=8)
def _module_squares(size: int, height: float) -> tuple[tuple[str, ...], ...]:
    """Each module of a QR code of size × size modules as its path operator, the same
    text PDFPathObject.rect writes (made once: a page's code is a few hundred of them)."""
    module, top = QR_BOX / size, height - QR_TOP
    return tuple(tuple(f"{fp_str((QR_LEFT + c * module, top - (r + 1) * module, module, module))} re"
                       for c in range(size)) for r in range(size))


# --- where bubbles are ------------------------------------------------------------------

class Regions:
    """Collects every bubble group as it is drawn: its page, box and bubbles."""

    def __init__(self, pagesize):
        self.pagesize = tuple(pagesize)
        self.items: list[dict] = []
        self.pages = 0  # the worksheet's pages, once its marks are drawn
        self.parts: dict = {}  # (problem, label) -> page and box of the whole part

    def add(self, canvas, item: dict, bubbles: list[tuple[int, str, float, float]], width: float,
            height: float) -> None:
        """`bubbles` as (row, value, x, y) in the flowable's own coordinates (y up)."""
        page, box, place = self._where(canvas, width, height)
        scale = (box[2] - box[0]) / width if width else 1.0
        self.items.append({**item, "page": page, "box": box,
                           "radius": round(BUBBLE_RADIUS * scale, 2),
                           "bubbles": [{"row": row, "value": value, "x": pos[0], "y": pos[1]}
                                       for row, value, x, y in bubbles for pos in [place(x, y)]]})

    def add_part(self, canvas, problem: int, label: str, width: float, height: float) -> None:
        """Where a whole part is (its prompt and its room to answer)."""
        page, box, _ = self._where(canvas, width, height)
        self.parts[(problem, label)] = {"page": page, "box": box}

    def _where(self, canvas, width: float, height: float):
        """The page, the box from the top-left, and a function placing a point of the
        flowable being drawn (its own coordinates, y up) on the page."""
        page = canvas.current_page() if hasattr(canvas, "current_page") else canvas.getPageNumber()
        page_height = self.pagesize[1]

        def place(x, y):
            px, py = canvas.absolutePosition(x, y)
            return round(px, 2), round(page_height - py, 2)

        corners = [place(0, 0), place(width, height)]
        xs, ys = [p[0] for p in corners], [p[1] for p in corners]
        return page, [min(xs), min(ys), max(xs), max(ys)], place

    def json(self, sheet: Sheet, bubbles: dict) -> bytes:
        """The regions, and per problem its points and parts, each "bubbles" (its regions
        below; none when every entry is given) or "box" (graded by a person)."""
        document = {"sheet": sheet.name, "version": sheet.version,
                    "code": sheet.scan.code if sheet.scan else None,
                    "units": "points from the page's top-left corner, y down",
                    "page_size": list(self.pagesize), "pages": self.pages, "qr_box": [QR_LEFT, QR_TOP, QR_LEFT + QR_BOX, QR_TOP + QR_BOX],
                    "marks": [list(box) for box in mark_boxes(self.pagesize)] if sheet.scan else [],
                    "problems": [{"number": p.number, "id": p.id, "points": p.points, "network": p.network,
                                  "parts": [{"label": part.label,
                                             "answer": "bubbles" if (p.number, part.label) in bubbles else "box",
                                             **self.parts.get((p.number, part.label), {})}
                                            for part in p.parts]} for p in sheet.problems],
                    "regions": self.items}
        return (json_text(document, indent=1) + "\n").encode()


def _draw_bubbles(canvas, bubbles: list[tuple[float, float, str]]) -> None:
    """Empty circles, each with its value in faint small print (a pencil fill covers it;
    the sign "-" is a drawn bar), in one path and one text object."""
    canvas.saveState()
    circles = canvas.beginPath()
    for x, y, _ in bubbles:
        circles.circle(x, y, BUBBLE_RADIUS)
    canvas.setStrokeColor(black)
    canvas.setLineWidth(0.6)
    canvas.drawPath(circles, stroke=1, fill=0)
    bars = canvas.beginPath()
    for x, y, label in bubbles:
        if label == "-":
            bars.moveTo(x - 1.6, y)
            bars.lineTo(x + 1.6, y)
    canvas.setStrokeColor(FAINT)
    canvas.drawPath(bars, stroke=1, fill=0)
    canvas.setFillColor(FAINT)
    canvas.setFont(REGULAR, 5.5)
    for x, y, label in bubbles:
        if label not in ("", "-"):
            canvas.drawCentredString(x, y - 1.9, label)
    canvas.restoreState()


# --- numbers as digit rows -----------------------------------------------------------------

@dataclass(frozen=True)
class DigitFormat:
    """A number as bubbles: a sign bubble, then one row of 0–9 per digit, `digits`
    before the decimal point and `decimals` after it."""
    digits: int
    decimals: int = 0

    @property
    def places(self) -> list[int]:
        """The power of ten of each row, top down."""
        return list(range(self.digits - 1, -self.decimals - 1, -1))


def _numbers(value) -> list:
    if isinstance(value, (list, tuple)):
        return [v for row in value for v in _numbers(row)]
    return [value]


def part_need(part: Part) -> tuple[int, int, int, int]:
    """What bubbles this part's answer needs: (digits before the point, after it, options
    of a choice, 1 for a number). (0, 0, 0, 0) for true/false; (0, 0, n, 0) for an
    expression with n - 1 wrong options to choose among; digits BOXES when bubbles cannot
    say it (1/3, an expression without options)."""
    if isinstance(part.answer.value, str):
        options = len(part.answer.wrong) + 1 if part.answer.wrong else 0
        return (0 if options else BOXES), 0, options, 0
    values = [v for v in _numbers(part.answer.value) if v is not None]
    if values and all(isinstance(v, bool) for v in values):
        return 0, 0, 0, 0
    if any(isinstance(v, bool) or not isinstance(v, (int, float, Fraction)) for v in values):
        return BOXES, 0, 0, 1
    if part.answer.decimals is not None:
        decimals = part.answer.decimals
    else:  # exact: a fraction whose decimals end (23/10, 3/8) is written with them
        places = [_decimal_places(Fraction(v)) for v in values]
        if None in places:
            return BOXES, 0, 0, 1
        decimals = max(places, default=0)
    digits = 1
    for value in values:
        scaled = Fraction(value) * 10 ** decimals
        digits = max(digits, len(str(abs(round(scaled)))) - decimals)
    if digits + decimals > MAX_DIGIT_ROWS:
        return BOXES, 0, 0, 1
    return digits, decimals, 0, 1


def _decimal_places(value: Fraction) -> int | None:
    """The places after the point of an exact number, None when they never end (1/3) or
    are more than MAX_EXACT_DECIMALS."""
    for places in range(MAX_EXACT_DECIMALS + 1):
        if (value * 10 ** places).denominator == 1:
            return places
    return None


def needs(sheet: Sheet) -> list[float]:
    """Per part of each bubble problem, its need (part_need): the largest over all
    versions (output.tallest) gives the format every version prints."""
    return [float(n) for problem in sheet.problems if problem.bubbles
            for part in problem.parts for n in part_need(part)]


def formats(sheet: Sheet, shared: list[float] | None = None) -> dict:
    """(problem number, part label) -> DigitFormat, ChoiceFormat, "true-false", or absent
    (a box): from this sheet's needs, or from those all versions share."""
    own = needs(sheet) if shared is None else shared
    quads = iter(zip(own[0::4], own[1::4], own[2::4], own[3::4]))
    result = {}
    for problem in sheet.problems:
        if not problem.bubbles:
            continue
        for part in problem.parts:
            digits, decimals, options, number = next(quads)
            key = (problem.number, part.label)
            if part.space.true_false:
                result[key] = "true-false"
            elif options and not number and digits < BOXES and part.answer.wrong:
                result[key] = ChoiceFormat(int(options))  # every version has options to choose
            elif number and 0 < digits < BOXES and (part.space.short or part.space.lines == 0):
                # (a number beside its prompt, or a table's entries; a sentence keeps its box)
                result[key] = DigitFormat(int(digits), int(decimals))
    return result


class DigitBubbles(Templated):
    """A sign bubble and one row of bubbles 0–9 per digit, each row labelled with its place
    (×10, ×1, ×0.1), for the answer `item` names."""

    def __init__(self, fmt: DigitFormat, item: dict, regions: Regions | None):
        super().__init__()
        self.fmt, self.item, self.regions = fmt, item, regions
        self.on_draw = self._say_where if regions is not None else None

    @staticmethod
    def width_needed() -> float:
        return SIGN_COLUMN + PLACE_LABEL + 10 * BUBBLE_PITCH

    def natural_width(self) -> float:
        return self.width_needed()

    def wrap(self, availWidth, availHeight):
        self.width, self.height = self.width_needed(), len(self.fmt.places) * BUBBLE_PITCH + 2
        return self.width, self.height

    def template_key(self):
        return ("digits", self.fmt, self.width, self.height)

    def _top(self) -> float:
        return self.height - 1 - BUBBLE_PITCH / 2

    def _bubbles(self) -> list[tuple[int, str, float, float]]:
        top = self._top()
        return [(0, "-", BUBBLE_RADIUS + 1, top)] + [
            (row, str(digit), SIGN_COLUMN + PLACE_LABEL + BUBBLE_PITCH * (digit + 0.5), top - (row - 1) * BUBBLE_PITCH)
            for row in range(1, len(self.fmt.places) + 1) for digit in range(10)]

    def draw(self):
        c, top = self.canv, self._top()
        c.saveState()
        for row, place in enumerate(self.fmt.places, start=1):
            y = top - (row - 1) * BUBBLE_PITCH
            c.setFillColor(FAINT)
            c.setFont(REGULAR, 6.5)
            c.drawRightString(SIGN_COLUMN + PLACE_LABEL - 3, y - 2.2, _place_name(place))
        c.restoreState()
        _draw_bubbles(c, [(x, y, value) for _, value, x, y in self._bubbles()])

    def _say_where(self, canvas, width: float, height: float) -> None:
        item = {**self.item, "kind": "number", "digits": self.fmt.digits, "decimals": self.fmt.decimals}
        self.regions.add(canvas, item, self._bubbles(), width, height)


def _place_name(power: int) -> str:
    return "\u00d7" + (str(10 ** power) if power >= 0 else f"0.{'0' * (-power - 1)}1")


@dataclass(frozen=True)
class ChoiceFormat:
    """Options to choose one of, with a bubble each; room for `options` of them (the
    most any version has), so that every version has the same layout."""
    options: int


CHOICE_PITCH = 20.0  # an option's line: a bubble and a formula with scripts
CHOICE_INDENT = 20.0  # from the bubble's left to the formula
COLUMN_SPACE = 14.0  # between two columns of options


class ChoiceBubbles(Templated):
    """The answer and its wrong options (real mistakes: a swapped index, a missing slope),
    sorted by their text so that the answer's place says nothing, each after a bubble.
    Recorded as row 1, values "0", "1", ... and the options' values in that order."""

    def __init__(self, fmt: ChoiceFormat, answer, item: dict, regions: Regions | None):
        super().__init__()
        self.fmt, self.item, self.regions = fmt, item, regions
        self.options = sorted([(answer.value, answer.latex), *answer.wrong])
        self.on_draw = self._say_where if regions is not None else None

    def wrap(self, availWidth, availHeight):
        # Two columns (down, then across) from three options on, the same in every version
        # (it depends on the shared format only); a formula too wide is shrunk.
        self.columns = 2 if self.fmt.options >= 3 else 1
        self.width, self.height = availWidth, -(-self.fmt.options // self.columns) * CHOICE_PITCH
        return self.width, self.height

    def template_key(self):
        return ("choice", tuple(latex for _, latex in self.options), self.columns, self.width, self.height)

    def _places(self) -> list[tuple[float, float]]:
        """The left end of each option's line, and its middle."""
        rows = -(-self.fmt.options // self.columns)
        column_width = (self.width - COLUMN_SPACE * (self.columns - 1)) / self.columns
        return [((k // rows) * (column_width + COLUMN_SPACE), self.height - (k % rows + 0.5) * CHOICE_PITCH)
                for k in range(len(self.options))]

    def _bubbles(self) -> list[tuple[int, str, float, float]]:
        return [(1, str(k), x + BUBBLE_RADIUS + 1, y) for k, (x, y) in enumerate(self._places())]

    def draw(self):
        c = self.canv
        column_width = (self.width - COLUMN_SPACE * (self.columns - 1)) / self.columns
        for (_, latex), (x, y) in zip(self.options, self._places()):
            box = typeset(latex, TEXT_SIZE)
            scale = min(1.0, (column_width - CHOICE_INDENT) / box.width, (CHOICE_PITCH - 2) / box.height)
            box.draw_on(c, x + CHOICE_INDENT, y - box.height * scale / 2 + box.descent * scale, scale)
        _draw_bubbles(c, [(x, y, "") for _, _, x, y in self._bubbles()])

    def _say_where(self, canvas, width: float, height: float) -> None:
        item = {**self.item, "kind": "choice", "options": [value for value, _ in self.options]}
        self.regions.add(canvas, item, self._bubbles(), width, height)


class TrueFalseBubbles(Templated):
    """"○ True   ○ False", recorded for the scanner: row 1, values "T" and "F"."""

    def __init__(self, item: dict, regions: Regions | None):
        super().__init__()
        self.item, self.regions = item, regions
        self.on_draw = self._say_where if regions is not None else None

    @staticmethod
    def width_needed() -> float:
        return 8.0 + 2 * (2 * BUBBLE_RADIUS + 5) + 28 + sum(stringWidth(w, REGULAR, TEXT_SIZE)
                                                         for w in ("True", "False"))

    def wrap(self, availWidth, availHeight):
        self.width, self.height = availWidth, 16
        return self.width, self.height

    def template_key(self):
        return ("true-false", self.width, self.height)

    @staticmethod
    def _words() -> list[tuple[str, str, float]]:
        """Each word, its value and where its bubble's left edge is."""
        words, x = [], 4.0
        for word, value in (("True", "T"), ("False", "F")):
            words.append((word, value, x))
            x += 2 * BUBBLE_RADIUS + 5 + stringWidth(word, REGULAR, TEXT_SIZE) + 28
        return words

    def _bubbles(self) -> list[tuple[int, str, float, float]]:
        return [(1, value, x + BUBBLE_RADIUS, 7.5) for _, value, x in self._words()]

    def draw(self):
        c = self.canv
        c.saveState()
        for word, _, x in self._words():
            c.setFillColor(black)
            c.setFont(REGULAR, TEXT_SIZE)
            c.drawString(x + 2 * BUBBLE_RADIUS + 5, 4.0, word)
        c.restoreState()
        _draw_bubbles(c, [(x, y, "") for _, _, x, y in self._bubbles()])

    def _say_where(self, canvas, width: float, height: float) -> None:
        self.regions.add(canvas, {**self.item, "kind": "true-false"}, self._bubbles(), self.width_needed(), height)


# --- the student ID -------------------------------------------------------------------

ID_PITCH = 11.0


class StudentIdGrid(Templated):
    """"Student ID": a box per digit to write it in, and under each a column of bubbles
    0–9 (the digits at the left of each row)."""

    def __init__(self, digits: int, regions: Regions | None):
        super().__init__()
        self.digits, self.regions = digits, regions
        self.on_draw = self._say_where if regions is not None else None

    def width_needed(self) -> float:
        return 12.0 + max(self.digits * ID_PITCH, stringWidth(ID_LABEL, BOLD, 9))

    def wrap(self, availWidth, availHeight):
        self.width, self.height = self.width_needed(), 14 + 16 + 10 * ID_PITCH
        return self.width, self.height

    def template_key(self):
        return ("student-id", self.digits, self.width, self.height)

    def _row_y(self, digit: int) -> float:
        return self.height - 13 - 14 - 2 - ID_PITCH * (digit + 0.5)

    def _bubbles(self) -> list[tuple[int, str, float, float]]:
        return [(k + 1, str(digit), 12 + ID_PITCH * (k + 0.5), self._row_y(digit))
                for digit in range(10) for k in range(self.digits)]

    def draw(self):
        c = self.canv
        c.saveState()
        c.setFont(BOLD, 9)
        c.setFillColor(black)
        c.drawString(12, self.height - 9, ID_LABEL)
        c.setStrokeColor(black)
        c.setLineWidth(0.6)
        boxes_top = self.height - 13
        for k in range(self.digits):
            c.rect(12 + k * ID_PITCH, boxes_top - 14, ID_PITCH, 14, stroke=1, fill=0)
        for digit in range(10):
            c.setFillColor(FAINT)
            c.setFont(REGULAR, 6.5)
            c.drawRightString(8, self._row_y(digit) - 2.2, str(digit))
        c.restoreState()
        _draw_bubbles(c, [(x, y, value) for _, value, x, y in self._bubbles()])

    def _say_where(self, canvas, width: float, height: float) -> None:
        self.regions.add(canvas, {"kind": "student-id", "digits": self.digits}, self._bubbles(), width, height)


# --- what a worksheet's layout asks of this module ---------------------------------------

class ScanLayout:
    """What a worksheet (output.pdf.LaidOut) has for scanning: page marks and the ID grid
    (sheet.scan), the format of each part's bubbles, and the regions they are drawn in.
    Keys and large print have none of it."""

    def __init__(self, sheet: Sheet, key: bool, scale: float, pagesize):
        plain = not key and scale == 1.0
        self.sheet = sheet
        self.marks = plain and sheet.scan is not None
        self.formats = formats(sheet) if plain else {}
        self.regions = Regions(pagesize)
        self.wanted = self.marks or bool(self.formats)

    def share(self, shared: list[float]) -> bool:
        """Takes the formats all versions share; True when they differ from this one's."""
        if not self.formats:
            return False
        common = formats(self.sheet, shared)
        changed, self.formats = common != self.formats, common
        return changed

    def placed(self, problem: Problem, part: Part, flowable):
        """The part's flowable, which says where it is drawn (answer-regions.json)."""
        if self.wanted:
            flowable.on_draw = lambda canvas, w, h: self.regions.add_part(canvas, problem.number, part.label, w, h)
        return flowable

    def page_marks(self, canvas, page: int) -> None:
        draw_page_marks(canvas, self.sheet, page)
        self.regions.pages = max(self.regions.pages, page)

    def answer(self, problem: Problem, part: Part):
        """The bubbles of a part, or None (a box)."""
        fmt = self.formats.get((problem.number, part.label))
        if fmt is None:
            return None
        item = {"problem": problem.number, "id": problem.id, "part": part.label,
                "quantity": part.answer.quantity}
        if fmt == "true-false":
            return TrueFalseBubbles(item, self.regions)
        if isinstance(fmt, ChoiceFormat):
            return ChoiceBubbles(fmt, part.answer, item, self.regions)
        return lambda entry=None: DigitBubbles(fmt, {**item, "entry": entry}, self.regions)

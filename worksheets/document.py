"""What a problem says, independent of how it is printed.

Problem kinds build these objects; renderers (PDF, answers.json) only read them.
Math is LaTeX source in the subset ziamath typesets; text is plain text, never markup.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from .figures.spec import FigureSpec


@dataclass(frozen=True)
class Text:
    """Plain text, printed exactly as written (no markup is interpreted)."""
    text: str


@dataclass(frozen=True)
class Math:
    """Inline math, LaTeX source."""
    latex: str


Inline = Union[Text, Math]


@dataclass(frozen=True)
class Para:
    """A paragraph of text and inline math."""
    content: tuple[Inline, ...]


@dataclass(frozen=True)
class DisplayMath:
    """A centred formula on its own line (stacked fractions, matrices)."""
    latex: str


@dataclass(frozen=True)
class Figure:
    """A network drawing; see worksheets.figures.FigureSpec for what it shows."""
    spec: FigureSpec
    name: str  # file stem of the SVG written for slides, unique within a sheet


@dataclass(frozen=True)
class Table:
    """A grid of cells; the first row is the header. None marks a cell to fill in."""
    rows: tuple[tuple[Union[tuple[Inline, ...], None], ...], ...]


Block = Union[Para, DisplayMath, Figure, Table]


Value = Union[int, Fraction, float, bool, str]


@dataclass(frozen=True)
class Answer:
    """The answer to one part.

    value is what graders compare with: an exact number (int or Fraction), a float
    already rounded to `decimals`, a bool for true/false, or a symbolic expression
    in quantity notation (str). latex is how the key prints it.
    """
    quantity: str
    value: Value
    latex: str
    decimals: int | None = None
    # For a symbolic answer: wrong answers a student could make by a real mistake, as
    # (value, latex) pairs; the options of a multiple-choice question in the LMS exports.
    wrong: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AnswerSpace:
    """Room left for the student: a full-width box of `lines` lines (a symbolic answer,
    a sentence; 0 when the prompt holds the room, e.g. a table to fill in), a compact
    one-line box beside the prompt (`short`: a number), or a True/False choice."""
    lines: int = 2
    true_false: bool = False
    short: bool = False


@dataclass(frozen=True)
class Part:
    label: str  # "a", "b", ...
    prompt: tuple[Block, ...]
    answer: Answer
    solution: tuple[Block, ...]
    space: AnswerSpace = AnswerSpace()


@dataclass(frozen=True)
class Problem:
    number: int
    id: str | None
    kind: str
    intro: tuple[Block, ...]
    parts: tuple[Part, ...]
    points: int | None = None
    work_space: float | None = None  # points of blank space after the parts; None: the sheet's
    bubbles: bool = False  # answers as bubbles a scanner reads (numbers as digits), not boxes
    # The network's numbers as JSON data (layers, hidden, output, loss, W, b, x, y), for
    # grading with error carried forward; None for a problem without a whole network.
    network: dict | None = None


@dataclass(frozen=True)
class ScanMarks:
    """What a worksheet prints for grading its scans: corner marks and a QR code on every
    page (naming the sheet, `code`, the version and the page), and a student-ID grid."""
    code: str  # the first hex digits of the spec's hash: which build a scanned page is of
    id_digits: int = 8


@dataclass(frozen=True)
class Sheet:
    name: str  # output folder name, from the spec's file name
    title: str
    problems: tuple[Problem, ...]
    instructions: tuple[Block, ...] = field(default=())
    version: str | None = None  # "A", "B", ... when the sheet has versions
    work_space: float = 0.0  # points of blank space after each problem's parts (worksheet)
    score_table: bool = True  # a Problem | Points | Score table on page 1 when there are points
    scan: ScanMarks | None = None  # marks for grading scans (worksheets only)


def para(*pieces: str | Inline) -> Para:
    """Para from pieces: plain str is text, Math stays math."""
    return Para(tuple(Text(p) if isinstance(p, str) else p for p in pieces))


# A fill-in blank inside a formula; math renderers draw it as a long rule.
BLANK = r"\blank{12em}"

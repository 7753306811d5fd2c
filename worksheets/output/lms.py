"""What the learning-platform exports (prairielearn.py, canvas.py, moodle.py) share: a
sheet's problems across versions, problem text as HTML with LaTeX for MathJax (the three
platforms typeset \\( ... \\) and \\[ ... \\]), and each part's answer as a platform
grades it: numbers with their tolerance, exactly as answers.json gives them, true/false,
or a choice among the right expression and wrong ones made by real mistakes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from html import escape as _escape

from ..document import Answer, DisplayMath, Figure, Math, Para, Part, Problem, Sheet, Table
from .alt import describe
from .answers import answers_data

_BLANK = re.compile(r"\\blank(\{[^}]*\})?")
escape = partial(_escape, quote=False)  # text, not attributes: g' stays g' (Cloze reads # as a mark)


def version_label(sheet: Sheet) -> str:
    return sheet.version or "A"


def by_problem(sheets: list[Sheet]) -> list[list[tuple[Sheet, Problem]]]:
    """For each problem of the sheet, its versions in order: [(sheet, problem), ...]."""
    return [[(sheet, sheet.problems[index]) for sheet in sheets] for index in range(len(sheets[0].problems))]


def problem_key(problem: Problem) -> str:
    """A name for the problem in file and question names: its id, else its number."""
    text = problem.id or f"problem-{problem.number:02d}"
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or f"problem-{problem.number:02d}"


def figure_file(sheet: Sheet, figure: Figure) -> str:
    """The figure's file name, unique across versions: A-problem-03.svg."""
    return f"{version_label(sheet)}-{figure.name}.svg"


# --- text ---------------------------------------------------------------------------

def mathjax(latex: str) -> str:
    """The sheet's LaTeX as MathJax reads it: the fill-in \\blank as an underlined gap."""
    return _BLANK.sub(r"\\underline{\\hspace{6em}}", latex)


def inline_html(content) -> str:
    return "".join(escape(rf"\({mathjax(p.latex)}\)") if isinstance(p, Math) else escape(p.text) for p in content)


def block_html(block, figure_html) -> str:
    """One block as HTML; figures through figure_html(figure) (each platform has its own)."""
    if isinstance(block, Para):
        return f"<p>{inline_html(block.content)}</p>"
    if isinstance(block, DisplayMath):
        return "<p>" + escape(rf"\[{mathjax(block.latex)}\]") + "</p>"
    if isinstance(block, Figure):
        return figure_html(block)
    if isinstance(block, Table):
        return _table(block)
    raise TypeError(f"cannot write block {block!r}")


def blocks_html(blocks, figure_html) -> str:
    return "\n".join(block_html(block, figure_html) for block in blocks)


def _table(table: Table) -> str:
    def cell(content, tag):
        return f"<{tag}>{'' if content is None else inline_html(content)}</{tag}>"
    header, *rows = table.rows
    head = "".join(cell(c, "th") for c in header)
    body = "".join("<tr>" + "".join(cell(c, "td") for c in row) + "</tr>" for row in rows)
    return f'<table border="1" cellpadding="4"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def alt_text(figure: Figure) -> str:
    return describe(figure.spec)


# --- answers ------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One number to grade: its name within the part ("" or "_1_2" for a table's entry),
    a label for a table's entry, the value and tolerance of answers.json."""
    suffix: str
    label: str
    value: int | float
    tolerance: int | float


def graded(sheet: Sheet) -> dict:
    """answers.json's entries of the sheet, by (problem number, part label)."""
    return {(problem["number"], part["label"]): part
            for problem in answers_data(sheet)["problems"] for part in problem["parts"]}


def numeric_entries(entry: dict) -> list[Entry]:
    """The numbers of an answers.json entry: one, or one per cell of a table."""
    value, tolerance = entry["answer"], entry["tolerance"]
    if not isinstance(value, list):
        return [Entry("", "", value, tolerance)]
    if not (value and isinstance(value[0], list)):  # a vector, or a shape [rows, columns]
        labels = ("rows", "columns") if entry["quantity"].startswith("shape ") else \
            [f"entry {i}" for i in range(1, len(value) + 1)]
        return [Entry(f"_1_{i}", label, v, tolerance) for i, (label, v) in enumerate(zip(labels, value), start=1)]
    rows = value
    return [Entry(f"_{i}_{j}", f"i = {i}, j = {j}" if len(rows) > 1 else f"j = {j}", v, tolerance)
            for i, row in enumerate(rows, start=1) for j, v in enumerate(row, start=1)]


def kind_of(entry: dict) -> str:
    """How a part is graded: "number", "table", "truefalse" or "choice"."""
    if "tolerance" in entry:
        return "table" if isinstance(entry["answer"], list) else "number"
    return "truefalse" if isinstance(entry["answer"], bool) else "choice"


def choices(answer: Answer) -> list[tuple[str, bool]]:
    """The options of a symbolic answer as HTML with MathJax, the right one first."""
    return [(escape(rf"\({mathjax(answer.latex)}\)"), True)] + [
        (escape(rf"\({mathjax(latex)}\)"), False) for _, latex in answer.wrong]


def part_heading(problem: Problem, part: Part) -> str:
    return f"({part.label}) " if len(problem.parts) > 1 else ""

"""index.html: a version of a sheet as one accessible web page.

The page needs no network and no script: the problems with their figures as inline SVG
(each with a text description from output.alt as its accessible name), math as MathML
(browsers render it natively, screen readers read it), each part's answer and worked
solution behind a <details> toggle, and a print stylesheet (closed toggles are not printed).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from fractions import Fraction
from functools import lru_cache
from html import escape

from latex2mathml.converter import convert

from ..document import Answer, DisplayMath, Figure, Math, Para, Part, Problem, Sheet, Table
from ..figures.templates import PLACEHOLDER
from ..typeset.mathsplit import SPACES_MU, split
from .alt import describe
from .pdf import format_number

SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG)  # inline SVG serialised without ns0: prefixes
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")


def files(version, slots) -> dict[str, bytes]:
    return {"index.html": page(version.sheet, version.drawn).encode()}


def page(sheet: Sheet, drawn: dict) -> str:
    title = sheet.title + (f" — Version {sheet.version}" if sheet.version else "")
    body = [f"<h1>{escape(title)}</h1>"]
    body += [_block(block, drawn) for block in sheet.instructions]
    body.append(_contents(sheet.problems))
    body += [_problem(problem, drawn) for problem in sheet.problems]
    return _document(title, "\n".join(body))


def versions_index(title: str, labels: list[str]) -> bytes:
    """The sheet's page for a class set: a link to each version's page."""
    items = "".join(f'<li><a href="{label}/index.html">Version {label}</a></li>' for label in labels)
    body = f"<h1>{escape(title)}</h1>\n<nav aria-label=\"Versions\"><ul>{items}</ul></nav>"
    return _document(title, body).encode()


def _document(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
            f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n")


def _contents(problems: tuple[Problem, ...]) -> str:
    links = "".join(f'<li><a href="#problem-{p.number}">Problem {p.number}</a></li>' for p in problems)
    return f'<nav aria-label="Problems"><ol class="contents">{links}</ol></nav>'


def _problem(problem: Problem, drawn: dict) -> str:
    heading = f"Problem {problem.number}"
    if problem.points is not None:
        heading += f' <span class="note">({problem.points} point{"" if problem.points == 1 else "s"})</span>'
    if problem.id:
        heading += f' <span class="note">(#{escape(problem.id)})</span>'
    blocks = [_block(block, drawn) for block in problem.intro]
    parts = [_part(part, drawn, len(problem.parts) > 1) for part in problem.parts]
    return (f'<section class="problem" aria-labelledby="problem-{problem.number}">\n'
            f'<h2 id="problem-{problem.number}">{heading}</h2>\n' + "\n".join(blocks + parts) + "\n</section>")


def _part(part: Part, drawn: dict, labelled: bool) -> str:
    label = f'<span class="label">({part.label})</span> ' if labelled else ""
    prompt = "\n".join(_block(block, drawn) for block in part.prompt)
    if label and prompt.startswith("<p>"):
        prompt = "<p>" + label + prompt[3:]
    elif label:
        prompt = f"<p>{label}</p>\n{prompt}"
    which = f" to part ({part.label})" if labelled else ""
    solution = "\n".join(_block(block, drawn) for block in part.solution)
    shown = "Answer and worked solution" if part.solution else "Answer"  # (its steps are in an earlier part)
    return (f'<div class="part">\n{prompt}\n<details>\n<summary>{shown}{which}</summary>\n'
            f'<p class="answer"><strong>Answer:</strong> {_answer(part.answer)}</p>\n{solution}\n'
            f"</details>\n</div>")


def _answer(answer: Answer) -> str:
    """As the key prints it: numbers as text, True/False in words, anything else as math."""
    value = answer.value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float, Fraction)):
        return escape(format_number(value, answer.decimals))
    return mathml(answer.latex)


def _block(block, drawn: dict) -> str:
    if isinstance(block, Para):
        return f"<p>{_inline(block.content)}</p>"
    if isinstance(block, DisplayMath):
        return f'<div class="display">{mathml(block.latex, display=True)}</div>'
    if isinstance(block, Figure):
        return f'<figure>{figure_svg(drawn[block.spec], block.name, describe(block.spec))}</figure>'
    if isinstance(block, Table):
        return _table(block)
    raise TypeError(f"cannot write block {block!r}")


def _inline(content) -> str:
    return "".join(mathml(piece.latex) if isinstance(piece, Math) else escape(piece.text) for piece in content)


def _table(table: Table) -> str:
    header, *rows = table.rows
    head = "".join(_header_cell(cell, "col") for cell in header)
    # The first column names the rows (i = 1, i = 2): row headers for screen readers.
    body = "".join(f'<tr>{_header_cell(row[0], "row")}' + "".join(f"<td>{_cell(cell)}</td>" for cell in row[1:])
                   + "</tr>" for row in rows)
    return f'<table>\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n</table>'


def _header_cell(cell, scope: str) -> str:
    """A header names its column or row; an empty corner is a plain cell (an empty
    header tells a screen reader nothing)."""
    text = _cell(cell)
    return f'<th scope="{scope}">{text}</th>' if text else "<td></td>"


def _cell(cell) -> str:
    if cell is None:  # to be filled in by the student
        return '<span class="blank-cell">blank</span>'
    return _inline(cell)


# --- math ---------------------------------------------------------------------------

_BLANK = re.compile(r"\\blank(\{[^}]*\})?")
_BLANK_MARK = "FILLINBLANK"


_MATH_OPEN = '<math xmlns="http://www.w3.org/1998/Math/MathML" display="{}">'
_SPACE_LATEX = {mu: latex for latex, mu in reversed(SPACES_MU.items())}  # \: and \> are both 4


@lru_cache(maxsize=1024)  # whole formulas; their shapes below are what versions share
def mathml(latex: str, display: bool = False) -> str:
    """LaTeX as MathML; a fill-in \\blank becomes a line with the word "blank" on it.
    Worked steps and answers differ between versions only in their numbers: a formula's
    shape (its numbers taken out) is converted once, and each version's numbers are put
    in its MathML (_numbered). A shape whose MathML does not take numbers that way is
    converted whole each time (_converted)."""
    numbers: list[str] = []

    def slot(match) -> str:
        if match.group(1) is None:  # a command: its digits, if any, stay
            return match.group()
        numbers.append(match.group(1))
        return _sentinel(len(numbers) - 1)

    shape = _NUMBER.sub(slot, latex)
    pieces = _numbered(shape, len(numbers), display) if numbers else None
    if pieces is None:
        return _converted(latex, display)
    return _put(pieces, numbers)


_BARE_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# A number as mathsplit and latex2mathml read one (after a command, whose digits stay).
_NUMBER = re.compile(r"\\[A-Za-z]+|\\.|(\d+(?:\.\d+)?)", re.S)


def _sentinel(k: int) -> str:
    """What stands for the k-th number of a shape: seven digits."""
    return str(1_000_000 + k)


@lru_cache(maxsize=4096)
def _numbered(shape: str, count: int, display: bool) -> tuple[str | int, ...] | None:
    """The shape's MathML as text pieces and, between them, the index of the number that
    goes there; None unless each number is an <mn> of its own that any other number
    replaces exactly (a digit after _ or ^, or \\frac12, is read one digit at a time; a
    width such as 3em is no number): checked once more with decimals in its numbers."""
    sentinels = [_sentinel(k) for k in range(count)]
    if [m.group(1) for m in _NUMBER.finditer(shape) if m.group(1)] != sentinels:
        return None  # numbers that run together once replaced ("1.5.2")
    markup = _converted(shape, display)
    cuts = []
    for k, sentinel in enumerate(sentinels):
        at = markup.find(f"<mn>{sentinel}</mn>") + len("<mn>")
        if at < len("<mn>") or markup.count(sentinel) != 1:
            return None
        cuts.append((at, k))
    pieces: list[str | int] = []
    last = 0
    for at, k in sorted(cuts):
        pieces += [markup[last:at], k]
        last = at + len(sentinels[k])
    pieces.append(markup[last:])
    numbers = [f"{k + 10}.25" for k in range(count)]
    latex = _NUMBER.sub(lambda m: numbers[int(m.group(1)) - 1_000_000] if m.group(1) else m.group(), shape)
    return tuple(pieces) if _put(pieces, numbers) == _converted(latex, display) else None


def _put(pieces, numbers: list[str]) -> str:
    return "".join(numbers[piece] if isinstance(piece, int) else piece for piece in pieces)


def _converted(latex: str, display: bool) -> str:
    """A formula converted atom by atom (mathsplit, as the PDFs typeset it), the atoms side
    by side in one row; each atom is converted once."""
    atoms = None if _BLANK.search(latex) or "matrix" in latex else split(latex)
    if atoms is None or len(atoms) < 2:
        return _whole_mathml(latex, display)
    inner = "".join(_atom_mathml(atom.kind, atom.source, display) for atom in atoms)
    inner = _UNARY_MINUS.sub(r'\1<mo form="prefix">&#x02212;</mo>', inner)
    return _MATH_OPEN.format("block" if display else "inline") + f"<mrow>{inner}</mrow></math>"


@lru_cache(maxsize=8192)
def _atom_mathml(kind: str, source: str, display: bool) -> str:
    """One atom's MathML, without its <math> and outer <mrow>; a space as an <mspace>.
    (Converted in the formula's own mode: a display sum has its limits below.)"""
    if kind == "space":  # mathsplit gives its width in mu: written as latex2mathml writes it
        source = _SPACE_LATEX[int(source)]
    elif _BARE_NUMBER.fullmatch(source):  # as latex2mathml writes it, without running it
        return f"<mn>{source}</mn>"
    markup = convert(source, display="block" if display else "inline")
    inner = markup[markup.index(">") + 1:-len("</math>")]
    return inner[len("<mrow>"):-len("</mrow>")] if inner.startswith("<mrow>") and inner.endswith("</mrow>") else inner


def _whole_mathml(latex: str, display: bool) -> str:
    source = _BLANK.sub(rf"\\text{{{_BLANK_MARK}}}", latex)
    # \left( ... \right): fences that stretch to the matrix (pmatrix's do not in Chromium)
    source = source.replace(r"\begin{pmatrix}", r"\left(\begin{matrix}").replace(r"\end{pmatrix}", r"\end{matrix}\right)")
    markup = convert(source, display="block" if display else "inline")
    markup = _UNARY_MINUS.sub(r'\1<mo form="prefix">&#x02212;</mo>', markup)
    return markup.replace(f"<mtext>{_BLANK_MARK}</mtext>", '<mtext class="blank">blank</mtext>')


# A minus right after an opening parenthesis, a relation, an operator or a comma is a sign:
# latex2mathml leaves it an infix operator, which browsers space as in "3 − 2" ("( − 2)").
_UNARY_MINUS = re.compile(r"(<mo[^>]*>(?:&#x00028;|&#x0005B;|&#x0003D;|&#x02248;|&#x0002B;|&#x02212;|&#x000B7;"
                          r"|&#x022C5;|&#x000D7;|&#x0002C;)</mo>)<mo>&#x02212;</mo>")


# --- figures ------------------------------------------------------------------------

def figure_svg(figure, name: str, description: str) -> str:
    """inline_svg of a drawn figure. A figure filled into its frame's template is its
    template's inline SVG (made once per frame and name) with its texts put in: the same
    string, without parsing and writing each version's SVG again."""
    parts = _inline_template(figure.svg_parts, name) if figure.svg_parts else None
    if parts is None:
        return inline_svg(figure.svg, name, description)
    texts = {**figure.texts, _DESCRIPTION: description}
    return "".join(escape(texts[part], quote=False) if k % 2 else part for k, part in enumerate(parts))


_DESCRIPTION = "_description"  # the placeholder of the figure's description (no label's name)


@lru_cache(maxsize=64)
def _inline_template(svg_parts: tuple[str, ...], name: str) -> tuple[str, ...] | None:
    """inline_svg of a template's SVG, split at its placeholders; None unless every
    placeholder ends up in text content (where ElementTree escapes only &, < and >, as
    html.escape(quote=False) does)."""
    svg = "".join(f"@{part}@" if k % 2 else part for k, part in enumerate(svg_parts))
    inline = inline_svg(svg, name, f"@{_DESCRIPTION}@")
    parts = tuple(PLACEHOLDER.split(inline))
    at = 0
    for k, part in enumerate(parts):
        if k % 2 and inline.rfind("<", 0, at) > inline.rfind(">", 0, at):
            return None  # inside a tag: an attribute's value, escaped otherwise
        at += len(part) + (2 if k % 2 else 0)
    return parts


def inline_svg(svg: str, name: str, description: str) -> str:
    """Graphviz's standalone SVG made fit to inline: ids prefixed with the figure's name
    (ids must be unique in a page), Graphviz's tooltips dropped, and the description as
    the accessible name (role="img" with aria-labelledby its <title>)."""
    root = ET.fromstring(svg.encode())
    for parent in root.iter():
        for child in [c for c in parent if c.tag == f"{{{SVG}}}title"]:
            parent.remove(child)
    for element in root.iter():
        if "id" in element.attrib:
            element.set("id", f"{name}-{element.get('id')}")
    title_id = f"{name}-title"
    title = ET.Element(f"{{{SVG}}}title", {"id": title_id})
    title.text = description
    root.insert(0, title)
    root.set("role", "img")
    root.set("aria-labelledby", title_id)
    root.set("class", "figure")
    return ET.tostring(root, encoding="unicode")


STYLE = """
:root { color: #111; background: #fff; }
body { font-family: "Liberation Serif", "Times New Roman", serif; font-size: 1.1rem; line-height: 1.5;
       margin: 0 auto; max-width: 46rem; padding: 1rem 1.25rem 4rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.5rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 0.6rem; border-top: 1px solid #888; padding-top: 1rem; }
.note { font-weight: normal; font-size: 0.9rem; color: #444; }
.contents { display: flex; flex-wrap: wrap; gap: 0.25rem 1.2rem; list-style: none; padding: 0; }
.part { margin: 0.8rem 0 1.2rem; }
.label { font-weight: bold; }
figure { margin: 1rem 0; overflow-x: auto; }
svg.figure { max-width: 100%; height: auto; }
.display { margin: 0.8rem 0; overflow-x: auto; }
math[display="block"] { margin: 0.5rem 0; }
mtext.blank { color: #555; font-style: italic; padding: 0 2.5em; border-bottom: 1px solid #111; }
.blank-cell { color: #555; font-style: italic; }
details { margin: 0.6rem 0; border-left: 3px solid #3a6ea5; padding: 0.2rem 0.8rem; background: #f3f6fa; }
summary { cursor: pointer; color: #1d4f86; font-weight: bold; }
summary:focus-visible { outline: 2px solid #1d4f86; outline-offset: 2px; }
table { border-collapse: collapse; margin: 0.8rem auto; }
th, td { border: 1px solid #777; padding: 0.3rem 0.7rem; text-align: center; min-width: 3.5rem; }
th { background: #eee; }
a { color: #1d4f86; }
@media print {
  body { max-width: none; font-size: 11pt; padding: 0; }
  nav { display: none; }
  h2 { break-after: avoid; border-top: none; }
  figure, table, .display { break-inside: avoid; }
  details { background: none; border-left: 1px solid #999; }
  details:not([open]) { display: none; }
  summary { color: #111; }
}
"""

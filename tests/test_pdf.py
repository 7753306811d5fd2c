"""The PDF renderer: worksheet and key read back with pypdf, poppler and qpdf."""
import gc
import io
import os
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from reportlab.graphics.shapes import Circle, Drawing

from worksheets.build import Plan
from worksheets.document import Answer, AnswerSpace, DisplayMath, Figure, Math, Part, Problem, Sheet, Table, Text, para
from worksheets.figures import FigureSpec
from worksheets.output import Version, tallest
from worksheets.output.pdf import format_number, key_pdf, worksheet_pdf
from worksheets.typeset import mathtext
from worksheets.typeset.inline import InlineParagraph

SPEC = FigureSpec(layers=(2, 1))
MARKUP = '<b>&"{\\ not bold'
LONG_WORD = "".join("abcdefghij"[i % 10] for i in range(300))
# Distinctive answers: none of these strings occurs anywhere else on the sheet.
NUMERIC_ANSWERS = {"\u2212137": -137, "\u22125/17": Fraction(-5, 17), "0.4375": 0.4375}


def figures():
    drawing = Drawing(200, 80)
    drawing.add(Circle(100, 40, 30, fillColor=None))
    return {SPEC: SimpleNamespace(drawing=drawing)}


def sample_sheet(extra_tall_problems=0):
    network = Problem(number=1, id="151", kind="numbers", points=6, intro=(
        para("Consider the network ", Math(r"H(\vec x)"), " below, with ",
             Math(r"W^{(2)} = \begin{pmatrix} 5 & 1 \\ 1 & -2 \end{pmatrix}"), "."),
        Figure(SPEC, "net"),
        DisplayMath(r"z_1^{(1)} = 3, \qquad \dfrac{\partial H}{\partial z_1^{(2)}} = -3"),
    ), parts=(
        Part("a", (para("What is ", Math(r"\partial H / \partial a_1^{(1)}"), "?"),),
             Answer("dH/da_1^(1)", -137, "-137"),
             (DisplayMath(r"\dfrac{\partial H}{\partial a_1^{(1)}} = \sum_k W_{1k}^{(2)}"
                          r"\dfrac{\partial H}{\partial z_k^{(2)}} = -137"),),
             AnswerSpace(lines=3)),
        Part("b", (para("What is ", Math(r"\partial H / \partial W_{11}^{(2)}"), "?"),),
             Answer("dH/dW_11^(2)", Fraction(-5, 17), r"-\frac{5}{17}"),
             (para("By the chain rule, ", Math(r"a_1^{(1)} \cdot \delta_1^{(2)}"), "."),),
             AnswerSpace(lines=2)),
        Part("c", (para("True or False: ", Math(r"g'(z) = \sigma(z)(1-\sigma(z))"), "."),),
             Answer("tf", True, r"\text{True}"), (para("It is the sigmoid's derivative."),),
             AnswerSpace(true_false=True)),
    ))
    table = Problem(number=2, id=None, kind="table", intro=(
        para(MARKUP, " and a long word ", LONG_WORD, " end."),
    ), parts=(
        Part("a", (para("Fill in the table."),
                   Table((((Text("Quantity"),), (Text("Value"),)),
                          ((Math(r"\partial H / \partial z_1^{(1)}"),), None),
                          ((Math(r"\partial H / \partial x_1"),),
                           (Text("hint: "), Math(r"\approx 0"))))),
                   DisplayMath(r"\frac{\partial H}{\partial x_1} = W_{11}^{(1)} + \blank")),
             Answer("dH/dz", 0.4375, "0.4375", decimals=4), (), AnswerSpace(lines=1)),
        Part("b", (para("Name the missing path."),),
             Answer("path", "W_22^(2) g'(z_2^(2))", r"W_{22}^{(2)}\, g'(z_2^{(2)})"),
             (para("The blank is ", Math(r"W_{22}^{(2)}\, g'(z_2^{(2)})"), "."),),
             AnswerSpace(lines=2)),
    ))
    tall = tuple(
        Problem(number=3 + i, id=None, kind="tall", intro=(para(f"Heading text of tall {3 + i}."),),
                parts=tuple(Part(label, (para(f"Tall {3 + i} part {label}."),),
                                 Answer("q", j, str(j)), (), AnswerSpace(lines=5))
                            for j, label in enumerate("abc")))
        for i in range(extra_tall_problems))
    return Sheet(name="demo", title="Backprop Quiz", version="B",
                 instructions=(para("Show your work; use ", Math(r"g'"), " for the derivative."),),
                 problems=(network, table) + tall)


def build_both() -> bytes:
    """Both PDFs of the sample, concatenated (for the cross-process comparison)."""
    sheet = sample_sheet()
    return worksheet_pdf(sheet, figures()) + key_pdf(sheet, figures())


def pdftotext(pdf: bytes, tmp_path: Path, page: int | None = None) -> str:
    path = tmp_path / f"doc{len(pdf)}.pdf"
    path.write_bytes(pdf)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", *pages, str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def pdfs():
    sheet = sample_sheet()
    return worksheet_pdf(sheet, figures()), key_pdf(sheet, figures())


def test_both_pdfs_parse_with_page_numbers_title_and_parts(pdfs, tmp_path):
    for pdf in pdfs:
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        assert pages in (1, 2)  # two problems: one page since problems are packed (issue 9)
        text = pdftotext(pdf, tmp_path)
        assert all(f"Page {p} of {pages}" in text for p in range(1, pages + 1))
        assert "Backprop Quiz" in text and "Version B" in text
        assert "Problem 1" in text and "Problem 2" in text and "(#151)" in text
        for label in ("(a)", "(b)", "(c)"):
            assert label in text


def test_key_has_numeric_answers_as_text_and_worksheet_does_not(pdfs, tmp_path):
    worksheet, key = (pdftotext(pdf, tmp_path) for pdf in pdfs)
    assert "Answer key" in key and "Answer key" not in worksheet
    for printed in NUMERIC_ANSWERS:
        assert printed in key
        assert printed not in worksheet
    assert "Answer: True" in key
    assert "Name:" in worksheet and "Student ID:" in worksheet
    assert "True" in worksheet and "False" in worksheet  # the two choices to mark


def test_numbers_are_formatted_with_a_true_minus_sign():
    assert format_number(-137) == "\u2212137"
    assert format_number(Fraction(-5, 17)) == "\u22125/17"
    assert format_number(0.5, decimals=3) == "0.500"
    assert format_number(0.1) == "0.1"


def test_text_prints_exactly_as_typed_and_long_words_are_broken(pdfs, tmp_path):
    text = pdftotext(pdfs[0], tmp_path)
    assert MARKUP in text
    assert LONG_WORD in re.sub(r"\s+", "", text)
    assert LONG_WORD not in text  # cut across lines, not overflowing the margin


def test_same_sheet_gives_identical_bytes_across_processes():
    tests = str(Path(__file__).parent)
    code = f"import sys; sys.path.insert(0, {tests!r}); import test_pdf; " \
           "sys.stdout.buffer.write(test_pdf.build_both())"
    outputs = [subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")]
    assert len(outputs[0]) > 10_000
    assert outputs[0] == outputs[1]
    assert outputs[0] == build_both()


def test_all_fonts_are_embedded_and_qpdf_accepts_the_files(pdfs, tmp_path):
    for i, pdf in enumerate(pdfs):
        path = tmp_path / f"f{i}.pdf"
        path.write_bytes(pdf)
        listing = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                                 text=True).stdout.splitlines()[2:]
        assert len(listing) == 2  # Liberation Serif regular and bold; math is paths
        for line in listing:
            assert "LiberationSerif" in line
            assert line.split()[-5] == "yes"  # the "emb" column
        check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


def test_no_problem_straddles_a_page_break(tmp_path):
    sheet = sample_sheet(extra_tall_problems=6)
    pdf = worksheet_pdf(sheet, figures())
    n_pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert n_pages >= 4
    pages = [pdftotext(pdf, tmp_path, page) for page in range(1, n_pages + 1)]
    for i in range(3, 9):
        heading = [p for p, text in enumerate(pages) if f"Problem {i}\n" in text]
        last_part = [p for p, text in enumerate(pages) if f"Tall {i} part c." in text]
        assert len(heading) == 1 and heading == last_part, (i, heading, last_part)


def test_a_problem_taller_than_a_page_breaks_between_parts(tmp_path):
    parts = tuple(Part(chr(97 + j), (para(f"Huge part {j}."),), Answer("q", j, str(j)), (),
                       AnswerSpace(lines=8)) for j in range(8))
    sheet = Sheet(name="huge", title="Huge", problems=(Problem(1, None, "k", (), parts),))
    pdf = worksheet_pdf(sheet, {})
    n_pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert n_pages >= 3
    first = pdftotext(pdf, tmp_path, 1)
    assert "Problem 1" in first and "Huge part 0." in first  # starts under the header
    for page in range(1, n_pages + 1):
        text = pdftotext(pdf, tmp_path, page)
        assert f"Page {page} of {n_pages}" in text
    assert len(key_pdf(sheet, {})) > 0


def test_formulas_are_measured_around_the_baseline_and_cached():
    plain = mathtext.typeset("x", 11)
    fraction = mathtext.typeset(r"\dfrac{\partial H}{\partial z_1^{(2)}}", 11)
    matrix = mathtext.typeset(r"\begin{pmatrix} 1 & -2 \\ 3 & 4 \end{pmatrix}", 11)
    assert 3 < plain.width < 8 and 3 < plain.ascent < 8 and plain.descent < 1
    assert fraction.ascent > 2 * plain.ascent and fraction.descent > 8  # stacked
    assert matrix.height > 15
    assert mathtext.typeset("x", 11) is plain
    assert mathtext.typeset("x", 22).width == pytest.approx(2 * plain.width, rel=0.05)
    blank = mathtext.typeset(r"x = \blank", 11)
    assert blank.width > 60


def test_unknown_commands_and_broken_latex_are_errors():
    for bad in (r"\notacommand x", r"\frac{1", "x^"):
        with pytest.raises(mathtext.MathError):
            mathtext.typeset(bad)


def test_inline_paragraph_wraps_and_grows_around_tall_math():
    words = para(*(["word "] * 60))
    one_line = InlineParagraph(para("short").content)
    wrapped = InlineParagraph(words.content)
    tall = InlineParagraph(para("see ", Math(r"\dfrac{\partial H}{\partial z}"), " here").content)
    _, h1 = one_line.wrap(400, 1000)
    _, h2 = wrapped.wrap(400, 1000)
    _, h3 = tall.wrap(400, 1000)
    assert h2 > 3 * h1
    assert h3 > 1.5 * h1
    assert one_line.natural_width() < 40


def test_a_written_document_leaves_no_pages_for_the_garbage_collector():
    """reportlab's document is a web of reference cycles: a class set's worker held dozens
    of written documents (their pages' streams) until a rare full collection. Writing
    drops them at once."""
    plan = Plan(Path(__file__).parent.parent / "specs" / "quiz-07.yaml", 2)
    version = Version(plan.sheet(1), plan.pagesize)
    slots = tallest([version.heights])
    gc.collect()
    gc.disable()
    try:
        data = version.key.pdf(slots[1])
        del version
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = {type(o).__name__ for o in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert data.startswith(b"%PDF") and len(PdfReader(io.BytesIO(data)).pages) >= 2
    assert not left & {"PDFPage", "PDFStream", "_GlyphForm"}


def test_a_paragraph_measured_without_being_made_is_as_wide_as_its_one_line():
    from worksheets.typeset.inline import Styled, natural_width
    pieces = [Text("Compute"), Math(r"z^{(1)}_{2} = -3"), Text("for"), Styled("the network", size=9.0),
              Text("given"), Math("x_1"), Text(".")]
    for size in (11.0, 14.0):
        line = InlineParagraph(pieces, size)
        line.wrap(1e6, 1e6)
        assert natural_width(pieces, size) == line.natural_width() == pytest.approx(line._lines[0].width)
        assert len(line._lines) == 1
    # equal texts share one Styled; different texts do not
    a, b = InlineParagraph([Text("for")])._pieces[0], InlineParagraph([Text("for ")])._pieces[0]
    assert a is InlineParagraph([Text("for")])._pieces[0] and a.text == "for" and b.text == "for "


def test_shared_pieces_of_paragraphs_are_equal_to_what_was_given():
    from reportlab.lib.colors import red

    from worksheets.typeset.inline import Styled
    given = [Text("x"), Math("x_1"), Styled("x", color=red), Math("x_2"), Text("x ")]
    pieces = InlineParagraph(given)._pieces
    assert pieces == (Styled("x"), Math("x_1"), Styled("x", color=red), Math("x_2"), Styled("x "))
    assert pieces[1] is InlineParagraph([Math("x_1")])._pieces[0]
    assert Styled("x") != Styled("x", color=red) and hash(Styled("x")) == hash(Styled("x"))


def test_a_paragraphs_pieces_hash_and_compare_as_a_plain_tuple_in_any_process():
    import pickle

    from worksheets.typeset.inline import Styled
    pieces = InlineParagraph([Text("Go"), Math("x")])._pieces
    plain = (Styled("Go"), Math("x"))
    assert pieces == plain and hash(pieces) == hash(plain) and {plain: 1}[pieces] == 1
    copy = pickle.loads(pickle.dumps(pieces))
    assert copy == plain and hash(copy) == hash(plain)
    script = ("import pickle, sys; p = pickle.loads(sys.stdin.buffer.read()); "
              "print(hash(p) == hash(tuple(p)))")
    other = subprocess.run([sys.executable, "-c", script], input=pickle.dumps(pieces), capture_output=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"}, check=True)
    assert other.stdout.strip() == b"True"

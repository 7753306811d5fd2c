"""Versions of a sheet line up page by page (slots), and nothing is too tall to print."""
import io
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import letter

from worksheets.build import Plan
from worksheets.document import Answer, AnswerSpace, DisplayMath, Part, Problem, Sheet, para
from worksheets.output import Version, tallest, version_files
from worksheets.output.pdf import key_pdf, worksheet_pdf

QUIZ = Path(__file__).parent.parent / "specs" / "quiz-07.yaml"
WORD = re.compile(r'<page |<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>')


def words(pdf: bytes, tmp_path: Path) -> list[tuple[int, float, float, str]]:
    """Every word of the PDF with its page (from 1) and the top-left corner of its box."""
    path = tmp_path / "words.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    found, page = [], 0
    for match in WORD.finditer(html):
        if match.group(0) == "<page ":
            page += 1
        else:
            found.append((page, float(match.group(1)), float(match.group(2)), match.group(3)))
    return found


def landmarks(pdf: bytes, tmp_path: Path) -> dict[str, tuple[int, float]]:
    """Page and height of each "Problem k" heading and each part label "(a)", by name."""
    found = words(pdf, tmp_path)
    marks, problem = {}, None
    for (page, _, y, word), (_, _, _, following) in zip(found, found[1:] + [(0, 0, 0, "")]):
        if word == "Problem" and following.isdigit():
            problem = following
            marks[f"Problem {problem}"] = (page, round(y, 2))
        elif re.fullmatch(r"\([a-h]\)", word) and problem:
            marks.setdefault(f"{problem}{word}", (page, round(y, 2)))
    return marks


def page_footers(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "footer.pdf"
    path.write_bytes(pdf)
    n = len(PdfReader(io.BytesIO(pdf)).pages)
    return [subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), str(path), "-"], check=True,
                           capture_output=True, text=True).stdout for p in range(1, n + 1)]


@pytest.fixture(scope="module")
def quiz_sheets():
    plan = Plan(QUIZ, versions=3)
    return [plan.sheet(v) for v in range(3)], plan.pagesize


@pytest.mark.parametrize("key", [False, True], ids=["worksheet", "key"])
def test_versions_of_quiz_07_put_every_problem_at_the_same_place(quiz_sheets, key, tmp_path):
    sheets, pagesize = quiz_sheets
    versions = [Version(sheet, pagesize) for sheet in sheets]  # what a build writes through
    heights = [v.heights for v in versions]
    assert len({tuple(h[key]) for h in heights}) > 1  # the versions differ: slots have work to do
    slots = tallest(heights)
    name = "key" if key else "worksheet"
    pdfs = [version_files(v, slots, [name])[f"{name}.pdf"] for v in versions]
    marks = [landmarks(pdf, tmp_path) for pdf in pdfs]
    assert [f"Problem {k}" for k in range(1, 6)] == [m for m in marks[0] if m.startswith("Problem")]
    assert len(marks[0]) > 10  # the problems and their parts
    assert marks[1] == marks[0] and marks[2] == marks[0]
    for sheet, pdf in zip(sheets, pdfs):
        footers = page_footers(pdf, tmp_path)
        assert len(footers) == len(page_footers(pdfs[0], tmp_path))
        for number, text in enumerate(footers, start=1):
            assert f"Version {sheet.version}" in text
            assert f"Page {number} of {len(footers)}" in text


def _versions_of_different_heights() -> list[Sheet]:
    """Two versions whose first problem differs in length: 1 line of text or 8."""
    def sheet(version: str, lines: int) -> Sheet:
        intro = para(" ".join(["Some words of the first problem."] * 9 * lines))
        first = Problem(1, None, "k", (intro,),
                        (Part("a", (para("Part one."),), Answer("q", 1, "1"), (), AnswerSpace(2)),))
        second = Problem(2, None, "k", (para("The second problem."),),
                         tuple(Part(label, (para(f"Part {label}."),), Answer("q", 1, "1"), (),
                                    AnswerSpace(3)) for label in "abc"))
        return Sheet("v", "Versions", (first, second), version=version)
    return [sheet("A", 1), sheet("B", 8)]


def test_slots_move_later_problems_to_the_same_place(tmp_path):
    sheets = _versions_of_different_heights()
    unpadded = [landmarks(worksheet_pdf(s, {}), tmp_path) for s in sheets]
    assert unpadded[0]["Problem 2"] != unpadded[1]["Problem 2"]  # what slots are for
    versions = [Version(s, letter) for s in sheets]
    slots = tallest([v.heights for v in versions])
    padded = [landmarks(version_files(v, slots, ["worksheet"])["worksheet.pdf"], tmp_path) for v in versions]
    assert padded[0] == padded[1]
    assert set(padded[0]) >= {"Problem 1", "1(a)", "Problem 2", "2(a)", "2(b)", "2(c)"}


def test_slots_must_match_the_sheet():
    sheets = _versions_of_different_heights()
    with pytest.raises(ValueError):
        worksheet_pdf(sheets[0], {}, slots=[100.0])
    with pytest.raises(ValueError):
        tallest([([1.0, 2.0], [1.0]), ([1.0], [1.0])])


def test_a_part_taller_than_a_page_is_shrunk_onto_one_page(tmp_path):
    formulas = tuple(DisplayMath(rf"z_{{{i}}} = {i} \cdot 2 = {2 * i}") for i in range(60))
    huge = Part("a", (para("A part with a box of 50 lines."),), Answer("q", 7, "7"), formulas,
                AnswerSpace(lines=50))
    small = Part("b", (para("A small part."),), Answer("q", 1, "1"), (), AnswerSpace(2))
    sheet = Sheet("tall", "Tall", (Problem(1, None, "k", (para("Intro."),), (huge, small)),))
    for pdf in (worksheet_pdf(sheet, {}), key_pdf(sheet, {})):
        pages = page_footers(pdf, tmp_path)
        on = {text: [n for n, page in enumerate(pages) if text in page]
              for text in ("Intro.", "(a)", "A part with a box", "A small part.")}
        assert on["(a)"] == on["A part with a box"] and len(on["(a)"]) == 1
        assert on["Intro."] <= on["(a)"] <= on["A small part."]
        assert len(pages) <= 3  # header and intro, the shrunk part, the small part
    assert Version(sheet, letter).key.heights[1] <= 11 * 72 - 2 * 0.8 * 72  # at most a page


def test_the_intro_beside_its_figure_or_stacked_is_chosen_as_measuring_both_would():
    """The choice is remembered by the intro's blocks and the figure's size; a figure of
    another size with the same text is measured again, not given the other's choice."""
    from types import SimpleNamespace

    from reportlab.graphics.shapes import Drawing

    from worksheets.document import Figure
    from worksheets.output import pdf

    text = (para("Consider the network in the figure, with its weights and input. " * 2),
            para("Assume every hidden node uses a ReLU activation."))
    problem = Problem(1, None, "k", (text[0], Figure("net", "net"), text[1]), ())

    def beside(width, height):
        figures = {"net": SimpleNamespace(drawing=Drawing(width, height))}
        return any(isinstance(f, pdf._Row) for f in pdf._intro(problem, figures, 468.0))

    sizes = [(200.0, 150.0), (380.0, 60.0), (200.0, 150.0), (150.0, 400.0)]
    remembered = [beside(*size) for size in sizes]
    measured = []
    for size in sizes:
        pdf._BESIDE_IS_SHORTER.clear()
        measured.append(beside(*size))
    assert remembered == measured and len(set(measured)) == 2


def test_pieces_measured_without_a_canvas_measure_as_with_one():
    from reportlab.pdfgen.canvas import Canvas

    from worksheets.output import pdf
    plan = Plan(QUIZ, 2)
    for key in (False, True):
        sheet = plan.sheet(1)
        version = Version(sheet, letter)
        measured = (version.key if key else version.worksheet).heights
        fresh = pdf.LaidOut(sheet, version.drawn, key, letter)
        width, room = pdf._frame_size(fresh.pagesize, fresh.scale)
        canvas = Canvas(io.BytesIO(), pagesize=fresh.pagesize)
        assert measured == [p.wrapOn(canvas, width, room)[1] for p in [fresh.header, *pdf._flatten(fresh.problems)]]


def test_a_table_measured_once_is_measured_as_afresh():
    from worksheets.document import Math, Table, Text
    from worksheets.output import pdf
    narrow = Table(((((Text("x"),)), (Math("j = 1"),)), ((Text("1"),), None)))
    wide = Table(((((Text("x"),)), (Math("j = 1"),)), ((Text("1234567890"),), None)))
    for table in (narrow, wide, narrow):
        assert pdf._natural_width(table) == sum(pdf._table_widths(table))
    assert pdf._natural_width(wide) > pdf._natural_width(narrow)


def test_instructions_measured_once_measure_as_afresh():
    from worksheets.output import pdf
    short, long = (para("Write your answers in the boxes."),), (para("Show your work. " * 40),)
    for instructions, width in ((short, 300.0), (long, 300.0), (short, 200.0), (long, 300.0)):
        flowables = [f for block in instructions for f in pdf._block(block, {}, width)]
        assert pdf._instructions_height(instructions, flowables, width) == pdf._height(flowables, width)


def test_a_problem_that_comes_back_prints_from_its_template_as_laid_out_afresh():
    """The same Problem objects laid out again and again (a spec's unchanging problems):
    the first time afresh, the second into a template, then copies of it, each written
    with its own slots and answer regions; every time the files of a fresh layout."""
    from worksheets.output import pdf
    pdf._SEEN.clear()
    pdf._TEMPLATES.clear()
    sheet = Plan(QUIZ, 2).sheet(1)

    def files(taller: float) -> dict:
        version = Version(sheet, letter)
        worksheet, key, *rest = tallest([version.heights])
        slots = ([h + taller for h in worksheet], [h + taller for h in key], *rest)
        return version_files(version, slots, ("worksheet", "key"))

    written = [files(0.0), files(3.0), files(3.0), files(0.0), files(3.0)]
    assert {id(t.problem) for t in pdf._TEMPLATES.values()} == {id(p) for p in sheet.problems}
    assert "answer-regions.json" in written[0] and written[0] != written[1]
    assert written[0] == written[3] and written[1] == written[2] == written[4]


def test_a_problems_template_is_not_used_for_drawings_of_another_size():
    from types import SimpleNamespace

    from reportlab.graphics.shapes import Drawing, Rect

    from worksheets.document import Figure
    from worksheets.output import pdf

    def figures(width, height):
        drawing = Drawing(width, height)
        drawing.add(Rect(0, 0, width, height))
        return {"net": SimpleNamespace(drawing=drawing)}

    part = Part("a", (para("What is it?"),), Answer("q", 2, "2"), (DisplayMath("x = 2"),), AnswerSpace(short=True))
    sheet = Sheet("s", "Sizes", (Problem(1, None, "k", (para("A network."), Figure("net", "net")), (part,)),))
    small, large = figures(120.0, 90.0), figures(300.0, 260.0)
    pdf._SEEN.clear()
    pdf._TEMPLATES.clear()
    once = [worksheet_pdf(sheet, small) for _ in range(3)] + [key_pdf(sheet, small) for _ in range(3)]
    reused = worksheet_pdf(sheet, large), key_pdf(sheet, large)
    pdf._SEEN.clear()
    pdf._TEMPLATES.clear()
    assert reused == (worksheet_pdf(sheet, large), key_pdf(sheet, large))
    assert once[0] == once[2] and once[3] == once[5] and reused[0] != once[0]
    with pytest.raises(KeyError, match="no drawing given for figure 'net'"):
        worksheet_pdf(sheet, {})


def test_no_template_for_figures_that_share_one_drawing():
    from types import SimpleNamespace

    from reportlab.graphics.shapes import Drawing

    from worksheets.document import Figure
    from worksheets.output import pdf
    problem = Problem(1, None, "k", (Figure("a", "a"), para("x"), Figure("b", "b")), ())
    one = SimpleNamespace(drawing=Drawing(100, 80))
    assert pdf._template(problem, {"a": one, "b": one}, False, 400.0, 600.0, 0.0).pieces is None
    own = {"a": one, "b": SimpleNamespace(drawing=Drawing(100, 80))}
    assert pdf._template(problem, own, False, 400.0, 600.0, 0.0).pieces is not None

"""Issue 9: pages an instructor prints as they come. The PDFs are read back (pdftotext
-bbox) and the positions of headings, part labels and answer boxes asserted."""
import io
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from worksheets.build import build_sheet
from worksheets.document import Answer, AnswerSpace, Figure, Part, Problem, Sheet, para
from worksheets.errors import SpecError
from worksheets.figures import FigureSpec, render_figures
from worksheets.render.pdf import key_pdf, problem_heights, worksheet_pdf
from worksheets.sheet import load_sheet

SPECS = Path(__file__).parent.parent / "specs"
WORD = re.compile(r'<page |<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>')


def words(pdf: Path | bytes, tmp_path: Path) -> list[tuple[int, float, float, str]]:
    """(page from 1, x, y of the top, text) of every word."""
    if isinstance(pdf, bytes):
        path = tmp_path / "read.pdf"
        path.write_bytes(pdf)
        pdf = path
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    found, page = [], 0
    for match in WORD.finditer(html):
        if match.group(0) == "<page ":
            page += 1
        else:
            found.append((page, float(match.group(1)), float(match.group(2)), match.group(4)))
    return found


def marks(found) -> dict[str, tuple[int, float]]:
    """Page and top of each "Problem k" heading (not "continued") and part label "k(a)"."""
    result, problem = {}, None
    for (page, _, y, word), (_, _, _, after) in zip(found, found[1:] + [(0, 0, 0, "")]):
        if word == "Problem" and after.isdigit():
            problem = after
            result.setdefault(f"Problem {problem}", (page, round(y, 1)))
        elif re.fullmatch(r"\([a-z]\)", word) and problem:
            result.setdefault(f"{problem}{word}", (page, round(y, 1)))
    return result


def pages(pdf: Path | bytes) -> int:
    return len(PdfReader(pdf if isinstance(pdf, Path) else io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    for spec in ("quiz-07.yaml", "backprop-practice.yaml"):
        build_sheet(SPECS / spec, out)
    return out


def quiz_files(built, name: str) -> list[Path]:
    return [built / "quiz-07" / v / name for v in "ABCD"]


def test_page_counts_are_those_of_a_printed_quiz(built):
    for worksheet, key in zip(quiz_files(built, "worksheet.pdf"), quiz_files(built, "key.pdf")):
        assert pages(worksheet) <= 3  # was 6
        assert pages(key) <= 5  # was 10
    practice = built / "backprop-practice"
    assert pages(practice / "worksheet.pdf") <= 8  # was 10
    assert pages(practice / "key.pdf") <= 11  # was 12
    assert pages(practice / "key.pdf") <= 1.5 * pages(practice / "worksheet.pdf")


def test_problem_1_starts_on_page_1_and_no_problem_is_split(built, tmp_path):
    sheets = quiz_files(built, "worksheet.pdf") + [built / "backprop-practice" / "worksheet.pdf"]
    for pdf in sheets:
        found = words(pdf, tmp_path)
        assert "continued" not in {w for *_, w in found}  # no problem here is taller than a page
        where = marks(found)
        assert where["Problem 1"][0] == 1
        problems = [name for name in where if name.startswith("Problem")]
        assert len(problems) >= 5
        for name in problems:
            number = name.split()[1]
            labels = [label for label in where if label.startswith(number + "(")]
            last = max(labels) if labels else name
            assert where[last][0] == where[name][0], (pdf, name, last)


def test_every_version_puts_every_problem_and_part_at_the_same_place(built, tmp_path):
    for name in ("worksheet.pdf", "key.pdf"):
        places = [marks(words(pdf, tmp_path)) for pdf in quiz_files(built, name)]
        assert len(places[0]) >= 15
        assert all(p == places[0] for p in places[1:]), name


def test_short_answers_sit_side_by_side_and_true_false_on_the_prompts_line(built, tmp_path):
    found = words(built / "quiz-07" / "A" / "worksheet.pdf", tmp_path)
    where = marks(found)
    assert where["1(a)"] == where["1(b)"]  # two columns
    assert where["1(c)"][1] > where["1(a)"][1]
    for part in ("5(a)", "5(b)", "5(c)"):  # the circles' words on the prompt's line
        page, y = where[part]
        assert any(w == "True" and p == page and abs(top - y) < 12 for p, _, top, w in found), part


def test_page_1_has_the_points_table_with_the_total(built, tmp_path):
    found = words(built / "quiz-07" / "B" / "worksheet.pdf", tmp_path)
    first = [w for p, _, _, w in found if p == 1]
    assert {"Problem", "Points", "Score", "Total", "22"} <= set(first)
    assert first.index("Points") < first.index("Total") or "Total" in first
    key = [w for *_, w in words(built / "quiz-07" / "B" / "key.pdf", tmp_path)]
    assert "Score" not in key


def _tall_sheet(problems: int = 2, work_space: float | None = None) -> tuple[Sheet, dict]:
    """A short problem, then problems of eight parts with 8-line boxes (taller than a
    page), each with a figure."""
    spec = FigureSpec(layers=(2, 2, 1))
    figures = dict(zip([spec], render_figures([spec])))
    short = Problem(1, None, "k", (para("A short problem."),),
                    (Part("a", (para("Short."),), Answer("q", 1, "1"), (), AnswerSpace(lines=1)),),
                    work_space=work_space)
    tall = [Problem(k, None, "k", (para(f"Tall problem {k}."), Figure(spec, f"problem-{k:02d}")),
                    tuple(Part(chr(97 + j), (para(f"Part {k}{chr(97 + j)}."),), Answer("q", j, str(j)),
                               (), AnswerSpace(lines=8)) for j in range(8)))
            for k in range(2, problems + 1)]
    return Sheet("tall", "Tall", (short, *tall)), figures


def test_a_problem_taller_than_a_page_starts_a_page_and_continues_with_its_figure(tmp_path):
    sheet, figures = _tall_sheet()
    pdf = worksheet_pdf(sheet, figures)
    found = words(pdf, tmp_path)
    where = marks(found)
    assert where["Problem 1"][0] == 1 and where["Problem 2"][0] == 2  # a fresh page
    continued = sorted({p for p, _, _, w in found if w == "(continued)"})
    assert continued and continued[0] == 3
    # each page of problem 2 shows its figure: the node letters are text in the figure
    figure_pages = {p for p, _, _, w in found if w == "x"}
    assert figure_pages >= {2, *continued}
    texts = [" ".join(w for p, _, _, w in found if p == page) for page in range(1, pages(pdf) + 1)]
    for j in "abcdefgh":  # never split inside a part: prompt and its box on one page
        assert sum(f"Part 2{j}." in text for text in texts) == 1


def test_work_space_adds_room_after_a_problem(tmp_path):
    plain, _ = _tall_sheet(problems=1)
    roomy, _ = _tall_sheet(problems=1, work_space=85.0)
    assert sum(problem_heights(roomy, {})) - sum(problem_heights(plain, {})) == pytest.approx(85.0)
    assert sum(problem_heights(roomy, {}, key=True)) == sum(problem_heights(plain, {}, key=True))
    assert pages(key_pdf(roomy, {})) == 1


@pytest.mark.parametrize("text, points", [("3cm", 85.04), ("1in", 72.0), ("0", 0.0), ("12pt", 12.0)])
def test_work_space_is_a_length(tmp_path, text, points):
    spec = tmp_path / "s.yaml"
    value = text if text != "0" else 0
    spec.write_text(f"title: T\nwork_space: {value}\nscore_table: false\nproblems:\n"
                    f"  - kind: loss-contribution\n    H: 1\n    y: 2\n    work_space: {value}\n")
    sheet = load_sheet(spec)
    assert sheet.work_space == pytest.approx(points, abs=0.01)
    assert sheet.problems[0].work_space == pytest.approx(points, abs=0.01)
    assert sheet.score_table is False


def test_a_bad_work_space_names_its_line(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("title: T\nwork_space: 3 furlongs\nproblems:\n  - kind: loss-contribution\n"
                    "    H: 1\n    y: 2\n")
    with pytest.raises(SpecError, match=r"s.yaml:2: work_space: expected a length"):
        load_sheet(spec)

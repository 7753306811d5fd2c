"""Issue 9: pages an instructor prints as they come. The PDFs are read back (pdftotext
-bbox) and the positions of headings, part labels and answer boxes asserted."""
import io
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.lib.pagesizes import letter

from worksheets.build import build_sheet
from worksheets.document import Answer, AnswerSpace, Figure, Part, Problem, Sheet, para
from worksheets.errors import SpecError
from worksheets.figures import FigureSpec, render_figures
from worksheets.output import Version
from worksheets.output.pdf import key_pdf, worksheet_pdf
from worksheets.sheet import read_sheet

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
        build_sheet(SPECS / spec, out, large_print=True)  # worksheet-large.pdf, key-large.pdf too
    return out


def quiz_files(built, name: str) -> list[Path]:
    return [built / "quiz-07" / v / name for v in "ABCD"]


def test_page_counts_are_those_of_a_printed_quiz(built):
    for worksheet, key in zip(quiz_files(built, "worksheet.pdf"), quiz_files(built, "key.pdf")):
        assert pages(worksheet) <= 3  # was 6
        assert pages(key) <= 5  # was 10
        assert pages(key) <= 1.5 * pages(worksheet)  # 4 of 3
    practice = built / "backprop-practice"
    assert pages(practice / "worksheet.pdf") <= 8  # was 10
    assert pages(practice / "key.pdf") <= 11  # was 12
    assert pages(practice / "key.pdf") <= 1.5 * pages(practice / "worksheet.pdf")


@pytest.mark.parametrize("name", ["graphs", "losses", "to-from"])
def test_every_key_has_at_most_one_and_a_half_times_its_worksheets_pages(name, tmp_path):
    build_sheet(SPECS / f"{name}.yaml", tmp_path, version_letter="A", formats=["pdf"])
    folder = tmp_path / f"{name}-A"
    assert pages(folder / "key.pdf") <= 1.5 * pages(folder / "worksheet.pdf"), name


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
    roomy_heights, plain_heights = Version(roomy, letter).heights, Version(plain, letter).heights
    assert sum(roomy_heights[0]) - sum(plain_heights[0]) == pytest.approx(85.0)
    assert sum(roomy_heights[1]) == sum(plain_heights[1])
    assert pages(key_pdf(roomy, {})) == 1


@pytest.mark.parametrize("text, points", [("3cm", 85.04), ("1in", 72.0), ("0", 0.0), ("12pt", 12.0)])
def test_work_space_is_a_length(tmp_path, text, points):
    spec = tmp_path / "s.yaml"
    value = text if text != "0" else 0
    spec.write_text(f"title: T\nwork_space: {value}\nscore_table: false\nproblems:\n"
                    f"  - kind: loss-contribution\n    H: 1\n    y: 2\n    work_space: {value}\n")
    sheet = read_sheet(spec)[0]
    assert sheet.work_space == pytest.approx(points, abs=0.01)
    assert sheet.problems[0].work_space == pytest.approx(points, abs=0.01)
    assert sheet.score_table is False


def test_a_bad_work_space_names_its_line(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("title: T\nwork_space: 3 furlongs\nproblems:\n  - kind: loss-contribution\n"
                    "    H: 1\n    y: 2\n")
    with pytest.raises(SpecError, match=r"s.yaml:2: work_space: expected a length"):
        read_sheet(spec)[0]


# ---- figures: given numbers as typed, labels clear of other edges ------------------------

def test_given_numbers_print_as_typed_and_biases_are_labelled(tmp_path):
    spec = tmp_path / "typed.yaml"
    spec.write_text("title: Typed\nproblems:\n  - kind: forward\n    network:\n"
                    "      layers: [2, 2, 1]\n      activation: sigmoid\n      bias: true\n"
                    "      W1: [[1, 0.5], ['1/3', -2]]\n      W2: [[2], [0.25]]\n"
                    "      b1: [2, -1]\n      b2: [0.5]\n      x: [1, -2]\n    ask: [H]\n")
    build_sheet(spec, tmp_path / "out")
    found = words(tmp_path / "out" / "typed" / "worksheet.pdf", tmp_path)
    texts = [w for *_, w in found]
    assert {"1", "0.5", "1/3", "\u22122", "2", "0.25", "\u22121"} <= set(texts)
    assert not any(t in texts for t in ("1.000", "0.500", "0.333", "\u22122.000", "0.250"))
    text = " ".join(texts)
    assert "b = 2" in text and "b = \u22121" in text and "b = 0.5" in text
    assert "written b = \u2026 under the node" in text  # the text says what the label is


def _crowded(layers) -> list:
    from worksheets.figures.layout import frame_layout, frame_of, uncleared
    weights = tuple(tuple(("\u221212",) * b for _ in range(a)) for a, b in zip(layers, layers[1:]))
    return uncleared(frame_layout(frame_of(FigureSpec(tuple(layers), weights))))


def test_every_weight_label_is_clear_of_other_edges_up_to_three_layers_of_four():
    import itertools
    for depth in (2, 3):
        for layers in itertools.product(range(1, 5), repeat=depth):
            assert _crowded(layers) == [], layers


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.integers(1, 4), min_size=4, max_size=5),
       st.sampled_from(["1", "\u22123", "0.5", "1/3", "\u221212", "0.25"]))
def test_every_weight_label_is_clear_of_other_edges_up_to_five_layers_of_four(layers, label):
    from worksheets.figures.layout import frame_layout, frame_of, uncleared
    weights = tuple(tuple((label,) * b for _ in range(a)) for a, b in zip(layers, layers[1:]))
    assert uncleared(frame_layout(frame_of(FigureSpec(tuple(layers), weights)))) == []


def test_the_build_names_the_labels_it_could_not_clear(tmp_path):
    from worksheets.figures import crowded_weights
    assert crowded_weights(FigureSpec((6, 6, 1), ((("1",) * 6,) * 6, (("1",),) * 6))) != []
    spec = tmp_path / "wide.yaml"
    spec.write_text("title: Wide\nproblems:\n  - kind: backprop\n    network:\n      layers: [6, 6, 1]\n"
                    "      W1: random\n      W2: random\n      x: random\n"
                    "    random: {weights: [1, 3], inputs: [1, 2]}\n    ask: [dH/dx_1]\n")
    plan = build_sheet(spec, tmp_path / "out")
    [warning] = plan.warnings
    assert warning.startswith(f"{spec}:3: problems[0]: warning: the figure's labels of W1_")
    assert len(warning) < 300  # a few names, then how many more


def test_paper_on_the_command_line_overrides_the_spec(tmp_path):
    from worksheets.cli import main
    assert main(["build", str(SPECS / "backprop-practice.yaml"), "--out", str(tmp_path), "--paper", "a4"]) == 0
    box = PdfReader(tmp_path / "backprop-practice" / "worksheet.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4, the spec says letter


def test_no_fraction_inside_a_fraction_in_the_key(tmp_path):
    spec = tmp_path / "loss.yaml"
    spec.write_text("title: Loss\nproblems:\n  - kind: loss-contribution\n    H: '1/5'\n    y: '2/5'\n")
    plan = build_sheet(spec, tmp_path / "out")
    [part] = plan.sheet(0).problems[0].parts
    assert part.answer.latex.startswith(r"-\frac{2}{5n} ")  # −2/(5n)
    assert part.answer.latex.count(r"\frac") == 1


# ---- large print (item 7) -------------------------------------------------------------

def _heights(pdf: Path, tmp_path: Path, wanted: set[str]) -> dict[str, float]:
    """The height of the box of the first occurrence of each wanted word."""
    html = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    found = {}
    for match in WORD.finditer(html):
        if match.group(0) != "<page " and match.group(4) in wanted:
            found.setdefault(match.group(4), float(match.group(3)) - float(match.group(2)))
    return found


def test_large_print_is_18_pt_with_its_own_pages_and_the_same_answers(built, tmp_path):
    sheet = built / "quiz-07" / "A"
    wanted = {"Name:", "Write", "answers", "Version"}  # name line and instructions: body text
    regular, large = _heights(sheet / "worksheet.pdf", tmp_path, wanted), _heights(sheet / "worksheet-large.pdf",
                                                                                   tmp_path, wanted)
    assert set(regular) == set(large) == wanted
    for word in wanted:  # body text is 11 pt: 18 pt is 18/11 times as tall
        assert large[word] == pytest.approx(regular[word] * 18 / 11, rel=1e-3), word
    box = PdfReader(sheet / "worksheet-large.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # letter, as the spec says
    for folder in (sheet, built / "backprop-practice"):
        for name in ("worksheet", "key"):
            assert pages(folder / f"{name}-large.pdf") > pages(folder / f"{name}.pdf") + 2, (folder, name)
        answers = [re.findall(r"Answer: (\S+)", subprocess.run(
            ["pdftotext", "-raw", str(folder / name), "-"], check=True, capture_output=True, text=True).stdout)
            for name in ("key.pdf", "key-large.pdf")]
        assert len(answers[0]) >= 10 and answers[0] == answers[1]


def test_large_print_puts_every_problem_at_the_same_place_in_every_version(built, tmp_path):
    for name in ("worksheet-large.pdf", "key-large.pdf"):
        places = [marks(words(pdf, tmp_path)) for pdf in quiz_files(built, name)]
        assert len(places[0]) >= 15
        assert all(p == places[0] for p in places[1:]), name


def test_large_print_from_the_spec_and_in_the_stamp(tmp_path):
    from worksheets.build import Plan
    from worksheets.stamp import build_options, stamp_of
    spec = tmp_path / "large.yaml"
    spec.write_text((SPECS / "backprop-practice.yaml").read_text() + "large_print: true\n")
    assert {"worksheet-large", "key-large"} <= set(Plan(spec).version_formats)
    assert not {"worksheet-large", "key-large"} & set(Plan(SPECS / "backprop-practice.yaml").version_formats)
    quiz = SPECS / "quiz-07.yaml"
    assert stamp_of(quiz, build_options(large_print=True)) != stamp_of(quiz, build_options())


def _nested_fraction(latex: str) -> bool:
    """True when a \\frac (or \\dfrac) has another one in its numerator or denominator."""
    for match in re.finditer(r"\\d?frac", latex):
        i, groups = match.end(), []
        for _ in range(2):
            depth, start = 0, i
            while True:
                depth += {"{": 1, "}": -1}.get(latex[i], 0)
                i += 1
                if depth == 0:
                    break
            groups.append(latex[start:i])
        if any("frac" in group for group in groups):
            return True
    return False


def test_no_fraction_inside_a_fraction_in_a_graphs_key(tmp_path):
    from worksheets.build import Plan
    from worksheets.document import DisplayMath
    from worksheets.problems.graph_backprop import expression_latex
    assert expression_latex("(1/2 * (x - y) ** 2) / n") == r"\frac{(1/2) \cdot {(x - y)}^{2}}{n}"
    assert expression_latex("x / y", {"x": r"\frac{1}{2}", "y": "3"}, {"x": "1/2", "y": "3"}) == r"\frac{1/2}{3}"
    spec = tmp_path / "graph.yaml"
    spec.write_text("title: G\nproblems:\n  - kind: graph-backprop\n    graph:\n      x: '1/2'\n      y: '2/3'\n"
                    "      q: x / y\n      r: (x / 2) / (y + 1)\n      s: 1 / q\n      f: q * r + s\n"
                    "    ask: [q, r, f, df/dx, df/dy]\n")
    [problem] = Plan(spec).sheet(0).problems
    formulas = [b.latex for part in problem.parts for b in part.solution if isinstance(b, DisplayMath)]
    formulas += [b.latex for b in problem.intro if isinstance(b, DisplayMath)]
    assert len(formulas) >= 10 and sum(r"\frac" in f for f in formulas) >= 5
    assert not [f for f in formulas if _nested_fraction(f)]
    assert _nested_fraction(r"q = \frac{\frac{1}{2}}{3}")  # (the check finds one)

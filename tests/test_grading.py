"""Print, scan, grade: quiz-07 with bubble answers, 24 students' synthetic scans
(tests/scansim.py), graded back with and without --ecf and compared with the truth the
helper recorded."""
from __future__ import annotations

import csv
import json
import random
import subprocess
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pypdf
import pytest
import scansim
import segno

from worksheets.build import check_sheet
from worksheets.cli import main
from worksheets.document import Answer, AnswerSpace, Part, Problem, Sheet
from worksheets.grading import grade
from worksheets.grading.ecf import network_values
from worksheets.grading.marking import agrees, items_of, key_of
from worksheets.grading.read import BLANK, read_region
from worksheets.grading.report import grades_csv
from worksheets.output.scanmarks import (
    BOXES,
    QR_MASK,
    ChoiceFormat,
    DigitFormat,
    formats,
    needs,
    part_need,
    qr_matrix,
)

ROOT = Path(__file__).resolve().parent.parent
STUDENTS = 24

OTHER_SHEET = """\
title: Another quiz
versions: 2
seed: 5
random: {weights: [-3, 3], inputs: [-2, 3], max_value: 60}
problems:
  - kind: forward
    network: {layers: [2, 2, 1]}
    ask: [H]
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """quiz-07 with answer_format: bubbles, another sheet, and 24 students' scans."""
    folder = tmp_path_factory.mktemp("grading")
    spec = (ROOT / "specs" / "quiz-07.yaml").read_text().replace("versions: 4\n", "versions: 4\nanswer_format: bubbles\n")
    (folder / "quiz-07.yaml").write_text(spec)
    (folder / "other.yaml").write_text(OTHER_SHEET)
    assert main(["build", str(folder / "quiz-07.yaml"), str(folder / "other.yaml"), "--out", str(folder / "out"),
                 "--formats", "pdf"]) == 0
    sheet = folder / "out" / "quiz-07"
    scans = folder / "scans.pdf"
    truth = scansim.make_scans(sheet, STUDENTS, seed=15, out=scans,
                               other_sheet_pdf=folder / "out" / "other" / "A" / "worksheet.pdf")
    return sheet, scans, truth


def page_of(sheet: Path, version: str, key: tuple) -> int:
    regions = json.loads((sheet / version / "answer-regions.json").read_text())["regions"]
    return next(r["page"] for r in regions if r["kind"] != "student-id" and key_of(r) == key)


def expected(sheet: Path, truth, student: scansim.Student, key: tuple, ecf: bool) -> str:
    """The result an item must get: from the truth and the version's answers.json."""
    if truth.missing and truth.missing == (student.id, page_of(sheet, student.version, key)):
        return "missing"
    if key in student.ambiguous:
        return "review"
    meant = student.meant[key]
    if meant is None:
        return "blank"
    answers = json.loads((sheet / student.version / "answers.json").read_text())
    problem, part, entry = key
    found = next(q for p in answers["problems"] if p["number"] == problem for q in p["parts"] if q["label"] == part)
    answer = found["answer"] if entry is None else found["answer"][entry[0]][entry[1]]
    tolerance = Fraction(found.get("tolerance", 0))
    if isinstance(answer, (bool, str)):  # true/false, or an option chosen
        return "right" if meant == answer and type(meant) is type(answer) else "wrong"
    if abs(Fraction(meant) - Fraction(answer)) <= tolerance:
        return "right"
    if ecf:  # from what the grader can read: the ambiguous marks are not
        readable = {k: v for k, v in student.meant.items() if k not in student.ambiguous
                    and (student.id, page_of(sheet, student.version, k)) != truth.missing}
        follows = scansim.carried_forward(sheet)(student.version, key, readable)
        if follows is not None and abs(Fraction(meant) - Fraction(follows)) <= tolerance + Fraction(1, 10 ** 9):
            return "ecf"
    return "wrong"


@pytest.fixture(scope="module")
def graded(built):
    sheet, scans, _ = built
    return grade([scans], sheet)


def test_every_page_is_placed_and_every_answer_and_id_read(built, graded):
    sheet, scans, truth = built
    assert [(row.student, row.version) for row in graded.rows] == [(s.id, s.version) for s in truth.students]
    for row, student in zip(graded.rows, truth.students):
        for key, meant in student.meant.items():
            mark = row.marks[key]
            assert mark.result == expected(sheet, truth, student, key, ecf=False), (student.id, key, mark)
            if mark.result in ("right", "wrong"):
                assert mark.read == meant, (student.id, key)
        assert all(mark.result != "hand" for mark in row.marks.values())  # the blank's expression: a choice
    assert graded.pages == truth.pages


def test_review_holds_every_ambiguous_mark_and_odd_page_and_nothing_else(built, graded):
    sheet, scans, truth = built
    flagged_items = {(r.student, key) for r in graded.reviews for key in r.keys}
    assert flagged_items == {(s.id, key) for s in truth.students for key in s.ambiguous}
    lost = [r for r in graded.reviews if r.page is None]
    assert [(r.student, r.reason.endswith(f"page {truth.missing[1]} is missing from the scans")) for r in lost] == \
        [(truth.missing[0], True)]
    odd = {r.page.index: r.reason for r in graded.reviews if not r.keys and r.page is not None}
    assert sorted(odd) == sorted(truth.odd_pages)
    for index, kind in truth.odd_pages.items():
        assert ("no corner marks" if kind == "blank" else "another sheet") in odd[index]
    assert truth.upside_down not in odd  # turned half round, and read


@pytest.mark.parametrize("ecf", [False, True])
def test_grades_csv_equals_the_truth(built, graded, tmp_path, ecf, capsys):
    sheet, scans, truth = built
    if ecf:  # the command, as a user runs it
        status = main(["grade", str(scans), "--sheet", str(sheet), "--out", str(tmp_path), "--ecf"])
        assert status == 0
        assert capsys.readouterr().out.startswith(f"graded {STUDENTS} students from {truth.pages} pages")
        assert (tmp_path / "review.pdf").exists()
    else:  # what the command writes of the grading the other tests looked at (one reading less)
        (tmp_path / "grades.csv").write_bytes(grades_csv(graded.rows, graded.items))
    rows = list(csv.DictReader((tmp_path / "grades.csv").open()))
    regions = json.loads((sheet / "A" / "answer-regions.json").read_text())["regions"]
    labels = {key_of(r): label(r) for r in regions if r["kind"] != "student-id"}
    credited = 0
    for row, student in zip(rows, truth.students, strict=True):
        assert (row["student_id"], row["version"]) == (student.id, student.version)
        for key in student.meant:
            result = expected(sheet, truth, student, key, ecf)
            assert row[f"{labels[key]} result"] == result, (student.id, key)
            credited += result == "ecf"
        points = [Fraction(row[c]) for c in row if c.endswith(" points") and row[c]]
        assert abs(Fraction(row["total"]) - sum(points)) <= Fraction(len(points), 200)  # each rounded to 0.01
        assert row["1a points"] == ("1" if row["1a result"] == "right" else "0" if row["1a result"] in
                                    ("wrong", "blank") else "")  # 4 points, 4 parts
    assert (credited > 0) == ecf  # the helper made some answers follow from earlier wrong ones


def label(region: dict) -> str:
    entry = region.get("entry")
    return f"{region['problem']}{region['part']}" + (f"[{entry[0] + 1},{entry[1] + 1}]" if entry is not None else "")


def test_answer_regions_are_the_same_in_every_version(built):
    sheet, _, _ = built
    layouts = []
    for version in "ABCD":
        regions = json.loads((sheet / version / "answer-regions.json").read_text())
        layouts.append([(r["page"], r["box"], r.get("digits"), r.get("decimals")) for r in regions["regions"]]
                       + [(p["number"], part["label"], part["page"], part["box"])  # every part placed
                          for p in regions["problems"] for part in p["parts"]])
    assert all(layout == layouts[0] for layout in layouts)


def test_a_box_part_is_placed_in_every_version_a_process_writes(tmp_path):
    """A part whose drawing versions share is replayed from a template after a while;
    its place in answer-regions.json must still be recorded, in every version."""
    assert main(["build", str(ROOT / "specs" / "quiz-07.yaml"), "--out", str(tmp_path), "--formats", "pdf",
                 "--jobs", "1", "--only", "worksheet"]) == 0
    placed = [[(p["number"], part["label"], part.get("page"), part.get("box")) for p in regions["problems"]
               for part in p["parts"]]
              for regions in (json.loads((tmp_path / "quiz-07" / v / "answer-regions.json").read_text())
                              for v in "ABCD")]
    assert all(page and box for _, _, page, box in placed[0]) and len(placed[0]) == 16
    assert all(version == placed[0] for version in placed)


def test_answer_regions_place_every_part_and_its_bubbles_inside_it(built):
    sheet, _, _ = built
    regions = json.loads((sheet / "B" / "answer-regions.json").read_text())
    width, height = regions["page_size"]
    parts = {(p["number"], part["label"]): part for p in regions["problems"] for part in p["parts"]}
    assert len(parts) == 4 + 4 + 1 + 4 + 3  # quiz-07: every part of its five problems
    for part in parts.values():
        x0, y0, x1, y1 = part["box"]
        assert 0 < x0 < x1 < width and 0 < y0 < y1 < height and part["page"] in (1, 2, 3, 4)
    asked = {(r["problem"], r["part"]) for r in regions["regions"] if r["kind"] != "student-id"}
    assert {key for key, part in parts.items() if part["answer"] == "bubbles"} == asked | {(4, "d")}  # all given
    for region in regions["regions"]:
        if region["kind"] == "student-id":
            continue
        part = parts[(region["problem"], region["part"])]
        x0, y0, x1, y1 = part["box"]
        assert region["page"] == part["page"]
        assert all(x0 <= b["x"] <= x1 and y0 <= b["y"] <= y1 for b in region["bubbles"]), region["part"]


# --- the pieces, on hand-made values ------------------------------------------------------------

def digit_region(digits: int, decimals: int = 0) -> dict:
    bubbles = [{"row": 0, "value": "-"}] + [{"row": r, "value": str(d)} for r in range(1, digits + decimals + 1)
                                             for d in range(10)]
    return {"kind": "number", "problem": 1, "part": "a", "digits": digits, "decimals": decimals, "bubbles": bubbles}


def marks(region: dict, levels: dict) -> list:
    """(row, value, darkness): 0.05 (an empty bubble with its printed digit) unless given."""
    return [(b["row"], b["value"], levels.get((b["row"], b["value"]), 0.05)) for b in region["bubbles"]]


def test_digit_rows_read_as_a_number_with_sign_and_decimal_point():
    region = digit_region(1, 3)
    reading = read_region(region, marks(region, {(0, "-"): 0.9, (1, "0"): 0.8, (2, "7"): 0.55, (3, "3"): 0.9,
                                                 (4, "1"): 0.7, (2, "2"): 0.12}))  # (2, "2"): an erasure
    assert reading.doubt is None and reading.value == Fraction(-731, 1000)
    assert agrees(reading.value, -0.731, 0.0005) and not agrees(reading.value, -0.732, 0.0005)
    region = digit_region(2)
    assert read_region(region, marks(region, {(2, "7"): 0.9})).value == 7  # an empty tens row is a 0
    assert read_region(region, marks(region, {})).value is BLANK


def test_a_double_or_faint_mark_is_a_doubt_not_a_guess():
    region = digit_region(2)
    double = read_region(region, marks(region, {(1, "4"): 0.9, (1, "9"): 0.8, (2, "1"): 0.9}))
    assert double.value is None and "two marks in one row" in double.doubt and "4, 9" in double.doubt
    faint = read_region(region, marks(region, {(1, "4"): 0.3, (2, "1"): 0.9}))
    assert faint.value is None and "faint" in faint.doubt
    student_id = {"kind": "student-id", "digits": 2,
                  "bubbles": [{"row": r, "value": str(d)} for d in range(10) for r in (1, 2)]}
    assert read_region(student_id, marks(student_id, {(1, "0"): 0.9, (2, "7"): 0.8})).value == "07"
    assert "not filled in" in read_region(student_id, marks(student_id, {(1, "0"): 0.9})).doubt


def test_bubble_rows_are_sized_from_the_answers():
    def part(value, decimals=None):
        return Part("a", (), Answer("q", value, "", decimals), ())
    assert part_need(part(-49))[:2] == (2, 0)
    assert part_need(part(0.731, 3))[:2] == (1, 3)
    assert part_need(part(12.5, 1))[:2] == (2, 1)
    assert part_need(part([[3, -120], [None, 7]]))[:2] == (3, 0)  # a table: its largest entry
    assert part_need(part(True)) == (0, 0, 0, 0)
    assert part_need(part(Fraction(1, 3)))[0] == BOXES  # digits cannot say 1/3
    assert part_need(part(Fraction(-23, 10)))[:2] == (1, 1)  # an exact 2.3 can be bubbled
    assert part_need(part([[Fraction(3, 8), 12]]))[:2] == (2, 3)
    assert part_need(part(Fraction(1, 2 ** 5)))[0] == BOXES  # 0.03125: more places than a student bubbles
    assert part_need(part("W2_11 g'(z2_1)"))[0] == BOXES  # an expression without options to choose
    with_options = Part("a", (), Answer("q", "W2_11 g'(z2_1)", "", wrong=(("W2_11", ""), ("W2_12 g'(z2_1)", ""))), ())
    assert part_need(with_options) == (0, 0, 3, 0)  # a choice of three
    assert part_need(part(10 ** 15))[0] == BOXES  # too long for a row of bubbles per digit


def test_numbers_beside_their_prompt_or_in_tables_and_expressions_with_options_become_bubbles():
    def part(label, value, space, wrong=()):
        return Part(label, (), Answer("q", value, "", wrong=wrong), (), space)
    problem = Problem(1, None, "x", (), (part("a", 3, AnswerSpace(short=True)), part("b", 0, AnswerSpace(lines=1)),
                                         part("c", True, AnswerSpace(true_false=True)),
                                         part("d", [[1, None]], AnswerSpace(lines=0)),
                                         part("e", "W2_11", AnswerSpace(lines=1), wrong=(("W2_12", ""),)),
                                         part("f", "W2_11", AnswerSpace(lines=1))), bubbles=True)
    sheet = Sheet("s", "S", (problem, replace(problem, number=2, bubbles=False)))
    assert formats(sheet) == {(1, "a"): DigitFormat(1, 0), (1, "c"): "true-false", (1, "d"): DigitFormat(1, 0),
                              (1, "e"): ChoiceFormat(2)}
    # with more options in another version, every version keeps room for them
    assert formats(sheet, needs(sheet)[:16] + [0, 0, 4, 0] + needs(sheet)[20:])[(1, "e")] == ChoiceFormat(4)


def test_points_are_shared_by_the_parts_that_ask_something():
    regions = {"problems": [{"number": 4, "points": 6, "parts": [
        {"label": "a", "answer": "bubbles"}, {"label": "b", "answer": "box"}, {"label": "c", "answer": "bubbles"}]}],
        "regions": [{"kind": "number", "problem": 4, "part": "a", "entry": [0, 0]},
                    {"kind": "number", "problem": 4, "part": "a", "entry": [1, 0]}]}  # (c): every entry given
    items = items_of(regions)
    assert [(i.label, i.points, i.hand) for i in items] == [("4a[1,1]", 1.5, False), ("4a[2,1]", 1.5, False),
                                                           ("4b", 3, True)]


def test_grade_says_what_is_wrong_in_one_line(built, tmp_path, capsys):
    sheet, scans, _ = built
    not_pdf = tmp_path / "notes.pdf"
    not_pdf.write_text("not a pdf")
    empty = tmp_path / "empty.pdf"
    subprocess.run(["qpdf", "--empty", str(empty)], check=True)
    cases = [([str(scans), "--sheet", str(tmp_path)], "not a built sheet with scan marks"),
             ([str(not_pdf), "--sheet", str(sheet)], "cannot be read as a PDF"),
             ([str(tmp_path / "absent.pdf"), "--sheet", str(sheet)], "no such file"),
             ([str(scans), "--sheet", str(sheet), "--out", str(not_pdf)], "not a folder"),
             ([str(scans), "--sheet", str(sheet / "B")], f"one version of a sheet; give the sheet's folder: "
                                                         f"--sheet {sheet}"),
             ([str(empty), "--sheet", str(sheet)], "the PDF has no pages to grade")]
    for arguments, message in cases:
        assert main(["grade", *arguments]) == 1
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err


@pytest.mark.parametrize("spec", ["quiz-07", "losses", "backprop-practice"])
def test_error_carried_forward_with_nothing_carried_gives_every_answer(spec):
    """The node-by-node passes of grading/ecf.py, given no answer of the student's,
    reproduce every number of every problem with a network (the engine's, checked
    against path sums at build time)."""
    compared = 0
    for sheet in check_sheet(ROOT / "specs" / f"{spec}.yaml"):
        for problem in sheet.problems:
            if problem.network is None:
                continue
            values = network_values(problem.network, {})
            if problem.network["output"] == "softmax":
                assert values == {}  # not carried forward: softmax acts on a whole layer
                continue
            for part in problem.parts:
                answer, name = part.answer, part.answer.quantity
                tolerance = 0 if answer.decimals is None else Fraction(1, 2 * 10 ** answer.decimals) + Fraction(1, 10**9)
                entries = ([((i, j), v) for i, row in enumerate(answer.value) for j, v in enumerate(row)]
                           if isinstance(answer.value, list) else [(None, answer.value)])
                for entry, value in entries:
                    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)):
                        continue
                    key = name if entry is None else f"{name}_{entry[0] + 1}{entry[1] + 1}" if "/dW" in name \
                        else f"{name}_{entry[1] + 1}"
                    assert abs(Fraction(values[key]) - Fraction(value)) <= tolerance, (sheet.version, problem.number, key)
                    compared += 1
    assert compared >= 3


def test_error_carried_forward_follows_the_students_own_values():
    # z1 = W1ᵀx = (2·1 + 1·2, -1·1 + 3·2) = (4, 5); a1 = (4, 5); H = 3·4 - 2·5 = 2
    net = {"layers": [2, 2, 1], "hidden": "relu", "output": "linear", "loss": "none",
           "W": [[[2, -1], [1, 3]], [[3], [-2]]], "b": None, "x": [1, 2], "y": None}
    assert network_values(net, {})["H"] == 2
    assert network_values(net, {"z1_1": 6})["H"] == 3 * 6 - 2 * 5  # from a wrong z1_1
    assert network_values(net, {"z1_2": -1})["H"] == 12  # a wrong z1_2 below 0: its ReLU is off
    assert network_values(net, {"z1_2": -1})["dH/dx_2"] == 3 * 1  # only node 1's path is on
    # gd-step, half-square loss, y = 1, η = 1/2: L = ½(2 − 1)², dL/dH = 1, ∂L/∂W2 = a1 = (4, 5),
    # ∂L/∂z1 = (3, −2), ∂L/∂W1 = x ∂L/∂z1ᵀ = [[3, −2], [6, −4]]; new W2 = (1, −9/2),
    # new W1 = [[1/2, 0], [−2, 5]]; after the step z1 = (−7/2, 10), H = −45, L = ½·46² = 1058
    step = {**net, "loss": "half-square", "y": [1], "learning_rate": "1/2"}
    values = network_values(step, {})
    assert (values["L"], values["new W2_11"], values["new W2_21"], values["new W1_11"]) == \
        (Fraction(1, 2), 1, Fraction(-9, 2), Fraction(1, 2))
    assert values["L after step"] == 1058
    carried = network_values(step, {"new W2_21": -4})  # the student's new W2_21: H = −40
    assert carried["L after step"] == Fraction(41 ** 2, 2)


def test_a_page_one_scanned_twice_goes_to_review(built, tmp_path):
    sheet, scans, truth = built
    reader, writer = pypdf.PdfReader(scans), pypdf.PdfWriter()
    first = truth.students[0]
    for page in (reader.pages[0], reader.pages[0]):  # the first student's page 1, twice
        writer.add_page(page)
    writer.write(tmp_path / "twice.pdf")
    graded = grade([tmp_path / "twice.pdf"], sheet)
    assert [row.student for row in graded.rows] == [first.id, first.id]
    assert any(r.student == first.id and "2 page 1s" in r.reason for r in graded.reviews)


SINGLE = """\
title: One sheet for everyone
scan_marks: true
id_digits: 4
answer_format: bubbles
problems:
  - kind: forward
    points: 2
    network: {layers: [2, 2, 1], W1: [[2, -1], [1, 3]], W2: [[3], [-2]], x: [1, 2]}
    ask: [z1_1, H]
"""


def test_an_unanswered_sheet_without_versions_printed_to_pdf_is_read_as_blank(tmp_path):
    """The slow path (a page drawn, not a scanner's image) and a sheet without versions:
    the worksheet PDF itself as the scan, nothing filled in."""
    (tmp_path / "one.yaml").write_text(SINGLE)
    assert main(["build", str(tmp_path / "one.yaml"), "--out", str(tmp_path), "--formats", "pdf"]) == 0
    graded = grade([tmp_path / "one" / "worksheet.pdf"], tmp_path / "one")
    assert [(row.version, [m.result for m in row.marks.values()]) for row in graded.rows] == \
        [(None, ["blank", "blank"])]
    assert [r.reason.split(": ", 1)[1] for r in graded.reviews] == \
        ["student unread (worksheet.pdf page 1): the student ID cannot be read: "
         "a digit of the student ID is not filled in"]


def test_error_carried_forward_carries_nothing_through_what_it_does_not_model():
    """The passes know no L2, ReLU′(0) = 0 only and from-to names: other networks carry
    nothing forward (their wrong answers stay wrong) rather than a wrong credit."""
    plain = {"layers": [1, 1], "hidden": "relu", "output": "linear", "loss": "none", "W": [[[2]]], "b": None,
             "x": [3], "y": None, "learning_rate": None, "l2": 0, "relu_at_zero": 0, "names": "from-to"}
    assert network_values(plain, {})["H"] == 6
    for change in ({"l2": "1/10"}, {"relu_at_zero": 1}, {"names": "to-from"}):
        assert network_values({**plain, **change}, {}) == {}


def test_a_qr_code_made_from_another_of_its_length_is_segnos():
    """qr_matrix builds a byte-mode text's code from the code of the first text of its
    length and the bits they differ in: the same modules as segno's own code, whichever
    text of a length came first (random texts in random order, of many lengths and so
    of QR versions 1 to 3, and texts segno writes in other modes)."""
    rng = random.Random(7)
    alphabet = "abcdefghijklmnopqrstuvwxyzAB0123456789 -_.é\u2212"
    texts = [f"ws1 0a1b2c3d {chr(65 + v % 26)}{v // 26 or ''} {page} quiz-07 practice"[:26]
             for v in range(60) for page in (1, 2, 3)]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 40))) for _ in range(150)]
    texts += ["ABC 123", "12345", "HELLO WORLD:", "ws1 x - 1 "]
    rng.shuffle(texts)
    for text in texts:
        expected = segno.make(text, error="m", micro=False, boost_error=False, mask=QR_MASK).matrix
        assert qr_matrix(text) == tuple(bytes(row) for row in expected), text

"""Print, scan, grade: quiz-07 with bubble answers, 24 students' synthetic scans
(tests/scansim.py), graded back with and without --ecf and compared with the truth the
helper recorded."""
from __future__ import annotations

import csv
import json
from fractions import Fraction
from pathlib import Path

import pytest
import scansim

from worksheets.cli import main
from worksheets.grading import grade
from worksheets.grading.marking import key_of

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
    if isinstance(answer, bool):
        return "right" if meant is answer else "wrong"
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
        hand = [key for key, mark in row.marks.items() if mark.result == "hand"]
        assert hand == [(3, "a", None)]  # the fill-in-the-blank expression keeps its box
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
def test_grades_csv_equals_the_truth(built, tmp_path, ecf, capsys):
    sheet, scans, truth = built
    status = main(["grade", str(scans), "--sheet", str(sheet), "--out", str(tmp_path)] + ["--ecf"] * ecf)
    assert status == 0
    assert capsys.readouterr().out.startswith(f"graded {STUDENTS} students from {truth.pages} pages")
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
    assert (tmp_path / "review.pdf").exists()


def label(region: dict) -> str:
    entry = region.get("entry")
    return f"{region['problem']}{region['part']}" + (f"[{entry[0] + 1},{entry[1] + 1}]" if entry is not None else "")


def test_answer_regions_are_the_same_in_every_version(built):
    sheet, _, _ = built
    layouts = []
    for version in "ABCD":
        regions = json.loads((sheet / version / "answer-regions.json").read_text())
        layouts.append([(r["page"], r["box"], r.get("digits"), r.get("decimals")) for r in regions["regions"]])
    assert all(layout == layouts[0] for layout in layouts)

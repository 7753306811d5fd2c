"""Every answer the course's problem page states, through the whole pipeline:
spec → answers.json, and spec → the text of key.pdf."""
import json
import re
import subprocess
from pathlib import Path

import pytest

from worksheets import engine
from worksheets.build import build_sheet
from worksheets.sheet import read_sheet

SPEC = Path(__file__).parent.parent / "specs" / "backprop-practice.yaml"

# What the seed page says, problem by problem and part by part.
SEED_ANSWERS = {
    "129": [29],
    "130": [37],
    "142": [-14, -1, -14, 0, -9, 0],
    "143": [-5, 5, -5, 5, -2, -4],
    "144": ["W2_22 g'(z2_2) W3_21"],
    "145": ["W1_12 g'(z1_2) W2_21"],
    "146": [True],
    "147": [False],
    "148": [0],
    "149": [True, True, False],
    "150": [False],
    "151": [3, -2, 4],
    "153": [29],
    "154": [37],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    return build_sheet(SPEC, out).target


@pytest.fixture(scope="module")
def answers(built):
    data = json.loads((built / "answers.json").read_text())
    return {p["id"]: p for p in data["problems"]}


@pytest.fixture(scope="module")
def key_text(built):
    return subprocess.run(["pdftotext", str(built / "key.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_the_sheet_has_the_seed_problems_in_order(answers):
    assert list(answers) == list(SEED_ANSWERS)


@pytest.mark.parametrize("problem_id", SEED_ANSWERS)
def test_answers_json_matches_the_seed(answers, problem_id):
    got = [part["answer"] for part in answers[problem_id]["parts"]]
    assert got == SEED_ANSWERS[problem_id]
    assert [type(v) for v in got] == [type(v) for v in SEED_ANSWERS[problem_id]]


def _problem_text(key_text: str, number: int) -> str:
    """The key's text from 'Problem n' up to the next problem."""
    start = key_text.index(f"Problem {number} ")
    end = key_text.find(f"Problem {number + 1} ", start)
    return key_text[start:end] if end > 0 else key_text[start:]


def _printed(value) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value).replace("-", "\u2212")


@pytest.mark.parametrize("number,problem_id", list(enumerate(SEED_ANSWERS, start=1)))
def test_key_pdf_prints_every_seed_answer(key_text, number, problem_id):
    text = _problem_text(key_text, number)
    printed = re.findall(r"Answer:[ \t]*(\S*)", text)
    expected = SEED_ANSWERS[problem_id]
    if all(isinstance(v, str) for v in expected):  # path sums are typeset as math
        assert printed == [""] * len(expected)
    else:
        assert printed == [_printed(v) for v in expected]


def test_150_weights_reproduce_every_value_the_seed_states():
    spec = read_sheet(SPEC)[0]
    net = next(p for p in spec.problems if p.id == "150").network.to_network()
    values = engine.evaluate(net)
    assert list(values.a[0]) == [-2, 3]
    assert list(values.z[1]) == [-13, 9] and list(values.a[1]) == [0, 9]
    assert list(values.z[2]) == [0, 9] and list(values.a[2]) == [0, 9]
    assert list(values.z[3]) == [-18] and list(values.a[3]) == [-18]


def test_151_intermediate_values_match_the_seed():
    spec = read_sheet(SPEC)[0]
    values = engine.evaluate(next(p for p in spec.problems if p.id == "151").network.to_network())
    assert [list(values.z[l]) for l in (1, 2)] == [[11, 4], [22, 15]]
    assert values.H == 36


def test_outputs_are_complete(built):
    names = sorted(p.name for p in built.iterdir() if not p.name.startswith("."))
    assert names == ["answers.csv", "answers.json", "figures", "index.html", "key.pdf", "worksheet.pdf"]
    svgs = sorted(p.name for p in (built / "figures").iterdir())
    assert "problem-12.svg" in svgs and all(s.endswith(".svg") for s in svgs)
    assert "<svg" in (built / "figures" / "problem-12.svg").read_text()

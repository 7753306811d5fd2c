"""Exact numbers: integers and fractions print exactly ("−3", "1/2"), sigmoid and tanh
values at the stated precision, rounded half away from zero, never a negative zero —
in the key, the figures and answers.json alike."""
from __future__ import annotations

import json
import re
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from worksheets import numbers
from worksheets.build import Plan, build_sheet
from worksheets.document import Para, Text
from worksheets.output.pdf import format_number

MINUS = "\u2212"


# ---- the printing rules ---------------------------------------------------------------

@pytest.mark.parametrize("value,printed", [
    (-3, "−3"), (Fraction(-3), "−3"), (-3.0, "−3"), (Fraction(1, 2), "1/2"), (Fraction(-5, 17), "−5/17"),
    (0, "0"), (Fraction(0), "0"), (-0.0, "0"), (Fraction(6, 4), "3/2"), (Fraction(3, 10), "3/10"),
    (Fraction("0.1") + Fraction("0.2"), "3/10"),
])
def test_exact_values_print_exactly(value, printed):
    assert numbers.text(value) == printed.replace("−", MINUS)
    assert format_number(value) == printed.replace("−", MINUS)


@pytest.mark.parametrize("value,printed", [(Fraction(-3), "-3"), (Fraction(1, 2), r"\frac{1}{2}"),
                                           (Fraction(-1, 3), r"-\frac{1}{3}"), (Fraction(0), "0")])
def test_exact_values_in_math(value, printed):
    assert numbers.latex(value) == printed


@pytest.mark.parametrize("value,decimals,printed", [
    (0.0625, 3, "0.063"), (-0.0625, 3, "−0.063"),  # exactly half: away from zero
    (2.5, 0, "3"), (-2.5, 0, "−3"), (0.125, 2, "0.13"), (-0.125, 2, "−0.13"),
    (1 / 3, 3, "0.333"), (2 / 3, 3, "0.667"), (0.5, 3, "0.500"), (7, 2, "7.00"),
    (-0.0004, 3, "0.000"), (-0.0, 3, "0.000"), (-1e-12, 6, "0.000000"),  # never −0
])
def test_rounded_values_print_at_the_stated_precision(value, decimals, printed):
    assert numbers.text(value, decimals) == printed.replace("−", MINUS)
    assert format_number(float(value), decimals) == printed.replace("−", MINUS)
    assert numbers.latex(value, decimals) == printed.replace("−", "-")


def test_python_round_would_round_half_to_even():
    """Why numbers.rounded exists: Python's round and format give 0.062, 2 and 0.12."""
    assert (round(0.0625, 3), round(2.5), round(0.125, 2)) == (0.062, 2, 0.12)
    assert (numbers.rounded(0.0625, 3), numbers.rounded(2.5, 0), numbers.rounded(0.125, 2)) == (0.063, 3, 0.13)
    assert str(numbers.rounded(-0.0004, 3)) == "0.0"  # not "-0.0"


@pytest.mark.parametrize("value,decimals,stored", [
    (Fraction(-3), None, -3), (Fraction(1, 2), None, 0.5), (-0.0, None, 0.0), (-0.0004, 3, 0.0),
    (0.0625, 3, 0.063), (2.5, 0, 3), ((Fraction(1), Fraction(-1, 4)), None, [1, -0.25]),
])
def test_json_values(value, decimals, stored):
    result = numbers.json_value(value, decimals)
    assert result == stored and type(result) is type(stored)
    assert not re.search(r"-0(\.0*)?\b(?!\.?\d*[1-9])", json.dumps(result))


def test_fractions_written_by_hand_are_exact():
    assert numbers.parse_exact(" −2/6 ") == Fraction(-1, 3)
    assert numbers.parse_exact("0.1") == Fraction(1, 10)
    assert numbers.parse_exact("2.5e-3") == Fraction(1, 400)
    for bad in ("1/0", "one", "1e99999999", "9" * 41):
        with pytest.raises(ValueError):
            numbers.parse_exact(bad)


# ---- through the pipeline: document objects, answers.json, key.pdf -------------------

EXACT = """\
title: Exact
problems:
  - kind: backprop
    network:
      layers: [2, 2, 1]
      W1: [["1/2", -1], [1, 0]]
      W2: [[-3], [1]]
      x: [1, 1]
    ask: [dH/dz1_1, dH/dz1_2, dH/dx_1, dH/dW1_11]
  - kind: forward
    network: {layers: [2, 1], output: linear, W1: [[0.1], [0.2]], x: [1, 1]}
    ask: [H]
"""

SMOOTH = """\
title: Smooth
problems:
  - kind: backprop
    network:
      layers: [2, 2, 1]
      activation: sigmoid
      W1: [[1, 2], [-1, 1]]
      W2: [[1], [-2]]
      x: [1, 1]
    ask: [dH/dW1_11, dH/dW1_12, dH/dW2_21, dH/dx_1]
  - kind: forward
    network: {layers: [1, 1, 1], activation: tanh, W1: [[2]], W2: [[1]], x: [1]}
    ask: [a1_1, H]
    decimals: 2
  - kind: backprop
    network: {layers: [1, 1, 1], activation: sigmoid, W1: [[10]], W2: [[-1]], x: [1]}
    ask: [dH/dz1_1, dH/dx_1, dH/dW2_11]
  - kind: gradient-table
    network:
      layers: [2, 2, 1]
      activation: sigmoid
      W1: [[1, 2], [-1, 1]]
      W2: [[1], [-2]]
      x: [1, 1]
"""


def built(tmp_path: Path, text: str, name: str):
    spec = tmp_path / f"{name}.yaml"
    spec.write_text(text)
    folder = build_sheet(spec, tmp_path / "out").target
    answers = json.loads((folder / "answers.json").read_text())
    key = subprocess.run(["pdftotext", "-layout", str(folder / "key.pdf"), "-"], capture_output=True,
                         text=True, check=True).stdout
    return Plan(spec).sheet(0), answers, key, folder


def test_exact_answers_everywhere(tmp_path):
    sheet, answers, key, folder = built(tmp_path, EXACT, "exact")
    parts = [p["answer"] for p in answers["problems"][0]["parts"]]
    assert parts == [-3, 0, -1.5, -3] and [type(p) for p in parts] == [int, int, float, int]
    assert answers["problems"][0]["parts"][2]["exact"] == "-3/2"
    h = answers["problems"][1]["parts"][0]
    assert (h["answer"], h["exact"]) == (0.3, "3/10")  # 0.1 + 0.2, exactly
    assert [p.answer.value for p in sheet.problems[0].parts] == [-3, 0, Fraction(-3, 2), -3]
    printed = re.findall(r"Answer:\s*(\S+)", key)
    assert printed == ["−3", "0", "−3/2", "−3", "3/10"]
    text = (folder / "answers.json").read_text()
    assert "0.30000000000000004" not in text and "-0" not in text
    for problem in sheet.problems:  # exact networks say nothing about rounding
        assert not any("decimal places" in _text(block) for block in problem.intro)


def _text(block) -> str:
    return "".join(piece.text for piece in block.content if isinstance(piece, Text)) \
        if isinstance(block, Para) else ""


def test_smooth_answers_are_rounded_as_stated(tmp_path):
    sheet, answers, key, folder = built(tmp_path, SMOOTH, "smooth")
    backprop, forward, saturated, table = answers["problems"]
    # σ'(0) = 1/4, σ'(3) = 0.0451766..., σ(3) = 0.9525741..., 1/4 − 4 σ'(3) = 0.0693...
    assert [p["answer"] for p in backprop["parts"]] == [0.25, -0.09, 0.953, 0.069]
    assert {p["decimals"] for p in backprop["parts"]} == {3}
    assert [p["answer"] for p in forward["parts"]] == [0.96, 0.96]  # tanh(2) = 0.9640...
    assert {p["decimals"] for p in forward["parts"]} == {2}
    assert table["parts"][0]["answer"] == [[0.25, -0.09], [0.25, -0.09]]
    assert table["parts"][1]["answer"] == [[0.5], [0.953]]
    # the key prints every number with exactly the stated decimals
    printed = re.findall(r"Answer:\s*(\S+)", key)
    assert printed[:6] == ["0.250", "−0.090", "0.953", "0.069", "0.96", "0.96"]
    # and the matrix of a gradient table too (it used to print 1/4 and −9/100)
    latex = [part.answer.latex for part in sheet.problems[3].parts]
    assert r"\begin{pmatrix} 0.250 & -0.090 \\ 0.250 & -0.090 \end{pmatrix}" in latex[0]
    assert r"\begin{pmatrix} 0.500 \\ 0.953 \end{pmatrix}" in latex[1]


def test_smooth_problems_state_the_precision(tmp_path):
    sheet, *_ = built(tmp_path, SMOOTH, "smooth")
    notes = [[_text(b) for b in problem.intro if "decimal places" in _text(b)] for problem in sheet.problems]
    assert notes == [["Give numerical answers rounded to 3 decimal places."],
                     ["Give numerical answers rounded to 2 decimal places."],
                     ["Give numerical answers rounded to 3 decimal places."],
                     ["Give numerical answers rounded to 3 decimal places."]]
    hidden = sheet.problems[0].intro
    assert any("sigmoid activation" in _text(b) for b in hidden)


def test_no_negative_zero_anywhere(tmp_path):
    """σ'(10) W = −0.0000454 rounds to 0.000, never −0.000: in answers.json, the key's text,
    the answers and the figure labels."""
    sheet, answers, key, folder = built(tmp_path, SMOOTH, "smooth")
    saturated = answers["problems"][2]["parts"]
    assert [p["answer"] for p in saturated] == [0.0, 0.0, 1.0]
    assert [str(p.answer.value) for p in sheet.problems[2].parts] == ["0.0", "0.0", "1.0"]
    text = (folder / "answers.json").read_text()
    assert not re.search(r"-0(\.0+)?(?![.\d]*[1-9])", text), text
    assert re.findall(r"Answer:\s*(\S+)", key)[6:9] == ["0.000", "0.000", "1.000"]
    assert not re.search(r"[−-]0(\.0+)?(?![.\d]*[1-9])", key)
    labels = [label for problem in sheet.problems for block in problem.intro if hasattr(block, "spec")
              for label in _labels(block.spec)]
    assert labels and not [label for label in labels if re.fullmatch(r"[−-]0(\.0+)?", label)]


def _labels(spec) -> list[str]:
    out = []
    for group in (spec.weights, spec.node_values, spec.input_values, spec.biases):
        stack = [group]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                out.append(item)
            elif item:
                stack.extend(item)
    return out


CANCELLING = """\
title: Cancelling
problems:
  - kind: forward
    network:
      layers: [1, 2, 1]
      activation: linear
      W1: [[999999, 999997]]
      W2: [[999997], [-999999]]
      x: [999983]
    ask: [z1_1, H]
  - kind: backprop
    network:
      layers: [1, 2, 1, 1]
      activation: linear
      W1: [[999999, 999997]]
      W2: [[999997], [-999999]]
      W3: [[999991]]
      x: [999983]
    ask: [dH/dx_1, dH/dW3_11]
"""


def test_values_past_float_precision_stay_exact(tmp_path):
    """999983 · 999999 · 999997 − 999983 · 999997 · 999999 = 0, but float64 gives −13:
    the key prints the exact 0 (a difference within rounding is not a failed check)."""
    from worksheets.engine import evaluate
    from worksheets.spec import NetworkSpec
    net = NetworkSpec.model_validate(yaml_problem(CANCELLING, 0)["network"]).to_network()
    assert evaluate(net).H == -13.0  # what the engine alone would print
    sheet, answers, key, folder = built(tmp_path, CANCELLING, "cancelling")
    assert [p["answer"] for p in answers["problems"][0]["parts"]] == [999982000017, 0]
    assert [p["answer"] for p in answers["problems"][1]["parts"]] == [0, 0]
    assert re.findall(r"Answer:\s*(\S+)", key) == ["999982000017", "0", "0", "0"]


def yaml_problem(text: str, index: int) -> dict:
    import yaml
    return yaml.safe_load(text)["problems"][index]

"""Tolerances of numeric answers in answers.json: 0 when exact, half a unit of the last
printed place when rounded; none for true/false and symbolic answers."""
from __future__ import annotations

from fractions import Fraction

import pytest

from worksheets.document import Answer, Part, Problem, Sheet
from worksheets.output.answers import answers_data, tolerance


@pytest.mark.parametrize("decimals, expected", [(None, 0), (0, 0.5), (2, 0.005), (3, 0.0005)])
def test_tolerance_is_half_a_unit_of_the_last_printed_place(decimals, expected):
    assert tolerance(decimals) == expected


def _sheet(*answers: Answer) -> Sheet:
    parts = tuple(Part(chr(97 + i), (), a, ()) for i, a in enumerate(answers))
    return Sheet("s", "S", (Problem(1, None, "backprop", (), parts),))


def test_answers_json_carries_the_tolerance_of_every_numeric_answer():
    sheet = _sheet(Answer("dH/dx_1", -3, "-3"), Answer("dH/dx_2", Fraction(1, 3), r"\frac13"),
                   Answer("H", 0.731, "0.731", decimals=3), Answer("claim", True, "True"),
                   Answer("dH/dW1_12", "W2_22 g'(z2_2) W3_21", "..."),
                   Answer("dH/dW1", ((1, -2), (Fraction(1, 2), 4)), "..."))
    parts = answers_data(sheet)["problems"][0]["parts"]
    assert [p.get("tolerance") for p in parts] == [0, 0, 0.0005, None, None, 0]
    assert parts[1]["exact"] == "1/3" and parts[2]["answer"] == 0.731

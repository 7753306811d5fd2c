"""`gd-step`: new values W − η ∂L/∂W, exact with Fractions for rational rates."""
from fractions import Fraction

import pytest

from worksheets.kinds import KINDS
from worksheets.paths import derivative_value
from worksheets.problems.gd_step import loss_after, stepped
from worksheets.quantities import parse

SPEC = {"kind": "gd-step", "network": {"layers": [2, 2, 1], "loss": "half-square", "bias": True,
                                       "W1": [[1, -1], [2, 1]], "W2": [[2], [1]], "b1": [1, -1],
                                       "x": [1, 1], "y": [1]},
        "learning_rate": "1/10", "update": ["W2_11", "W1_21", "b1_1"], "loss_after": True}


def answers(spec: dict) -> dict:
    kind = KINDS["gd-step"]
    problem = kind.build(kind.spec(**spec), 1)
    return {part.answer.quantity: part.answer.value for part in problem.parts}


def test_new_values_are_w_minus_rate_times_gradient_exactly():
    # z1 = (4, −1), a1 = (4, 0), L = ½(8 − 1)²: ∂L/∂W2_11 = 4·7, ∂L/∂W1_21 = x_2·7·2, ∂L/∂b1_1 = 14
    found = answers(SPEC)
    assert found["new W2_11"] == 2 - Fraction(1, 10) * 28 == Fraction(-4, 5)
    assert found["new W1_21"] == Fraction(3, 5) and found["new b1_1"] == Fraction(-2, 5)
    net = KINDS["gd-step"].spec(**SPEC).network.to_network()
    for name in ("W2_11", "W1_21", "b1_1"):
        q = parse(name)
        old = net.weights[q.layer - 1][q.i - 1][q.j - 1] if q.symbol == "W" else net.biases[q.layer - 1][q.i - 1]
        assert found[f"new {name}"] == old - Fraction(1, 10) * derivative_value(net, parse(f"dL/d{name}"))


def test_loss_after_the_step_is_exact():
    net = KINDS["gd-step"].spec(**SPEC).network.to_network()
    after = stepped(net, Fraction(1, 10))
    # by hand: W1 = [[−2/5, −1], [3/5, 1]] (node 2 is off: its column stays), b1 = (−2/5, −1),
    # W2 = [[−4/5], [1]], b2 = −7/10; then z1 = (−1/5, −1), both off, z2 = −7/10, L = ½(−17/10)²
    assert after.weights == (((Fraction(-2, 5), -1), (Fraction(3, 5), 1)), ((Fraction(-4, 5),), (1,)))
    assert after.biases == ((Fraction(-2, 5), -1), (Fraction(-7, 10),))
    _, value = loss_after(net, Fraction(1, 10), 3)
    assert value == Fraction(289, 200) == answers(SPEC)["L after step"]


def test_a_step_needs_a_loss_and_parameters():
    no_loss = {**SPEC, "network": {k: v for k, v in SPEC["network"].items() if k not in ("loss", "y")}}
    with pytest.raises(ValueError, match="needs a loss to descend"):
        KINDS["gd-step"].spec(**no_loss)
    with pytest.raises(ValueError, match="'z1_1' is not a parameter"):
        KINDS["gd-step"].spec(**{**SPEC, "update": ["z1_1"]})


def test_versions_keep_the_step_rules():
    from worksheets.problems.gd_step import _numbers
    kind = KINDS["gd-step"]
    fine = _numbers(kind.spec(**SPEC))
    assert fine.broken is None and fine.parts == pytest.approx([-0.8, 0.6, -0.4])
    overshoot = kind.spec(**{**SPEC, "learning_rate": 1})  # W2_11 = 2 − 28: L grows
    assert _numbers(overshoot).broken == "the step lowers the loss"

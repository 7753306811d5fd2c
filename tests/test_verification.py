"""Keys that cannot be wrong: a bug planted in the numpy engine (backward or forward pass)
or in the exact path sums makes the build fail with one line naming the sheet, problem,
part and both values, and nothing is written; and every symbolic answer of the seed
sheet, read back from answers.json, equals the engine on random networks."""
from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import yaml

from worksheets import engine, paths
from worksheets.build import build_sheet
from worksheets.cli import main
from worksheets.network import Network
from worksheets.paths import PathSum, evaluate_path_sum, parse_sum, parse_term
from worksheets.problems import checked, symbolic
from worksheets.quantities import lookup, parse

ROOT = Path(__file__).parent.parent
PRACTICE = ROOT / "specs" / "backprop-practice.yaml"
QUIZ = ROOT / "specs" / "quiz-07.yaml"
ORIGINAL_BACKWARD = engine.backward
ORIGINAL_FORWARD = engine.forward
ORIGINAL_CHECKED = checked.checked_value


def line_of(spec: Path, text: str) -> int:
    return next(n for n, line in enumerate(spec.read_text().splitlines(), start=1) if text in line)


def build(spec: Path, out: Path) -> tuple[int, str]:
    """Status and the first error line: a planted bug fails every problem that meets it,
    each reported; the first is the one asserted (and every line is a failed check)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(["build", str(spec), "--out", str(out)])
    lines = err.getvalue().splitlines(keepends=True)
    assert all("the key failed its independent check" in line for line in lines), lines
    return status, lines[0] if lines else ""


def assert_nothing_written(out: Path) -> None:
    """No sheet folder, and no staging folder left behind."""
    assert not out.exists() or list(out.iterdir()) == []


def practice_problem(problem_id: str, tmp_path: Path, **changes) -> Path:
    """A sheet with one problem of the practice sheet (optionally changed)."""
    data = yaml.safe_load(PRACTICE.read_text())
    problem = next(p for p in data["problems"] if p["id"] == problem_id)
    problem.update(changes)
    spec = tmp_path / f"only-{problem_id}.yaml"
    spec.write_text(yaml.safe_dump({"title": "One problem", "problems": [problem]}, sort_keys=False))
    return spec


def corrupt_backward(monkeypatch, table: str, layer: int, index) -> None:
    """engine.backward returns one derivative off by one (the bug a typo makes)."""
    def backward(net, z, a, dH=None):
        values = ORIGINAL_BACKWARD(net, z, a, dH)
        if layer <= net.depth:
            getattr(values, table)[layer][index] += 1.0
        return values
    monkeypatch.setattr(engine, "backward", backward)


# ---- (a) a planted bug in the backward pass -------------------------------------------

def test_backward_bug_stops_the_practice_sheet(monkeypatch, tmp_path):
    corrupt_backward(monkeypatch, "dz", 2, 0)  # dH/dz2_1 one too large on every network
    out = tmp_path / "out"
    status, err = build(PRACTICE, out)
    # The first problem to compute dH/dz2_1 with the engine is #149's first claim, which is
    # checked on random networks; there the engine now gives one more than the path sum.
    net = Network((2, 2, 2, 1))
    instance = symbolic.random_instances(net)[0]
    true = lookup(parse("dH/dz2_1"), _unpatched_evaluate(instance))
    line = line_of(PRACTICE, 'id: "149"')
    assert err == (f"{PRACTICE}:{line}: sheet backprop-practice, "
                   f"problem 10 (#149), part (a): the key failed its independent check: dH/dz2_1 on a "
                   f"random network: the numpy engine gives {true + 1.0!r}, the path sum of the true "
                   f"claim gives {Fraction(true)}\n")
    assert status == 1
    assert_nothing_written(out)


def _unpatched_evaluate(net: Network):
    z, a = ORIGINAL_FORWARD(net, net.input())
    return ORIGINAL_BACKWARD(net, z, a)


@pytest.mark.parametrize("table,layer,index,part,quantity,engine_value,exact", [
    ("dz", 2, 0, "a", "dH/dz2_1", "4.0", "3"),  # the seed's answers: 3, -2, 4
    ("da", 1, 1, "b", "dH/da1_2", "-1.0", "-2"),
    ("dW", 1, (0, 0), "c", "dH/dW1_11", "5.0", "4"),
])
def test_backward_bug_names_the_part_and_both_values(monkeypatch, tmp_path, table, layer, index, part,
                                                     quantity, engine_value, exact):
    spec = practice_problem("151", tmp_path)
    corrupt_backward(monkeypatch, table, layer, index)
    out = tmp_path / "out"
    status, err = build(spec, out)
    assert err == (f"{spec}:3: sheet only-151, problem 1 (#151), part ({part}): the key failed its "
                   f"independent check: {quantity}: the numpy engine gives {engine_value}, the exact "
                   f"path sum gives {exact}\n")
    assert status == 1
    assert_nothing_written(out)


def test_backward_bug_stops_every_version_of_quiz_07(monkeypatch, tmp_path):
    corrupt_backward(monkeypatch, "dz", 2, 0)
    out = tmp_path / "out"
    status, err = build(QUIZ, out)
    match = re.fullmatch(
        rf"{re.escape(str(QUIZ))}:(\d+): sheet quiz-07, problem 2 \(#backprop\), version A, part \(b\): "
        r"the key failed its independent check: dH/dz2_1: the numpy engine gives (\S+), "
        r"the exact path sum gives (\S+)\n", err)
    assert match, err
    assert int(match[1]) == line_of(QUIZ, "id: backprop")
    # part (a) asks dH/dz2_2 (right); part (b) dH/da1_1 needs dH/dz2_1, one too large
    assert float(match[2]) == float(Fraction(match[3])) + 1
    assert status == 1
    assert_nothing_written(out)


def test_relu_slope_bug_is_caught(monkeypatch, tmp_path):
    """ReLU'(0) = 1 instead of the course's 0: #150 has z2_1 = 0, so its weight gradients
    are wrong in the engine; the path sums (their own g') catch it."""
    slope = engine.slope
    monkeypatch.setattr(engine, "slope", lambda act, z, relu_at_zero=0: (np.asarray(z) >= 0).astype(float)
                        if act == "relu" else slope(act, z, relu_at_zero))
    spec = practice_problem("150", tmp_path)
    status, err = build(spec, tmp_path / "out")
    # ∂H/∂W2_21 = a1_2 g'(z2_1) W3_11 = 9 · g'(0) · 3
    assert err == (f"{spec}:3: sheet only-150, problem 1 (#150), part (a): the key failed its independent "
                   "check: dH/dW2_21: the numpy engine gives 27.0, the exact path sum gives 0\n")
    assert status == 1


# ---- (b) bugs in the forward pass and in the path sums --------------------------------

def test_forward_bug_is_caught(monkeypatch, tmp_path):
    def forward(net, x):
        z, a = ORIGINAL_FORWARD(net, x)
        z[1] = z[1] + np.eye(len(z[1]))[0]  # z1_1 one too large, a1_1 still right
        return z, a
    monkeypatch.setattr(engine, "forward", forward)
    spec = practice_problem("151", tmp_path, kind="forward", ask=["z1_2", "z1_1", "H"])
    status, err = build(spec, tmp_path / "out")
    assert err == (f"{spec}:3: sheet only-151, problem 1 (#151), part (b): the key failed its independent "
                   "check: z1_1: the numpy engine gives 12.0, the exact forward pass gives 11\n")
    assert status == 1
    assert_nothing_written(tmp_path / "out")


def test_forward_bug_stops_the_practice_sheet(monkeypatch, tmp_path):
    def forward(net, x):
        z, a = ORIGINAL_FORWARD(net, x)
        a[1] = a[1] * 2.0  # every a1 doubled
        return z, a
    monkeypatch.setattr(engine, "forward", forward)
    out = tmp_path / "out"
    status, err = build(PRACTICE, out)
    assert status == 1 and err.count("\n") == 1
    assert err.startswith(f"{PRACTICE}:"), err
    assert re.search(r": sheet backprop-practice, problem \d+ \(#1\d\d\), part \([a-c]\): the key failed "
                     r"its independent check: .*the numpy engine gives -?[\d.]+, the .* gives -?\d+\n$", err), err
    assert_nothing_written(out)


def test_path_sum_slope_bug_is_caught(monkeypatch, tmp_path):
    """The exact side wrong instead: its ReLU'(0) is 1. The engine is right, and they disagree."""
    original = paths.g_prime_exact
    monkeypatch.setattr(paths, "g_prime_exact",
                        lambda act, v, relu_at_zero=0: Fraction(1) if act == "relu" and v == 0
                        else original(act, v, relu_at_zero))
    spec = practice_problem("150", tmp_path)
    status, err = build(spec, tmp_path / "out")
    assert err == (f"{spec}:3: sheet only-150, problem 1 (#150), part (a): the key failed its independent "
                   "check: dH/dW2_21: the numpy engine gives 0.0, the exact path sum gives 27\n")
    assert status == 1


def test_path_enumeration_bug_is_caught(monkeypatch, tmp_path):
    """A path list with one path twice and another missing: the printed path sum of #144
    no longer equals the engine on random networks."""
    original = paths.paths_from
    monkeypatch.setattr(paths, "paths_from", lambda net, layer, node: (
        lambda terms: terms[:-1] + terms[:1] if len(terms) > 1 else terms)(original(net, layer, node)))
    spec = practice_problem("144", tmp_path)
    status, err = build(spec, tmp_path / "out")
    assert re.fullmatch(
        rf"{re.escape(str(spec))}:3: sheet only-144, problem 1 \(#144\), part \(a\): the key failed its "
        r"independent check: dH/dW1_12 on a random network: the numpy engine gives (\S+), the printed "
        r"path sum gives (\S+)\n", err), err
    engine_value, printed = re.search(r"gives (\S+), .* gives (\S+)\n", err).groups()
    assert float(engine_value) != float(Fraction(printed))
    assert status == 1


def test_the_unpatched_sheets_build(tmp_path):
    """The same commands without a planted bug: exit 0, nothing on stderr."""
    status, err = build(PRACTICE, tmp_path / "out")
    assert (status, err) == (0, "")
    status, err = build(practice_problem("150", tmp_path), tmp_path / "out")
    assert (status, err) == (0, "")


# ---- (c) symbolic answers, read back, equal the engine on random networks ------------

# What the course's page prints around each blank (#144, #145): the answer fills the blank.
PRINTED = {
    "144": ("dH/dW1_12", "x_1 g'(z1_2)", ["W2_21 g'(z2_1) W3_11"]),
    "145": ("dH/dx_1", "", ["W1_11 g'(z1_1) W2_11"]),
}


def random_networks(layers, count=30, seed=0):
    """Networks of the given shape with random weights and inputs, for every hidden
    activation (sigmoid and tanh make every path count)."""
    rng = np.random.default_rng(seed)
    for k in range(count):
        weights = tuple(tuple(tuple(Fraction(int(v), 2) for v in row) for row in rng.integers(-6, 7, (n, m)))
                        for n, m in zip(layers, layers[1:]))
        x = tuple(Fraction(int(v)) for v in rng.integers(-3, 4, layers[0]))
        yield Network(tuple(layers), ("relu", "sigmoid", "tanh", "linear")[k % 4], "linear", weights, None, x)


@pytest.fixture(scope="module")
def seed_answers(tmp_path_factory):
    folder = build_sheet(PRACTICE, tmp_path_factory.mktemp("seed")).target
    data = json.loads((folder / "answers.json").read_text())
    return {p["id"]: p for p in data["problems"]}


@pytest.mark.parametrize("problem_id", PRINTED)
def test_symbolic_answers_equal_the_engine_on_random_networks(seed_answers, problem_id):
    target, prefix, shown = PRINTED[problem_id]
    [part] = seed_answers[problem_id]["parts"]
    answer = part["answer"]
    assert isinstance(answer, str) and part["quantity"] == target
    layers = [p for p in yaml.safe_load(PRACTICE.read_text())["problems"]
              if p["id"] == problem_id][0]["network"]["layers"]
    q = parse(target)
    checked = 0
    for net in random_networks(layers):
        terms = tuple(parse_term(net, t) for t in shown) + parse_sum(net, answer)
        printed = evaluate_path_sum(net, PathSum(parse_term(net, prefix), terms))
        assert float(printed) == pytest.approx(lookup(q, engine.evaluate(net)), abs=1e-9), (net, answer)
        checked += 1
    assert checked == 30


def test_a_wrong_symbolic_answer_would_not_pass(seed_answers):
    """The comparison above can fail: the other term (a real path) in place of the answer."""
    target, prefix, shown = PRINTED["144"]
    net = list(random_networks([2, 2, 2, 1], seed=1))[1]
    assert net.hidden == "sigmoid"
    q = parse(target)
    wrong = PathSum(parse_term(net, prefix), tuple(parse_term(net, t) for t in shown) * 2)
    assert float(evaluate_path_sum(net, wrong)) != pytest.approx(lookup(q, engine.evaluate(net)), abs=1e-9)


def test_every_symbolic_answer_of_the_seed_is_covered(seed_answers):
    symbolic_ids = {pid for pid, p in seed_answers.items()
                    if any(isinstance(part["answer"], str) for part in p["parts"])}
    assert symbolic_ids == set(PRINTED)


def test_a_solved_network_checks_each_quantity_once_and_keeps_its_values_to_itself(monkeypatch):
    """Solved keeps the checked value of each quantity (a key's steps ask the same ones
    again and again); a copy for another network (dataclasses.replace) starts afresh."""
    first = Network((2, 2, 1), weights=(((1, 2), (3, -1)), ((2,), (1,))), x=(1, 1))
    second = replace(first, x=(2, 1))
    calls = []
    monkeypatch.setattr(checked, "checked_value", lambda s, q: calls.append(q) or ORIGINAL_CHECKED(s, q))
    solved = checked.solve(first)
    q = parse("dH/dW1_11")
    assert solved.value(q) == solved.value(q) == 2  # x_1 · W2_11 · ReLU′(4), exactly
    assert calls == [q]
    other = replace(solved, net=second, values=engine.evaluate(second))
    assert other.value(q) == 4  # x_1 = 2: its own value, checked afresh
    assert calls == [q, q]
    assert solved.value(q) == 2


@pytest.mark.parametrize("w11, expected", [(1, 2), (Fraction(1, 2), 2)])
def test_exact_values_are_fractions_whether_computed_in_ints_or_not(w11, expected):
    """The exact forward pass and path sums compute in ints while every number is whole,
    and give out Fractions either way (what the kinds and the key's printing expect)."""
    net = Network((2, 2, 1), weights=(((w11, 2), (3, -1)), ((2,), (1,))), x=(1, 1))
    z, a = paths.exact_forward(net)
    assert {type(v) for layer in z[1:] + a[1:] for v in layer} == {Fraction}
    assert z[1] == [w11 + 3, 1] and a[2] == [2 * (w11 + 3) + 1]
    value = paths.derivative_value(net, parse("dH/dW1_11"))  # x_1 · ReLU′(z1_1) · W2_11
    assert type(value) is Fraction and value == expected
    assert paths.derivative_value(net, parse("dH/dx_2")) == 3 * 2 + (-1) * 1  # W1_21 W2_11 + W1_22 W2_21

"""A sheet's `conventions:`: to-from weights, bracket layer marks, δ and ReLU′(0) = 1, read
from specs and written in answers, texts, keys and figures alike."""
from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from worksheets import conventions
from worksheets.build import build_sheet, check_plan
from worksheets.conventions import Conventions
from worksheets.document import DisplayMath, Figure, Math, Para
from worksheets.kinds import KINDS

ROOT = Path(__file__).resolve().parent.parent
TO_FROM = Conventions(weights="to-from")


# ---- the same network written both ways -----------------------------------------------

def transposed(matrix):
    return [list(row) for row in zip(*matrix)]


def to_from_name(name: str) -> str:
    """dL/dW2_12 of a from-to sheet is dL/dW2_21 of a to-from one (this test's own rule)."""
    head, found, tail = name.rpartition("W")
    if not found:
        return name
    layer, indices = tail.split("_")
    return f"{head}W{layer}_{indices[1]}{indices[0]}"


@st.composite
def networks(draw):
    layers = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    layers[-1] = draw(st.integers(1, 2))
    loss = draw(st.sampled_from(["square", "half-square"] + ["none"] * (layers[-1] == 1)))
    weights = [draw(st.lists(st.lists(st.integers(-3, 3), min_size=m, max_size=m), min_size=n, max_size=n))
               for n, m in zip(layers, layers[1:])]
    network = {"layers": layers, "activation": draw(st.sampled_from(["relu", "linear", "sigmoid"])), "loss": loss,
               "x": draw(st.lists(st.integers(-3, 3), min_size=layers[0], max_size=layers[0]))}
    network.update({f"W{l}": W for l, W in enumerate(weights, start=1)})
    if draw(st.booleans()):
        network["bias"] = True
        network.update({f"b{l}": draw(st.lists(st.integers(-2, 2), min_size=n, max_size=n))
                        for l, n in enumerate(layers[1:], start=1)})
    if loss != "none":
        network["y"] = draw(st.lists(st.integers(-2, 2), min_size=layers[-1], max_size=layers[-1]))
    of = "H" if loss == "none" else "L"
    every = [f"d{of}/dW{l}_{i}{j}" for l, (n, m) in enumerate(zip(layers, layers[1:]), start=1)
             for i in range(1, n + 1) for j in range(1, m + 1)]
    asked = draw(st.lists(st.sampled_from(every), min_size=1, max_size=8, unique=True))
    return network, asked + [f"z{len(layers) - 1}_1", f"d{of}/dx_1"]


def built(problem: dict, notation: Conventions):
    with conventions.use(notation):
        spec = KINDS[problem["kind"]].spec.model_validate(problem)
        return KINDS[problem["kind"]].problem(spec, 1)


@settings(max_examples=40)
@given(networks())
def test_the_same_network_in_both_orders_gives_the_same_numbers(case):
    network, asked = case
    written = {**network, **{k: transposed(v) for k, v in network.items() if k.startswith("W")}}
    from_to = built({"kind": "backprop", "network": network, "ask": asked}, conventions.DEFAULT)
    to_from = built({"kind": "backprop", "network": written, "ask": [to_from_name(q) for q in asked]}, TO_FROM)
    answers = {p.answer.quantity: p.answer.value for p in from_to.parts}
    assert {to_from_name(p.answer.quantity): p.answer.value for p in to_from.parts} == answers
    assert [p.answer.quantity for p in to_from.parts] == [to_from_name(q) for q in asked]
    # the figure puts each number on the same edge
    assert _figure(to_from).weights == _figure(from_to).weights


@settings(max_examples=20)
@given(networks())
def test_matrix_backprop_in_to_from_writes_each_gradient_matrix_turned(case):
    network, _ = case
    layers = network["layers"]
    written = {**network, **{k: transposed(v) for k, v in network.items() if k.startswith("W")}}
    of = "H" if network["loss"] == "none" else "L"
    depth = len(layers) - 1
    ask = list(dict.fromkeys([f"d{of}/dW{depth}", f"d{of}/dW1", f"shape d{of}/dW1", f"delta{depth}"]))
    if network["activation"] == "relu" or network["loss"] == "none":
        ask.remove(f"delta{depth}")  # equal to a part asked already on some networks
    problem = {"kind": "matrix-backprop", "ask": ask}
    try:
        from_to = built({**problem, "network": network}, conventions.DEFAULT)
    except ValueError:  # the kind's own refusals (an answer repeated) are not this test's
        assume(False)
    to_from = built({**problem, "network": written}, TO_FROM)
    for plain, turned in zip(from_to.parts, to_from.parts):
        assert turned.answer.quantity == plain.answer.quantity
        if plain.answer.quantity.startswith("shape"):
            assert turned.answer.value == tuple(reversed(plain.answer.value)) == (layers[1], layers[0])
        elif "/dW" in plain.answer.quantity:
            assert [list(r) for r in turned.answer.value] == transposed(plain.answer.value)
        else:
            assert turned.answer.value == plain.answer.value
    steps = " ".join(b.latex for p in to_from.parts for b in p.solution if isinstance(b, DisplayMath))
    assert r"^{\top}" in steps


def _figure(problem):
    return next(block for block in problem.intro if isinstance(block, Figure)).spec


def test_a_to_from_matrix_has_a_row_per_node_of_the_next_layer():
    problem = {"kind": "forward", "network": {"layers": [3, 1], "W1": [[1, 2, 3]], "x": [1, 1, 1]},
               "ask": ["H"]}
    assert built(problem, TO_FROM).parts[0].answer.value == 6
    with conventions.use(TO_FROM):
        try:
            KINDS["forward"].spec.model_validate({**problem, "network": {**problem["network"],
                                                                         "W1": [[1], [2], [3]]}})
        except ValueError as exc:
            assert "expected a 1×3 matrix for layers [3, 1], got 3×1" in str(exc)
        else:
            raise AssertionError("a from-to matrix was taken on a to-from sheet")


# ---- a whole sheet: names in answers.json, brackets and δ in texts and keys --------------

SHEET = """\
title: CS231n notation
conventions:
  weights: to-from
  layer_mark: bracket
  delta: true
problems:
  - kind: backprop
    network:
      layers: [2, 2, 2]
      loss: half-square
      W1: [[1, 2], [-1, 3]]       # into hidden node 1: 1 from x_1, 2 from x_2
      W2: [[2, 1], [1, -2]]
      x: [1, 1]
      y: [1, 0]
    ask: [delta2_1, dL/dW1_12, delta1_2, dL/dW2_21]
"""


def write(tmp_path, text: str, name: str = "sheet.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_answers_json_names_weights_and_deltas_the_sheets_way(tmp_path):
    build_sheet(write(tmp_path, SHEET), tmp_path / "out", only="answers")
    parts = json.loads((tmp_path / "out" / "sheet" / "answers.json").read_text())["problems"][0]["parts"]
    # by hand: z1 = (3, 2), a1 = (3, 2), z2 = (8, -1), dL/dz2 = a2 - y = (7, -1)
    # delta1_2 = W2_12 * 7 + W2_22 * (-1) = 1*7 + (-2)(-1) = 9; dL/dW1_12 = x_2 * delta1_1 = 1 * (2*7 + 1*(-1))
    # dL/dW2_21 (from hidden 1 to output 2) = a1_1 * delta2_2 = 3 * (-1)
    assert [(p["quantity"], p["answer"]) for p in parts] == [
        ("delta2_1", 7), ("dL/dW1_12", 13), ("delta1_2", 9), ("dL/dW2_21", -3)]


def latex_of(problem) -> str:
    """Every formula of a problem, its intro, prompts, answers and solutions."""
    blocks = list(problem.intro) + [b for p in problem.parts for b in p.prompt + p.solution]
    found = [b.latex for b in blocks if isinstance(b, DisplayMath)]
    found += [i.latex for b in blocks if isinstance(b, Para) for i in b.content if isinstance(i, Math)]
    return " ".join(found + [p.answer.latex for p in problem.parts])


def test_texts_and_keys_use_brackets_and_delta(tmp_path):
    problem = check_plan(write(tmp_path, SHEET)).sheet(0).problems[0]
    latex = latex_of(problem)
    assert r"\delta^{[2]}_{1}" in latex and "W^{[2]}_{k2}" in latex  # δ2_1; Σ_k W_k2 δ_k in to-from
    assert "^{(" not in latex  # no paren marks left
    # the sentences that say the conventions; ∂L/∂z is written only where δ is defined
    assert r"z^{[l]} = W^{[l]} a^{[l - 1]}" in latex and r"W^{[l]}_{jk}" in latex
    assert latex.count(r"{\partial} z") == 1 and r"\delta^{[l]}_{j} {\partial} L / {\partial} z^{[l]}_{j}" in latex
    assert _figure(problem).marks == "[]"


def test_the_default_conventions_leave_the_course_notation(tmp_path):
    default = SHEET.replace("conventions:\n  weights: to-from\n  layer_mark: bracket\n  delta: true\n", "")
    default = default.replace("delta2_1", "dL/dz2_1").replace("delta1_2", "dL/dz1_2")
    latex = latex_of(check_plan(write(tmp_path, default)).sheet(0).problems[0])
    assert r"\delta" not in latex and "^{[" not in latex and "W^{(2)}_{2k}" in latex


# ---- ReLU′(0) ---------------------------------------------------------------------------

# #150 of the practice sheet: z2_1 = 0 exactly.
W150 = [[[5, 0], [-1, 3]], [[2, -1], [0, 1]], [[3], [-2]]]
X150 = [-2, 3]


def exact_gradients(weights, x, at_zero: int) -> dict:
    """dH/dW of a ReLU network with a linear output by plain Fraction loops (no code of the
    package): forward, then backward with ReLU′(0) = at_zero."""
    a, zs = [[Fraction(v) for v in x]], []
    for l, W in enumerate(weights, start=1):
        z = [sum(Fraction(W[i][j]) * a[-1][i] for i in range(len(W))) for j in range(len(W[0]))]
        zs.append(z)
        a.append(z if l == len(weights) else [max(v, Fraction(0)) for v in z])
    dz = [Fraction(1)]
    gradients = {}
    for l in range(len(weights), 0, -1):
        W = weights[l - 1]
        for i in range(len(W)):
            for j in range(len(W[0])):
                gradients[f"dH/dW{l}_{i + 1}{j + 1}"] = a[l - 1][i] * dz[j]
        da = [sum(Fraction(W[i][j]) * dz[j] for j in range(len(W[0]))) for i in range(len(W))]
        if l > 1:
            dz = [d * (1 if z > 0 else at_zero if z == 0 else 0) for d, z in zip(da, zs[l - 2])]
    return gradients


def relu_sheet(at_zero: int) -> str:
    network = {"layers": [2, 2, 2, 1], **{f"W{l}": W for l, W in enumerate(W150, start=1)}, "x": X150}
    return yaml.safe_dump({"title": "ReLU at zero", "conventions": {"relu_at_zero": at_zero}, "problems": [
        {"kind": "backprop", "network": network, "ask": ["dH/dW2_21", "dH/dW2_11", "dH/dW1_22"]}]})


def test_relu_at_zero_one_changes_the_answers_at_an_exact_zero(tmp_path):
    for at_zero in (0, 1):
        problem = check_plan(write(tmp_path, relu_sheet(at_zero), f"relu-{at_zero}.yaml")).sheet(0).problems[0]
        exact = exact_gradients(W150, X150, at_zero)
        assert {p.answer.quantity: p.answer.value for p in problem.parts} == {
            q: exact[q] for q in ("dH/dW2_21", "dH/dW2_11", "dH/dW1_22")}
        said = " ".join(i.latex for b in problem.intro if isinstance(b, Para) for i in b.content
                        if isinstance(i, Math))
        assert (r"\text{ReLU}'(0) = 1" in said) == bool(at_zero)
    assert exact_gradients(W150, X150, 1)["dH/dW2_21"] == 27 != exact_gradients(W150, X150, 0)["dH/dW2_21"]


# ---- errors -----------------------------------------------------------------------------

def check(tmp_path, text: str) -> str:
    path = write(tmp_path, text, "bad.yaml")
    run = subprocess.run([sys.executable, "-m", "worksheets", "check", str(path)], capture_output=True,
                         text=True, cwd=ROOT)
    assert run.returncode == 1 and run.stdout == ""
    return run.stderr


def test_bad_conventions_are_one_line_each(tmp_path):
    text = SHEET.replace("weights: to-from", "weights: to_from").replace("delta: true", "delta: maybe")
    text = text.replace("layer_mark: bracket", "layer_mark: bracket\n  relu_at_zero: 2\n  deltas: 1")
    path = tmp_path / "bad.yaml"
    assert check(tmp_path, text).splitlines() == [
        f"{path}:3: conventions.weights: 'to_from' is not one of 'from-to' or 'to-from' (did you mean 'to-from'?)",
        f"{path}:5: conventions.relu_at_zero: expected a number of at most 1, got 2",
        f"{path}:6: conventions.deltas: unknown key (did you mean 'delta'?)",
        f"{path}:7: conventions.delta: expected true or false, got 'maybe'",
    ]


def test_a_from_to_matrix_on_a_to_from_sheet_is_named_with_its_line(tmp_path):
    text = SHEET.replace("W1: [[1, 2], [-1, 3]]", "W1: [[1, 2, 0], [-1, 3, 0]]").replace("layers: [2, 2, 2]",
                                                                                      "layers: [3, 2, 2]")
    text = text.replace("x: [1, 1]", "x: [1, 1, 1]").replace("W2: [[2, 1], [1, -2]]", "W2: [[2, 1, 0], [1, -2, 0]]")
    path = tmp_path / "bad.yaml"
    assert check(tmp_path, text).splitlines() == [
        f"{path}:12: problems[0].network.W2: expected a 2×2 matrix for layers [3, 2, 2], got 2×3"]


def test_delta_is_asked_only_where_the_sheet_writes_it(tmp_path):
    text = SHEET.replace("  delta: true\n", "  relu_at_zero: true\n")
    path = tmp_path / "bad.yaml"
    assert check(tmp_path, text).splitlines() == [
        f"{path}:5: conventions.relu_at_zero: expected a whole number, got True",
        f"{path}:15: problems[0].ask[0]: 'delta2_1': δ is written on sheets with conventions: {{delta: true}}; "
        "ask for dL/dz2_1 (dH/dz2_1 without a loss)",
    ]


def test_empty_conventions_are_the_defaults(tmp_path):
    text = SHEET.replace("  weights: to-from\n  layer_mark: bracket\n  delta: true\n", "")
    text = text.replace("delta2_1", "dL/dz2_1").replace("delta1_2", "dL/dz1_2")
    problem = check_plan(write(tmp_path, text)).sheet(0).problems[0]
    assert [p.answer.quantity for p in problem.parts] == ["dL/dz2_1", "dL/dW1_12", "dL/dz1_2", "dL/dW2_21"]


def test_relu_at_zero_decides_whether_every_gradient_vanishes(tmp_path):
    """z1_1 = 1·(−1) + 1 = 0: with ReLU′(0) = 1, ∂H/∂W1_11 = x_1 · 1 · W2_11 = 2; with 0, every ∂H/∂W is 0."""
    network = {"layers": [1, 1, 1], "bias": True, "W1": [[-1]], "W2": [[2]], "b1": [1], "x": [1]}
    for at_zero, all_zero in ((0, True), (1, False)):
        text = yaml.safe_dump({"title": "t", "conventions": {"relu_at_zero": at_zero},
                               "problems": [{"kind": "all-gradients-zero", "network": network}]})
        problem = check_plan(write(tmp_path, text, f"zero-{at_zero}.yaml")).sheet(0).problems[0]
        assert problem.parts[0].answer.value is all_zero


# ---- a to-from sheet's answers against finite differences of L, computed as it writes z = W a

LOSS_CASES = [("square", "sigmoid", 2), ("half-square", "linear", 2), ("cross-entropy", "sigmoid", 1),
              ("softmax-cross-entropy", "softmax", 3)]


def _to_from_loss(W, b, x, y, loss, output) -> float:
    """L of a 2-3-n tanh network written to-from (z = W a + b), plainly, with numpy."""
    hidden = np.tanh(W[0] @ x + b[0])
    z = W[1] @ hidden + b[1]
    a = {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "linear": lambda v: v,
         "softmax": lambda v: np.exp(v) / np.sum(np.exp(v))}[output](z)
    if loss == "square":
        return float(np.sum((a - y) ** 2))
    if loss == "half-square":
        return float(np.sum((a - y) ** 2) / 2)
    if loss == "cross-entropy":
        return float(-(y[0] * np.log(a[0]) + (1 - y[0]) * np.log(1 - a[0])))
    return float(-np.log(a[int(np.argmax(y))]))


@pytest.mark.parametrize("points", [1, 2])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("loss, output, outputs", LOSS_CASES)
def test_to_from_answers_are_finite_differences_of_L(loss, output, outputs, bias, points):
    """One point, or a batch of two (L their mean)."""
    rng = np.random.default_rng(len(loss) + outputs + bias + 10 * points)
    tenths = lambda *shape: np.round(rng.normal(0, 1, shape), 1)  # noqa: E731
    W = [tenths(3, 2), tenths(outputs, 3)]  # to-from: n_l rows
    b = [tenths(3), tenths(outputs)] if bias else [np.zeros(3), np.zeros(outputs)]
    xs = [tenths(2) for _ in range(points)]
    if loss == "softmax-cross-entropy":
        classes = [int(c) for c in rng.integers(1, outputs + 1, points)]
        ys = [np.eye(outputs)[c - 1] for c in classes]
        written_y = classes
    else:
        ys = [np.round(rng.uniform(0.1, 0.9, outputs), 1) for _ in range(points)]
        written_y = [y.tolist() for y in ys]
    network = {"layers": [2, 3, outputs], "activation": "tanh", "output": output, "loss": loss,
               "W1": W[0].tolist(), "W2": W[1].tolist()}
    if points == 1:
        network.update(x=xs[0].tolist(), y=written_y[0] if loss != "softmax-cross-entropy" else [written_y[0]])
    else:
        network.update(x=[x.tolist() for x in xs], y=written_y)
    if bias:
        network.update(bias=True, b1=b[0].tolist(), b2=b[1].tolist())
    names = [f"dL/dW{l}_{j}{k}" for l, M in ((1, W[0]), (2, W[1]))
             for j in range(1, M.shape[0] + 1) for k in range(1, M.shape[1] + 1)]
    parts = [part for chunk in (names[:12], names[12:]) if chunk  # at most 12 parts a problem
             for part in built({"kind": "backprop", "network": network, "ask": chunk, "decimals": 6}, TO_FROM).parts]
    assert [part.answer.quantity for part in parts] == names

    def loss_of_batch() -> float:
        return sum(_to_from_loss(W, b, x, y, loss, output) for x, y in zip(xs, ys)) / points

    for part in parts:
        layer, (j, k) = int(part.answer.quantity[5]), map(int, part.answer.quantity[7:9])
        M = W[layer - 1]
        old = M[j - 1, k - 1]
        M[j - 1, k - 1] = old + 1e-6
        up = loss_of_batch()
        M[j - 1, k - 1] = old - 1e-6
        down = loss_of_batch()
        M[j - 1, k - 1] = old
        assert float(part.answer.value) == pytest.approx((up - down) / 2e-6, abs=2e-6), part.answer.quantity


def test_relu_at_zero_is_stated_only_where_a_relu_is_used():
    ones = Conventions(relu_at_zero=1)

    def stated(layers):
        network = {"layers": layers, "W1": [[1] * layers[1]] * layers[0], "x": [1] * layers[0]}
        if len(layers) > 2:
            network["W2"] = [[1] * layers[2]] * layers[1]
        problem = built({"kind": "backprop", "network": network, "ask": ["dH/dx_1"]}, ones)
        words = [piece.text for block in problem.intro if isinstance(block, Para) for piece in block.content
                 if hasattr(piece, "text")] + [piece.latex for block in problem.intro if isinstance(block, Para)
                                               for piece in block.content if isinstance(piece, Math)]
        return any("ReLU}'(0) = 1" in word for word in words)

    assert stated([2, 2, 1])  # a hidden ReLU layer
    assert not stated([2, 1])  # no hidden layer, a linear output: no ReLU anywhere

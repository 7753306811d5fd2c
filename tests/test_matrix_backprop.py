"""`matrix-backprop`: vectors and matrices equal the scalar engine's values entry by entry,
shapes are right, the worked recurrences hold, exports carry vectors, misuse is one line."""
import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from worksheets import engine
from worksheets.cli import main
from worksheets.kinds import KINDS
from worksheets.output.answers import answers_csv_from_files, answers_data
from worksheets.output.lms import numeric_entries
from worksheets.problems import matrix_backprop
from worksheets.problems.checked import CheckFailed
from worksheets.quantities import Quantity

KIND = KINDS["matrix-backprop"]
SPEC = {"kind": "matrix-backprop",
        "network": {"layers": [2, 2, 2], "loss": "half-square", "bias": True, "W1": [[1, -1], [2, 1]],
                    "W2": [[1, 2], [-1, 1]], "b1": [1, 1], "x": [1, 1], "y": [1, 2]},
        "ask": ["delta2", "dL/dW2", "dL/db1", "dL/da1", "shape dL/dW1"]}


def build(spec):
    return KIND.build(KIND.spec(**spec), 1)


def test_answers_by_hand():
    # z1 = W1ᵀx + b1 = (4, 1), a1 = (4, 1); a2 = W2ᵀa1 = (3, 9); δ2 = a2 − y = (2, 7);
    # ∂L/∂W2 = a1 δ2ᵀ; ∂L/∂a1 = W2 δ2 = (16, 5) = δ1 (both ReLUs on) = ∂L/∂b1
    problem = build(SPEC)
    values = [part.answer.value for part in problem.parts]
    assert values == [(2, 7), ((8, 28), (2, 7)), (16, 5), (16, 5), (2, 2)]
    assert [part.answer.quantity for part in problem.parts] == SPEC["ask"]
    assert problem.parts[1].answer.latex.endswith(r"\begin{pmatrix} 8 & 28 \\ 2 & 7 \end{pmatrix}")
    assert problem.parts[0].answer.latex.endswith(r"\begin{pmatrix} 2 \\ 7 \end{pmatrix}")  # a column


def test_the_worked_solution_writes_the_recurrences_with_numbers():
    problem = build(SPEC)
    delta1 = problem.parts[2].solution[0].latex
    assert delta1.startswith(r"\delta^{(1)} = (W^{(2)} \delta^{(2)}) \odot g'(z^{(1)}) = ")
    assert delta1.endswith(r"\odot \begin{pmatrix} 1 \\ 1 \end{pmatrix} = \begin{pmatrix} 16 \\ 5 \end{pmatrix}")
    outer = problem.parts[1].solution[-1].latex
    assert outer.startswith(r"\dfrac{{\partial} L}{{\partial} W^{(2)}} = a^{(1)} {\delta^{(2)}}^{\top} = ")
    delta2 = problem.parts[0].solution[0].latex  # a linear output: δ is the loss's gradient a − y
    assert r"= \begin{pmatrix} 3 \\ 9 \end{pmatrix} - \begin{pmatrix} 1 \\ 2 \end{pmatrix} = " in delta2


def _network(rng, loss, output, outputs, l2, bias):
    layers = [3, 2, outputs]
    weights = {f"W{l}": [[float(round(v, 2)) for v in row] for row in rng.normal(0, 1, (layers[l - 1], layers[l]))]
               for l in (1, 2)}
    y = (int(rng.integers(1, outputs + 1)) if loss == "softmax-cross-entropy"
         else [0.25] if loss == "cross-entropy" else [float(round(v, 2)) for v in rng.normal(0, 1, outputs)])
    net = {"layers": layers, "activation": "tanh", "output": output, "loss": loss, "y": y, "l2": l2,
           "x": [float(round(v, 2)) for v in rng.normal(0, 1, 3)], "bias": bias, **weights}
    if bias:
        net.update({f"b{l}": [float(round(v, 2)) for v in rng.normal(0, 1, layers[l])] for l in (1, 2)})
    return net


@pytest.mark.parametrize("loss, output, outputs", [("half-square", "sigmoid", 2), ("square", "linear", 1),
                                                   ("cross-entropy", "sigmoid", 1),
                                                   ("softmax-cross-entropy", "softmax", 3)])
@pytest.mark.parametrize("l2", [0, 0.1])
def test_vectors_and_matrices_are_the_scalar_engines_entry_by_entry(loss, output, outputs, l2):
    network = _network(np.random.default_rng(outputs), loss, output, outputs, l2, bias=True)
    ask = ["delta2", "delta1", "dL/dW1", "dL/dW2", "dL/db1", "dL/dx", "shape dL/dW1", "shape dL/db2"]
    problem = build({"kind": "matrix-backprop", "network": network, "ask": ask, "decimals": 6})
    net = KIND.spec(kind="matrix-backprop", network=network, ask=ask).network.to_network()
    values = engine.evaluate(net)
    found = {part.answer.quantity: part.answer.value for part in problem.parts}
    rounded = lambda array: tuple(round(float(v), 6) + 0.0 for v in np.ravel(array))  # noqa: E731
    assert found["delta2"] == rounded(values.dz[2]) and found["delta1"] == rounded(values.dz[1])
    assert tuple(np.ravel(found["dL/dW1"])) == rounded(values.dW[1]) and len(found["dL/dW1"]) == 3
    assert tuple(np.ravel(found["dL/dW2"])) == rounded(values.dW[2])
    assert found["dL/db1"] == rounded(values.db[1]) and found["dL/dx"] == rounded(values.da[0])
    assert found["shape dL/dW1"] == (3, 2) and found["shape dL/db2"] == (outputs, 1)
    if output == "softmax":  # δ^(L) = p − y
        p = np.exp(values.z[2]) / np.sum(np.exp(values.z[2]))
        assert found["delta2"] == rounded(p - net.targets())


@given(st.lists(st.integers(-3, 3).filter(bool), min_size=8, max_size=8), st.lists(st.integers(-2, 2), min_size=2,
       max_size=2), st.fractions(0, 1, max_denominator=4))
def test_recurrences_equal_the_exact_scalar_values(weights, x, l2):
    """The matrix recurrences (numpy, on their own) and the exact scalar path sums agree on
    every entry of every layer, ReLU networks with L2 included."""
    spec = {"kind": "matrix-backprop",
            "network": {"layers": [2, 2, 2], "loss": "square", "l2": str(l2), "W1": [weights[:2], weights[2:4]],
                        "W2": [weights[4:6], weights[6:]], "x": x, "y": [1, -1]},
            "ask": ["delta1", "dL/dW1", "dL/dW2", "dL/da1", "dL/dx"]}
    for part in build(spec).parts:
        assert all(isinstance(v, (int, Fraction)) for v in np.ravel(np.array(part.answer.value, dtype=object)))


def test_a_wrong_recurrence_is_caught(monkeypatch):
    real = matrix_backprop.recurrences

    def transposed(net, a, z):  # the classic slip: δ^(l) = (W^(l+1)ᵀ δ^(l+1)) ⊙ g′
        found = real(net, a, z)
        found["delta"][1] = found["delta"][1][::-1]
        return found
    monkeypatch.setattr(matrix_backprop, "recurrences", transposed)
    with pytest.raises(CheckFailed, match="delta1: the matrix recurrences give"):
        build({**SPEC, "ask": ["delta1"]})


def test_answers_json_csv_and_lms_carry_vectors(tmp_path):
    from worksheets.document import Sheet
    sheet = Sheet("m", "M", (build(SPEC),))
    parts = answers_data(sheet)["problems"][0]["parts"]
    assert parts[0]["answer"] == [2, 7] and parts[1]["answer"] == [[8, 28], [2, 7]]
    assert parts[4] == {"label": "e", "quantity": "shape dL/dW1", "answer": [2, 2], "tolerance": 0}
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers_data(sheet)))
    rows = answers_csv_from_files([path]).decode().splitlines()
    assert ",1,,a,delta2,(2),7,,0" in rows and ',1,,b,dL/dW2,"(1,2)",28,,0' in rows
    assert [e.label for e in numeric_entries(parts[0])] == ["entry 1", "entry 2"]
    assert [(e.label, e.value) for e in numeric_entries(parts[4])] == [("rows", 2), ("columns", 2)]


def test_versions_keep_the_rules():
    from worksheets.variants import problem_versions
    spec = KIND.spec(kind="matrix-backprop", random={"weights": [-3, 3], "inputs": [-2, 3], "max_value": 60},
                     network={"layers": [2, 2, 2], "loss": "half-square"}, ask=["delta2", "dL/dW2", "dL/da1"])
    versions = problem_versions(spec, "m", 3, 4)
    assert len({json.dumps(v.network.W1) + json.dumps(v.network.W2) + str(v.network.x) for v in versions}) == 4
    for version in versions:
        for part in KIND.build(version, 1).parts:
            entries = np.ravel(np.array(part.answer.value, dtype=object))
            assert all(isinstance(v, int) and v != 0 and abs(v) <= 60 for v in entries)


SHEET = """\
title: Matrix form
problems:
  - kind: matrix-backprop
    network:
      layers: [2, 2, 2]
      loss: half-square
      W1: [[1, -1], [2, 1]]
      W2: [[1, 2], [-1, 1]]
      x: [1, 1]
      y: [1, 2]
    ask: [delta2, dL/dW2]
"""


@pytest.mark.parametrize("old, new, expected", [
    ("ask: [delta2, dL/dW2]", "ask: [delta2, dL/dW3]",
     "bad.yaml:11: problems[0].ask[1]: 'dL/dW3' does not exist: layers are numbered 1 to 2"),
    ("ask: [delta2, dL/dW2]", "ask: [delta2, dL/db1]",
     "bad.yaml:11: problems[0].ask[1]: 'dL/db1': 'dL/db1_1' does not exist: the network has no biases"),
    ("ask: [delta2, dL/dW2]", "ask: [delta2, dH/dW2]",
     "bad.yaml:11: problems[0].ask[1]: 'dH/dW2': this network's derivatives are of L"),
    ("ask: [delta2, dL/dW2]", "ask: [delta2, delta2]", "bad.yaml:11: problems[0].ask[1]: 'delta2' is asked twice"),
    ("ask: [delta2, dL/dW2]", "ask: [delta2, dL/dW2_11]",
     "bad.yaml:11: problems[0].ask[1]: expected a vector or matrix such as delta2"),
    ("ask: [delta2, dL/dW2]", "ask: [delta2, shape W2]", "bad.yaml:11: problems[0].ask[1]: expected a vector or matrix"),
    ("x: [1, 1]\n      y: [1, 2]", "x: [[1, 1], [2, 1]]\n      y: [[1, 2], [0, 1]]",
     "bad.yaml:9: problems[0].network.x: the matrix-backprop kind works on one input"),
])
def test_misuse_is_one_line(tmp_path, capsys, old, new, expected):
    assert old in SHEET
    (tmp_path / "bad.yaml").write_text(SHEET.replace(old, new, 1))
    assert main(["check", str(tmp_path / "bad.yaml")]) == 1
    err = capsys.readouterr().err.replace(str(tmp_path) + "/", "")
    assert err.count("\n") == 1 and err.startswith(expected), err


def test_the_scalar_check_names_the_entry():
    net = KIND.spec(**SPEC).network.to_network()
    assert [q.name for q in matrix_backprop.parse_asked("dL/dW2").entries(net)[0]] == ["dL/dW2_11", "dL/dW2_12"]
    assert matrix_backprop.parse_asked("delta1").entries(net) == [[Quantity("z", 1, 1, 0, True, "L"),
                                                                    Quantity("z", 1, 2, 0, True, "L")]]

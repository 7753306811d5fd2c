"""Batches of points and L2 regularization: the engine against central finite differences
of L, the exact path sums against the engine, worked keys, versions and one-line errors."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from worksheets import engine
from worksheets.cli import main
from worksheets.kinds import KINDS
from worksheets.network import Network
from worksheets.paths import derivative_value, loss_value
from worksheets.problems.checked import solve
from worksheets.quantities import Quantity, lookup, parse

# every loss with every output activation it accepts, one and several outputs
CASES = [(loss, output, outputs) for loss in ("square", "half-square") for output in ("linear", "relu", "sigmoid", "tanh")
         for outputs in (1, 3)] + [("cross-entropy", "sigmoid", 1), ("softmax-cross-entropy", "softmax", 3)]
# (points, reduce, λ): one point with L2, batches reduced both ways, with and without L2
SETTINGS = [(1, "mean", Fraction(3, 10)), (3, "mean", Fraction(0)), (2, "sum", Fraction(0)),
            (3, "mean", Fraction(1, 4)), (2, "sum", Fraction(1, 2))]
STEP = 1e-6  # central differences: error O(STEP²) from the curvature, O(1e-16/STEP) from rounding
TOLERANCE = 1e-6  # absolute, on gradients of size about 1


def _fraction(v) -> Fraction:
    return Fraction(float(v)).limit_denominator(32)


def _targets(rng, loss, outputs):
    if loss == "softmax-cross-entropy":
        c = int(rng.integers(outputs))
        return tuple(Fraction(int(k == c)) for k in range(outputs))
    if loss == "cross-entropy":
        return (Fraction(int(rng.integers(5)), 4),)
    return tuple(_fraction(v) for v in rng.normal(0, 1, outputs))


def network(rng, loss, output, outputs, bias, points, reduce, l2, hidden="tanh"):
    layers = (2, 3, outputs)
    weights = tuple(tuple(tuple(_fraction(v) for v in row) for row in rng.normal(0, 1, (n, m)))
                    for n, m in zip(layers, layers[1:]))
    biases = tuple(tuple(_fraction(v) for v in rng.normal(0, 1, m)) for m in layers[1:]) if bias else None
    data = [(tuple(_fraction(v) for v in rng.normal(0, 1.5, 2)), _targets(rng, loss, outputs)) for _ in range(points)]
    if points == 1:
        (x, y), = data
        return Network(layers, hidden, output, weights, biases, x, loss, y, l2=l2)
    return Network(layers, hidden, output, weights, biases, None, loss, None, l2=l2, batch=tuple(data),
                   reduce=reduce)


def loss_of(net, weights, biases) -> float:
    """L written out plainly (no code of the engine's): each point's loss, their mean or
    sum, plus (λ/2)·ΣW²."""
    data = net.batch if net.is_batch else ((net.x, net.y),)
    losses = []
    for x, y in data:
        a, y = np.array(x, dtype=float), np.array(y, dtype=float)
        for layer in range(1, net.depth + 1):
            z = weights[layer - 1].T @ a + biases[layer - 1]
            if net.activation(layer) == "softmax":
                a = np.exp(z) / np.sum(np.exp(z))
            else:
                a = {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0), "linear": lambda v: v,
                     "sigmoid": lambda v: 1 / (1 + np.exp(-v))}[net.activation(layer)](z)
        losses.append({"square": lambda: np.sum((a - y) ** 2), "half-square": lambda: np.sum((a - y) ** 2) / 2,
                       "cross-entropy": lambda: -(y[0] * np.log(a[0]) + (1 - y[0]) * np.log(1 - a[0])),
                       "softmax-cross-entropy": lambda: -np.log(a[int(np.argmax(y))])}[net.loss]())
    total = np.mean(losses) if net.reduce == "mean" else np.sum(losses)
    return float(total + float(net.l2) / 2 * sum(np.sum(W ** 2) for W in weights))


def finite_differences(net):
    weights = [net.W(l) for l in range(1, net.depth + 1)]
    biases = [net.b(l) for l in range(1, net.depth + 1)]
    grads = []
    for array in weights + biases:
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            old = array[index]
            array[index] = old + STEP
            up = loss_of(net, weights, biases)
            array[index] = old - STEP
            down = loss_of(net, weights, biases)
            array[index] = old
            grad[index] = (up - down) / (2 * STEP)
        grads.append(grad)
    return grads[:net.depth], grads[net.depth:]


@pytest.mark.parametrize("loss, output, outputs", CASES)
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("points, reduce, l2", SETTINGS)
def test_engine_gradients_are_finite_differences_of_L(loss, output, outputs, bias, points, reduce, l2):
    rng = np.random.default_rng([CASES.index((loss, output, outputs)), bias, SETTINGS.index((points, reduce, l2))])
    net = network(rng, loss, output, outputs, bias, points, reduce, l2)
    values = engine.evaluate(net)
    dW, db = finite_differences(net)
    weights, biases = [net.W(l) for l in (1, 2)], [net.b(l) for l in (1, 2)]
    assert values.loss == pytest.approx(loss_of(net, weights, biases), rel=1e-12)
    for layer in (1, 2):
        np.testing.assert_allclose(values.dW[layer], dW[layer - 1], atol=TOLERANCE)
        np.testing.assert_allclose(values.db[layer], db[layer - 1], atol=TOLERANCE)


@pytest.mark.parametrize("points, reduce, l2", SETTINGS)
@pytest.mark.parametrize("loss, output, outputs", [c for c in CASES if c[1] in ("linear", "softmax", "sigmoid")])
def test_exact_path_sums_agree_with_the_engine(loss, output, outputs, points, reduce, l2):
    net = network(np.random.default_rng(len(loss) + outputs), loss, output, outputs, True, points, reduce, l2,
                  hidden="relu")
    values = engine.evaluate(net)
    assert float(loss_value(net)) == pytest.approx(values.loss, rel=1e-12)
    for name in ("dL/dW1_21", "dL/dW2_31", "dL/db1_2", "dL/db2_1"):
        q = parse(name)
        assert float(derivative_value(net, q)) == pytest.approx(lookup(q, values), rel=1e-9, abs=1e-12)


def test_softmax_cross_entropy_gradient_is_p_minus_y_at_every_point():
    net = network(np.random.default_rng(5), "softmax-cross-entropy", "softmax", 3, True, 3, "mean", Fraction(0))
    values = engine.evaluate(net)
    for point, (_, y) in zip(values.points, net.batch):
        p = np.exp(point.z[2]) / np.sum(np.exp(point.z[2]))
        np.testing.assert_allclose(point.dz[2], p - np.array(y, dtype=float), atol=1e-15)
    # the batch's ∂L/∂b^(2) is the mean of p − y
    mean = np.mean([point.dz[2] for point in values.points], axis=0)
    np.testing.assert_allclose(values.db[2], mean, atol=1e-15)


def _relu_network(data, l2, reduce="mean"):
    W1 = ((Fraction(1), Fraction(2)), (Fraction(-1), Fraction(1)))
    W2 = ((Fraction(2),), (Fraction(1),))
    batch = tuple((tuple(map(Fraction, x)), tuple(map(Fraction, y))) for x, y in data)
    return Network((2, 2, 1), "relu", "linear", (W1, W2), None, None, "half-square", None, l2=l2, batch=batch,
                   reduce=reduce)


def test_a_batch_by_hand():
    # point 1: x = (1, 2): z1 = (−1, 4), a1 = (0, 4), a2 = 4, ℓ = ½·3² = 9/2, ∂ℓ/∂W2_21 = 4·3
    # point 2: x = (2, 0): z1 = (2, 4), a1 = (2, 4), a2 = 8, ℓ = ½·5² = 25/2, ∂ℓ/∂W2_21 = 4·5
    # ΣW² = 1 + 4 + 1 + 1 + 4 + 1 = 12
    net = _relu_network([((1, 2), (1,)), ((2, 0), (3,))], Fraction(1, 10))
    solved = solve(net)
    assert solved.decimals is None
    assert solved.value(Quantity("L")) == Fraction(17, 2) + Fraction(1, 20) * 12
    assert solved.value(parse("dL/dW2_21")) == Fraction(12 + 20, 2) + Fraction(1, 10) * 1
    assert solved.value(parse("dL/db2_1")) == Fraction(3 + 5, 2)  # biases are not regularized
    summed = solve(_relu_network([((1, 2), (1,)), ((2, 0), (3,))], Fraction(0), "sum"))
    assert summed.value(Quantity("L")) == 17 and summed.value(parse("dL/dW2_21")) == 32


@given(st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3), st.integers(-5, 5)), min_size=1, max_size=4),
       st.fractions(0, 2, max_denominator=10), st.sampled_from(["mean", "sum"]))
def test_exact_batches_are_exact(points, l2, reduce):
    """On a ReLU network with whole numbers, L and every gradient of a batch with L2 are
    exact Fractions, and the engine's floats agree with them."""
    net = _relu_network([((a, b), (y,)) for a, b, y in points], l2, reduce)
    values = engine.evaluate(net)
    exact = loss_value(net)
    assert isinstance(exact, Fraction) and float(exact) == pytest.approx(values.loss, rel=1e-12, abs=1e-12)
    for name in ("dL/dW1_11", "dL/dW1_22", "dL/dW2_11", "dL/db2_1"):
        q = parse(name)
        value = derivative_value(net, q)
        assert isinstance(value, Fraction)
        assert float(value) == pytest.approx(lookup(q, values), rel=1e-12, abs=1e-12)


BATCH = {"kind": "backprop", "network": {"layers": [2, 2, 1], "loss": "half-square", "l2": "1/10",
                                         "W1": [[1, 2], [-1, 1]], "W2": [[2], [1]], "x": [[1, 2], [2, 0]],
                                         "y": [1, 3]},
         "ask": ["L", "dL/dW1_11", "dL/dW2_11"]}


def test_the_key_of_a_batch_shows_each_point_and_the_mean():
    kind = KINDS["backprop"]
    problem = kind.build(kind.spec(**BATCH), 1)
    assert [part.answer.value for part in problem.parts] == [Fraction(91, 10), Fraction(101, 10), Fraction(26, 5)]
    lines = [block.latex for block in problem.parts[2].solution]
    # each point's values, then the mean with the λW term: ½(0 + 10) + 1/10 · 2
    assert lines[0].startswith("n = 1") and "a^{(1)}_{1} = 0" in lines[0]
    assert lines[-1].endswith(r"= \tfrac{1}{2}(0 + 10) + 1/10 \cdot 2 = \frac{26}{5}")
    table = next(block for block in problem.intro if type(block).__name__ == "Table")
    assert [[cell[0].text for cell in row] for row in table.rows[1:]] == [["1", "1", "2", "1"], ["2", "2", "0", "3"]]
    figure = next(block for block in problem.intro if type(block).__name__ == "Figure")
    assert figure.spec.input_values is None and figure.spec.node_values is None and figure.spec.targets is None


def test_l2_shows_in_the_worked_steps():
    spec = {"kind": "backprop", "network": {"layers": [2, 1], "loss": "square", "l2": "1/2", "W1": [[1], [2]],
                                            "x": [1, 1], "y": [1]}, "ask": ["dL/dW1_21", "L"]}
    kind = KINDS["backprop"]
    problem = kind.build(kind.spec(**spec), 1)
    # a = 3, ∂L/∂a = 2·2 = 4; ∂L/∂W1_21 = x_2·4 + ½·2 = 5; L = 4 + ¼·5
    assert [part.answer.value for part in problem.parts] == [5, Fraction(21, 4)]
    weight_line = problem.parts[0].solution[-1].latex
    assert r"+ \lambda\, W^{(1)}_{21}" in weight_line and r"+ 1/2 \cdot 2 = 5" in weight_line
    loss_lines = [block.latex for block in problem.parts[1].solution]
    assert loss_lines[-1].startswith(r"L = \ell + \tfrac{\lambda}{2}") and loss_lines[-1].endswith(
        r"= 4 + \tfrac{1}{2} \cdot 1/2 \cdot 5 = \frac{21}{4}")


def test_gradient_table_takes_a_loss_a_batch_and_l2():
    spec = {"kind": "gradient-table", "network": BATCH["network"], "layers": [2]}
    kind = KINDS["gradient-table"]
    problem = kind.build(kind.spec(**spec), 1)
    assert problem.parts[0].answer.quantity == "dL/dW2"
    # ½(0 + 10) + λ·2 and ½(12 + 20) + λ·1
    assert problem.parts[0].answer.value == ((Fraction(26, 5),), (Fraction(161, 10),))


def test_versions_of_a_batch_keep_the_rules():
    from worksheets.variants import problem_versions
    spec = KINDS["gd-step"].spec(**{
        "kind": "gd-step", "random": {"weights": [-2, 2], "inputs": [-2, 2], "max_value": 40},
        "network": {"layers": [2, 2, 1], "loss": "half-square", "l2": "1/10",
                    "x": [["random", "random"], ["random", "random"]], "y": "random"},
        "learning_rate": "1/10", "update": ["W2_11", "W1_12"]})
    versions = problem_versions(spec, "batch", 7, 3)
    found = [KINDS["gd-step"].build(v, 1) for v in versions]
    for problem in found:
        for part in problem.parts:  # exact: λ = 1/10 and a mean of 2 make tenths and halves at most
            assert (Fraction(part.answer.value) * 200).denominator == 1
    assert len({str(v.network.x) for v in versions}) == 3


@pytest.mark.parametrize("kind, extra", [("backprop", {"ask": ["L", "dL/dW2_11"]}),
                                         ("gradient-table", {"layers": [2]})])
def test_every_way_of_drawing_keeps_the_loss_l2_and_batch(kind, extra):
    """ReLU networks are drawn with their ReLUs on (constructively), others by rejection:
    either way each version keeps what the spec says of its loss."""
    from worksheets.variants import problem_versions
    for x in (["random", "random"], [["random", "random"], ["random", "random"]]):
        batch = isinstance(x[0], list)
        spec = KINDS[kind].spec(**{
            "kind": kind, "random": {"weights": [-2, 2], "inputs": [-2, 2], "max_value": 60},
            "network": {"layers": [2, 2, 1], "loss": "square", "l2": "1/10", **({"reduce": "sum"} if batch else {}),
                        "x": x, "y": ["random", "random"] if batch else "random"}, **extra})
        for version in problem_versions(spec, "kept", 7, 3):
            network = version.network
            assert (network.loss, network.l2, network.reduce) == ("square", Fraction(1, 10), "sum" if batch else "mean")
            assert network.is_batch == isinstance(x[0], list)


# ---- one-line errors ---------------------------------------------------------------------

SHEET = """\
title: Batch
problems:
  - kind: backprop
    network:
      layers: [2, 2, 1]
      loss: half-square
      W1: [[1, 2], [-1, 1]]
      W2: [[2], [1]]
      x: [[1, 2], [2, 0]]
      y: [1, 3]
    ask: [L, dL/dW2_11]
"""


@pytest.mark.parametrize("old, new, expected", [
    ("x: [[1, 2], [2, 0]]", "x: [[1, 2], [2, 0, 1]]",
     "bad.yaml:9: problems[0].network.x[1]: expected 2 numbers (the input layer has 2 nodes), got 3"),
    ("y: [1, 3]", "y: [1, 3, 2]", "bad.yaml:10: problems[0].network.y: expected 2 targets, one per point "
                                  "(x has 2 rows), got 3"),
    ("y: [1, 3]", "y: [[1, 2], 3]", "bad.yaml:10: problems[0].network.y[0]: expected 1 number (the output layer has 1 node), got 2"),
    ("loss: half-square", "loss: half-square\n      l2: -0.1", "bad.yaml:7: problems[0].network.l2: λ is 0 or more"),
    ("      loss: half-square\n", "      l2: 0.1\n", "bad.yaml:6: problems[0].network.l2: l2 regularization adds to "
                                                    "a loss"),
    ("x: [[1, 2], [2, 0]]", "x: [1, 2]\n      reduce: sum", "bad.yaml:10: problems[0].network.reduce: reduce "
                                                           "combines the losses of a batch"),
    ("x: [[1, 2], [2, 0]]", "x: [[1, 2], 3]", "bad.yaml:9: problems[0].network.x[1]: expected a row of numbers"),
    ("x: [[1, 2], [2, 0]]", "x: [[1, 2], [2, zero]]", "bad.yaml:9: problems[0].network.x[1][1]: expected a number"),
    ("ask: [L, dL/dW2_11]", "ask: [L, dL/dz1_1]", "bad.yaml:11: problems[0].ask[1]: 'dL/dz1_1' has one value per "
                                                  "point of the batch"),
    ("kind: backprop", "kind: path-blank", "bad.yaml:9: problems[0].network.x: the path-blank kind works on one "
                                           "input"),
])
def test_misuse_is_one_line(tmp_path, capsys, old, new, expected):
    text = SHEET.replace(old, new, 1)
    if "path-blank" in text:
        text = text.replace("    ask: [L, dL/dW2_11]\n", "    target: dH/dW1_11\n")
    (tmp_path / "bad.yaml").write_text(text)
    assert main(["check", str(tmp_path / "bad.yaml")]) == 1
    err = capsys.readouterr().err.replace(str(tmp_path) + "/", "")
    assert err.count("\n") == 1 and err.startswith(expected), err


def test_a_batch_needs_a_loss(tmp_path, capsys):
    text = SHEET.replace("      loss: half-square\n", "").replace("      y: [1, 3]\n", "").replace("L, dL/dW2_11", "H")
    (tmp_path / "bad.yaml").write_text(text)
    assert main(["check", str(tmp_path / "bad.yaml")]) == 1
    err = capsys.readouterr().err.replace(str(tmp_path) + "/", "")
    assert err.startswith("bad.yaml:8: problems[0].network.x: a batch of points needs a loss") and err.count("\n") == 1


def test_a_good_batch_sheet_checks(tmp_path, capsys):
    (tmp_path / "good.yaml").write_text(SHEET)
    assert main(["check", str(tmp_path / "good.yaml")]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("old, new, expected", [
    ("x: [[1, 2], [2, 0]]", "x: [[1, 2], [2, 0], [1, 1], [1, 1], [1, 1], [1, 1], [1, 1], [1, 1], [1, 1]]",
     "bad.yaml:9: problems[0].network.x: 9 points; a batch has 1 to 8"),
    ("layers: [2, 2, 1]", "layers: [2, 9, 9, 1]", "bad.yaml:9: problems[0].network.x: 2 points on layers "
                                                  "[2, 9, 9, 1]: the key would list up to 26 lines"),
])
def test_batches_too_large_to_print_are_refused(tmp_path, capsys, old, new, expected):
    text = SHEET.replace(old, new, 1)
    if "9, 9" in text:  # the weights to match, and enough points to pass the limit
        text = text.replace("W1: [[1, 2], [-1, 1]]", "W1: random").replace("W2: [[2], [1]]", "W2: random")
        text = text.replace("x: [[1, 2], [2, 0]]", "x: [[1, 2], [2, 0], [1, 1], [0, 1]]").replace(
            "y: [1, 3]", "y: [1, 3, 1, 1]")
        expected = expected.replace("2 points", "4 points").replace("26 lines", "52 lines")
    (tmp_path / "bad.yaml").write_text(text)
    assert main(["check", str(tmp_path / "bad.yaml")]) == 1
    err = capsys.readouterr().err.replace(str(tmp_path) + "/", "")
    assert err.count("\n") == 1 and err.startswith(expected), err


def test_a_random_softmax_batch_draws_a_class_per_point():
    from worksheets.variants import problem_versions
    spec = KINDS["backprop"].spec(**{
        "kind": "backprop", "random": {"weights": [-2, 2], "inputs": [-2, 2]}, "decimals": 2,
        "network": {"layers": [2, 2, 3], "output": "softmax", "loss": "softmax-cross-entropy", "bias": True,
                    "x": [["random", "random"], [1, "random"]], "y": ["random", 2]},
        "ask": ["L", "dL/db2_1"]})
    for version in problem_versions(spec, "softmax", 1, 3):
        net = version.network.to_network()
        assert len(net.batch) == 2 and net.batch[1][0][0] == 1 and net.batch[1][1] == (0, 1, 0)
        assert sorted(net.batch[0][1]) == [0, 0, 1]
        problem = KINDS["backprop"].build(version, 1)
        p = [engine.evaluate(net.point(n)).a[-1] for n in range(2)]  # ∂L/∂b2_1 = mean of p_1 − y_1
        assert problem.parts[1].answer.value == round((p[0][0] - net.batch[0][1][0] + p[1][0]) / 2, 2)

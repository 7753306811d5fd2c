"""Losses and several outputs: the engine against central finite differences of L, and
the exact path sums (ending in ∂L/∂a^(L), or p − y after a softmax) against the engine."""
from fractions import Fraction

import numpy as np
import pytest

from worksheets import engine
from worksheets.network import Network
from worksheets.paths import Factor, PathSum, derivative_value, evaluate_path_sum, exact_forward, loss_exact, path_sum
from worksheets.problems.checked import solve
from worksheets.quantities import Quantity, lookup, parse

# every loss with every output activation it accepts, and output counts
CASES = [(loss, output, outputs) for loss in ("square", "half-square") for output in ("linear", "relu", "sigmoid", "tanh")
         for outputs in (1, 3)] + [("cross-entropy", "sigmoid", 1), ("softmax-cross-entropy", "softmax", 2),
                                   ("softmax-cross-entropy", "softmax", 3)]


def _fraction(v) -> Fraction:
    return Fraction(float(v)).limit_denominator(32)


def network(rng, loss, output, outputs, bias, hidden="tanh"):
    layers = (2, 3, outputs)
    weights = tuple(tuple(tuple(_fraction(v) for v in row) for row in rng.normal(0, 1, (n, m)))
                    for n, m in zip(layers, layers[1:]))
    biases = tuple(tuple(_fraction(v) for v in rng.normal(0, 1, m)) for m in layers[1:]) if bias else None
    x = tuple(_fraction(v) for v in rng.normal(0, 1.5, 2))
    if loss == "softmax-cross-entropy":
        y = tuple(Fraction(int(k == outputs - 1)) for k in range(outputs))  # the last class
    elif loss == "cross-entropy":
        y = (Fraction(1, 4),)
    else:
        y = tuple(_fraction(v) for v in rng.normal(0, 1, outputs))
    return Network(layers, hidden, output, weights, biases, x, loss, y)


def loss_of(net, weights, biases, x) -> float:
    """L written out plainly, for finite differences (no code of the engine's losses)."""
    a = x
    for layer in range(1, net.depth + 1):
        z = weights[layer - 1].T @ a + biases[layer - 1]
        a = engine.ACTIVATION[net.activation(layer)][0](z)
    y = net.targets()
    if net.loss == "square":
        return float(np.sum((a - y) ** 2))
    if net.loss == "half-square":
        return float(np.sum((a - y) ** 2) / 2)
    if net.loss == "cross-entropy":
        return float(-(y[0] * np.log(a[0]) + (1 - y[0]) * np.log(1 - a[0])))
    return float(-np.log(a[int(np.argmax(y))]))


def finite_differences(net):
    """dL/dW^(l), dL/db^(l) and dL/dx by central differences."""
    weights = [net.W(l) for l in range(1, net.depth + 1)]
    biases = [net.b(l) for l in range(1, net.depth + 1)]
    x = net.input()
    arrays = weights + biases + [x]
    grads = []
    for array in arrays:
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            old = array[index]
            array[index] = old + 1e-6
            up = loss_of(net, weights, biases, x)
            array[index] = old - 1e-6
            down = loss_of(net, weights, biases, x)
            array[index] = old
            grad[index] = (up - down) / 2e-6
        grads.append(grad)
    L = net.depth
    return grads[:L], grads[L:2 * L], grads[-1]


@pytest.mark.parametrize("loss, output, outputs", CASES)
@pytest.mark.parametrize("bias", [False, True])
def test_engine_gradients_are_finite_differences_of_L(loss, output, outputs, bias):
    rng = np.random.default_rng(CASES.index((loss, output, outputs)) * 2 + bias)
    net = network(rng, loss, output, outputs, bias)
    values = engine.evaluate(net)
    dW, db, dx = finite_differences(net)
    assert values.loss == pytest.approx(loss_of(net, [net.W(l) for l in (1, 2)], [net.b(l) for l in (1, 2)],
                                                net.input()), rel=1e-12)
    for layer in (1, 2):
        np.testing.assert_allclose(values.dW[layer], dW[layer - 1], atol=1e-6)
        np.testing.assert_allclose(values.db[layer], db[layer - 1], atol=1e-6)
    np.testing.assert_allclose(values.da[0], dx, atol=1e-6)


@pytest.mark.parametrize("loss, output, outputs", CASES)
def test_path_sums_agree_with_the_engine(loss, output, outputs):
    rng = np.random.default_rng(len(loss) * 10 + outputs)
    net = network(rng, loss, output, outputs, bias=True, hidden="relu")
    values = engine.evaluate(net)
    z, a = exact_forward(net)
    assert float(loss_exact(net, z, a)) == pytest.approx(values.loss, rel=1e-12)
    for name in ("dL/dW1_21", "dL/dW2_31", "dL/db1_2", "dL/dz1_3", "dL/da1_1", "dL/dx_2", "dL/dz2_1"):
        q = parse(name)
        ps = path_sum(net, q)
        assert all(term[-1].kind == "dL" for term in ps.terms)  # every path ends in the loss
        assert float(evaluate_path_sum(net, ps)) == pytest.approx(lookup(q, values), rel=1e-9, abs=1e-12)
        assert float(derivative_value(net, q)) == pytest.approx(lookup(q, values), rel=1e-9, abs=1e-12)


def test_softmax_cross_entropy_output_gradient_is_p_minus_y():
    net = network(np.random.default_rng(3), "softmax-cross-entropy", "softmax", 3, bias=True)
    values = engine.evaluate(net)
    z = values.z[2]
    p = np.exp(z) / np.sum(np.exp(z))
    np.testing.assert_allclose(values.dz[2], p - np.array([0.0, 0.0, 1.0]), atol=1e-15)
    # the softmax's slope is folded in: the path sum is the one factor ∂L/∂z^(2)_1
    assert path_sum(net, parse("dL/dz2_1")) == PathSum((), ((Factor("dL", 2, 1),),))


def test_square_losses_are_exact_on_relu_networks():
    net = Network((1, 1, 2), "relu", "linear", (((Fraction(2),),), ((Fraction(1), Fraction(-3)),)), None,
                  (Fraction(3),), "half-square", (Fraction(1, 2), Fraction(4)))
    solved = solve(net)
    assert solved.decimals is None
    # a = (6, −18): L = ½(5.5² + 22²), dL/dW1_11 = x (W2_11 (a1 − y1) + W2_12 (a2 − y2)) = 3 (5.5 + 66)
    assert solved.value(Quantity("L")) == Fraction(11, 2) ** 2 / 2 + 22 ** 2 / 2
    assert solved.value(parse("dL/dW1_11")) == Fraction(429, 2)


def test_the_classic_worked_example():
    """Mazur's step-by-step backpropagation example: ½·square loss, 2-2-2 sigmoid."""
    def f(*values):
        return tuple(Fraction(str(v)) for v in values)
    net = Network((2, 2, 2), "sigmoid", "sigmoid", ((f(0.15, 0.25), f(0.2, 0.3)), (f(0.4, 0.5), f(0.45, 0.55))),
                  (f(0.35, 0.35), f(0.6, 0.6)), f(0.05, 0.1), "half-square", f(0.01, 0.99))
    solved = solve(net)
    assert solved.value(Quantity("L")) == pytest.approx(0.298371109, abs=1e-9)
    assert solved.value(parse("dL/dW2_11")) == pytest.approx(0.082167041, abs=1e-9)
    assert solved.value(parse("dL/dW1_11")) == pytest.approx(0.000438568, abs=1e-9)


def _network_spec(**fields):
    from worksheets.spec import NetworkSpec
    return NetworkSpec(**{"layers": [2, 2, 2], "W1": [[1, 2], [3, 4]], "W2": [[1, 2], [3, 4]], "x": [1, 1],
                          **fields})


@pytest.mark.parametrize("fields, message", [
    ({"output": "softmax"}, "a softmax output needs loss: softmax-cross-entropy"),
    ({"loss": "cross-entropy", "output": "sigmoid", "y": [0, 1]}, "cross-entropy is for one sigmoid output"),
    ({"loss": "softmax-cross-entropy", "y": 1}, "softmax-cross-entropy goes with output: softmax"),
    ({"loss": "softmax-cross-entropy", "output": "softmax", "y": 3}, "the class is a whole number 1 to 2"),
    ({"loss": "square", "y": [1]}, "expected 2 numbers"),
    ({"y": [1, 2]}, "targets are given but the network has no loss"),
])
def test_losses_that_do_not_fit_are_refused(fields, message):
    with pytest.raises(ValueError, match=message):
        _network_spec(**fields)


def test_quantities_follow_the_loss():
    from worksheets.quantities import UnknownQuantity, check_exists
    with_loss = _network_spec(loss="square", y=[1, 2]).skeletons()[0]
    without = _network_spec(layers=[2, 2, 1], W2=[[1], [2]]).skeletons()[0]
    check_exists(parse("dL/dW1_11"), with_loss)  # several outputs are fine with a loss
    with pytest.raises(UnknownQuantity, match="with a loss, ask for L"):
        check_exists(parse("dH/dW1_11"), with_loss)
    with pytest.raises(UnknownQuantity, match="needs a loss"):
        check_exists(parse("L"), without)
    assert parse("dL/dW2_11").name == "dL/dW2_11" and parse("y_2").name == "y_2"


def test_kinds_about_H_refuse_a_loss():
    from worksheets.kinds import KINDS
    spec = {"kind": "path-blank", "network": {"layers": [2, 2, 1], "loss": "square", "y": [1]},
            "target": "dH/dW1_11"}
    with pytest.raises(ValueError, match="the path-blank kind is about H"):
        KINDS["path-blank"].spec(**spec)

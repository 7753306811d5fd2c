"""The numpy engine against central finite differences and exact path sums."""
from fractions import Fraction

import numpy as np
import pytest

from worksheets import engine
from worksheets.network import ACTIVATIONS, Network
from worksheets.paths import evaluate_path_sum, path_sum
from worksheets.quantities import Quantity, lookup


def random_network(rng, hidden, output, bias, layers=None):
    layers = layers or tuple(int(n) for n in rng.integers(1, 5, size=rng.integers(2, 6)))
    layers = layers[:-1] + (1,)
    weights = tuple(tuple(tuple(Fraction(float(v)).limit_denominator(64) for v in row)
                          for row in rng.normal(0, 1, (n, m)))
                    for n, m in zip(layers, layers[1:]))
    biases = (tuple(tuple(Fraction(float(v)).limit_denominator(64) for v in rng.normal(0, 1, m))
                    for m in layers[1:]) if bias else None)
    x = tuple(Fraction(float(v)).limit_denominator(64) for v in rng.normal(0, 1.5, layers[0]))
    return Network(layers, hidden, output, weights, biases, x)


def H_at(net, x=None, W=None, b=None):
    """H by the forward pass only, with one parameter array replaced."""
    weights = [net.W(l) for l in range(1, net.depth + 1)]
    biases = [net.b(l) for l in range(1, net.depth + 1)]
    if W is not None:
        weights[W[0] - 1] = W[1]
    if b is not None:
        biases[b[0] - 1] = b[1]
    a = net.input() if x is None else x
    for l in range(1, net.depth + 1):
        g = engine.ACTIVATION[net.activation(l)][0]
        a = g(weights[l - 1].T @ a + biases[l - 1])
    return float(a[0])


def central(f, value, h=1e-6):
    return (f(value + h) - f(value - h)) / (2 * h)


def away_from_kinks(net, values, margin=1e-3):
    """Finite differences are meaningless at a ReLU kink; such draws are skipped."""
    return all(np.all(np.abs(z) > margin) for z in values.z[1:])


CASES = [(h, o, bias) for h in ACTIVATIONS for o in ACTIVATIONS for bias in (False, True)]


@pytest.mark.parametrize("hidden,output,bias", CASES)
def test_gradients_match_finite_differences(hidden, output, bias):
    rng = np.random.default_rng(CASES.index((hidden, output, bias)))
    checked = 0
    while checked < 5:
        net = random_network(rng, hidden, output, bias)
        values = engine.evaluate(net)
        if not away_from_kinks(net, values):
            continue
        checked += 1
        for l in range(1, net.depth + 1):
            W = net.W(l)
            for i, j in np.ndindex(W.shape):
                def f(v, l=l, i=i, j=j):
                    changed = W.copy()
                    changed[i, j] = v
                    return H_at(net, W=(l, changed))
                assert values.dW[l][i, j] == pytest.approx(central(f, W[i, j]), abs=1e-5)
            b = net.b(l)
            for j in range(len(b)):
                def fb(v, l=l, j=j):
                    changed = b.copy()
                    changed[j] = v
                    return H_at(net, b=(l, changed))
                assert values.db[l][j] == pytest.approx(central(fb, b[j]), abs=1e-5)
        x = net.input()
        for i in range(len(x)):
            def fx(v, i=i):
                changed = x.copy()
                changed[i] = v
                return H_at(net, x=changed)
            assert values.da[0][i] == pytest.approx(central(fx, x[i]), abs=1e-5)


@pytest.mark.parametrize("hidden,output,bias", CASES)
def test_engine_matches_exact_path_sums(hidden, output, bias):
    rng = np.random.default_rng(7 + len(hidden) * 10 + len(output) + bias)
    for _ in range(5):
        net = random_network(rng, hidden, output, bias)
        values = engine.evaluate(net)
        for l in range(1, net.depth + 1):
            for i in range(1, net.layers[l - 1] + 1):
                for j in range(1, net.layers[l] + 1):
                    q = Quantity("W", l, i, j, derivative=True)
                    assert lookup(q, values) == pytest.approx(float(evaluate_path_sum(net, path_sum(net, q))),
                                                              rel=1e-9, abs=1e-12)
            for j in range(1, net.layers[l] + 1):
                for symbol in "zab":
                    if symbol == "b" and not bias:
                        continue
                    q = Quantity(symbol, l, j, derivative=True)
                    assert lookup(q, values) == pytest.approx(
                        float(evaluate_path_sum(net, path_sum(net, q))), rel=1e-9, abs=1e-12)


def test_relu_derivative_at_zero_is_zero():
    g_prime = engine.ACTIVATION["relu"][1]
    assert list(g_prime(np.array([-1.0, 0.0, 2.0]))) == [0.0, 0.0, 1.0]


def test_seed_151_forward_values():
    net = Network((2, 2, 2, 1), weights=(((2, 1), (3, 1)), ((2, 1), (0, 1)), ((3,), (-2,))), x=(1, 3))
    values = engine.evaluate(net)
    assert list(values.z[1]) == [11, 4]
    assert list(values.z[2]) == [22, 15]
    assert values.H == 36


def test_gradient_dimensionality():
    assert Network((3, 4, 2, 1), biases=((0,) * 4, (0,) * 2, (0,))).parameter_count() == 29
    assert Network((2, 5, 3, 1)).parameter_count() == 10 + 15 + 3


def test_a_pass_uses_its_own_networks_weights_whatever_ran_before():
    """engine keeps the last network's weight arrays for its backward pass (_weights):
    networks evaluated in turn, even equal ones, each get their own, read-only."""
    first = Network((2, 1), "relu", "linear", (((1,), (2,)),), None, (1, 1))
    second = Network((2, 1), "relu", "linear", (((3,), (4,)),), None, (1, 1))
    twin = Network((2, 1), "relu", "linear", (((1,), (2,)),), None, (1, 1))
    for net, H, dx in [(first, 3, [1, 2]), (second, 7, [3, 4]), (first, 3, [1, 2]), (twin, 3, [1, 2])]:
        values = engine.evaluate(net)
        assert values.H == H and values.da[0].tolist() == dx
    assert not any(W.flags.writeable for W in engine._weights(second))
    assert engine._weights(second)[0].tolist() == [[3.0], [4.0]]

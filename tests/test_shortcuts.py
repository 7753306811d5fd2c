"""Shortcuts taken for speed in drawing and building problems, each compared with the
long way it replaces (so that a stale, shared or missing entry shows)."""
import pickle
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from worksheets import randomness
from worksheets.spec import NetworkSpec

ROOT = Path(__file__).parent.parent


def _constructed(**fields) -> NetworkSpec:
    network = NetworkSpec.model_construct(**fields)
    network._drawn = True
    return network


def test_a_drawn_network_is_what_model_construct_makes():
    cases = [dict(layers=[[2, 2, 1]], activation="relu", output="linear", bias=False,
                  W1=[[1, -2], [3, 1]], W2=[[2], [-1]], x=[1, 2]),
             dict(layers=[[2, 1]], activation="tanh", output="sigmoid", bias=True, W1=[[1], [2]], b1=[-1],
                  x=[0, 3], loss="cross-entropy", y=[1], l2=Fraction(1, 10), reduce="mean")]
    for fields in cases:
        made, long_way = NetworkSpec.drawn(**fields), _constructed(**fields)
        assert made.__dict__ == long_way.__dict__ and list(made.__dict__) == list(long_way.__dict__)
        assert made.model_fields_set == long_way.model_fields_set
        assert made.__pydantic_private__ == long_way.__pydantic_private__ == {"_drawn": True}
        assert made.__pydantic_extra__ is long_way.__pydantic_extra__ is None
        assert made == long_way and pickle.loads(pickle.dumps(made)) == made
        assert not made.is_random() and made.to_network() == long_way.to_network()
    first, second = (NetworkSpec.drawn(**cases[1]), NetworkSpec.drawn(**cases[0]))
    assert first.__dict__ is not second.__dict__ and first.l2 == Fraction(1, 10) and second.l2 == 0
    assert first.__pydantic_private__ is not second.__pydantic_private__


def _integers_the_long_way(rng, span, shape, nonzero=False):
    """randomness.integers as numpy draws it: one call with size=shape."""
    low, high = span
    skip_zero = nonzero and low <= 0 <= high and low != high
    values = low + rng.integers(high - low + 1 - skip_zero, size=shape)
    return (values + (values >= 0) if skip_zero else values).tolist()


@pytest.mark.parametrize("span", [(-3, 3), (0, 5), (-2, 0), (4, 4), (-1_000_000, 1_000_000), (0, 2**40)])
def test_integers_drawn_one_at_a_time_are_those_of_one_call(span):
    shapes = [(1,), (2,), (3, 1), (2, 2), (5,), (3, 2), (2, 3, 2), (0,), (2, 0)]
    for nonzero in (False, True):
        fast, slow = np.random.default_rng(7), np.random.default_rng(7)
        for shape in shapes * 3:
            made = randomness.integers(fast, span, shape, nonzero)
            assert made == _integers_the_long_way(slow, span, shape, nonzero)
            assert all(type(v) is int for v in np.ravel(made).tolist())
            assert randomness.integers(fast, span, (), nonzero) == int(_integers_the_long_way(slow, span, (), nonzero))
        assert fast.integers(10**6) == slow.integers(10**6)  # the streams went on alike


def test_whether_a_network_was_drawn_is_read_as_pydantic_reads_it():
    given = NetworkSpec.model_validate({"layers": [2, 1], "W1": [[1], [2]], "x": [1, 1]})
    drawn = NetworkSpec.drawn(layers=[[2, 1]], W1=[[1], [2]], x=[1, 1])
    for network in (given, drawn, given.model_copy(), drawn.model_copy(update={"x": [2, 2]}),
                    pickle.loads(pickle.dumps(drawn)), pickle.loads(pickle.dumps(given))):
        assert network._is_drawn() is network._drawn
    assert drawn._is_drawn() and not given._is_drawn()


def test_a_network_hashed_once_hashes_as_its_fields_and_not_in_its_pickle():
    from dataclasses import astuple, fields, replace

    from worksheets.network import Network
    net = Network((2, 1), weights=(((1,), (Fraction(1, 2),)),), x=(1, 2), biases=((Fraction(0),),))
    assert hash(net) == hash(tuple(getattr(net, f.name) for f in fields(net))) == hash(net)
    changed = replace(net, x=(1, 3))
    assert changed != net and hash(changed) == hash(tuple(getattr(changed, f.name) for f in fields(changed)))
    copy = pickle.loads(pickle.dumps(net))
    assert "_hash" not in copy.__dict__ and copy == net and hash(copy) == hash(net)
    assert astuple(copy) == astuple(net) and repr(copy) == repr(net)


def _listed(values):
    if values is None:
        return None
    return [_listed(v) for v in values] if isinstance(values, (list, tuple)) else np.asarray(values).tolist()


def _bits(values) -> str:
    """Every number of a pass, as repr shows it (so −0.0 differs from 0.0)."""
    return repr([_listed(getattr(values, name)) for name in ("z", "a", "dz", "da", "dW", "db")] + [values.loss])


def test_the_plain_pass_gives_the_engines_numbers_to_the_bit():
    from worksheets.engine import evaluate
    from worksheets.network import Network
    from worksheets.problems.arithmetic import plain_pass
    rng = np.random.default_rng(16)
    compared = 0
    for _ in range(1500):
        layers = tuple(int(n) for n in rng.integers(1, 4, size=rng.integers(2, 5)))
        loss = str(rng.choice(["none", "square", "half-square"]))
        layers = layers[:-1] + (1,) if loss == "none" else layers
        span = int(rng.choice([1, 3, 30]))  # small numbers, zeros and dead ReLUs are common
        weights = tuple(tuple(tuple(int(v) for v in row) for row in rng.integers(-span, span + 1, (m, n)))
                        for m, n in zip(layers, layers[1:]))
        biases = tuple(tuple(Fraction(int(v)) for v in rng.integers(-span, span + 1, n)) for n in layers[1:]) \
            if rng.random() < 0.5 else None
        net = Network(layers, str(rng.choice(["relu", "linear"])), str(rng.choice(["relu", "linear"])), weights,
                      biases, tuple(int(v) for v in rng.integers(-span, span + 1, layers[0])), loss,
                      None if loss == "none" else tuple(Fraction(int(v)) for v in rng.integers(-3, 4, layers[-1])),
                      relu_at_zero=int(rng.integers(2)))
        plain = plain_pass(net)
        if plain is not None:
            compared += 1
            assert _bits(plain) == _bits(evaluate(net)), net
    assert compared > 600  # the rest: a sum of zeros with a −0.0 (dead nodes are common here)


def test_the_plain_pass_leaves_to_the_engine_what_it_might_not_give_to_the_bit():
    from dataclasses import replace

    from worksheets.network import Network
    from worksheets.problems.arithmetic import plain_pass
    net = Network((2, 2, 1), "relu", "linear", (((1, -2), (3, 1)), ((2,), (-1,))), None, (1, 2))
    assert plain_pass(net) is not None
    others = [replace(net, x=(Fraction(1, 2), 2)), replace(net, hidden="sigmoid"), replace(net, output="tanh"),
              replace(net, loss="cross-entropy", output="sigmoid", y=(1,)), replace(net, loss="square", y=(1,),
                                                                                   l2=Fraction(1, 10)),
              replace(net, x=None, loss="square", batch=(((1, 2), (1,)), ((0, 1), (2,)))),
              replace(net, weights=(((10**8, -2), (3, 1)), ((2,), (-1,))))]  # sums past 2^53
    assert [plain_pass(other) for other in others] == [None] * len(others)
    # ∂H/∂x is a sum of zeros, one of them −0.0 (a dead node after a negative weight): numpy's sign
    dead = Network((1, 1, 1), "relu", "linear", (((1,),), ((-1,),)), None, (-1,))
    assert plain_pass(dead) is None


def test_the_rules_see_the_same_numbers_from_the_plain_pass_as_from_the_engine(monkeypatch):
    from worksheets import variants
    from worksheets.build import Plan
    from worksheets.kinds import KINDS
    from worksheets.problems import arithmetic
    plan = Plan(ROOT / "specs/quiz-07.yaml", versions=12, jobs=1)
    with plan.notation():
        instances = [pickle.loads(versions.packed(v)) for versions in plan.instances for v in range(12)]
        fast = [KINDS[spec.kind].numbers_of(spec) for spec in instances]
        monkeypatch.setattr(arithmetic, "plain_pass", lambda net: None)
        slow = [KINDS[spec.kind].numbers_of(spec) for spec in instances]
    used = 0
    for spec, one, other in zip(instances, fast, slow):
        used += isinstance(one.intermediates, list) and not isinstance(other.intermediates, list)
        assert repr(variants._floats(one.intermediates)) == repr(variants._floats(other.intermediates))
        assert repr(one.answers) == repr(other.answers) and repr(one.parts) == repr(other.parts)
        assert (one.dead_relu, one.exact, one.architecture, one.scale) == \
            (other.dead_relu, other.exact, other.architecture, other.scale)
        assert one.terms() == other.terms()
        assert variants.broken_rule(spec, one, None, []) == variants.broken_rule(spec, other, None, [])
    assert used > 24


def test_quantities_always_equal_are_found_by_shape_as_on_the_network_itself():
    from itertools import combinations

    from worksheets import conventions, variants
    names = ["dH/dz1_1", "dH/db1_1", "dH/dz2_1", "dH/db2_1", "dH/da1_1", "dH/dW1_12", "dH/dW1_21", "dH/dx_1", "z1_1"]
    for notation in (conventions.DEFAULT, conventions.Conventions(weights="to-from", delta=True, relu_at_zero=1)):
        with conventions.use(notation):
            for layers, bias in (([2, 2, 1], True), ([3, 2, 1], False), ([2, 1], True)):
                network = NetworkSpec.drawn(layers=[layers], bias=bias, activation="relu", output="linear",
                                            W1=[[1] * layers[1]] * layers[0], x=[1] * layers[0],
                                            **({"W2": [[1] * layers[2]] * layers[1]} if len(layers) > 2 else {}))
                spec = type("Spec", (), {"network": network})()
                for first, second in list(combinations(names, 2)) * 2:  # the second time from the cache
                    assert _outcome(variants._always_equal, spec, first, second) == \
                        _outcome(_always_equal_the_long_way, spec, first, second), (layers, first, second)
    assert variants._same_path_sums.cache_info().hits > 0


def _always_equal_the_long_way(spec, first, second):
    from worksheets.paths import path_sum
    from worksheets.quantities import parse
    try:
        net, a, b = spec.network.to_network(), parse(first), parse(second)
        return a.derivative and b.derivative and path_sum(net, a) == path_sum(net, b)
    except ValueError:
        return False


def _outcome(function, *args):
    try:
        return function(*args)
    except Exception as exc:  # a quantity the network lacks: the same error either way
        return type(exc)


def test_a_quantitys_local_factors_are_those_of_the_network_itself():
    from worksheets import paths
    from worksheets.network import Network
    from worksheets.quantities import Quantity

    def long_way(net, q):  # paths._prefix_and_start as it reads the network
        if q.symbol in ("x", "a"):
            return (), (0 if q.symbol == "x" else q.layer), q.i
        if q.symbol in ("z", "b"):
            return paths._slope(net, q.layer, q.i), q.layer, q.i
        source = paths.Factor("x", 0, q.i) if q.layer == 1 else paths.Factor("a", q.layer - 1, q.i)
        return (source,) + paths._slope(net, q.layer, q.j), q.layer, q.j
    for hidden, output in (("relu", "linear"), ("sigmoid", "softmax"), ("linear", "tanh"), ("tanh", "relu")):
        for layers in ((2, 1), (3, 2, 2), (2, 2, 2, 1)):
            net = Network(layers, hidden, output)
            quantities = [Quantity("x", 0, 1, derivative=True)] + [
                Quantity(symbol, layer, 1, 2 if symbol == "W" else 0, derivative=True)
                for layer in range(1, len(layers)) for symbol in "azbW"]
            for q in quantities * 2:
                assert paths._prefix_and_start(net, q) == long_way(net, q), (layers, hidden, output, q)


def test_a_gradient_tables_entries_are_made_as_before_in_either_convention():
    from worksheets import conventions
    from worksheets.network import Network
    from worksheets.problems import gradient_table
    from worksheets.quantities import Quantity

    def long_way(net, symbol, layer):
        of = net.objective
        if symbol == "b":
            return [[Quantity("b", layer, j, derivative=True, of=of) for j in range(1, net.layers[layer] + 1)]]
        held = [[Quantity("W", layer, i, j, derivative=True, of=of) for j in range(1, net.layers[layer] + 1)]
                for i in range(1, net.layers[layer - 1] + 1)]
        return [list(row) for row in conventions.as_written(held)]
    for notation in (conventions.DEFAULT, conventions.Conventions(weights="to-from")):
        with conventions.use(notation):
            for net in (Network((3, 2, 1)), Network((2, 3, 2), loss="square")):
                for symbol in "Wb":
                    for layer in range(1, net.depth + 1):
                        for _ in range(2):
                            made = gradient_table._entries(net, symbol, layer)
                            assert made == long_way(net, symbol, layer) and type(made[0]) is list
                            made[0].append("changed by a caller")  # a fresh list each time


def test_a_network_pickles_the_same_however_it_was_used_and_keeps_its_depth_right():
    from dataclasses import replace

    from worksheets.network import Network
    fresh, used = Network((2, 3, 1), x=(1, 2)), Network((2, 3, 1), x=(1, 2))
    assert used.depth == 2 and hash(used) == hash(fresh)
    assert pickle.dumps(used) == pickle.dumps(fresh)
    assert replace(used, layers=(2, 1)).depth == 1 and pickle.loads(pickle.dumps(used)).depth == 2


def test_whole_fractions_print_as_the_ints_they_are():
    from worksheets import numbers
    for value in (Fraction(3), Fraction(-7), Fraction(0), Fraction(12, 4), Fraction(1, 2), Fraction(-5, 3)):
        for minus in (numbers.MINUS, "-"):
            exact = numbers.plain(value)
            long_way = (minus if exact < 0 else "") + str(abs(exact))  # text's way for any Fraction
            assert numbers.text(value, None, minus) == long_way
        if value.denominator == 1:
            assert numbers.latex(value) == numbers.latex(value.numerator) == numbers.text(value.numerator, None, "-")
    assert numbers.latex(Fraction(-5, 3)) == r"-\frac{5}{3}" and numbers.text(True) == "True"


def test_a_quantitys_latex_is_written_in_the_conventions_in_force():
    from itertools import product

    from worksheets import conventions, notation
    from worksheets.quantities import Quantity, parse, symbol_latex

    def long_way(q):
        if q.is_delta:
            return notation.delta(q.layer, q.i)
        return notation.derivative(symbol_latex(q), q.of) if q.derivative else symbol_latex(q)
    names = ["x_1", "W2_12", "b1_2", "z1_1", "a2_1", "H", "dH/dW1_21", "dH/dz2_1", "dH/da1_2", "dH/dx_2", "dH/db1_1"]
    for _ in range(2):  # the second time from the cache
        for weights, mark, delta in product(("from-to", "to-from"), ("paren", "bracket"), (False, True)):
            with conventions.use(conventions.Conventions(weights=weights, layer_mark=mark, delta=delta)):
                for q in [parse(name) for name in names] + [Quantity("z", 1, 1, derivative=True, of="L")]:
                    assert q.latex() == long_way(q), (weights, mark, delta, q)


def test_a_quantitys_name_is_written_in_the_conventions_in_force():
    from itertools import product

    from worksheets import conventions
    from worksheets.quantities import Quantity, parse

    def long_way(q):
        if q.is_delta:
            return f"delta{q.layer}_{q.i}"
        return (f"d{q.of}/d" if q.derivative else "") + q.base_name
    names = ["x_1", "W2_12", "b1_2", "z1_1", "a2_1", "H", "dH/dW1_21", "dH/dz2_1", "dH/da1_2", "dH/dx_2", "L", "y_1"]
    for _ in range(2):  # the second time from the cache
        for weights, mark, delta in product(("from-to", "to-from"), ("paren", "bracket"), (False, True)):
            with conventions.use(conventions.Conventions(weights=weights, layer_mark=mark, delta=delta)):
                for q in [parse(name) for name in names] + [Quantity("z", 1, 1, derivative=True, of="L")]:
                    assert q.name == long_way(q), (weights, mark, delta, q)

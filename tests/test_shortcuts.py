"""Shortcuts taken for speed in drawing and building problems, each compared with the
long way it replaces (so that a stale, shared or missing entry shows)."""
import pickle
from fractions import Fraction

import numpy as np
import pytest

from worksheets import randomness
from worksheets.spec import NetworkSpec


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

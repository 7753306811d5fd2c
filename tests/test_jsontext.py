"""jsontext.dumps writes the very text json.dumps(indent=n, ensure_ascii=False) writes."""
from __future__ import annotations

import json
import random
from fractions import Fraction

import pytest

from worksheets.output.jsontext import dumps

SCALARS = [None, True, False, 0, -3, 2**70, 1.5, -0.0, 1e16, 1e-7, 123.456, "", "x",
           'a"b\\c\n\té\u2212\U0001F600', "\x00\x1f\x7f"]


def nested(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if depth > 4 or roll < 0.5:
        return rng.choice(SCALARS)
    if roll < 0.75:
        return [nested(rng, depth + 1) for _ in range(rng.randrange(4))]
    if roll < 0.85:
        return tuple(nested(rng, depth + 1) for _ in range(rng.randrange(3)))
    return {rng.choice(["a", "é", 'k"ey', ""]) + str(i): nested(rng, depth + 1) for i in range(rng.randrange(4))}


@pytest.mark.parametrize("indent", [0, 1, 2, 4])
def test_the_same_text_as_json(indent):
    rng = random.Random(indent)
    for _ in range(500):
        value = nested(rng)
        assert dumps(value, indent) == json.dumps(value, indent=indent, ensure_ascii=False), value


class Count(int):
    pass


@pytest.mark.parametrize("value", [float("nan"), [float("inf"), -float("inf")], {1: 2, "a": 3}, {True: 1},
                                   {None: 1.5}, Count(3), [Count(4)], {"a": ["b", {"c": float("nan")}]}])
def test_what_json_treats_apart_is_left_to_it(value):
    assert dumps(value, 1) == json.dumps(value, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("value", [{"a": Fraction(1, 3)}, {(1, 2): 3}, {"a": {1, 2}}])
def test_what_json_refuses_is_refused(value):
    with pytest.raises(TypeError):
        dumps(value, 1)


def test_keys_kept_between_calls_are_each_keys_own_text():
    """Keys' texts are kept (bounded: more keys than it keeps empties it): each still its own."""
    many = {f"k\u00e9{i}\"": i for i in range(3000)}
    for value in (many, {"k\u00e91\"": [many]}, many):
        assert dumps(value, 2) == json.dumps(value, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("indent", [0, 1, 3])
def test_lists_of_dictionaries_with_the_same_keys_are_written_as_json_writes_them(indent):
    """A list of like dictionaries (a region's bubbles) is written through one template."""
    rng = random.Random(indent)
    keys = ["row", "value", "x", "y", "100%", "%s", "\u00e9\"\\"]
    for _ in range(200):
        shape = rng.sample(keys, rng.randrange(1, 5))
        rows = [{key: rng.choice(SCALARS) for key in shape} for _ in range(rng.randrange(1, 9))]
        if rng.random() < 0.3:  # one row unlike the others: its keys, their order, or a value
            odd = dict(rows[-1])
            odd[rng.choice(keys)] = rng.choice([[1, 2], {"a": 1}, 2.5, None])
            rows.append(odd if rng.random() < 0.5 else dict(reversed(list(odd.items()))))
        for value in (rows, {"bubbles": rows}, [rows, rows]):
            assert dumps(value, indent) == json.dumps(value, indent=indent, ensure_ascii=False), value

"""JSON text exactly as json.dumps(value, indent=n, ensure_ascii=False) writes it, for the
JSON files written per version (answers.json, answer-regions.json).

json.dumps with an indent encodes in Python, a generator per container (its C encoder
serves only indent=None): a version's regions, hundreds of small dicts, took 0.8 ms.
Here each container is one join over its items, strings go through json's own C
function, and anything unusual (a float that is not finite, a key that is not a
string, a type json would reject or convert) is left to json.dumps itself.
"""
from __future__ import annotations

import json
from json.encoder import encode_basestring  # json's C function where there is one

_INFINITY = float("inf")


class _Unusual(Exception):
    pass


def dumps(value, indent: int) -> str:
    """json.dumps(value, indent=indent, ensure_ascii=False), the same text."""
    try:
        return _text(value, "\n", " " * indent)
    except (_Unusual, RecursionError):
        return json.dumps(value, indent=indent, ensure_ascii=False)


def _float(number: float) -> str:
    if number != number or number in (_INFINITY, -_INFINITY):
        raise _Unusual  # NaN and Infinity, as json spells them (or refuses)
    return float.__repr__(number)


_SCALARS = {str: encode_basestring, int: int.__repr__, float: _float,
            bool: lambda truth: "true" if truth else "false", type(None): lambda _: "null"}


def _text(value, newline: str, step: str) -> str:
    scalar = _SCALARS.get(type(value))
    if scalar is not None:
        return scalar(value)
    kind = type(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = newline + step
        items = []
        for key, item in value.items():  # (a scalar written here, without a call of _text: most are)
            scalar = _SCALARS.get(type(item))
            items.append((_KEYS.get(key) or _key(key)) + (scalar(item) if scalar is not None else _text(item, inner, step)))
        return "{" + inner + ("," + inner).join(items) + newline + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = newline + step
        return "[" + inner + ("," + inner).join([_text(item, inner, step) for item in value]) + newline + "]"
    raise _Unusual  # a subclass, a set, a Fraction: json.dumps decides


_KEYS: dict[str, str] = {}  # a key -> its JSON text and ": " (a file has a few dozen keys; bounded)


def _key(key) -> str:
    if type(key) is not str:
        raise _Unusual  # json writes 1 as "1", True as "true"; or refuses
    if len(_KEYS) >= 1024:
        _KEYS.clear()
    text = _KEYS[key] = encode_basestring(key) + ": "
    return text

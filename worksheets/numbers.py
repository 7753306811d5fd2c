"""Exact numbers: how a value is stored, compared and printed everywhere.

Networks with relu/linear activations and rational parameters have rational
answers, so those are kept as Fraction and printed exactly ("-3", "1/2").
Sigmoid and tanh give irrational values, printed rounded to a stated number of
decimals. The same rules feed the key, the figures and answers.json.
"""
from __future__ import annotations

from fractions import Fraction
from numbers import Rational

MINUS = "\u2212"  # typographic minus sign for printed numbers


def to_fraction(value) -> Fraction:
    """Exact value of a spec number (int, float read from YAML, or Fraction)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return Fraction(value)
    # str(float) is the shortest decimal that round-trips, i.e. what the user typed.
    return Fraction(str(value))


def plain(value: Fraction | int) -> int | Fraction:
    """An integral Fraction becomes an int, so it prints and serialises as one."""
    value = Fraction(value)
    return value.numerator if value.denominator == 1 else value


def rounded(value: float, decimals: int) -> float:
    """value rounded half away from zero, never -0.0."""
    scaled = Fraction(value) * 10**decimals
    whole = int(abs(scaled) + Fraction(1, 2))
    result = (whole if scaled >= 0 else -whole) / 10**decimals
    return result + 0.0 if result != 0 else 0.0


def text(value, decimals: int | None = None, minus: str = MINUS) -> str:
    """How a number is printed: exact ("−3", "1/2") or with `decimals` places."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if decimals is not None:
        body = f"{abs(rounded(float(value), decimals)):.{decimals}f}"
        negative = rounded(float(value), decimals) < 0
    else:
        exact = plain(value if isinstance(value, Rational) else to_fraction(value))
        negative = exact < 0
        body = str(abs(exact))
    return (minus if negative else "") + body


def latex(value, decimals: int | None = None) -> str:
    """A number as LaTeX: integers plain, fractions stacked, decimals fixed."""
    if decimals is None and isinstance(value, Rational):
        exact = plain(value)
        if isinstance(exact, Fraction):
            sign = "-" if exact < 0 else ""
            return f"{sign}\\frac{{{abs(exact.numerator)}}}{{{exact.denominator}}}"
    return text(value, decimals, minus="-")


def factor_latex(value, decimals: int | None = None) -> str:
    """A number as a factor in a product: negatives go in parentheses, "3(−2)"."""
    body = latex(value, decimals)
    return f"({body})" if body.startswith("-") else body


def json_value(value, decimals: int | None = None):
    """A number for answers.json: int when integral, else float (rounded if stated)."""
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, tuple):  # a matrix or vector of answers
        return [json_value(v, decimals) for v in value]
    if decimals is not None:
        return rounded(float(value), decimals)
    exact = plain(value) if isinstance(value, Rational) else value
    return exact if isinstance(exact, int) else float(exact)

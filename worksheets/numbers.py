"""Exact numbers: how a value is stored, compared and printed everywhere.

Networks with relu/linear activations and rational parameters have rational
answers, so those are kept as Fraction and printed exactly ("-3", "1/2").
Sigmoid and tanh give irrational values, printed rounded to a stated number of
decimals. The same rules feed the key, the figures and answers.json.
"""
from __future__ import annotations

import re
from decimal import Decimal, localcontext
from fractions import Fraction
from numbers import Rational

MINUS = "\u2212"  # typographic minus sign for printed numbers
MAX_TEXT = 40  # characters of a number written as text ("1/3", "-0.25", "2e-3")
MAX_EXPONENT = 30  # |e| of "1e-5"; Fraction("1e-999999999") would take minutes
_EXPONENT = re.compile(r"[eE]\s*([-+]?\d+)")


class OutOfRange(ValueError):
    """A number written as text that is well-formed but too long or too large to read."""


def parse_exact(text: str) -> Fraction:
    """The exact value of a number written as text: "3", "-0.25", "1/3", "2e-3", "−1"
    (with a true minus sign). ValueError for anything else, and for numbers nobody
    types by hand (longer than MAX_TEXT characters, or exponents beyond MAX_EXPONENT),
    whose exact value could take minutes and gigabytes to compute."""
    body = text.strip().replace(MINUS, "-")
    if "_" in body:  # Fraction reads "1e3_0_0" as 1e300: the exponent guard must see every digit
        raise ValueError("digit groups with '_' are not a spec number")
    if len(body) > MAX_TEXT:
        raise OutOfRange(f"is too long (at most {MAX_TEXT} characters)")
    exponent = _EXPONENT.search(body)
    if exponent and abs(int(exponent.group(1))) > MAX_EXPONENT:
        raise OutOfRange(f"is out of range (its exponent is beyond ±{MAX_EXPONENT})")
    try:
        return Fraction(body)
    except ZeroDivisionError:
        raise ValueError("division by zero") from None


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


class Given(Fraction):
    """A number as the spec gives it: its exact value, and the text it was typed as
    ("0.5", "1/3", "-2"), so that a figure prints it as typed. Arithmetic on it gives
    plain Fractions."""
    __slots__ = ("typed",)

    def __new__(cls, value, typed: str):
        self = super().__new__(cls, value)
        self.typed = typed
        return self

    def __reduce__(self):  # Fraction's would call Given(text) without the typed text
        return (Given, (Fraction(self), self.typed))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


def given_text(value) -> str:
    """A given number as printed on a figure: as typed (with a true minus sign), never
    rounded to the answers' places; an exact text for numbers the generator chose."""
    if isinstance(value, Given):
        return value.typed.strip().replace("-", MINUS)
    return text(value)


def given_latex(value) -> str:
    """A given number in a formula: as typed (0.01 stays 0.01, 1/10 stays 1/10)."""
    return value.typed.strip() if isinstance(value, Given) else latex(value)


def plain(value: Fraction | int) -> int | Fraction:
    """An integral Fraction becomes an int, so it prints and serialises as one."""
    if type(value) is int:  # most numbers: nothing to convert (bool and numpy ints go below)
        return value
    if type(value) is not Fraction:
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
    if decimals is None and type(value) is Fraction and value.denominator == 1:  # a checked value, whole
        value = value.numerator
    if decimals is None and type(value) is int:  # most numbers of a key (no ABC checks: they add up)
        return minus + str(-value) if value < 0 else str(value)
    if isinstance(value, bool):
        return "True" if value else "False"
    if decimals is not None:
        body = f"{abs(rounded(float(value), decimals)):.{decimals}f}"
        negative = rounded(float(value), decimals) < 0
    else:
        exact = plain(value if type(value) is Fraction or isinstance(value, Rational) else to_fraction(value))
        negative = exact < 0
        body = str(abs(exact))
    return (minus if negative else "") + body


def latex(value, decimals: int | None = None) -> str:
    """A number as LaTeX: integers plain, fractions stacked, decimals fixed."""
    if decimals is None and type(value) is int:
        return text(value, None, minus="-")
    if decimals is None and (type(value) is Fraction or isinstance(value, Rational)):
        exact = plain(value)
        if isinstance(exact, Fraction):
            sign = "-" if exact < 0 else ""
            return f"{sign}\\frac{{{abs(exact.numerator)}}}{{{exact.denominator}}}"
        if type(value) is Fraction:  # whole: printed as the int it is
            return text(exact, None, minus="-")
    return text(value, decimals, minus="-")


def scientific_latex(value, digits: int = 4) -> str:
    """A number as LaTeX with `digits` significant digits: 4.248 \\times 10^{-18}, for a
    nonzero value that its decimals would print as 0.000 (a Decimal may be far below
    the smallest float)."""
    if not isinstance(value, Decimal):
        exact = Fraction(value)
        with localcontext() as context:
            context.prec = digits + 5
            value = Decimal(exact.numerator) / Decimal(exact.denominator)
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def over_latex(value, symbol: str) -> str:
    """value / symbol as one fraction, never a fraction inside a fraction:
    −2/5 over n is "−\\frac{2}{5n}", 3 over n is "\\frac{3}{n}"."""
    exact = Fraction(value)
    sign = "-" if exact < 0 else ""
    denominator = symbol if exact.denominator == 1 else f"{exact.denominator}{symbol}"
    return f"{sign}\\frac{{{abs(exact.numerator)}}}{{{denominator}}}"


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
        value = rounded(float(value), decimals)
        return int(value) if decimals == 0 else value
    exact = plain(value) if isinstance(value, Rational) else value
    return exact if isinstance(exact, int) else float(exact) + 0.0  # + 0.0: never -0.0


def parameter_json(value):
    """A spec's number (or list of them) as JSON data: an int when integral, else its exact
    fraction as text ("1/3"), for manifest.json and duplicate checks."""
    if type(value) is int:  # most numbers (drawn ones): nothing to convert
        return value
    if isinstance(value, list):
        return [parameter_json(v) for v in value]
    exact = plain(value)
    return exact if isinstance(exact, int) else str(exact)

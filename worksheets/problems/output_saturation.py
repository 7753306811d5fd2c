"""`output-saturation`: true or false, every ∂H/∂W vanishes when the output activation
saturates (#146: sigmoid output with H ≈ 1, true; #147: ReLU output with H ≈ 1, false)."""
from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from .. import notation, numbers
from ..document import Answer, AnswerSpace, Math, Part, Problem, para
from ..engine import ACTIVATION
from ..spec import Activation, FieldError, Number, ProblemSpec
from .checked import CheckFailed
from .kind import Kind

_RANGE = {"sigmoid": (0, 1), "tanh": (-1, 1), "relu": (0, math.inf), "linear": (-math.inf, math.inf)}
_INVERSE = {"sigmoid": lambda h: math.log(h / (1 - h)), "tanh": math.atanh,
            "relu": lambda h: h, "linear": lambda h: h}


class Spec(ProblemSpec):
    """`output-saturation`: true or false, every ∂H/∂W vanishes when the output activation
    saturates (#146: sigmoid output with H ≈ 1, true; #147: ReLU output with H ≈ 1, false)."""
    kind: Literal["output-saturation"]
    output: Activation = Field(description="the output layer's activation", examples=["sigmoid"])
    H: Number = Field(description="the output value H(x) is close to", examples=[1])

    @model_validator(mode="after")
    def _check(self):
        low, high = _RANGE[self.output]
        if not low <= self.H <= high:
            raise FieldError(f"a {self.output} output cannot be near {numbers.text(self.H, minus='-')} "
                             f"(its values lie in [{low}, {high}])", "H")
        if self.output == "relu" and self.H == 0:
            raise FieldError("a ReLU output near 0 may be on either side of the kink; "
                             "the answer would depend on the side", "H")
        return self


def output_slope(output: str, H: float) -> float:
    """g′ at the z where g(z) is H (the limit, at the ends of the range)."""
    low, high = _RANGE[output]
    if H in (low, high):  # approached from inside: g(z) -> the end as z -> ±∞
        z = math.copysign(50.0, H - (low + high) / 2 if math.isfinite(low + high) else H)
    else:
        z = _INVERSE[output](H)
    return float(ACTIVATION[output][1](z))


def build(spec: Spec, number: int) -> Problem:
    H = float(spec.H)
    slope = output_slope(spec.output, H)
    smooth = spec.output in ("sigmoid", "tanh")
    vanishes = math.isclose(slope, 0.0, abs_tol=1e-6)
    if smooth and vanishes != _by_identity(spec.output, H):
        raise CheckFailed("g'(z) at the output", slope, H * (1 - H) if spec.output == "sigmoid" else 1 - H * H,
                          "identity sigmoid' = H(1 - H) or tanh' = 1 - H^2")
    relation = r"\approx" if smooth else "="
    name = notation.ACTIVATIONS[spec.output].name
    h = numbers.latex(spec.H)
    intro = (para("Suppose a deep network ", Math(r"H(\vec x)"), f" uses {_article(name)} {name} activation "
                  "in its output layer. Suppose as well that for a given input ", Math(r"\vec x"), ", ",
                  Math(rf"H(\vec x) \approx {h}"), "."),)
    claim = para("True or False: evaluated at this point ", Math(r"\vec x"), ", ",
                 Math(f"{notation.slash_derivative(notation.weight(ELL, 'i', 'j'))} {relation} 0"),
                 " for all ", Math(r"i, j, \ell"), ".")
    answer = Answer("claim", vanishes, "True" if vanishes else "False")
    part = Part("a", (claim,), answer, _solution(spec.output, h, vanishes), AnswerSpace(true_false=True))
    return Problem(number, spec.id, spec.kind, intro, (part,), spec.points)


ELL, OUT = r"\ell", r"\text{out}"  # a layer's number, and the output layer's, in formulas


def _by_identity(output: str, H: float) -> bool:
    """σ′ = σ(1 − σ) and tanh′ = 1 − tanh², evaluated at the output value."""
    slope = H * (1 - H) if output == "sigmoid" else 1 - H * H
    return math.isclose(slope, 0.0, abs_tol=1e-6)


def _article(word: str) -> str:
    return "an" if word[0].lower() in "aeiou" else "a"


def _solution(output: str, h: str, vanishes: bool) -> tuple:
    verdict = "True." if vanishes else "False."
    chain = ("Every partial derivative of H with respect to a weight contains the factor ",
             Math(f"g'(z{notation.layer_mark(OUT)})"), " of the output node (the chain rule passes through it). ")
    if output == "sigmoid":
        why = (Math(r"\sigma'(z) = \sigma(z)(1 - \sigma(z))"), ", and with ",
               Math(rf"H = \sigma(z) \approx {h}"), " this is ", Math(rf"\approx {h}(1 - {h})"), ".")
    elif output == "tanh":
        why = (Math(r"\tanh'(z) = 1 - \tanh^2(z)"), ", and with ", Math(rf"H \approx {h}"), " this is ",
               Math(rf"\approx 1 - ({h})^2"), ".")
    elif output == "relu":
        why = ("Since ", Math(rf"H \approx {h} > 0"), ", the ReLU is in its linear region where ",
               Math("g'(z) = 1"), ", so the output does not zero out the gradient.")
    else:
        why = ("A linear output has ", Math("g'(z) = 1"), " everywhere, so it never zeroes out the gradient.")
    tail = (" So all partial derivatives are approximately zero.",) if vanishes else \
        (" The partial derivatives need not be zero.",)
    return (para(verdict), para(*chain, *why, *tail))


EXAMPLE = '''\
kind: output-saturation
points: 2
output: sigmoid
H: 1                          # H(x) is close to this
'''


KIND = Kind("output-saturation", Spec, build, example=EXAMPLE)

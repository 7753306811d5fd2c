"""`loss-contribution`: the contribution of one training point to the gradient of the
empirical square loss R(w) = (1/n) Σ (H(x_i; w) − y_i)² (#148)."""
from __future__ import annotations

from fractions import Fraction
from typing import Literal

from pydantic import Field

from .. import numbers
from ..document import Answer, AnswerSpace, DisplayMath, Math, Part, Problem, para
from ..spec import Number, ProblemSpec
from .kind import Kind


class Spec(ProblemSpec):
    """`loss-contribution`: the contribution of one training point to the gradient of the
    empirical square loss R(w) = (1/n) Σ (H(x_i; w) − y_i)² (#148)."""
    kind: Literal["loss-contribution"]
    H: Number = Field(description="H(x^(1); w), the network's output at the point", examples=[3])
    y: Number = Field(description="y^(1), the point's label", examples=[5])


def contribution_factor(H: Fraction, y: Fraction) -> Fraction:
    """The point's gradient is (2/n)(H − y) ∇_w H(x^(1); w); this returns 2(H − y)."""
    return 2 * (H - y)


def build(spec: Spec, number: int) -> Problem:
    H, y = spec.H, spec.y
    factor = contribution_factor(H, y)
    risk = r"R(\vec w) = \frac{1}{n}\sum_{i=1}^n \big(H(\vec x^{(i)}; \vec w) - y_i\big)^2"
    intro = (
        para("Suppose that the square loss is used to train a neural network ", Math("H"),
             " so that the empirical risk is"),
        DisplayMath(risk),
        para("Each training point ", Math(r"(\vec x^{(i)}, y_i)"), " contributes to the gradient of ",
             Math("R"), "."),
    )
    question = para("What is the contribution of the point ", Math(r"(\vec x^{(1)}, y^{(1)})"),
                    " to the gradient of ", Math("R"), " if ", Math(rf"H(\vec x^{{(1)}}; \vec w) = {numbers.latex(H)}"),
                    " and ", Math(rf"y^{{(1)}} = {numbers.latex(y)}"), "?")
    if factor == 0:
        answer = Answer("contribution", 0, "0")
    else:
        # Wrong options (LMS exports): y − H for H − y, and the square's 2 forgotten.
        text, latex = _contribution(factor)
        answer = Answer("contribution", text, latex, wrong=(_contribution(-factor), _contribution(factor / 2)))
    gradient = (r"\nabla_{\vec w} R \ni \frac{2}{n}\big(H(\vec x^{(1)}; \vec w) - y^{(1)}\big)"
                r"\nabla_{\vec w} H(\vec x^{(1)}; \vec w)")
    difference = numbers.latex(H - y)
    solution = (
        para(f"{answer.latex if factor else '0'}." if factor == 0 else "The contribution is"),
        DisplayMath(gradient.replace(r"\ni", "=").replace(r"\nabla_{\vec w} R =", r"\text{contribution} =")),
        para("It has the factor ", Math(rf"H(\vec x^{{(1)}}; \vec w) - y^{{(1)}} = {numbers.latex(H)} - "
                                        rf"{numbers.factor_latex(y)} = {difference}"),
             ". " + ("Since this factor is zero, the whole contribution of this point is zero."
                     if factor == 0 else "")),
    )
    part = Part("a", (question,), answer, solution, AnswerSpace(lines=1))
    return Problem(number, spec.id, spec.kind, intro, (part,), spec.points)


def _contribution(factor: Fraction) -> tuple[str, str]:
    """The contribution (factor/n) ∇H as answer text and LaTeX: −2/(5n), not −2/5 over n
    (no fraction inside a fraction)."""
    return (f"{numbers.text(factor, minus='-')}/n grad H(x1)",
            rf"{numbers.over_latex(factor, 'n')} \nabla_{{\vec w}} H(\vec x^{{(1)}}; \vec w)")


EXAMPLE = '''\
kind: loss-contribution
points: 2
H: 3                          # the network's output at the point
y: 5                          # the point's label
'''


KIND = Kind("loss-contribution", Spec, build, example=EXAMPLE)

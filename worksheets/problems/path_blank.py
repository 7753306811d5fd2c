"""`path-blank`: fill in the missing term(s) of a derivative written as a sum over paths
(#144 for a weight, #145 for an input). The path sum comes from the network; the spec
names only the target and which terms are blank."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..document import BLANK, Answer, AnswerSpace, Math, Part, Problem, para
from ..paths import PathSum, parse_sum, path_sum, path_sum_latex, sum_latex, sum_notation
from ..quantities import symbol_latex
from ..spec import FieldError, NetworkSpec, ProblemSpec, QuantityName, check_quantities
from . import symbolic
from .derivative_claims import MISTAKES, mistake_in
from .figure import network_figure
from .formulas import full_sum, sum_lines
from .kind import Kind
from .wording import assumptions


class Spec(ProblemSpec):
    """`path-blank`: fill in the missing term(s) of a derivative written as a sum over paths
    (#144 for a weight, #145 for an input). The path sum comes from the network; the spec
    names only the target and which terms are blank."""
    kind: Literal["path-blank"]
    network: NetworkSpec = Field(description="the network's layers and activations")
    target: QuantityName | list[QuantityName] = Field(
        description="the derivative written as a path sum (a list: one chosen per version)",
        examples=["dH/dW1_12", ["dH/dW1_21", "dH/dx_1"]])
    blank: list[Annotated[int, Field(strict=True, ge=1)]] | None = Field(
        None, description="the numbers of the terms left blank (default: the last)", examples=[[2]])

    @model_validator(mode="after")
    def _check(self):
        targets = self.target if isinstance(self.target, list) else [self.target]
        for index, target in enumerate(targets):
            where = ("target", index) if isinstance(self.target, list) else ("target",)
            check_quantities(self.network, [target], "target")
            self._check_target(target, where)
        return self

    def _check_target(self, target, where: tuple) -> None:
        if not target.derivative or target.symbol not in ("W", "b", "x", "a", "z"):
            raise FieldError("expected a derivative such as dH/dW1_12 or dH/dx_1", *where)
        count = min(len(path_sum(net, target).terms) for net in self.network.skeletons())
        if count < 2:
            raise FieldError(f"{target.name} has a single path term; nothing would be left to show", *where)
        for index, term in enumerate(self.blank or []):
            if term > count:
                raise FieldError(f"{target.name} has {count} path terms", "blank", index)
        if self.blank and len(set(self.blank)) == count:
            raise FieldError("every term would be blank; leave at least one showing", "blank")


def blank_terms(spec: Spec, ps: PathSum) -> list[int]:
    return sorted(set(spec.blank)) if spec.blank else [len(ps.terms)]


def build(spec: Spec, number: int) -> Problem:
    net = spec.network.to_network()
    q = spec.target
    full = path_sum(net, q)
    blanks = blank_terms(spec, full)
    missing = tuple(full.terms[i - 1] for i in blanks)
    notation = sum_notation(net, missing)
    # The printed answer, read back, plus the terms shown must equal ∂H/∂q on real numbers.
    shown = tuple(t for i, t in enumerate(full.terms, start=1) if i not in blanks)
    symbolic.check_equal(net, q, PathSum(full.prefix, shown + parse_sum(net, notation)))

    terms_with_blank = [path_sum_latex(net, PathSum((), (t,))) if i not in blanks else None
                        for i, t in enumerate(full.terms, start=1)]
    merged = []
    for item in terms_with_blank:  # consecutive blank terms share one blank line
        if item is None and merged and merged[-1] is None:
            continue
        merged.append(item)
    prefix = path_sum_latex(net, PathSum(full.prefix, ((),))) if full.prefix else ""
    formula = sum_lines(q.latex(), prefix, [BLANK if item is None else item for item in merged])
    intro = (
        para("Consider the neural network ", Math(r"H(\vec x)"), " in the figure."),
        network_figure(net, number),
        assumptions(net),
        para("Fill in the blank without making reference to any derivatives (apart from ",
             Math("g'"), ", the derivative of the activation function):"),
        *formula,
    )
    answer = Answer(q.name, notation, sum_latex(net, missing), wrong=wrong_blanks(net, missing, shown))
    solution = (
        para("The blank is ", Math(sum_latex(net, missing)), "."),
        para("The derivative is a sum over every path from ", Math(_start(q)),
             " to the output; in full:"),
        *full_sum(net, q, full),
    )
    part = Part("a", (para("The blank is:"),), answer, solution, AnswerSpace(lines=1))
    return Problem(number, spec.id, spec.kind, intro, (part,), spec.points)


def wrong_blanks(net, missing: tuple, shown: tuple) -> tuple[tuple[str, str], ...]:
    """Wrong fillings of the blank, each a real mistake: derivative-claims' mistakes made
    in the missing terms (an index swapped, a slope left out, a term dropped), and a term
    already shown written again. Each differs from the answer in its path terms."""
    right = symbolic.multiplied_out(PathSum((), missing))
    candidates = [mistake_in(net, PathSum((), missing), mistake) for mistake in MISTAKES]
    sums = [wrong for wrong, _ in filter(None, candidates)] + [PathSum((), (term,)) for term in shown]
    wrong, seen = [], [right]
    for candidate in sums:
        terms = symbolic.multiplied_out(candidate)
        if terms not in seen and candidate.terms:
            seen.append(terms)
            wrong.append((sum_notation(net, candidate.terms), sum_latex(net, candidate.terms)))
    return tuple(wrong[:3])


def _start(q) -> str:
    return symbol_latex(q.value_of())


EXAMPLE = '''\
kind: path-blank
points: 3
network: {layers: [2, 2, 2, 1]}
target: dH/dW1_12             # written as a sum over paths
blank: [2]                    # the term(s) left blank
'''


KIND = Kind("path-blank", Spec, build, choice_fields=("target",), example=EXAMPLE)

"""`derivative-claims`: true/false claims about derivatives of H written with weights and g′
(#149). True claims are the path sums of the network; false ones make a real mistake."""
from __future__ import annotations

import typing
from typing import Annotated, Literal

from pydantic import Field, model_validator

from .. import notation
from ..document import Answer, AnswerSpace, Math, Part, Problem, para
from ..paths import Factor, PathSum, path_sum, path_sum_latex
from ..quantities import symbol_latex
from ..spec import FieldError, NetworkSpec, ProblemSpec, QuantityName, Strict, check_quantities
from . import symbolic
from .checked import CheckFailed, value_text
from .figure import network_figure
from .formulas import full_sum
from .kind import Kind
from .parts import each_part, letter
from .wording import notation_sentences

Mistake = Literal["dropped-term", "wrong-index", "missing-slope"]
MISTAKES = typing.get_args(Mistake)
_EXPLAIN = {
    "dropped-term": "The correct expression has a term for every path to the output; the claim leaves out {n}.",
    "wrong-index": "The claim uses {wrong} where the path goes through {right}.",
    "missing-slope": "The claim leaves out the factor {right} of the node the path passes through.",
}


class Claim(Strict):
    about: QuantityName
    mistake: Mistake | None = Field(None, description="the mistake that makes the claim false "
                                    "(none: the claim is true)", examples=["wrong-index"])


class Spec(ProblemSpec):
    """`derivative-claims`: true/false claims about derivatives of H written with weights and
    g′ (#149). True claims are the path sums of the network; false ones make a real mistake."""
    kind: Literal["derivative-claims"]
    network: NetworkSpec = Field(description="the network's layers and activations")
    claims: Annotated[list[Claim], Field(min_length=1, max_length=10)] = Field(
        description="one true/false part each", examples=[[{"about": "dH/dx_2", "mistake": "wrong-index"}]])

    @model_validator(mode="after")
    def _check(self):
        check_quantities(self.network, [c.about for c in self.claims], "claims")
        for index, claim in enumerate(self.claims):
            if not claim.about.derivative or claim.about.symbol == "H":
                raise FieldError("expected a derivative such as dH/dz2_1", "claims", index, "about")
            for net in self.network.skeletons():
                if claim.mistake and mistaken(net, claim.about, claim.mistake) is None:
                    raise FieldError(f"a '{claim.mistake}' mistake is not possible for "
                                     f"{claim.about.name} in layers {list(net.layers)}", "claims", index, "mistake")
        return self


def mistaken(net, q, mistake: str):
    """(wrong path sum, what was changed) for a mistake, or None when it cannot be made."""
    return mistake_in(net, path_sum(net, q), mistake)


def mistake_in(net, ps: PathSum, mistake: str):
    """mistaken, for any path sum (path-blank makes its wrong options with it)."""
    if mistake == "dropped-term":
        if len(ps.terms) < 2:
            return None
        return PathSum(ps.prefix, ps.terms[:-1]), {"n": "one of them"}
    if mistake == "missing-slope":
        for where, term in enumerate((ps.prefix,) + ps.terms):
            for k, f in enumerate(term):
                if f.kind == "g'":
                    return _replace(ps, where, term[:k] + term[k + 1:]), {"right": f.latex(net)}
        return None
    for where, term in enumerate((ps.prefix,) + ps.terms):  # wrong-index: W_ij written W_ji
        for k, f in enumerate(term):
            swapped = Factor("W", f.layer, f.j, f.i)
            if f.kind == "W" and f.i != f.j and f.j <= net.layers[f.layer - 1] and f.i <= net.layers[f.layer]:
                return (_replace(ps, where, term[:k] + (swapped,) + term[k + 1:]),
                        {"wrong": swapped.latex(net), "right": f.latex(net)})
    return None


def _replace(ps: PathSum, where: int, term) -> PathSum:
    if where == 0:
        return PathSum(term, ps.terms)
    terms = list(ps.terms)
    terms[where - 1] = term
    return PathSum(ps.prefix, tuple(terms))


def build(spec: Spec, number: int) -> Problem:
    net = spec.network.to_network()
    intro = (
        para("Consider the neural network in the figure."),
        network_figure(net, number),
        para("Assume that ", Math("g"), " is the activation function of the hidden layers",
             " and that the output layer uses a linear activation. " if net.output == "linear"
             else f" and that the output layer uses a {notation.ACTIVATIONS[net.output].name} activation. ",
             "There are no biases. " if not net.has_bias else "",
             "Here ", Math("W" + notation.layer_mark(r"\ell")), " is the weight matrix from layer ", Math(r"\ell - 1"),
             " to layer ", Math(r"\ell"), ".", *notation_sentences(net)),
    )
    parts = tuple(_part(net, claim, index) for index, claim in each_part(spec.claims))
    return Problem(number, spec.id, spec.kind, intro, parts, spec.points)


def _part(net, claim: Claim, index: int) -> Part:
    q, right = claim.about, path_sum(net, claim.about)
    shown, details = (right, {}) if claim.mistake is None else mistaken(net, q, claim.mistake)
    # A true claim must have the chain rule's terms (and agree with the engine); a mistake
    # must really change them.
    truth = symbolic.same_terms(net, q, shown)
    if truth != (claim.mistake is None) or (truth and symbolic.first_difference(net, q, shown)):
        raise CheckFailed(q.name, None, None, message=_wrong_claim(net, q, shown, claim))
    prompt = para("True or False: ", Math(rf"{q.latex()} = {path_sum_latex(net, shown)}"), ".")
    if truth:
        solution = (para("True. Summing over every path from ", Math(_node(q)), " to the output:"),
                    *full_sum(net, q, right))
    else:
        solution = (para("False. The correct expression is"),
                    *full_sum(net, q, right),
                    para(*_explain(claim.mistake, details)))
    answer = Answer(q.name, truth, "True" if truth else "False")
    return Part(letter(index), (prompt,), answer, solution, AnswerSpace(true_false=True))


def _wrong_claim(net, q, shown, claim) -> str:
    """Why a claim fails its check: a true claim the engine contradicts or whose terms
    differ from the chain rule's, or a mistake that does not change the terms."""
    if claim.mistake is None:
        difference = symbolic.first_difference(net, q, shown)
        if difference is None:
            return f"{q.name}: the true claim's path terms differ from the chain rule's"
        engine, printed = difference
        return (f"{q.name} on a random network: the numpy engine gives {value_text(engine)}, "
                f"the path sum of the true claim gives {printed}")
    return (f"{q.name}: the claim with a '{claim.mistake}' mistake has the same path terms as "
            "the chain rule, so it would not be false")


def _node(q) -> str:
    return symbol_latex(q.value_of())


def _explain(mistake: str, details: dict) -> list:
    text = _EXPLAIN[mistake]
    if mistake == "dropped-term":
        return [text.format(**details)]
    if mistake == "missing-slope":
        before, after = text.split("{right}")
        return [before, Math(details["right"]), after]
    first, rest = text.split("{wrong}")
    middle, last = rest.split("{right}")
    return [first, Math(details["wrong"]), middle, Math(details["right"]), last]


EXAMPLE = '''\
kind: derivative-claims
points: 3
network: {layers: [2, 2, 2, 1]}
claims:
  - about: dH/dz2_1           # a true claim
  - about: dH/da1_2
    mistake: dropped-term     # or wrong-index, missing-slope
'''


KIND = Kind("derivative-claims", Spec, build, example=EXAMPLE)

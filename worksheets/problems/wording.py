"""Sentences several kinds share: the activations and biases, the precision asked."""
from __future__ import annotations

from dataclasses import replace

from .. import conventions, notation, numbers
from ..document import Math, Para, Problem, para
from ..network import Network
from ..spec import OWN_MATH
from .checked import Solved


class WordingMismatch(ValueError):
    """Own prompts that do not match the problem's parts one to one."""


def assumptions(net: Network, biases_drawn: bool = False, derivatives: bool = True) -> Para:
    """The sentence that tells students the activations and biases (and, when the
    figure shows them, what the bias labels mean), then the sheet's notation (δ and
    ReLU′(0) only for a problem about derivatives)."""
    hidden = f"all hidden nodes use {_named(net.hidden)} activation" if net.depth > 1 else None
    output = (f"the output node uses {_named(net.output)} activation" if net.layers[-1] == 1
              else f"the output nodes use {_named(net.output)} activation")
    bias = "all hidden and output nodes have a bias" if net.has_bias else "there are no biases"
    if net.has_bias and biases_drawn:
        bias += ", written b = \u2026 under the node"
    clauses = [c for c in (hidden, output, bias) if c]
    sentence = "Assume that " + ", that ".join(clauses[:-1]) + ", and that " + clauses[-1] + "."
    loss = loss_sentence(net) if net.has_loss else ()
    return para(sentence, *loss, *notation_sentences(net, derivatives))


def notation_sentences(net: Network, derivatives: bool = True) -> tuple:
    """What the sheet's conventions mean, where they differ from the course's (whose
    sheets say nothing more)."""
    pieces: tuple = ()
    if conventions.current().to_from:
        pieces += (" Here ", Math(notation.weight("l", "k", "j")), " is the weight from node ", Math("k"),
                   " of layer ", Math("l - 1"), " to node ", Math("j"), " of layer ", Math("l"), ", so ",
                   Math(conventions.forward_rule(net.has_bias)), ".")
    if conventions.uses_delta() and derivatives:
        objective = net.objective
        pieces += (" We write ", Math(notation.delta("l", "j")), " for ",
                   Math(notation.slash_derivative(notation.node("z", "l", "j"), objective)), ".")
    uses_relu = "relu" in {net.activation(layer) for layer in range(1, net.depth + 1)}  # (no hidden layer: no g)
    if conventions.relu_at_zero() and uses_relu and derivatives:
        pieces += (" Take ", Math(r"\text{ReLU}'(0) = 1"), ".",)
    return pieces


def batch_legend() -> Para:
    """The opening sentence of a problem on a batch: its figure shows the weights only."""
    return para("Consider the neural network in the figure, with its weights, and the batch of points in the "
                "table below it. The blue numbers on the edges are the weights.")


def loss_sentence(net: Network) -> tuple:
    """" The loss is ..., L = ...; the targets are written beside the outputs." (a batch:
    the mean or sum of each point's loss; with L2, plus its term)"""
    targets = ("the class c is the output whose target y is 1" if net.loss == "softmax-cross-entropy"
               else "the targets y are written beside the outputs")
    if net.is_batch:
        targets = "the table gives each point's input and " + (
            "class" if net.loss == "softmax-cross-entropy" else "targets")
        formula = notation.loss_formula(net.loss, net.depth).replace("L = ", notation.point_loss("n") + " = ", 1)
        reduce = "mean" if net.reduce == "mean" else "sum"
        pieces = (f" Each point n has {notation.LOSSES[net.loss].name}, ", Math(formula),
                  f"; {targets}. The batch's loss is the {reduce} over its points, ",
                  Math(notation.batch_loss(net.reduce, len(net.batch))))
    else:
        pieces = (f" The loss is {notation.LOSSES[net.loss].name}, ", Math(notation.loss_formula(net.loss, net.depth)),
                  f"; {targets}")
    if net.l2:
        pieces += (", plus L2 regularization of every weight matrix (not the biases), ",
                   Math(notation.l2_term()), " with ", Math(rf"\lambda = {numbers.given_latex(net.l2)}"))
    return pieces + (".",)


def precision_note(solved: Solved) -> list[Para]:
    if solved.decimals is None:
        return []
    return [para(f"Give numerical answers rounded to {solved.decimals} decimal places.")]


def _named(act: str) -> str:
    """"a ReLU", "a sigmoid": the activation's name with its article."""
    name = notation.OUTPUT_ACTIVATIONS[act].name
    return f"{notation.article(name)} {name}"


# ---- the instructor's own wording -------------------------------------------------------

def own_text(text: str) -> Para:
    """A paragraph of the spec's own text: $...$ is math, everything else prints as typed
    (\\$ is a dollar sign)."""
    pieces, last = [], 0
    for match in OWN_MATH.finditer(text):
        if match.start() > last:
            pieces.append(text[last:match.start()].replace("\\$", "$"))
        pieces.append(Math(match.group(1)))
        last = match.end()
    if last < len(text):
        pieces.append(text[last:].replace("\\$", "$"))
    return para(*pieces)


def with_own_wording(problem: Problem, spec) -> Problem:
    """The problem with the spec's `intro:` in place of its opening paragraph and its
    `prompts:` in place of each part's prompt text; figures, tables, numbers and answers
    stay as the kind computed them."""
    intro, parts = problem.intro, problem.parts
    if spec.intro:
        first = next((i for i, block in enumerate(intro) if isinstance(block, Para)), None)
        own = own_text(spec.intro)
        intro = (own,) + intro if first is None else intro[:first] + (own,) + intro[first + 1:]
    if spec.prompts:
        if len(spec.prompts) != len(parts):
            raise WordingMismatch(f"{len(spec.prompts)} prompts for {len(parts)} part{'s' * (len(parts) != 1)}; "
                                  "give one per part")
        parts = tuple(replace(part, prompt=(own_text(text),) + _not_text(part.prompt))
                      for part, text in zip(parts, spec.prompts))
    return replace(problem, intro=intro, parts=parts)


def _not_text(blocks: tuple) -> tuple:
    """The blocks of a prompt that own text does not replace (a table to fill in)."""
    return tuple(block for block in blocks if not isinstance(block, Para))

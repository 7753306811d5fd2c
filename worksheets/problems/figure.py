"""A problem's network figure: the network in the course's style, with its numbers."""
from __future__ import annotations

from .. import conventions, notation, numbers
from ..document import Block, Figure, Math, Table, Text
from ..figures import FigureSpec
from ..network import Network
from ..paths import exact_forward_tuples
from .checked import Solved, solve


def network_figure(net: Network, number: int, with_values: bool = False, solved: Solved | None = None,
           node_values: bool = True) -> Figure:
    """The network drawn in the course's style; with weights, inputs and (unless
    node_values is False) the z and a of every node when with_values is set."""
    activations = tuple(net.activation(layer) for layer in range(1, net.depth + 1))
    marks = "".join(conventions.brackets())
    spec = FigureSpec(layers=net.layers, activations=activations, marks=marks)
    if with_values and net.is_batch:  # the weights only; the points go in a table (points_table)
        weights = tuple(tuple(tuple(numbers.given_text(w) for w in row) for row in W) for W in net.weights)
        biases = tuple(tuple(numbers.given_text(v) for v in b) for b in net.biases) if net.has_bias else None
        spec = FigureSpec(net.layers, weights, None, None, biases, activations, None, _loss_labels(net)[1],
                          marks)
    elif with_values:
        solved = solved or solve(net)
        text, given = solved.text, numbers.given_text  # given numbers print as typed
        # Exact networks print their exact values; others the engine's, rounded.
        z, a = exact_forward_tuples(net) if solved.decimals is None else (solved.values.z, solved.values.a)
        weights = tuple(tuple(tuple(given(w) for w in row) for row in W) for W in net.weights)
        values = tuple(tuple((text(z[l][j]), text(a[l][j])) for j in range(net.layers[l]))
                            for l in range(1, net.depth + 1))
        biases = tuple(tuple(given(v) for v in b) for b in net.biases) if net.has_bias else None
        spec = FigureSpec(net.layers, weights, values if node_values else None,
                          tuple(given(v) for v in net.x), biases, activations, *_loss_labels(net), marks)
    return Figure(spec, f"problem-{number:02d}")


def _loss_labels(net: Network) -> tuple:
    """(targets, loss name) for the figure; (None, None) without a loss."""
    if not net.has_loss:
        return None, None
    targets = None if net.is_batch else tuple(numbers.given_text(t) for t in net.y)
    return targets, f"{net.loss} loss L"


def figure_blocks(net: Network, number: int, **options) -> tuple[Block, ...]:
    """The network figure, and for a batch the table of its points below it."""
    figure = network_figure(net, number, **options)
    return (figure, points_table(net)) if net.is_batch and options.get("with_values") else (figure,)


def points_table(net: Network) -> Table:
    """One row per point of a batch: its inputs, then its targets (or its class)."""
    classes = net.loss == "softmax-cross-entropy"
    header = [(Text("point"),)] + [(Math(notation.input_(i)),) for i in range(1, net.layers[0] + 1)]
    header += [(Text("class c"),)] if classes else \
        [(Math(notation.target(k)),) for k in range(1, net.layers[-1] + 1)]
    rows = [tuple(header)]
    for n, (x, y) in enumerate(net.batch, start=1):
        targets = [str(list(y).index(1) + 1)] if classes else [numbers.given_text(t) for t in y]
        rows.append(tuple((Text(text),) for text in [str(n)] + [numbers.given_text(v) for v in x] + targets))
    return Table(tuple(rows))

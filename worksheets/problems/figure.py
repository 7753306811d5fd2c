"""A problem's network figure: the network in the course's style, with its numbers."""
from __future__ import annotations

from .. import conventions, numbers
from ..document import Figure
from ..figures import FigureSpec
from ..network import Network
from ..paths import exact_forward
from .checked import Solved, solve


def network_figure(net: Network, number: int, with_values: bool = False, solved: Solved | None = None,
           node_values: bool = True) -> Figure:
    """The network drawn in the course's style; with weights, inputs and (unless
    node_values is False) the z and a of every node when with_values is set."""
    activations = tuple(net.activation(layer) for layer in range(1, net.depth + 1))
    marks = "".join(conventions.brackets())
    spec = FigureSpec(layers=net.layers, activations=activations, marks=marks)
    if with_values:
        solved = solved or solve(net)
        text, given = solved.text, numbers.given_text  # given numbers print as typed
        # Exact networks print their exact values; others the engine's, rounded.
        z, a = exact_forward(net) if solved.decimals is None else (solved.values.z, solved.values.a)
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
    return tuple(numbers.given_text(t) for t in net.y), f"{net.loss} loss L"

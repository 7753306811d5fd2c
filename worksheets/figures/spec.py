"""What a figure shows. Problem kinds fill this in; the figure code only draws it."""
from __future__ import annotations

from dataclasses import dataclass

# Labels are pre-formatted strings (e.g. "−3", "0.25"): formatting numbers is the
# problem's job, so figure and key always print a value the same way.


@dataclass(frozen=True)
class FigureSpec:
    layers: tuple[int, ...]  # node counts, input layer first
    # weights[l-1][i][j]: label on the edge from node i of layer l-1 to node j of layer l
    # (0-based here), or None for a figure without numbers.
    weights: tuple[tuple[tuple[str, ...], ...], ...] | None = None
    # node_values[l-1][j] = (z label, a label) for node j of layer l, shown above the node.
    node_values: tuple[tuple[tuple[str, str], ...], ...] | None = None
    # input_values[i]: value of x_i, shown above its box.
    input_values: tuple[str, ...] | None = None
    # biases[l-1][j]: label of b_j^(l), drawn as a small "+b" beside node j; None = not drawn.
    biases: tuple[tuple[str, ...], ...] | None = None
    # activations[l-1]: the activation of layer l ("relu", ...); not drawn, only named in
    # the figure's text description (output/alt.py). () when unknown.
    activations: tuple[str, ...] = ()
    # targets[j]: y of output node j, shown right of its arrow; None: no loss.
    targets: tuple[str, ...] | None = None
    # The loss, named right of the targets ("half-square loss L"); None: no loss.
    loss: str | None = None
    # The two characters around the layer number in z^(l) and a^(l): "()" or "[]".
    marks: str = "()"

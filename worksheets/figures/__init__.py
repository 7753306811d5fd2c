"""Network figures in the course's style, laid out in Python and drawn by Graphviz.

    figure_dot(spec)              -> DOT source (pinned layout, for `neato -n2`)
    render_figures([spec, ...])   -> [RenderedFigure]: SVG text, reportlab Drawing, size
    RenderedFigure.fit(max_width) -> the Drawing scaled down to fit a column
"""
from __future__ import annotations

from dataclasses import dataclass

from reportlab.graphics.shapes import Drawing

from .dot import to_dot
from .drawing import drawing
from .graphviz import Rendered, render
from .layout import layout as compute_layout  # keeps .layout the module
from .spec import FigureSpec

__all__ = ["FigureSpec", "RenderedFigure", "figure_dot", "render_figures"]


@dataclass(frozen=True)
class RenderedFigure:
    svg: str  # standalone SVG, for slides
    drawing: Drawing  # vector drawing for reportlab, at natural size (1 unit = 1 pt)
    width: float  # points
    height: float
    rendered: Rendered  # Graphviz's output, for drawings at other sizes

    def fit(self, max_width: float) -> Drawing:
        """A new Drawing scaled down (never up) to at most max_width points."""
        return drawing(self.rendered, max_width)


_dots: dict[str, str] = {}  # by repr(spec): the layout search is the costly part


def figure_dot(spec: FigureSpec) -> str:
    """DOT source of the figure, for `neato -n2` (everything pinned)."""
    key = repr(spec)
    if key not in _dots:
        _dots[key] = to_dot(compute_layout(spec))
    return _dots[key]


def render_figures(specs: list[FigureSpec]) -> list[RenderedFigure]:
    """Renders all figures with a single Graphviz process (cached by DOT source)."""
    rendered = render([figure_dot(spec) for spec in specs])
    figures = []
    for r in rendered:
        d = drawing(r)
        figures.append(RenderedFigure(r.svg, d, d.width, d.height, r))
    return figures

"""Network figures in the course's style, laid out in Python and drawn by Graphviz.

    figure_dot(spec)              -> DOT source (pinned layout, for `neato -n2`)
    render_figures([spec, ...])   -> [RenderedFigure]: SVG text, reportlab Drawing, size
    RenderedFigure.fit(max_width) -> the Drawing scaled down to fit a column
    RenderedFigure.draw_on(canvas, x, y, scale) -> drawn into a PDF from cached operators

Graphviz draws each frame (architecture, which numbers are shown, how wide they may be;
see layout.Frame) once per process; figures of a frame get their numbers filled in.
"""
from __future__ import annotations

from dataclasses import dataclass

from reportlab.graphics.shapes import Drawing

from ..conventions import weight_name
from .dot import to_dot
from .drawing import FigureDrawing, Painting, drawing, scaled
from .graphviz import render
from .layout import Frame, frame_layout, frame_of, label_texts, uncleared
from .layout import layout as compute_layout  # keeps .layout the module
from .spec import FigureSpec
from .templates import Template, fits_template

__all__ = ["FigureSpec", "RenderedFigure", "crowded_weights", "figure_dot", "render_figures"]


@dataclass(frozen=True)
class RenderedFigure:
    svg: str  # standalone SVG, for slides
    drawing: FigureDrawing  # vector drawing for reportlab, at natural size (1 unit = 1 pt);
    # it shares shapes with other figures of its frame: wrap it, do not modify it
    width: float  # points
    height: float
    # A figure filled into its frame's template: the template's SVG split at its
    # placeholders (odd items are label names) and the texts put in (see templates.py);
    # empty for a figure Graphviz drew by itself.
    svg_parts: tuple[str, ...] = ()
    texts: dict[str, str] | None = None

    def fit(self, max_width: float) -> Drawing:
        """A new Drawing scaled down (never up) to at most max_width points."""
        return scaled(self.drawing, max_width)

    def draw_on(self, canvas, x: float, y: float, scale: float = 1.0) -> None:
        """Draws the figure onto a reportlab canvas, lower left corner at (x, y), from
        operators cached per frame (no renderPDF; see drawing.Painting)."""
        self.drawing.draw_on(canvas, x, y, scale)


def figure_dot(spec: FigureSpec) -> str:
    """DOT source of the figure, for `neato -n2` (everything pinned)."""
    return to_dot(compute_layout(spec))


def crowded_weights(spec: FigureSpec) -> list[str]:
    """The weights (W2_11, ...) whose labels another edge passes within 1.5 pt of: none
    up to 4 nodes per layer; 5 or 6 nodes are best effort. (A graph's figure has none.)"""
    if not isinstance(spec, FigureSpec) or spec.weights is None:
        return []
    return [weight_name(w.layer, w.source + 1, w.target + 1) for w in uncleared(frame_layout(frame_of(spec)))]


_templates: dict[Frame, Template] = {}


def render_figures(specs: list[FigureSpec]) -> list[RenderedFigure]:
    """Renders the figures, running Graphviz once (one process) for all frames not
    drawn before in this process and for figures that do not fit a template. A spec
    other than a network's FigureSpec brings its own pinned DOT source (.dot())."""
    texts = [label_texts(spec) if isinstance(spec, FigureSpec) else None for spec in specs]
    frames = [frame_of(spec) if t is not None and fits_template(t) else None for spec, t in zip(specs, texts)]
    new_frames = [f for f in dict.fromkeys(frames) if f is not None and f not in _templates]
    odd = [spec for spec, frame in zip(specs, frames) if frame is None]
    rendered = render([to_dot(frame_layout(f)) for f in new_frames]
                      + [figure_dot(spec) if isinstance(spec, FigureSpec) else spec.dot() for spec in odd])
    _templates.update(zip(new_frames, map(Template.of, rendered[:len(new_frames)])))
    by_itself = iter(rendered[len(new_frames):])
    return [_drawn(next(by_itself)) if frame is None else _filled(_templates[frame], t)
            for frame, t in zip(frames, texts)]


def _filled(template: Template, texts: dict[str, str]) -> RenderedFigure:
    d = template.filled_drawing(texts)
    return RenderedFigure(template.svg(texts), d, d.width, d.height, template.svg_parts, texts)


def _drawn(rendered) -> RenderedFigure:
    d = drawing(rendered)
    d = FigureDrawing(d.width, d.height, *d.contents, painting=Painting(d), texts={})
    return RenderedFigure(rendered.svg, d, d.width, d.height)

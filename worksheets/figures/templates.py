"""Figures by frame: Graphviz draws a frame once, with placeholders for the numbers;
each figure of that frame is the same SVG and Drawing with its own numbers put in, and
draws into PDFs from the frame's one Painting (its shapes as cached PDF operators).

The numbers are plain text centred in fixed boxes (see dot.py), so nothing else in
Graphviz's output depends on them: a filled template is what Graphviz gives for the
figure's own DOT source (tests/test_figures.py compares the two).
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from reportlab.graphics.shapes import Drawing, Group, String

from .drawing import FigureDrawing, Painting, drawing
from .graphviz import Rendered

PLACEHOLDER = re.compile(r"@(\w+)@")  # layout.placeholder
# How Graphviz (xml_string) writes these characters in SVG text.
SVG_ESCAPES = {"-": "&#45;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


def fits_template(texts: dict[str, str]) -> bool:
    """Whether every text goes into the SVG as SVG_ESCAPES says. Graphviz treats '&'
    (entities), backslashes (escapes) and white space (line breaks, runs of spaces, at
    either end) specially, and writes no <text> for an empty label; figures with such
    texts are drawn on their own. Single spaces inside a text ("b = 2") are kept."""
    return all(text and text == text.strip() and "  " not in text
               and not any(c in "&\\" or (c.isspace() and c != " ") for c in text)
               for text in texts.values())


def svg_text(text: str) -> str:
    return "".join(SVG_ESCAPES.get(c, c) for c in text)


@dataclass(frozen=True)
class Template:
    svg_parts: tuple[str, ...]  # SVG between placeholders; the odd ones are label names
    drawing: Drawing  # with placeholder Strings; shared by the filled ones, never modified
    slots: tuple[tuple[int, str], ...]  # (index in the drawing's group, label name)
    painting: Painting  # the drawing as PDF operators, its slots filled in when drawn

    @classmethod
    def of(cls, rendered: Rendered) -> Template:
        template = drawing(rendered)
        shapes = template.contents[0].contents
        slots = tuple((k, match.group(1)) for k, shape in enumerate(shapes)
                      if isinstance(shape, String) and (match := PLACEHOLDER.fullmatch(shape.text)))
        return cls(tuple(PLACEHOLDER.split(rendered.svg)), template, slots,
                   Painting(template, dict(slots)))

    def svg(self, texts: dict[str, str]) -> str:
        return "".join(svg_text(texts[part]) if k % 2 else part
                       for k, part in enumerate(self.svg_parts))

    def filled_drawing(self, texts: dict[str, str]) -> Drawing:
        group = self.drawing.contents[0]
        shapes = list(group.contents)  # unchanging shapes are shared, not copied
        for k, name in self.slots:
            shapes[k] = shallow_copy(shapes[k])
            shapes[k].text = texts[name]
        filled = Group(transform=group.transform)
        filled.contents.extend(shapes)  # Group(*shapes) would check each one again: slow
        result = FigureDrawing(self.drawing.width, self.drawing.height,
                               painting=self.painting, texts=texts)
        result.add(filled)
        return result


def shallow_copy(shape):
    """copy.copy(shape) for a shape keeping its attributes in its __dict__, as reportlab's
    shapes do: the same object, without copy's trip through __reduce_ex__ (five times
    slower; a version fills a hundred label texts)."""
    if type(shape).__reduce_ex__ is not object.__reduce_ex__ or hasattr(shape, "__setstate__") \
            or hasattr(shape, "__copy__") or hasattr(type(shape), "__slots__"):
        return copy.copy(shape)
    twin = object.__new__(type(shape))
    twin.__dict__.update(shape.__dict__)
    return twin

"""The one text font of the project, shared by figures (Graphviz) and PDFs (reportlab).

Liberation Serif has the minus sign, ∂ and the prime, which reportlab's built-in
fonts would take from the Symbol font with other widths.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.lib.fonts import addMapping

from ..errors import BuildError
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FAMILY = "Liberation Serif"  # the name Graphviz and fontconfig know
REGULAR, ITALIC, BOLD, BOLD_ITALIC = (
    "LiberationSerif", "LiberationSerif-Italic", "LiberationSerif-Bold", "LiberationSerif-BoldItalic")
_FILES = {
    REGULAR: "LiberationSerif-Regular.ttf",
    ITALIC: "LiberationSerif-Italic.ttf",
    BOLD: "LiberationSerif-Bold.ttf",
    BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf",
}
_FONT_DIRS = (Path("/usr/share/fonts/truetype/liberation"), Path("/usr/share/fonts/liberation"))


class FontMissing(BuildError):
    pass


def _find(filename: str) -> Path:
    for folder in _FONT_DIRS:
        if (folder / filename).is_file():
            return folder / filename
    raise FontMissing(f"font {filename} not found: install the Debian package fonts-liberation")


@cache
def register_fonts() -> None:
    """Registers Liberation Serif with reportlab (once per process)."""
    for name, filename in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(_find(filename))))
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 0, 1, ITALIC)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 1, 1, BOLD_ITALIC)

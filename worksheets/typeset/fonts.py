"""The one text font of the project, shared by figures (Graphviz) and PDFs (reportlab).

Liberation Serif has the minus sign, ∂ and the prime, which reportlab's built-in
fonts would take from the Symbol font with other widths.
"""
from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ..errors import BuildError

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


# ---- characters Liberation Serif lacks ---------------------------------------------
# Text from a spec is printed as typed, in any script: a character the text font lacks
# (Hebrew, combining accents, CJK, emoji) is taken from the first fallback that has it,
# in the same style where the fallback has styles. Fallbacks are registered (and
# embedded, as subsets) only when a sheet needs them.

_STYLES = {REGULAR: 0, ITALIC: 1, BOLD: 2, BOLD_ITALIC: 3}
_FALLBACKS = (  # name prefix, (regular, italic, bold, bold italic) files, Debian package
    ("DejaVuSerif", ("dejavu/DejaVuSerif.ttf", "dejavu/DejaVuSerif-Italic.ttf",
                     "dejavu/DejaVuSerif-Bold.ttf", "dejavu/DejaVuSerif-BoldItalic.ttf"), "fonts-dejavu-core"),
    ("DejaVuSans", ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Oblique.ttf",
                    "dejavu/DejaVuSans-Bold.ttf", "dejavu/DejaVuSans-BoldOblique.ttf"), "fonts-dejavu-core"),
    ("DroidSansFallback", ("droid/DroidSansFallbackFull.ttf",) * 4, "fonts-droid-fallback"),
    ("Symbola", ("ancient-scripts/Symbola_hint.ttf",) * 4, "fonts-symbola"),
)
FALLBACK_PACKAGES = tuple(dict.fromkeys(package for _, _, package in _FALLBACKS))
_TRUETYPE = Path("/usr/share/fonts/truetype")


class MissingGlyph(BuildError):
    pass


@cache
def _fallback(index: int, style: int) -> str | None:
    """The reportlab name of fallback `index` in `style`, registered; None if not installed."""
    _, files, _ = _FALLBACKS[index]
    path = _TRUETYPE / files[style]
    if not path.is_file():
        return None
    name = path.stem  # "DejaVuSerif-Bold", "DroidSansFallbackFull"
    pdfmetrics.registerFont(TTFont(name, str(path)))
    return name


def _has(font: str, char: str) -> bool:
    return ord(char) in pdfmetrics.getFont(font).face.charToGlyph


@cache
def font_for(char: str, font: str) -> str | None:
    """font if it has char, else the first installed fallback that has it, else None."""
    register_fonts()
    if _has(font, char):
        return font
    style = _STYLES.get(font, 0)
    for index in range(len(_FALLBACKS)):
        name = _fallback(index, style)
        if name is not None and _has(name, char):
            return name
    return None


def runs(text: str, font: str) -> list[tuple[str, str]]:
    """text as (piece, font) runs, each piece printable in its font. MissingGlyph names a
    character no installed font has (rather than printing a blank in its place); an
    invisible one (a zero-width space, a combining mark) stays in the current font."""
    result: list[tuple[str, str]] = []
    for char in text:
        chosen = font_for(char, font)
        if chosen is None:
            if unicodedata.category(char) not in _INVISIBLE:
                raise MissingGlyph(f"no installed font can print {char!r} (U+{ord(char):04X}); install "
                                   f"the Debian packages {', '.join(FALLBACK_PACKAGES)} or leave it out")
            chosen = result[-1][1] if result else font
        if result and result[-1][1] == chosen:
            result[-1] = (result[-1][0] + char, chosen)
        else:
            result.append((char, chosen))
    return result


_INVISIBLE = {"Mn", "Me", "Cf", "Zs", "Zl", "Zp", "Cc"}


def text_width(text: str, font: str, size: float) -> float:
    """Width of text drawn in runs (see runs)."""
    return sum(pdfmetrics.stringWidth(piece, name, size) for piece, name in runs(text, font))

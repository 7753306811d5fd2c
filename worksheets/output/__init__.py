"""Output drivers: the files of one version of a sheet (or of a sheet without versions).

    Version(sheet, pagesize)      -> the sheet with its figures drawn and its worksheet and
                                     key laid out when asked, measured (.heights) but not yet
                                     written (with large_print=True also their large-print
                                     layouts)
    tallest([v.heights, ...])     -> the slots every version is padded to, so that problem k
                                     starts at the same place in every version
    version_files(v, slots, ...)  -> {relative path: bytes}, by the formats in FORMATS

Every build writes through version_files, a single sheet as a class set of one version.
Adding an output format is one module here with a `files(version, slots)` function and
its line in FORMATS. Exports to learning platforms see every version at once: exports.py.
"""
from __future__ import annotations

from functools import cached_property
from typing import Callable

from ..document import Figure, Sheet
from ..figures import render_figures
from . import answers, html, pdf, svg
from .scanmarks import needs

# name -> files(version, slots) -> {relative path: bytes}; written in this order.
FORMATS: dict[str, Callable[["Version", tuple], dict[str, bytes]]] = {
    "worksheet": pdf.worksheet_files,
    "key": pdf.key_files,
    "answers": answers.files,
    "figures": svg.files,
    "html": html.files,
    "worksheet-large": pdf.large_worksheet_files,
    "key-large": pdf.large_key_files,
}

# A build's chosen formats (a spec's `formats:`, --formats) -> the formats of FORMATS they
# write per version; answers.json and the figures' SVG are written whatever the choice.
_PER_VERSION = {"pdf": ("worksheet", "key"), "html": ("html",)}
_ALWAYS = ("answers", "figures")
_LARGE_PRINT = {"pdf": ("worksheet-large", "key-large")}  # --large-print, large_print: true


def version_formats(chosen, large_print: bool = False) -> tuple[str, ...]:
    """The names of FORMATS a build with these chosen formats writes, in FORMATS' order."""
    wanted = set(_ALWAYS).union(*(_PER_VERSION.get(name, ()) for name in chosen))
    if large_print:
        wanted = wanted.union(*(_LARGE_PRINT.get(name, ()) for name in chosen))
    return tuple(name for name in FORMATS if name in wanted)


def figures_of(sheet: Sheet) -> list[Figure]:
    blocks = [b for p in sheet.problems for b in p.intro + tuple(x for part in p.parts
                                                                  for x in part.prompt + part.solution)]
    return [b for b in blocks if isinstance(b, Figure)]


def draw_figures(figures: list[Figure]) -> dict:
    """Each distinct figure drawn (one Graphviz run for all), by FigureSpec."""
    pdf.prepare_libraries()
    unique = list(dict.fromkeys(f.spec for f in figures))
    return dict(zip(unique, render_figures(unique)))


class Version:
    """One version laid out: its sheet, its figures drawn (one Graphviz run) by
    FigureSpec, and its worksheet and key laid out (each when first asked for), ready to
    be written once; with large_print also the large-print worksheet and key, each a
    layout of its own."""

    def __init__(self, sheet: Sheet, pagesize, drawn: dict | None = None, large_print: bool = False):
        self.sheet, self.pagesize, self.large_print = sheet, pagesize, large_print
        self.figures = figures_of(sheet)
        self.drawn = draw_figures(self.figures) if drawn is None else drawn

    @cached_property
    def worksheet(self) -> pdf.LaidOut:
        return pdf.LaidOut(self.sheet, self.drawn, False, self.pagesize)

    @cached_property
    def key(self) -> pdf.LaidOut:
        return pdf.LaidOut(self.sheet, self.drawn, True, self.pagesize)

    @cached_property
    def worksheet_large(self) -> pdf.LaidOut:
        return pdf.LaidOut(self.sheet, self.drawn, False, self.pagesize, pdf.LARGE_PRINT)

    @cached_property
    def key_large(self) -> pdf.LaidOut:
        return pdf.LaidOut(self.sheet, self.drawn, True, self.pagesize, pdf.LARGE_PRINT)

    @property
    def heights(self) -> tuple[list[float], ...]:
        """The height of every piece of the worksheet and of the key (then of the
        large-print worksheet and key): slots[i] of tallest() is for the i-th. Last, the
        digits each bubble answer needs (scanmarks.needs): their largest over the versions
        is the one format all versions print."""
        large = (self.worksheet_large, self.key_large) if self.large_print else ()
        return tuple(laid_out.heights for laid_out in (self.worksheet, self.key, *large)) + (needs(self.sheet),)


def tallest(heights: list[tuple]) -> tuple:
    """Per piece, the largest height over all versions (each kind of PDF apart)."""
    if len({tuple(len(h) for h in version) for version in heights}) > 1:
        raise ValueError("the versions have different numbers of pieces; they cannot line up")
    return tuple([max(column) for column in zip(*(h[which] for h in heights))]
                 for which in range(len(heights[0])))


def version_files(version: Version, slots: tuple, formats=FORMATS) -> dict[str, bytes]:
    """The files of one version in the given formats (names of FORMATS), by relative path."""
    files = {}
    for name in formats:
        files.update(FORMATS[name](version, slots))
    return files

"""Exports to learning platforms: files that hold every version of a sheet at once.

    EXPORTS[name](sheets, drawn, warn) -> {relative path: bytes}

`sheets` are the versions' document.Sheet objects in order (one for a sheet without
versions), `drawn` their figures drawn, by figure spec; warn(message) reports what a
platform would get wrong (Canvas and numbers below 1e-4). Each export grades numbers with
the tolerance of answers.json (answers.tolerance).
"""
from __future__ import annotations

from typing import Callable

from ..document import Sheet
from . import canvas, draw_figures, figures_of, moodle, prairielearn

EXPORTS: dict[str, Callable[..., dict[str, bytes]]] = {
    "prairielearn": prairielearn.files,
    "canvas": canvas.files,
    "moodle": moodle.files,
}


def export_files(chosen, sheets: list[Sheet], warn=lambda message: None) -> dict[str, bytes]:
    """The files of the chosen exports (names of EXPORTS; other names are skipped)."""
    names = [name for name in chosen if name in EXPORTS]
    if not names:
        return {}
    drawn = draw_figures([figure for sheet in sheets for figure in figures_of(sheet)])  # one Graphviz run
    files: dict[str, bytes] = {}
    for name in names:
        files.update(EXPORTS[name](sheets, drawn, warn))
    return files

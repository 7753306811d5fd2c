"""Bubbles to answers: each row of a region says one digit (or a sign, or true/false), or
nothing, or something nobody can be sure of; an item is read only when all its rows are.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .page import EMPTY, FILLED, ScannedPage, darkness

BLANK = "blank"


@dataclass(frozen=True)
class Reading:
    """What one region says: `value` (a number, True/False, a student ID string, or
    BLANK), or `doubt` naming why it cannot be read."""
    region: dict
    value: object = None
    doubt: str | None = None


def read_regions(page: ScannedPage, regions: list[dict]) -> list[Reading]:
    """Every region of the page, read from one pass over all its bubbles."""
    if not regions:
        return []
    points = np.array([(b["x"], b["y"]) for r in regions for b in r["bubbles"]], dtype=np.float64)
    radius = regions[0]["radius"]
    levels = iter(darkness(page, points, radius))
    readings = []
    for region in regions:
        marks = [(b["row"], b["value"], next(levels)) for b in region["bubbles"]]
        readings.append(read_region(region, marks))
    return readings


def read_region(region: dict, marks: list[tuple[int, str, float]]) -> Reading:
    """A region from its bubbles' darkness: (row, value, darkness) each."""
    rows: dict[int, list] = {}
    for row, value, level in marks:
        rows.setdefault(row, []).append((value, level))
    said = {}
    for row, bubbles in sorted(rows.items()):
        unsure = [value for value, level in bubbles if EMPTY < level < FILLED]
        filled = [value for value, level in bubbles if level >= FILLED]
        if unsure:
            return Reading(region, doubt=f"a faint or half-erased mark ({_row_name(region, row)})")
        if len(filled) > 1:
            return Reading(region, doubt=f"two marks in one row ({_row_name(region, row)}: {', '.join(filled)})")
        said[row] = filled[0] if filled else None
    if region["kind"] == "true-false":
        value = said.get(1)
        return Reading(region, BLANK if value is None else value == "T")
    if region["kind"] == "choice":
        value = said.get(1)
        return Reading(region, BLANK if value is None else region["options"][int(value)])
    if region["kind"] == "student-id":
        if any(said.get(k + 1) is None for k in range(region["digits"])):
            return Reading(region, doubt="a digit of the student ID is not filled in")
        return Reading(region, "".join(said[k + 1] for k in range(region["digits"])))
    return Reading(region, _number(region, said))


def _row_name(region: dict, row: int) -> str:
    if region["kind"] == "student-id":
        return f"digit {row} of the ID"
    if region["kind"] in ("true-false", "choice"):
        return region["kind"]
    return "sign" if row == 0 else f"digit row {row}"


def _number(region: dict, said: dict):
    """The number the rows say; rows left empty are zeros (a leading zero is seldom
    bubbled), but nothing bubbled at all is a blank answer."""
    digits = [said.get(row) for row in range(1, region["digits"] + region["decimals"] + 1)]
    if all(d is None for d in digits) and said.get(0) is None:
        return BLANK
    magnitude = int("".join(d or "0" for d in digits))
    value = Fraction(magnitude, 10 ** region["decimals"]) * (-1 if said.get(0) == "-" else 1)
    return int(value) if value.denominator == 1 else value

"""Each student's readings against their version's answers: a row of grades.csv.

An item is a part of a problem, or one entry of a table a part asks for; its points are
the problem's points shared equally by its parts, and a part's by its entries. Results:
"right", "wrong", "blank" (0 points), "ecf" (credited, following from the student's own
earlier answer, with --ecf), and, with their points open, "review" (a mark a person must
read), "missing" (its page was not scanned) and "hand" (a box a person grades).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

from .read import BLANK

OPEN = ("review", "missing", "hand")  # results whose points a person decides
TOLERANCE_SLACK = 1e-9  # for answers read as fractions against tolerances given as floats


@dataclass(frozen=True)
class Item:
    problem: int
    part: str
    entry: tuple | None
    points: Fraction | None
    hand: bool = False

    @property
    def key(self) -> tuple:
        return self.problem, self.part, self.entry

    @property
    def label(self) -> str:
        entry = f"[{self.entry[0] + 1},{self.entry[1] + 1}]" if self.entry is not None else ""
        return f"{self.problem}{self.part}{entry}"


def items_of(regions: dict) -> list[Item]:
    """Every graded item of a version, in the order of the sheet. A problem's points are
    shared by the parts that ask something (a table whose entries are all given asks
    nothing), a part's by its entries."""
    items = []
    for problem in regions["problems"]:
        entries = {part["label"]: [tuple(r["entry"]) if r.get("entry") is not None else None
                                   for r in regions["regions"]
                                   if r.get("problem") == problem["number"] and r.get("part") == part["label"]]
                   for part in problem["parts"]}
        asking = [p for p in problem["parts"] if p["answer"] == "box" or entries[p["label"]]]
        share = None if problem["points"] is None or not asking else Fraction(problem["points"], len(asking))
        for part in asking:
            if part["answer"] == "box":
                items.append(Item(problem["number"], part["label"], None, share, hand=True))
                continue
            for entry in entries[part["label"]]:
                items.append(Item(problem["number"], part["label"], entry,
                                  None if share is None else share / len(entries[part["label"]])))
    return items


def key_of(region: dict) -> tuple:
    entry = region.get("entry")
    return region["problem"], region["part"], tuple(entry) if entry is not None else None


@dataclass
class Mark:
    read: object  # the value read, BLANK, or None when not read
    result: str
    points: Fraction | None


@dataclass
class Row:
    student: str
    version: str
    marks: dict = field(default_factory=dict)  # item key -> Mark

    @property
    def total(self) -> Fraction:
        return sum((m.points for m in self.marks.values() if m.points is not None), Fraction(0))

    @property
    def pending(self) -> list[tuple]:
        return [key for key, m in self.marks.items() if m.result in OPEN]


def answer_of(answers: dict, key: tuple) -> tuple[object, float]:
    """The version's answer to an item, with its tolerance."""
    problem, part, entry = key
    for p in answers["problems"]:
        if p["number"] == problem:
            for q in p["parts"]:
                if q["label"] == part:
                    value = q["answer"] if entry is None else q["answer"][entry[0]][entry[1]]
                    return value, q.get("tolerance", 0)
    raise KeyError(key)


def agrees(read, answer, tolerance: float) -> bool:
    if isinstance(answer, bool) or isinstance(read, bool):
        return read is answer
    if isinstance(answer, str) or isinstance(read, str):  # an option chosen
        return read == answer
    return abs(Fraction(read) - Fraction(answer)) <= Fraction(tolerance) + Fraction(TOLERANCE_SLACK)


def mark_packet(student: str, version: str, readings: dict, items: list[Item], answers: dict,
                follows: Callable | None = None) -> Row:
    """A row of grades: `readings` maps item keys to Readings (absent: page missing).
    `follows(key, read values)` gives the value an item takes from the student's own
    earlier answers (--ecf), or None."""
    row = Row(student, version)
    said = {key: r.value for key, r in readings.items() if r.doubt is None and r.value is not BLANK}
    for item in items:
        reading = readings.get(item.key)
        if item.hand:
            row.marks[item.key] = Mark(None, "hand", None)
        elif reading is None:
            row.marks[item.key] = Mark(None, "missing", None)
        elif reading.doubt is not None:
            row.marks[item.key] = Mark(None, "review", None)
        elif reading.value is BLANK:
            row.marks[item.key] = Mark(BLANK, "blank", Fraction(0) if item.points is not None else None)
        else:
            row.marks[item.key] = _judge(item, reading.value, answers, said, follows)
    return row


def _judge(item: Item, value, answers: dict, said: dict, follows) -> Mark:
    answer, tolerance = answer_of(answers, item.key)
    zero = Fraction(0) if item.points is not None else None
    if agrees(value, answer, tolerance):
        return Mark(value, "right", item.points)
    if follows is not None and not isinstance(value, (bool, str)):
        carried = follows(item.key, said)
        if carried is not None and agrees(value, carried, tolerance):
            return Mark(value, "ecf", item.points)
    return Mark(value, "wrong", zero)

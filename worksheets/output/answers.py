"""answers.json: every answer of a sheet, for graders and tools."""
from __future__ import annotations

import csv
import io
import json
import re

from .. import numbers
from ..document import Sheet
from .jsontext import dumps as json_text


def answers_data(sheet: Sheet) -> dict:
    data = {"sheet": sheet.name}
    if sheet.version:
        data["version"] = sheet.version
    data["problems"] = [
        {"number": p.number, "id": p.id, "kind": p.kind,
         "parts": [_part(part) for part in p.parts]}
        for p in sheet.problems]
    return data


def _part(part) -> dict:
    answer = part.answer
    entry = {"label": part.label, "quantity": answer.quantity,
             "answer": numbers.json_value(answer.value, answer.decimals)}
    if answer.decimals is not None:
        entry["decimals"] = answer.decimals
    elif _has_fraction(answer.value):
        entry["exact"] = _exact(answer.value)  # the JSON number is rounded; this is not
    if is_numeric(answer.value):
        entry["tolerance"] = tolerance(answer.decimals)
    return entry


def _has_fraction(value) -> bool:
    """A non-integral exact number, or a table holding one."""
    if isinstance(value, tuple):
        return any(map(_has_fraction, value))
    return isinstance(value, numbers.Fraction) and value.denominator != 1


def _exact(value):
    """"5/3" (a table: a list of rows of such texts, "2" for integers)."""
    if isinstance(value, tuple):
        return [_exact(v) for v in value]
    return str(numbers.plain(value))


def is_numeric(value) -> bool:
    """A number, or a table of numbers (a gradient table); not true/false, not symbolic."""
    if isinstance(value, tuple):
        return all(map(is_numeric, value))
    return isinstance(value, (int, float, numbers.Fraction)) and not isinstance(value, bool)


def tolerance(decimals: int | None) -> int | float:
    """The absolute tolerance of a numeric answer, for graders and every export: 0 for an
    exact answer, half a unit of the last printed place for one rounded to `decimals`
    (so every number that rounds to the printed answer is accepted)."""
    if decimals is None:
        return 0
    return float(numbers.Fraction(1, 2 * 10**decimals))


def answers_json(sheet: Sheet) -> bytes:
    return (json_text(answers_data(sheet), indent=2) + "\n").encode()


def files(version, slots) -> dict[str, bytes]:
    return {"answers.json": answers_json(version.sheet)}


CSV_COLUMNS = ["version", "problem", "id", "part", "quantity", "entry", "answer", "exact", "tolerance"]


def answers_csv_from_files(paths) -> bytes:
    """One row per version × part for graders (per entry for a table: `entry` is "(i,j)",
    1-based; for a vector "(i)"), read back from the answers.json files so the two always agree. `exact` holds
    the exact value ("5/3") where the answer column is rounded; `tolerance` is empty for
    true/false and symbolic answers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for path in paths:
        data = json.loads(path.read_text())
        for entry in data["problems"]:
            for part in entry["parts"]:
                head = [data.get("version", ""), entry["number"], inert(entry["id"] or ""), part["label"],
                        inert(part["quantity"])]
                for where, answer, exact in _cells(part["answer"], part.get("exact", "")):
                    writer.writerow(head + [where, inert(answer), exact, part.get("tolerance", "")])
    return buffer.getvalue().encode()


def _cells(answer, exact) -> list[tuple]:
    """(entry, answer, exact) per cell: one for a single answer, one per entry of a table
    ("(i,j)") or of a vector ("(i)")."""
    if not isinstance(answer, list):
        return [("", json.dumps(answer) if isinstance(answer, bool) else answer, exact)]
    if not any(isinstance(row, list) for row in answer):  # a vector (or a shape [rows, cols])
        exact = exact or [""] * len(answer)
        return [(f"({i})", value, exact[i - 1]) for i, value in enumerate(answer, start=1)]
    exact = exact or [[""] * len(row) for row in answer]
    return [(f"({i},{j})", value, exact[i - 1][j - 1])
            for i, row in enumerate(answer, start=1) for j, value in enumerate(row, start=1)]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?", re.ASCII)


def inert(cell):
    """A text cell a spreadsheet would run as a formula (an id "=HYPERLINK(...)") gets a
    leading single quote, as OWASP's CSV-injection guidance says; numbers, and text that
    is just a number ("-3"), are left as they are."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell

"""answers.json: every answer of a sheet, for graders and tools."""
from __future__ import annotations

import csv
import io
import json
import re

from .. import numbers
from ..document import Sheet


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
    elif isinstance(answer.value, numbers.Fraction) and answer.value.denominator != 1:
        entry["exact"] = str(answer.value)  # the JSON number is rounded; this is not
    if is_numeric(answer.value):
        entry["tolerance"] = tolerance(answer.decimals)
    return entry


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
    return (json.dumps(answers_data(sheet), indent=2, ensure_ascii=False) + "\n").encode()


def files(version, slots) -> dict[str, bytes]:
    return {"answers.json": answers_json(version.sheet)}


def answers_csv_from_files(paths) -> bytes:
    """One row per version × part, for graders: version, problem, id, part, quantity, answer,
    tolerance (empty for true/false and symbolic answers), read back from the versions' answers.json files so the two always agree."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["version", "problem", "id", "part", "quantity", "answer", "tolerance"])
    for path in paths:
        data = json.loads(path.read_text())
        for entry in data["problems"]:
            for part in entry["parts"]:
                answer = part["answer"]
                cell = json.dumps(answer) if isinstance(answer, (list, bool)) else answer
                writer.writerow([data.get("version", ""), entry["number"], inert(entry["id"] or ""),
                                 part["label"], inert(part["quantity"]), inert(cell),
                                 part.get("tolerance", "")])
    return buffer.getvalue().encode()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?", re.ASCII)


def inert(cell):
    """A text cell a spreadsheet would run as a formula (an id "=HYPERLINK(...)") gets a
    leading single quote, as OWASP's CSV-injection guidance says; numbers, and text that
    is just a number ("-3"), are left as they are."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell

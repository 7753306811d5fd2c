"""answers.json: every answer of a sheet, for graders and tools."""
from __future__ import annotations

import json

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
    return entry


def answers_json(sheet: Sheet) -> bytes:
    return (json.dumps(answers_data(sheet), indent=2, ensure_ascii=False) + "\n").encode()


def answers_csv(sheets: list[Sheet]) -> bytes:
    """One row per version × part, for graders: version, problem, part, quantity, answer."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["version", "problem", "id", "part", "quantity", "answer"])
    for sheet in sheets:
        for entry in answers_data(sheet)["problems"]:
            for part in entry["parts"]:
                answer = part["answer"]
                cell = json.dumps(answer) if isinstance(answer, (list, bool)) else answer
                writer.writerow([sheet.version or "", entry["number"], entry["id"] or "", part["label"],
                                 part["quantity"], cell])
    return buffer.getvalue().encode()

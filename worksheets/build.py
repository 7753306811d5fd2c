"""From a spec file to out/<sheet>/: worksheet.pdf, key.pdf, answers.json, figures/*.svg.

Everything is made in memory first and written to a staging folder that replaces the
previous outputs in one rename, so a failed build never leaves a half-written sheet.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from reportlab.lib.pagesizes import A4, letter

from .document import Figure, Problem, Sheet, para
from .errors import BuildError, SpecError
from .problems import KINDS
from .problems.common import CheckFailed
from .sheet import SheetSpec, load_sheet


PAGE_SIZES = {"letter": letter, "a4": A4}


def sheet_name(spec_path: str | Path) -> str:
    """Output folder name from the spec's file name: letters, digits, '-', '_' only."""
    stem = Path(spec_path).stem
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-.")
    return name[:80] or "sheet"


def check_sheet(spec_path: str | Path) -> Sheet:
    """Validates the spec and computes every problem (and its checks); writes nothing."""
    return make_sheet(load_sheet(spec_path), sheet_name(spec_path))


def make_sheet(spec: SheetSpec, name: str, version: str | None = None) -> Sheet:
    problems = tuple(_make_problem(spec, name, number, problem)
                     for number, problem in enumerate(spec.problems, start=1))
    instructions = (para(spec.instructions),) if spec.instructions else ()
    return Sheet(name, spec.title, problems, instructions, version)


def _make_problem(spec: SheetSpec, name: str, number: int, problem) -> Problem:
    try:
        return KINDS[problem.kind].build(problem, number)
    except CheckFailed as exc:
        label = f"problem {number}" + (f" (#{problem.id})" if problem.id else "")
        raise BuildError(f"{name}: {label}, {_part_of(problem, exc.quantity)}: the key failed its "
                         f"independent check: {exc}") from None


def _part_of(problem, quantity: str) -> str:
    asked = [q.name for q in getattr(problem, "ask", [])]
    if quantity in asked:
        return f"part ({'abcdefghijklmnopqrstuvwxyz'[asked.index(quantity)]}) {quantity}"
    return quantity


def figures_of(sheet: Sheet) -> list[Figure]:
    blocks = [b for p in sheet.problems for b in p.intro + tuple(x for part in p.parts
                                                                  for x in part.prompt + part.solution)]
    return [b for b in blocks if isinstance(b, Figure)]


def render_outputs(sheet: Sheet, paper: str = "letter") -> dict[str, bytes]:
    """Every output file of a sheet, by relative path."""
    from .figures import render_figures
    from .render.answers import answers_json
    from .render.pdf import key_pdf, worksheet_pdf

    figures = figures_of(sheet)
    unique = list(dict.fromkeys(f.spec for f in figures))
    rendered = dict(zip(unique, render_figures(unique)))
    pagesize = PAGE_SIZES[paper]
    files = {
        "worksheet.pdf": worksheet_pdf(sheet, rendered, pagesize=pagesize),
        "key.pdf": key_pdf(sheet, rendered, pagesize=pagesize),
        "answers.json": answers_json(sheet),
    }
    for figure in figures:
        files[f"figures/{figure.name}.svg"] = rendered[figure.spec].svg.encode()
    return files


def build_sheet(spec_path: str | Path, out_dir: str | Path = "out") -> Path:
    spec = load_sheet(spec_path)
    name = sheet_name(spec_path)
    sheet = make_sheet(spec, name)
    files = render_outputs(sheet, spec.paper)
    return write_folder(Path(out_dir), name, files)


def write_folder(out_dir: Path, name: str, files: dict[str, bytes]) -> Path:
    """Writes files into out_dir/name, replacing what was there only once all are written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / name
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=out_dir))
    try:
        for relative, data in files.items():
            path = (staging / relative).resolve()
            if staging.resolve() not in path.parents:
                raise BuildError(f"refusing to write outside the output folder: {relative}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        os.chmod(staging, 0o755)
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{name}.old.", dir=out_dir))
            os.replace(target, old / name)
        os.replace(staging, target)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


__all__ = ["build_sheet", "check_sheet", "make_sheet", "render_outputs", "sheet_name", "SpecError"]

"""From a spec file to out/<sheet>/.

A sheet without versions gives worksheet.pdf, key.pdf, answers.json and figures/*.svg.
A sheet with versions gives those per version in out/<sheet>/<V>/, plus
all-worksheets.pdf, answers.csv and manifest.json. Everything is written to a staging
folder that replaces the previous outputs in one rename, so a failed build never leaves
a half-written sheet.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from . import __version__
from .document import Figure, Problem, Sheet, para
from .errors import BuildError, SpecError
from .problems import KINDS
from .problems.common import CheckFailed
from .sheet import SheetSpec, read_sheet
from .variants import NoVariant, parameters, problem_keys, problem_versions, version_label


def sheet_name(spec_path: str | Path) -> str:
    """Output folder name from the spec's file name: letters, digits, '-', '_' only."""
    stem = Path(spec_path).stem
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-.")
    return name[:80] or "sheet"


class Plan:
    """A loaded spec and the problem instances of every version, not yet rendered."""

    def __init__(self, spec_path, versions: int | None = None, seed: int | None = None):
        self.path = Path(spec_path)
        self.spec, self.document = read_sheet(spec_path)
        self.name = sheet_name(spec_path)
        self.versioned = (versions or self.spec.versions) is not None
        self.count = versions or self.spec.versions or 1
        self.seed = self.spec.seed if seed is None else seed
        self.warnings: list[str] = []
        self.instances = self._draw()  # instances[problem][version]

    def _draw(self) -> list[list]:
        keys = problem_keys(self.document.data["problems"])
        drawn = []
        for index, (problem, key) in enumerate(zip(self.spec.problems, keys)):
            def warn(message, index=index):
                line = self.document.line_of(("problems", index))
                self.warnings.append(f"{self.document.file}:{line}: problems[{index}]: warning: {message}")
            try:
                drawn.append(problem_versions(problem, key, self.seed, self.count, warn))
            except NoVariant as exc:
                raise self.document.error(("problems", index), str(exc)) from None
        return drawn

    def label(self, version: int) -> str | None:
        return version_label(version) if self.versioned else None

    def sheet(self, version: int) -> Sheet:
        problems = tuple(self._problem(number, versions[version], version)
                         for number, versions in enumerate(self.instances, start=1))
        instructions = (para(self.spec.instructions),) if self.spec.instructions else ()
        return Sheet(self.name, self.spec.title, problems, instructions, self.label(version))

    def _problem(self, number: int, problem, version: int) -> Problem:
        try:
            return KINDS[problem.kind].build(problem, number)
        except CheckFailed as exc:
            label = f"problem {number}" + (f" (#{problem.id})" if problem.id else "")
            where = f"{self.name}" + (f" version {self.label(version)}" if self.versioned else "")
            raise BuildError(f"{where}: {label}, {_part_of(problem, exc.quantity)}: the key failed "
                             f"its independent check: {exc}") from None

    def manifest(self) -> dict:
        return {
            "sheet": self.name,
            "tool_version": __version__,
            "spec_sha256": hashlib.sha256(self.path.read_bytes()).hexdigest(),
            "seed": self.seed,
            "versions": [self.label(v) for v in range(self.count)],
            "problems": [
                {"number": number, "id": problem.id, "kind": problem.kind,
                 "parameters": {self.label(v): parameters(versions[v]) for v in range(self.count)}}
                for number, (problem, versions) in enumerate(zip(self.spec.problems, self.instances), 1)],
        }


def _part_of(problem, quantity: str) -> str:
    asked = [q.name for q in getattr(problem, "ask", [])]
    if quantity in asked:
        return f"part ({'abcdefghijklmnopqrstuvwxyz'[asked.index(quantity)]}) {quantity}"
    return quantity


def check_sheet(spec_path: str | Path) -> list[Sheet]:
    """Validates the spec and computes every problem of every version; writes nothing."""
    plan = Plan(spec_path)
    return [plan.sheet(v) for v in range(plan.count)]


def figures_of(sheet: Sheet) -> list[Figure]:
    blocks = [b for p in sheet.problems for b in p.intro + tuple(x for part in p.parts
                                                                  for x in part.prompt + part.solution)]
    return [b for b in blocks if isinstance(b, Figure)]


def render_outputs(sheet: Sheet, paper: str = "letter") -> dict[str, bytes]:
    """Every output file of one sheet (or one version), by relative path."""
    from reportlab.lib.pagesizes import A4, letter

    from .figures import render_figures
    from .render.answers import answers_json
    from .render.pdf import key_pdf, worksheet_pdf

    figures = figures_of(sheet)
    unique = list(dict.fromkeys(f.spec for f in figures))
    rendered = dict(zip(unique, render_figures(unique)))
    pagesize = {"letter": letter, "a4": A4}[paper]
    files = {
        "worksheet.pdf": worksheet_pdf(sheet, rendered, pagesize=pagesize),
        "key.pdf": key_pdf(sheet, rendered, pagesize=pagesize),
        "answers.json": answers_json(sheet),
    }
    for figure in figures:
        files[f"figures/{figure.name}.svg"] = rendered[figure.spec].svg.encode()
    return files


def build_sheet(spec_path: str | Path, out_dir: str | Path = "out", versions: int | None = None,
                seed: int | None = None) -> Path:
    plan = Plan(spec_path, versions, seed)
    with Staging(Path(out_dir), plan.name) as stage:
        if not plan.versioned:
            stage.write_all("", render_outputs(plan.sheet(0), plan.spec.paper))
        else:
            _write_versions(plan, stage)
    return stage.target


def _write_versions(plan: Plan, stage: "Staging") -> None:
    from .render.answers import answers_csv
    from .render.combine import combine_for_duplex

    answer_rows = []
    for version in range(plan.count):
        sheet = plan.sheet(version)
        label = plan.label(version)
        stage.write_all(f"{label}/", render_outputs(sheet, plan.spec.paper))
        answer_rows.append(sheet)
    stage.write("answers.csv", answers_csv(answer_rows))
    stage.write("manifest.json", (json.dumps(plan.manifest(), indent=2) + "\n").encode())
    worksheets = [stage.path(f"{plan.label(v)}/worksheet.pdf") for v in range(plan.count)]
    stage.write("all-worksheets.pdf", combine_for_duplex(worksheets))


class Staging:
    """A temporary folder beside out_dir/name that replaces it when the block succeeds."""

    def __init__(self, out_dir: Path, name: str):
        self.out_dir, self.target = out_dir, out_dir / name
        self.name = name

    def __enter__(self) -> "Staging":
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=f".{self.name}.", dir=self.out_dir))
        return self

    def path(self, relative: str) -> Path:
        path = (self.root / relative).resolve()
        if self.root.resolve() not in path.parents:
            raise BuildError(f"refusing to write outside the output folder: {relative}")
        return path

    def write(self, relative: str, data: bytes) -> None:
        path = self.path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def write_all(self, prefix: str, files: dict[str, bytes]) -> None:
        for relative, data in files.items():
            self.write(prefix + relative, data)

    def __exit__(self, kind, error, trace) -> None:
        if error is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            return
        os.chmod(self.root, 0o755)
        old = None
        if self.target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.name}.old.", dir=self.out_dir))
            os.replace(self.target, old / self.name)
        os.replace(self.root, self.target)
        if old:
            shutil.rmtree(old, ignore_errors=True)


__all__ = ["build_sheet", "check_sheet", "Plan", "render_outputs", "sheet_name", "SpecError"]

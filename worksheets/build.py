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
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from . import __version__
from .document import Figure, Problem, Sheet, para
from .errors import BuildError, SpecError
from .problems import KINDS
from .paths import TooManyPaths
from .problems.common import CURRENT_PART, CheckFailed, letter
from .sheet import read_sheet
from .stamp import STAMP, sheet_name, stamp_of
from .variants import (NoVariant, independent_versions, is_random, parameters, problem_keys,
                       problem_versions, reference_version, settle_versions, version_label)


class Plan:
    """A loaded spec and the problem instances of every version, not yet rendered."""

    def __init__(self, spec_path, versions: int | None = None, seed: int | None = None,
                 jobs: int | None = None, warm=None, paper: str | None = None):
        self.path = Path(spec_path)
        self.spec, self.document = read_sheet(spec_path)
        self.paper = paper or self.spec.paper  # --paper overrides the spec's paper:
        self.name = sheet_name(spec_path)
        self.warnings: list[str] = []
        if versions and self.spec.versions is None and not any(map(is_random, self.spec.problems)):
            # e.g. `make worksheets VERSIONS=8`: versions of a sheet with nothing random
            # would be eight copies of one sheet.
            self.warnings.append(f"{self.document.file}: warning: no random parts, so one sheet "
                                 f"is built instead of {versions} versions")
            versions = None
        self.versioned = (versions or self.spec.versions) is not None
        self.count = versions or self.spec.versions or 1
        self.seed = self.spec.seed if seed is None else seed
        self.jobs = jobs
        self._built: dict = {}  # (number, id of instance) -> Problem
        self.timer = None  # seconds per stage, once rendered
        self.target: Path | None = None  # the output folder, once written
        # warm(plan, sheet of version A) runs while worker processes draw the other versions
        # (only then): a chance to fill this process's caches before rendering.
        self.instances = self._draw(warm)  # instances[problem][version]

    def _draw(self, warm=None) -> list[list]:
        from .classset import drawing_pool
        keys = problem_keys(self.document.data["problems"])
        with drawing_pool(self.count, self.jobs) as pool:
            if pool:
                return self._draw_pooled(pool, keys, warm)
            return [self._versions(index, problem_versions, problem, key, self.seed, self.count,
                                   self._warner(index), independent_versions)
                    for index, (problem, key) in enumerate(zip(self.spec.problems, keys))]

    def _draw_pooled(self, pool, keys: list[str], warm) -> list[list]:
        """As the sequential _draw, with every problem's versions B, C, ... drawn at once
        by the pool while this process computes version A's sheet (warm)."""
        from .classset import draw_async
        started = []  # per problem: None (not random) or (version A, reference, pending draws)
        failed = None  # a problem with no version A: reported after the problems before it
        for index, (problem, key) in enumerate(zip(self.spec.problems, keys)):
            if not is_random(problem):
                started.append(None)
                continue
            try:
                first, reference = self._versions(index, reference_version, problem, key, self.seed)
            except SpecError as exc:
                failed = exc
                break
            started.append((first, reference, draw_async(pool, problem, key, self.seed,
                                                          range(1, self.count), reference)))
        if warm is not None and failed is None:
            firsts = [problem if s is None else s[0] for problem, s in zip(self.spec.problems, started)]
            try:
                warm(self, self._sheet_of(firsts, 0))
            except Exception:  # only a warm-up: any error comes back when the sheet is built
                pass
        drawn = []
        for index, (problem, key, s) in enumerate(zip(self.spec.problems, keys, started)):
            if s is None:
                drawn.append([problem] * self.count)
                continue
            first, reference, pending = s
            drawn.append(self._versions(index, lambda: settle_versions(
                problem, key, self.seed, first, reference, pending(), self._warner(index))))
        if failed is not None:
            raise failed
        return drawn

    def _warner(self, index: int):
        def warn(message):
            line = self.document.line_of(("problems", index))
            self.warnings.append(f"{self.document.file}:{line}: problems[{index}]: warning: {message}")
        return warn

    def _versions(self, index: int, function, *args):
        try:
            return function(*args)
        except NoVariant as exc:
            raise self.document.error(("problems", index), str(exc)) from None

    @property
    def pagesize(self):
        return page_size(self.paper)

    def label(self, version: int) -> str | None:
        return version_label(version) if self.versioned else None

    def sheet(self, version: int) -> Sheet:
        return self._sheet_of([versions[version] for versions in self.instances], version)

    def _sheet_of(self, instances: list, version: int) -> Sheet:
        problems = tuple(self._problem(number, instance, version)
                         for number, instance in enumerate(instances, start=1))
        instructions = (para(self.spec.instructions),) if self.spec.instructions else ()
        return Sheet(self.name, self.spec.title, problems, instructions, self.label(version),
                     work_space=self.spec.work_space, score_table=self.spec.score_table)

    def _problem(self, number: int, problem, version: int) -> Problem:
        """A problem with the same instance in every version is built (and checked) once."""
        key = (number, id(problem))
        if key not in self._built:
            self._built = {k: v for k, v in self._built.items() if k[0] != number}  # keep one per problem
            self._built[key] = self._build_problem(number, problem, version)
        return self._built[key]

    def _build_problem(self, number: int, problem, version: int) -> Problem:
        part = CURRENT_PART.set(None)
        try:
            built = KINDS[problem.kind].build(problem, number)
            return replace(built, work_space=problem.work_space)  # page layout, not content
        except CheckFailed as exc:
            # file:line: sheet, problem (number and id), version, part: quantity and both values
            label = f"problem {number}" + (f" (#{problem.id})" if problem.id else "")
            label += f", version {self.label(version)}" if self.versioned else ""
            where = f"{self.document.file}:{self.document.line_of(('problems', number - 1))}"
            raise BuildError(f"{where}: sheet {self.name}, {label}, part "
                             f"({CURRENT_PART.get() or _part_of(problem, exc.quantity)}): "
                             f"the key failed its independent check: {exc}") from None
        except TooManyPaths as exc:
            raise self.document.error(("problems", number - 1), str(exc)) from None
        finally:
            CURRENT_PART.reset(part)

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
    """The label of the part that asks quantity; "a" for a problem of one part."""
    asked = [q.name for q in getattr(problem, "ask", [])]
    return letter(asked.index(quantity)) if quantity in asked else "a"


def check_sheet(spec_path: str | Path) -> list[Sheet]:
    """Validates the spec and computes every problem of every version; writes nothing."""
    plan = Plan(spec_path)
    return [plan.sheet(v) for v in range(plan.count)]


def figures_of(sheet: Sheet) -> list[Figure]:
    blocks = [b for p in sheet.problems for b in p.intro + tuple(x for part in p.parts
                                                                  for x in part.prompt + part.solution)]
    return [b for b in blocks if isinstance(b, Figure)]


def render_figures_of(sheet: Sheet) -> dict:
    """Every figure of a sheet drawn (one Graphviz run), by FigureSpec."""
    from .figures import render_figures
    unique = list(dict.fromkeys(f.spec for f in figures_of(sheet)))
    return dict(zip(unique, render_figures(unique)))


def version_files(sheet: Sheet, figures: dict, pagesize, slots: tuple | None = None) -> dict[str, bytes]:
    """Every output file of one sheet (or one version), by relative path. slots holds
    the height of each problem on the worksheet and on the key, shared by all versions."""
    from .render.answers import answers_json
    from .render.pdf import key_pdf, worksheet_pdf

    worksheet_slots, key_slots = ({"slots": s} if s else {} for s in (slots or (None, None)))
    files = {
        "worksheet.pdf": worksheet_pdf(sheet, figures, pagesize=pagesize, **worksheet_slots),
        "key.pdf": key_pdf(sheet, figures, pagesize=pagesize, **key_slots),
        "answers.json": answers_json(sheet),
    }
    for figure in figures_of(sheet):
        files[f"figures/{figure.name}.svg"] = figures[figure.spec].svg.encode()
    return files


def render_outputs(sheet: Sheet, paper: str = "letter") -> dict[str, bytes]:
    """Every output file of one sheet, by relative path."""
    return version_files(sheet, render_figures_of(sheet), page_size(paper))


def crowded_figure_warnings(plan: Plan) -> list[str]:
    """One warning per figure (of version A) with a weight label that another edge
    passes close to (only layers of 5 or more nodes)."""
    from .figures import crowded_weights
    warnings = []
    for problem in plan.sheet(0).problems:
        figures = [b for b in problem.intro if isinstance(b, Figure)]
        crowded = [name for f in figures for name in crowded_weights(f.spec)]
        if crowded:
            line = plan.document.line_of(("problems", problem.number - 1))
            warnings.append(f"{plan.document.file}:{line}: problems[{problem.number - 1}]: warning: "
                            f"the figure's labels of {', '.join(crowded)} are close to other edges "
                            f"(layers of 5 or more nodes are crowded)")
    return warnings


def page_size(paper: str):
    from reportlab.lib.pagesizes import A4, letter
    return {"letter": letter, "a4": A4}[paper]


def build_sheet(spec_path: str | Path, out_dir: str | Path = "out", versions: int | None = None,
                seed: int | None = None, jobs: int | None = None, paper: str | None = None):
    """Builds one spec into out_dir/<sheet>/ and returns its Plan (warnings, timings).
    The stamp written beside the outputs lets the next build skip an unchanged sheet."""
    from .classset import Timer, warm
    out_dir = Path(out_dir)
    timer = Timer()
    with timer("plan"):
        plan = Plan(spec_path, versions, seed, jobs, warm=warm, paper=paper)
        plan.warnings += crowded_figure_warnings(plan)
    stamp = stamp_of(spec_path, versions, seed, paper)
    with Staging(out_dir, plan.name) as stage:
        if not plan.versioned:
            stage.write_all("", render_outputs(plan.sheet(0), plan.paper))
        else:
            plan.timer = _write_versions(plan, stage, jobs)
            plan.timer.add(timer.totals)
        stage.write(STAMP, stamp.encode())
    plan.target = stage.target
    return plan


def _write_versions(plan: Plan, stage: "Staging", jobs: int | None):
    import threading

    from .classset import render_versions
    from .render.answers import answers_csv_from_files
    from .render.combine import combine_for_duplex
    from .render.pdf import configure_reportlab

    labels = [plan.label(v) for v in range(plan.count)]
    joined: dict = {}

    configure_reportlab()  # as when this process wrote PDFs itself (the blank page)

    def join() -> None:  # qpdf, in a thread: the keys are written meanwhile
        try:
            joined["pdf"] = combine_for_duplex([stage.path(f"{v}/worksheet.pdf") for v in labels],
                                               plan.pagesize)
        except BaseException as exc:
            joined["error"] = exc

    joiner = threading.Thread(target=join, daemon=True)
    try:
        timer = render_versions(plan, stage.root, jobs, worksheets_written=joiner.start)
    finally:
        if joiner.is_alive():
            joiner.join()
    with timer("writing"):
        stage.write("answers.csv", answers_csv_from_files([stage.path(f"{v}/answers.json") for v in labels]))
        stage.write("manifest.json", (json.dumps(plan.manifest(), indent=2) + "\n").encode())
        joiner.join()
        if "error" in joined:
            raise joined["error"]
        stage.write("all-worksheets.pdf", joined["pdf"])
    return timer


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

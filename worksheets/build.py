"""From a spec file to out/<sheet>/.

A sheet without versions gives worksheet.pdf, key.pdf, answers.json and figures/*.svg.
A sheet with versions gives those per version in out/<sheet>/<V>/, plus
all-worksheets.pdf, answers.csv and manifest.json. Everything is written to a staging
folder that then takes the place of the previous outputs in one atomic exchange, so a
failed, interrupted or killed build never leaves a half-written sheet or none at all.
Only a folder the tool made (it holds the stamp) is ever replaced.
"""
from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path

from reportlab.lib import pagesizes

from . import __version__
from .classset import Timer, draw_async, drawing_pool, render_versions, warm
from .document import Problem, Sheet, para
from .errors import BuildError, SpecError, Unprintable
from .kinds import KINDS
from .output import version_formats
from .output.answers import answers_csv_from_files
from .output.combine import combine_for_duplex
from .output.exports import EXPORTS, export_files
from .output.html import versions_index
from .output.pdf import prepare_libraries
from .problems.checked import CheckFailed
from .problems.parts import CURRENT_PART, letter
from .sheet import read_sheet
from .stamp import STAMP, clean_stale, made_by_us, sheet_name, staging_prefix, stamp_of_bytes
from .variants import (
    NoVariant,
    independent_versions,
    is_random,
    parameters,
    problem_keys,
    problem_versions,
    reference_version,
    settle_versions,
    version_label,
)


class Plan:
    """A loaded spec and the problem instances of every version, not yet rendered."""

    def __init__(self, spec_path, versions: int | None = None, seed: int | None = None,
                 jobs: int | None = None, warm=None, formats=None):
        self.path = Path(spec_path)
        self.spec, self.document = read_sheet(spec_path)
        self.name = sheet_name(spec_path)
        # What to write: --formats, else the spec's `formats:` (sheet.FORMAT_NAMES)
        self.formats = tuple(formats or self.spec.formats)
        self.version_formats = version_formats(self.formats)  # names of output.FORMATS
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
        return page_size(self.spec.paper)

    def label(self, version: int) -> str | None:
        return version_label(version) if self.versioned else None

    def sheet(self, version: int) -> Sheet:
        return self._sheet_of([versions[version] for versions in self.instances], version)

    def _sheet_of(self, instances: list, version: int) -> Sheet:
        problems = tuple(self._problem(number, instance, version)
                         for number, instance in enumerate(instances, start=1))
        instructions = (para(self.spec.instructions),) if self.spec.instructions else ()
        return Sheet(self.name, self.spec.title, problems, instructions, self.label(version))

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
            return KINDS[problem.kind].build(problem, number)
        except CheckFailed as exc:
            # file:line: sheet, problem (number and id), version, part: quantity and both values
            label = f"problem {number}" + (f" (#{problem.id})" if problem.id else "")
            label += f", version {self.label(version)}" if self.versioned else ""
            where = f"{self.document.file}:{self.document.line_of(('problems', number - 1))}"
            raise BuildError(f"{where}: sheet {self.name}, {label}, part "
                             f"({CURRENT_PART.get() or _part_of(problem, exc.quantity)}): "
                             f"the key failed its independent check: {exc}") from None
        except Unprintable as exc:
            raise self.document.error(("problems", number - 1), str(exc)) from None
        finally:
            CURRENT_PART.reset(part)

    def manifest(self) -> dict:
        return {
            "sheet": self.name,
            "tool_version": __version__,
            "spec_sha256": hashlib.sha256(self.document.source).hexdigest(),  # the bytes built from
            "seed": self.seed,
            "versions": [self.label(v) for v in range(self.count)],
            "problems": [
                {"number": number, "id": problem.id, "kind": problem.kind,
                 "parameters": {self.label(v): parameters(versions[v]) for v in range(self.count)}}
                for number, (problem, versions) in enumerate(zip(self.spec.problems, self.instances), 1)],
        }


def _part_of(problem, quantity: str) -> str:
    """The label of the part that asks quantity; "a" for a problem of one part."""
    asked = [getattr(q, "name", q) for q in getattr(problem, "ask", [])]  # quantities or names
    return letter(asked.index(quantity)) if quantity in asked else "a"


def check_sheet(spec_path: str | Path) -> list[Sheet]:
    """Validates the spec and computes every problem of every version; writes nothing."""
    plan = Plan(spec_path)
    return [plan.sheet(v) for v in range(plan.count)]


def page_size(paper: str):
    return {"letter": pagesizes.letter, "a4": pagesizes.A4}[paper]


def build_sheet(spec_path: str | Path, out_dir: str | Path = "out", versions: int | None = None,
                seed: int | None = None, jobs: int | None = None, formats=None):
    """Builds one spec into out_dir/<sheet>/ and returns its Plan (warnings, timings).
    formats (names of sheet.FORMAT_NAMES) replaces the spec's `formats:` when given.
    The stamp written beside the outputs lets the next build skip an unchanged sheet."""
    out_dir = Path(out_dir)
    Staging.prepare(out_dir, sheet_name(spec_path))  # before the work: a user's folder is refused
    timer = Timer()
    with timer("plan"):
        plan = Plan(spec_path, versions, seed, jobs, warm=warm, formats=formats)
    stamp = stamp_of_bytes(plan.document.source, versions, seed, formats)
    with Staging(out_dir, plan.name) as stage:
        if plan.versioned:
            plan.timer = _write_versions(plan, stage, jobs)
        else:  # the same path as versions: one version, written into the sheet's folder
            plan.timer = render_versions(plan, stage.write, jobs=1)
        if any(name in EXPORTS for name in plan.formats):
            with plan.timer("exports"):
                warn = lambda message: plan.warnings.append(f"{plan.document.file}: warning: {message}")  # noqa: E731
                for relative, data in export_files(plan.formats, _all_versions(plan), warn).items():
                    stage.write(relative, data)
        plan.timer.add(timer.totals)
        stage.write(STAMP, stamp.encode())
    plan.target = stage.target
    return plan


def _all_versions(plan: Plan) -> list[Sheet]:
    """Every version's sheet, for the exports that hold all versions (built again here:
    the versions' files were written by worker processes)."""
    return [plan.sheet(v) for v in range(plan.count)]


def _write_versions(plan: Plan, stage: "Staging", jobs: int | None):
    labels = [plan.label(v) for v in range(plan.count)]
    joined: dict = {}

    prepare_libraries()  # as when this process wrote PDFs itself (the blank page)

    def join() -> None:  # qpdf, in a thread: the keys are written meanwhile
        if "pdf" not in plan.formats:
            return
        try:
            joined["pdf"] = combine_for_duplex([stage.path(f"{v}/worksheet.pdf") for v in labels],
                                               plan.pagesize, scratch=stage.root)
        except BaseException as exc:
            joined["error"] = exc

    joiner = threading.Thread(target=join, daemon=True)
    try:
        timer = render_versions(plan, stage.write, jobs, worksheets_written=joiner.start)
    finally:
        if joiner.is_alive():
            joiner.join()
    with timer("writing"):
        stage.write("answers.csv", answers_csv_from_files([stage.path(f"{v}/answers.json") for v in labels]))
        stage.write("manifest.json", (json.dumps(plan.manifest(), indent=2) + "\n").encode())
        if "html" in plan.formats:
            stage.write("index.html", versions_index(plan.spec.title, labels))
        joiner.join()
        if "error" in joined:
            raise joined["error"]
        if "pdf" in joined:
            stage.write("all-worksheets.pdf", joined["pdf"])
    return timer


class Staging:
    """A temporary folder beside out_dir/name that replaces it when the block succeeds.

    The swap is one atomic exchange of the two folders (Linux renameat2), so a kill at
    any moment leaves either the previous or the new outputs in place. Elsewhere it is two
    renames, the previous outputs set aside first; a kill between them is repaired by the
    next build (stamp.clean_stale puts them back)."""

    def __init__(self, out_dir: Path, name: str):
        self.out_dir, self.target = out_dir, out_dir / name
        self.name = name

    @staticmethod
    def prepare(out_dir: Path, name: str) -> None:
        """Cleans what killed builds of this sheet left; refuses a folder we did not make."""
        if out_dir.is_dir():
            clean_stale(out_dir, name)
        _require_ours(out_dir / name)

    def __enter__(self) -> "Staging":
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=staging_prefix(self.name), dir=self.out_dir))
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

    def __exit__(self, kind, error, trace) -> None:
        if error is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            return
        try:
            os.chmod(self.root, 0o755)
            _require_ours(self.target)  # again: the folder may have appeared meanwhile
            previous = self._swap()
        except BaseException:
            # Ctrl-C or a failure mid-swap: the target is whole (previous or new outputs);
            # self.root holds the other ones, or is gone.
            shutil.rmtree(self.root, ignore_errors=True)
            raise
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)

    def _swap(self) -> Path | None:
        """Puts the staged outputs in place; returns the folder now holding the previous ones."""
        if not os.path.lexists(self.target):
            os.rename(self.root, self.target)
            return None
        if _exchange(self.root, self.target):
            return self.root
        aside = Path(tempfile.mkdtemp(prefix=staging_prefix(self.name, "old"), dir=self.out_dir))
        os.replace(self.target, aside / self.name)
        try:
            os.replace(self.root, self.target)
        except BaseException:
            os.replace(aside / self.name, self.target)
            os.rmdir(aside)
            raise
        return aside


def _require_ours(target: Path) -> None:
    if not made_by_us(target):
        raise BuildError(f"the output folder {target} exists and was not made by worksheets (no {STAMP} in it); "
                         "it is left alone: move it away or choose another --out")


_RENAME_EXCHANGE, _AT_FDCWD = 2, -100


def _exchange(first: Path, second: Path) -> bool:
    """Swaps two paths in one atomic step (Linux renameat2 with RENAME_EXCHANGE); False
    where the system or the file system cannot."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


__all__ = ["build_sheet", "check_sheet", "Plan", "sheet_name", "SpecError"]

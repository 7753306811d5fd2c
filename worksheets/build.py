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
import gc
import hashlib
import json
import os
import pickle
import platform
import shutil
import sys
import tempfile
import threading
from array import array
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from reportlab.lib import pagesizes

from . import __version__, conventions, numbers
from .classset import Timer, draw_async, drawing_pool, render_versions, warm
from .document import Figure, Problem, ScanMarks, Sheet, para
from .errors import BuildError, SpecError, Unprintable, one_or_all
from .figures import crowded_weights
from .kinds import KINDS
from .output import version_formats
from .output.answers import answers_csv_from_files
from .output.combine import combine_for_duplex
from .output.exports import EXPORTS, export_files
from .output.html import versions_index
from .output.pdf import prepare_libraries
from .problems.checked import CheckFailed
from .problems.parts import CURRENT_PART, letter
from .problems.wording import WordingMismatch
from .sheet import read_sheet
from .spec import OWN_MATH
from .stamp import (
    STAMP,
    build_options,
    clean_stale,
    made_by_us,
    output_folder,
    sheet_name,
    staging_prefix,
    stamp_of_bytes,
)
from .typeset.mathtext import MathError, typeset
from .variants import (
    NoVariant,
    drawn_unasked,
    independent_versions,
    is_random,
    parameters,
    problem_keys,
    problem_versions,
    reference_version,
    settle_versions,
    version_label,
)

SCAN_CODE_DIGITS = 8  # hex digits of the spec's hash in each page's QR code
BUILT_KEPT = 64  # built problems a Plan keeps, for versions that repeat an instance


class PackedInstances(Sequence):
    """One problem's drawn instance of every version, each kept pickled until asked for.
    An instance is a model of a few hundred Python objects, its pickle about a kilobyte:
    2,000 versions of quiz-07 hold 24 MB of models or 6 MB of pickles. The pickles are
    kept in one buffer, each distinct one once (a problem without random parts, the
    repeated variants of a choice), found by its offsets: a worker process reading a
    forked object writes its reference count, and so copies the page it lies on; ten
    thousand pickles of their own would be copied page by page into every worker, one
    buffer is a single object. The drawing pool sends them pickled, and settling
    duplicates reads one at a time, so the build's process never holds every version's
    model (its memory would stay taken)."""

    def __init__(self, instances=(), pickles=None):
        if pickles is None:
            by_id: dict = {}  # the same object in many versions: pickled once
            pickles = [by_id.setdefault(id(i), _pickled(i)) for i in instances]
        spans: dict[bytes, tuple[int, int]] = {}  # each distinct pickle's place in the buffer
        parts, offsets, size = [], array("q"), 0
        for data in pickles:
            span = spans.get(data)
            if span is None:
                span = spans[data] = (size, size + len(data))
                parts.append(data)
                size += len(data)
            offsets.extend(span)
        self._keep(b"".join(parts), offsets)

    @classmethod
    def joined(cls, pieces: list[tuple[bytes, list[int]]]) -> "PackedInstances":
        """The versions of pieces in order, each piece its versions' pickles joined and
        their lengths (as the drawing pool sends them: no pickle is its own object here)."""
        packed, offsets, size = cls.__new__(cls), array("q"), 0
        for _, lengths in pieces:
            for length in lengths:
                offsets.extend((size, size + length))
                size += length
        packed._keep(b"".join(data for data, _ in pieces), offsets)
        return packed

    def _keep(self, buffer: bytes, offsets: array) -> None:
        self._buffer = buffer
        self._offsets = offsets  # version v's pickle: _buffer[_offsets[2v]:_offsets[2v + 1]]
        self._redrawn: dict[int, bytes] = {}  # duplicates drawn again (few)

    def __len__(self) -> int:
        return len(self._offsets) // 2

    def packed(self, version: int) -> bytes:
        """The version's instance as kept (pickled): equal bytes, an equal instance."""
        redrawn = self._redrawn.get(version)
        if redrawn is not None:
            return redrawn
        if not -len(self) <= version < len(self):
            raise IndexError(version)
        start = 2 * (version % len(self))
        return self._buffer[self._offsets[start]:self._offsets[start + 1]]

    def __getitem__(self, version):
        if isinstance(version, slice):
            return [self[v] for v in range(len(self))[version]]
        return pickle.loads(self.packed(version))

    def __setitem__(self, version: int, instance) -> None:  # a duplicate drawn again
        self._redrawn[version % len(self)] = _pickled(instance)

    def cycled(self, period: int, count: int) -> "PackedInstances":
        """The first `period` versions repeated in order up to `count` (variants.settle_versions)."""
        return PackedInstances(pickles=[self.packed(v % period) for v in range(count)])


def _pickled(instance) -> bytes:
    return pickle.dumps(instance, pickle.HIGHEST_PROTOCOL)


class Plan:
    """A loaded spec and the problem instances of every version, not yet rendered."""

    def __init__(self, spec_path, versions: int | None = None, seed: int | None = None,
                 jobs: int | None = None, warm=None, paper: str | None = None, formats=None,
                 only: str | None = None, version_letter: str | None = None, large_print: bool = False):
        self.path = Path(spec_path)
        self.spec, self.document = read_sheet(spec_path)
        self.paper = paper or self.spec.paper  # --paper overrides the spec's paper:
        self.name = sheet_name(spec_path)
        # What to write: --formats, else the spec's `formats:` (limits.FORMAT_NAMES)
        self.formats = tuple(formats or self.spec.formats)
        # --large-print or the spec's large_print: also worksheet-large.pdf and key-large.pdf
        self.large_print = large_print or self.spec.large_print
        self.version_formats = version_formats(self.formats, self.large_print)  # names of output.FORMATS
        if only is not None:  # --only worksheet|key|answers: that file of each version, and no export
            self.formats = ("pdf",) if only in ("worksheet", "key") else ()
            self.version_formats = (only,)
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
        self._built: dict = {}  # (number, instance's fields as JSON) -> Problem, least recently used first
        self.timer = None  # seconds per stage, once rendered
        self.target: Path | None = None  # the output folder, once written
        self.pdfs = 0  # how many PDFs the build wrote, once written
        # warm(plan, sheet of version A) runs while worker processes draw the other versions
        # (only then): a chance to fill this process's caches before rendering.
        self.written = self._written(version_letter)  # the versions whose files are written
        with self.notation(), out_of_collections():
            self.instances = self._draw(warm)  # instances[problem][version]
            self._warn_of_surprises()

    def notation(self):
        """A block in which names and numbers are read and written in the sheet's conventions."""
        return conventions.use(self.spec.conventions)

    def _draw(self, warm=None) -> list[list]:
        keys = problem_keys(self.document.data["problems"])
        with drawing_pool(self.count, self.jobs) as pool:
            if pool:
                return [v if isinstance(v, PackedInstances) else PackedInstances(v)
                        for v in self._draw_pooled(pool, keys, warm)]
            errors, drawn = [], []
            for index, (problem, key) in enumerate(zip(self.spec.problems, keys)):
                try:  # every problem is tried, so every error is reported at once
                    drawn.append(self._versions(index, problem_versions, problem, key, self.seed, self.count,
                                                self._warner(index), independent_versions))
                except SpecError as exc:
                    errors.append(exc)
            if errors:
                raise one_or_all(errors)
            return list(map(PackedInstances, drawn))

    def _draw_pooled(self, pool, keys: list[str], warm) -> list[list]:
        """As the sequential _draw, with every problem's versions B, C, ... drawn at once
        by the pool while this process computes version A's sheet (warm)."""
        started = []  # per problem: None (not random) or (version A, reference, pending draws)
        errors = []  # problems with no version A, every one reported
        for index, (problem, key) in enumerate(zip(self.spec.problems, keys)):
            if not is_random(problem):
                started.append(None)
                continue
            try:
                first, reference = self._versions(index, reference_version, problem, key, self.seed)
            except SpecError as exc:
                errors.append(exc)
                started.append(None)
                continue
            started.append((first, reference, draw_async(pool, problem, key, self.seed,
                                                          range(1, self.count), reference)))
        if errors:
            raise one_or_all(errors)
        if warm is not None:
            firsts = [problem if s is None else s[0] for problem, s in zip(self.spec.problems, started)]
            try:
                warm(self, self._sheet_of(list(map(_pickled, firsts)), 0))
            except Exception:  # only a warm-up: any error comes back when the sheet is built
                pass
        drawn = []
        for index, (problem, key, s) in enumerate(zip(self.spec.problems, keys, started)):
            if s is None:
                drawn.append([problem] * self.count)
                continue
            first, reference, pending = s
            try:
                first_piece = _pickled(first)
                chosen = PackedInstances.joined([(first_piece, [len(first_piece)]), *pending()])
                drawn.append(self._versions(index, lambda: settle_versions(
                    problem, key, self.seed, chosen, reference, self._warner(index))))
            except SpecError as exc:
                errors.append(exc)
        if errors:
            raise one_or_all(errors)
        return drawn

    def _written(self, letter: str | None) -> list[int]:
        """Every version, or the one --version-letter names (all are still drawn and laid
        out, so its numbers and layout are those of the whole class set)."""
        labels = [version_label(v) for v in range(self.count)]
        if letter is None:
            return list(range(self.count))
        if not self.versioned or letter not in labels:
            raise BuildError(f"{self.document.file}: there is no version {letter!r} "
                             f"({'versions: ' + ', '.join(labels) if self.versioned else 'the sheet has no versions'})")
        return [labels.index(letter)]

    def folder_of(self, version: int) -> str:
        """Where a version's files go in the output folder: <V>/, or the top for a sheet
        without versions or a build of one version."""
        return self.label(version) if self.versioned and len(self.written) > 1 else ""

    def _warn_of_surprises(self) -> None:
        """Numbers drawn that the spec does not mention, and problems that versions leave alike."""
        for index, problem in enumerate(self.spec.problems):
            missing = drawn_unasked(problem)
            if missing:
                self._warner(index)(f"{', '.join(missing)} not given: drawn from the random ranges "
                                    "(write `random` to say so, or give the numbers)")
            if self.count > 1 and not is_random(problem):
                self._warner(index)("nothing in this problem is random: it is the same in every version")

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
        with self.notation():
            return self._sheet_of([versions.packed(version) for versions in self.instances], version)

    def _sheet_of(self, packed: list[bytes], version: int) -> Sheet:
        """The sheet of a version from each problem's instance, pickled (PackedInstances)."""
        problems, errors = [], []
        for number, instance in enumerate(packed, start=1):
            try:  # every problem is built, so every error is reported at once
                problems.append(self._problem(number, instance, version))
            except (SpecError, BuildError) as exc:
                errors.append(exc)
        if errors:
            raise one_or_all(errors)
        instructions = (para(self.spec.instructions),) if self.spec.instructions else ()
        return Sheet(self.name, self.spec.title, tuple(problems), instructions, self.label(version),
                     work_space=self.spec.work_space, score_table=self.spec.score_table, scan=self.scan_marks)

    @property
    def scan_marks(self) -> ScanMarks | None:
        """Scan marks, by default on a sheet with versions; the QR code names the spec by
        the first digits of its hash (manifest.json has them all)."""
        wanted = self.spec.scan_marks if self.spec.scan_marks is not None else self.versioned
        if not wanted:
            return None
        return ScanMarks(hashlib.sha256(self.document.source).hexdigest()[:SCAN_CODE_DIGITS], self.spec.id_digits)

    def _problem(self, number: int, packed: bytes, version: int) -> Problem:
        """Each distinct instance of a problem is built (and checked) once: versions share
        a problem without random parts, and repeat the few variants of a choice (a
        path-blank's target, an architecture). An instance is known by its pickle (the
        same instance pickles to the same bytes in this process), unpickled only when
        it is built."""
        key = (number, packed)
        built = self._built.pop(key, None) or self._build_problem(number, pickle.loads(packed), version)
        self._built[key] = built  # the most recently used last
        if len(self._built) > BUILT_KEPT:
            del self._built[next(iter(self._built))]  # the least recently used
        return built

    def _check_own_math(self, number: int, problem) -> None:
        """The spec's own $...$ is typeset here, so that a slip names its line and key
        rather than failing in a worker."""
        texts = [(("intro",), problem.intro)] if problem.intro else []
        texts += [(("prompts", k), text) for k, text in enumerate(problem.prompts or [])]
        for where, text in texts:
            for match in OWN_MATH.finditer(text):
                try:
                    typeset(match.group(1))
                except MathError:
                    raise self.document.error(("problems", number - 1, *where),
                                              f"cannot typeset the math ${match.group(1)}$ "
                                              f"(an unknown command or unbalanced braces?)") from None

    def _build_problem(self, number: int, problem, version: int) -> Problem:
        part = CURRENT_PART.set(None)
        try:
            self._check_own_math(number, problem)
            built = KINDS[problem.kind].problem(problem, number)
            bubbles = (problem.answer_format or self.spec.answer_format) == "bubbles"
            return replace(built, work_space=problem.work_space, bubbles=bubbles,  # page layout, not content
                           network=network_data(problem))
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
        except WordingMismatch as exc:
            raise self.document.error(("problems", number - 1, "prompts"), str(exc)) from None
        finally:
            CURRENT_PART.reset(part)

    def summary(self) -> str:
        """What the build wrote, in a few words: "4 versions, 9 PDFs"."""
        pdfs = f"{self.pdfs} PDF{'s' * (self.pdfs != 1)}"
        if not self.versioned:
            return pdfs
        if len(self.written) == 1:
            return f"version {self.label(self.written[0])} of {self.count}, {pdfs}"
        return f"{self.count} versions, {pdfs}"

    def manifest(self) -> dict:
        with self.notation():  # the parameters as the spec writes them
            return self._manifest()

    def _manifest(self) -> dict:
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


@contextmanager
def out_of_collections():
    """The objects alive before the block (the imports, the spec) stay out of the garbage
    collector's passes during it: drawing and warming make enough objects for two or three
    full passes, each of which walked all of them (about 0.1 s each, in the parent's serial
    stage). They come back into collection after the block, so nothing is kept longer; a
    process that froze objects itself is left as it is."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def network_data(problem) -> dict | None:
    """A problem's whole network as JSON data, for grading with error carried forward
    (answer-regions.json); None when it has none (a graph, given values only)."""
    spec = getattr(problem, "network", None)
    try:
        net = spec.to_network() if spec is not None else None
    except (ValueError, TypeError, AttributeError):
        return None
    if net is None or net.weights is None or net.x is None:  # (a batch's points are not one x)
        return None
    return {"layers": list(net.layers), "hidden": net.hidden, "output": net.output, "loss": net.loss,
            "l2": numbers.parameter_json(net.l2), "relu_at_zero": net.relu_at_zero,
            "names": "to-from" if conventions.current().to_from else "from-to",  # W is always from-to
            "W": [numbers.parameter_json([list(row) for row in w]) for w in net.weights],
            "b": None if net.biases is None else [numbers.parameter_json(list(b)) for b in net.biases],
            "x": numbers.parameter_json(list(net.x)),
            "y": None if net.y is None else numbers.parameter_json(list(net.y)),
            # (asked of the model's fields: hasattr on a pydantic model without one raises and
            # catches an AttributeError, a twentieth of building a problem)
            "learning_rate": numbers.parameter_json(problem.learning_rate)
            if "learning_rate" in type(problem).model_fields else None}


def previous_build(folder: Path) -> dict | None:
    """The seed and versions of the build in folder (from its manifest.json), or None when
    there is none; a sheet without versions has neither."""
    if not (folder / STAMP).is_file():
        return None
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        return {"seed": manifest["seed"], "versions": len(manifest["versions"])}
    except (OSError, ValueError, KeyError, TypeError):
        return {"seed": None, "versions": None}


def _part_of(problem, quantity: str) -> str:
    """The label of the part that asks quantity; "a" for a problem of one part."""
    asked = [getattr(q, "name", q) for q in getattr(problem, "ask", [])]  # quantities or names
    return letter(asked.index(quantity)) if quantity in asked else "a"


def check_plan(spec_path: str | Path) -> Plan:
    """Validates the spec and computes every problem of every version; writes nothing.
    The plan's warnings are those a build would print."""
    plan = Plan(spec_path)
    for version in range(plan.count):
        plan.sheet(version)
    plan.warnings += crowded_figure_warnings(plan)
    return plan


def check_sheet(spec_path: str | Path) -> list[Sheet]:
    """The sheet of every version, checked (see check_plan)."""
    plan = check_plan(spec_path)
    return [plan.sheet(v) for v in range(plan.count)]


def crowded_figure_warnings(plan: Plan) -> list[str]:
    """One warning per figure (of version A) with a weight label that another edge
    passes close to (only layers of 5 or more nodes)."""
    warnings = []
    for problem in plan.sheet(0).problems:
        figures = [b for b in problem.intro if isinstance(b, Figure)]
        with plan.notation():  # the weights' names
            crowded = [name for f in figures for name in crowded_weights(f.spec)]
        if crowded:
            line = plan.document.line_of(("problems", problem.number - 1))
            warnings.append(f"{plan.document.file}:{line}: problems[{problem.number - 1}]: warning: "
                            f"the figure's labels of {_some(crowded)} are close to other edges "
                            f"(layers of 5 or more nodes are crowded)")
    return warnings


def _some(names: list[str], shown: int = 6) -> str:
    """"W1_16, W1_17 and 3 more": a warning stays one readable line."""
    rest = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {rest} more" if rest > 0 else "")


def page_size(paper: str):
    return {"letter": pagesizes.letter, "a4": pagesizes.A4}[paper]


def build_sheet(spec_path: str | Path, out_dir: str | Path = "out", versions: int | None = None,
                seed: int | None = None, jobs: int | None = None, paper: str | None = None,
                formats=None, only: str | None = None, version_letter: str | None = None,
                large_print: bool = False):
    """Builds one spec into out_dir/<sheet>/ (one version: out_dir/<sheet>-<V>/) and returns
    its Plan (warnings, timings). formats (names of limits.FORMAT_NAMES) replaces the spec's
    `formats:` when given; only (worksheet, key or answers) writes just that file of each
    version. The stamp written beside the outputs lets the next build skip an unchanged sheet."""
    out_dir = Path(out_dir)
    folder = output_folder(spec_path, version_letter)
    Staging.prepare(out_dir, folder)  # before the work: a user's folder is refused
    timer = Timer()
    with timer("plan"):
        plan = Plan(spec_path, versions, seed, jobs, warm=warm, paper=paper, formats=formats, only=only,
                    version_letter=version_letter, large_print=large_print)
        plan.warnings += crowded_figure_warnings(plan)
    options = build_options(versions, seed, paper, formats, only, version_letter, large_print)
    stamp = stamp_of_bytes(plan.document.source, options)
    with Staging(out_dir, folder) as stage:
        if plan.versioned and len(plan.written) > 1:
            plan.timer = _write_versions(plan, stage, jobs)
        else:  # the same path as versions: one version, written into the sheet's folder
            plan.timer = render_versions(plan, stage.write, jobs=1 if not plan.versioned else jobs)
            if "answers" in plan.version_formats:
                stage.write("answers.csv", answers_csv_from_files([stage.path("answers.json")]))
        if any(name in EXPORTS for name in plan.formats):
            with plan.timer("exports"):
                warn = lambda message: plan.warnings.append(f"{plan.document.file}: warning: {message}")  # noqa: E731
                for relative, data in export_files(plan.formats, _all_versions(plan), warn).items():
                    stage.write(relative, data)
        plan.timer.add(timer.totals)
        plan.pdfs = sum(1 for _ in stage.root.rglob("*.pdf"))
        stage.write(STAMP, stamp.encode())
    plan.target = stage.target
    return plan


def _all_versions(plan: Plan) -> list[Sheet]:
    """Every version's sheet, for the exports that hold all versions (built again here:
    the versions' files were written by worker processes)."""
    return [plan.sheet(v) for v in range(plan.count)]


def _write_versions(plan: Plan, stage: "Staging", jobs: int | None):
    labels = [plan.label(v) for v in range(plan.count)]
    joining: dict = {}  # "error": what stopped the join, raised once the keys are written

    prepare_libraries()  # as when this process wrote PDFs itself (the blank page)

    def join() -> None:  # in a thread: the keys are written meanwhile
        if "worksheet" not in plan.version_formats:
            return
        try:
            combine_for_duplex([stage.path(f"{v}/worksheet.pdf") for v in labels], plan.pagesize,
                               stage.path("all-worksheets.pdf"), f"{plan.spec.title} \u2014 all versions")
        except BaseException as exc:
            joining["error"] = exc

    joiner = threading.Thread(target=join, daemon=True)
    try:
        timer = render_versions(plan, stage.write, jobs, worksheets_written=joiner.start)
    finally:
        if joiner.is_alive():
            joiner.join()
    with timer("writing"):
        if "answers" in plan.version_formats:
            stage.write("answers.csv", answers_csv_from_files([stage.path(f"{v}/answers.json") for v in labels]))
        stage.write("manifest.json", (json.dumps(plan.manifest(), indent=2) + "\n").encode())
        if "html" in plan.formats:
            stage.write("index.html", versions_index(plan.spec.title, labels))
        joiner.join()
        if "error" in joining:
            raise joining["error"]
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
        _top_of_hierarchy(self.root, True)
        self._inside = os.path.abspath(self.root) + os.sep  # what every written path starts with
        self._folders = {self._inside}  # folders made (each process its own: a fork copies it)
        return self

    def path(self, relative: str) -> Path:
        return Path(self._path(relative))

    def _path(self, relative: str) -> str:
        """Checked as text, without asking the file system: the folder is new and holds
        only what the build wrote, no links."""
        path = os.path.normpath(self._inside + relative)
        if os.path.isabs(relative) or not path.startswith(self._inside):
            raise BuildError(f"refusing to write outside the output folder: {relative}")
        return path

    def write(self, relative: str, data: bytes) -> None:
        """A new file in the staging folder. A class set writes thousands of small files:
        its path checked as text and each folder made once, three system calls a file
        rather than twenty."""
        path = self._path(relative)
        folder = os.path.dirname(path) + os.sep
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | _NO_FOLLOW, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view):]
        finally:
            os.close(descriptor)

    def __exit__(self, kind, error, trace) -> None:
        if error is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            return
        try:
            _top_of_hierarchy(self.root, False)  # the outputs' folder as any other
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


# ext2/3/4's "top of directory hierarchies" flag (chattr +T), and the ioctls that read and
# set a file's flags: the generic Linux numbers (other architectures are left alone).
_TOPDIR_FLAG = 0x00020000
_GET_FLAGS, _SET_FLAGS = 0x80086601, 0x40086602
_FLAGS_IOCTLS = sys.platform.startswith("linux") and platform.machine() in ("x86_64", "aarch64")


def _top_of_hierarchy(folder: Path, top: bool) -> None:
    """Sets (or clears) chattr +T on the staging folder where the file system has it,
    so that ext4 puts each version's folder in a roomy block group (Orlov's allocator)
    rather than in that of the folder's parent. There, beside thousands of files deleted
    in the last half minute (a previous build, a test run), ext4 without a journal passes
    over every recently freed inode each time it creates a file: 0.6 ms a file instead
    of 0.03, a second for 200 versions. Elsewhere nothing happens."""
    if not _FLAGS_IOCTLS:
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        ioctl, flags = ctypes.CDLL(None, use_errno=True).ioctl, ctypes.c_int()
        ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.POINTER(ctypes.c_int)]
        if ioctl(descriptor, _GET_FLAGS, ctypes.byref(flags)) != 0:
            return  # not ext2/3/4 (tmpfs, NFS, ...): folders go where they go
        wanted = flags.value | _TOPDIR_FLAG if top else flags.value & ~_TOPDIR_FLAG
        if wanted != flags.value:
            ioctl(descriptor, _SET_FLAGS, ctypes.byref(ctypes.c_int(wanted)))  # refused: as before
    finally:
        os.close(descriptor)


_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)  # a link in place of an output is an error, not followed


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

"""Rendering many versions at once: worker processes, one contiguous chunk of versions each.

Two passes keep every version's layout the same: each worker first lays out and
measures its versions' problems, the parent takes the tallest height of every problem
over all versions, and each worker then writes its PDFs with those heights, so problem k
starts at the same place on the same page in every version. A worker keeps its first
KEPT laid-out versions between the passes, so they are not laid out twice; any more are
built from the plan and laid out again to be written (nothing is kept of them: the memory
of a class set of thousands stays that of a few hundred).

The second pass writes every worksheet first and then the keys: the parent joins the
worksheets into all-worksheets.pdf while the workers write the keys. The workers are
forked after version A has been rendered once in the parent (see warm), so they start
with its typeset math, figure templates and fonts.
"""
from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from multiprocessing.connection import wait
from typing import Callable

from tqdm import tqdm

from .errors import BuildError, SpecError, SpecErrors, cannot_write
from .output import Version, draw_figures, figures_of, tallest, version_files
from .variants import independent_versions


class Timer:
    """Seconds spent per stage, summed."""

    def __init__(self):
        self.totals: dict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, stage: str):
        start = time.perf_counter()
        yield
        self.totals[stage] += time.perf_counter() - start

    def add(self, totals: dict) -> None:
        for stage, seconds in totals.items():
            self.totals[stage] += seconds


def warm(plan, sheet) -> None:
    """Lays out and writes a sheet (version A) in every format the workers will write,
    without keeping anything, for its side effects: the caches of this process (typeset
    math, figure templates, fonts, glyph streams, the web page's MathML), which forked
    workers inherit. Every cache is keyed by content, so the outputs do not depend on
    whether this ran."""
    version = Version(sheet, plan.pagesize, large_print=plan.large_print)
    version_files(version, tallest([version.heights]), plan.version_formats)


# Laid-out versions a worker keeps between the passes (half a megabyte each); the others
# are built and laid out again when written, from the plan's pickled instances (3 ms a
# version more than unpickling a kept sheet, and nothing held: memory stays flat).
KEPT = 100


class Chunk:
    """The versions one process renders, and what it keeps between the passes."""

    def __init__(self, plan, versions: list[int], write: Callable[[str, bytes], None]):
        self.plan, self.versions, self.write = plan, versions, write
        self.timer = Timer()
        self.prepared: dict[int, Version | None] = {}  # None: laid out again when written

    def measure(self, step=lambda: None) -> dict[int, tuple]:
        heights = {}
        ahead = self._drawn_ahead()
        for v in self.versions:
            if v in ahead:
                sheet, drawn = ahead.pop(v)
            else:
                with self.timer("problems"):
                    sheet = self.plan.sheet(v)
                with self.timer("figures"):
                    drawn = draw_figures(figures_of(sheet))
            with self.timer("pdf"):  # the layout of worksheet and key
                version = Version(sheet, self.plan.pagesize, drawn, self.plan.large_print)
                heights[v] = version.heights
                self.prepared[v] = version if len(self.prepared) < KEPT else None
            step()
        return heights

    def _drawn_ahead(self) -> dict[int, tuple]:
        """The sheets of the versions kept between the passes, built at once, with their
        figures drawn together: Graphviz runs once for every frame (a figure's numbers'
        widths make its frame) that version A, drawn before the workers were forked, did
        not have, not once per version that brings a new one (five or six runs of about
        25 ms a worker). Kept versions hold their sheets and figures anyway."""
        with self.timer("problems"):
            sheets = {v: self.plan.sheet(v) for v in self.versions[:KEPT]}
        with self.timer("figures"):
            drawn = draw_figures([f for sheet in sheets.values() for f in figures_of(sheet)])
        return {v: (sheet, {f.spec: drawn[f.spec] for f in figures_of(sheet)}) for v, sheet in sheets.items()}

    def _version(self, v: int) -> Version:
        kept = self.prepared[v]
        if kept is not None:
            return kept
        with self.timer("problems"):  # built again (the same sheet), laid out when written
            sheet = self.plan.sheet(v)
        with self.timer("figures"):
            return Version(sheet, self.plan.pagesize, large_print=self.plan.large_print)

    def render_worksheets(self, slots: tuple, step=lambda: None) -> None:
        """Every worksheet.pdf of the chunk (first of the second pass)."""
        for v in self.versions:
            if v in self.plan.written:
                self._write(v, slots, [name for name in WORKSHEETS if name in self.plan.version_formats])
            step()

    def render_rest(self, slots: tuple, step=lambda: None) -> None:
        """Every other file of the chunk: key.pdf, answers.json, figures."""
        rest = [name for name in self.plan.version_formats if name not in WORKSHEETS]
        for v in self.versions:
            if v in self.plan.written:
                self._write(v, slots, rest)
            del self.prepared[v]
            step()

    def _write(self, v: int, slots: tuple, formats) -> None:
        version = self._version(v)
        with self.timer("pdf"):
            files = version_files(version, slots, formats)
        with self.timer("writing"):
            folder = self.plan.folder_of(v)
            for relative, data in files.items():
                self.write(f"{folder}/{relative}" if folder else relative, data)


WORKSHEETS = ("worksheet",)  # written first, so all-worksheets.pdf is joined while keys are written


def render_versions(plan, write: Callable[[str, bytes], None], jobs: int | None = None,
                    worksheets_written=lambda: None) -> Timer:
    """Writes every version of plan with write(relative path, bytes), into <V>/ (or, for a
    sheet without versions, at the top), using up to `jobs` processes.
    worksheets_written() is called once every worksheet.pdf is written (the keys may
    still be being written)."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, plan.count))
    chunks = _contiguous(plan.count, jobs)
    progress = _progress_bar(plan)
    if jobs == 1:
        chunk = Chunk(plan, chunks[0], write)
        step = lambda: progress.update(1)  # noqa: E731
        slots = tallest(list(chunk.measure(step).values()))
        chunk.render_worksheets(slots, step)
        worksheets_written()
        chunk.render_rest(slots, step)
        progress.close()
        return chunk.timer
    return _in_processes(plan, chunks, write, progress, worksheets_written)


def _contiguous(count: int, jobs: int) -> list[list[int]]:
    size, extra = divmod(count, jobs)
    chunks, start = [], 0
    for j in range(jobs):
        end = start + size + (1 if j < extra else 0)
        chunks.append(list(range(start, end)))
        start = end
    return chunks


PROGRESS_DELAY = "WORKSHEETS_PROGRESS_DELAY"  # seconds before the bar shows (tests set 0)


def _progress_bar(plan):
    # Shown only on a terminal, and only once the build has taken a second. Three steps
    # per version: measured, worksheet written, key written.
    delay = _seconds(os.environ.get(PROGRESS_DELAY), default=1.0)
    return tqdm(total=3 * plan.count, desc=f"{plan.name}, {plan.count} versions", unit="step",
                delay=delay, leave=False, disable=plan.count == 1 or not sys.stderr.isatty())


def _seconds(text: str | None, default: float) -> float:
    """A number of seconds from the environment; anything else (unset, "soon") the default."""
    try:
        return max(0.0, float(text)) if text else default
    except ValueError:
        return default


def _in_processes(plan, chunks: list[list[int]], write, progress, worksheets_written) -> Timer:
    context = multiprocessing.get_context("fork")  # workers inherit the plan, imports and caches
    gc.freeze()  # the inherited objects stay out of the workers' garbage collections
    pipes, workers = [], []
    try:
        for versions in chunks:
            parent, child = context.Pipe()
            worker = context.Process(target=_worker, args=(Chunk(plan, versions, write), child, not progress.disable),
                                     daemon=True)
            with signals_held():  # a Ctrl-C held here arrives once the worker is on the list to stop
                worker.start()
                child.close()
                pipes.append(parent)
                workers.append(worker)
    finally:
        gc.unfreeze()
    try:
        heights = [h for pipe in pipes for h in _receive(pipe, "heights", progress).values()]
        slots = tallest(heights)
        for pipe in pipes:
            pipe.send(slots)
        for pipe in pipes:
            _receive(pipe, "worksheets", progress)
        worksheets_written()
        timer = Timer()
        _follow(pipes, progress, timer)
        return timer
    except BaseException:
        for worker in workers:  # a failure or Ctrl-C: stop them before the staging folder goes
            worker.terminate()
        raise
    finally:
        progress.close()
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()
                worker.join()


def _follow(pipes, progress, timer: Timer) -> None:
    """Progress messages until every worker has sent its timings."""
    open_pipes = list(pipes)
    while open_pipes:
        for pipe in wait(open_pipes):
            kind, payload = _message(pipe)
            if kind == "step":
                progress.update(1)
            elif kind == "timings":
                timer.add(payload)
                open_pipes.remove(pipe)


def _receive(pipe, expected: str, progress):
    """The next message of that kind, counting the progress steps before it."""
    kind, payload = _message(pipe)
    while kind == "step":
        progress.update(1)
        kind, payload = _message(pipe)
    if kind != expected:
        raise BuildError(f"a worker process sent {kind} instead of {expected}")
    return payload


def _message(pipe):
    try:
        kind, payload = pipe.recv()
    except EOFError:
        raise BuildError("a worker process stopped without finishing its versions") from None
    if kind == "error":
        raise BuildError(payload)
    if kind == "errors":
        raise SpecErrors([BuildError(line) for line in payload])
    return kind, payload


@contextmanager
def signals_held():
    """Ctrl-C and SIGTERM wait (noted, not lost) while a worker is forked: a
    KeyboardInterrupt raised inside fork's own handlers (logging's lock is taken around a
    fork) would leave a lock held and the build hung at its next import. Held in Python,
    not by a signal mask: another thread may take a signal the main thread blocks."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.signal(signum, lambda signum, _: caught.append(signum)) for signum in held}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(caught):
            signal.raise_signal(signum)  # now, to the handlers of the build


def as_worker() -> None:
    """Called first in every worker process. Ctrl-C reaches the whole process group: the
    parent alone handles it (and stops the workers), so workers ignore it; SIGTERM gets
    its default action back (fork copied the parent's handler); and on Linux the kernel
    kills the worker when its parent dies, even by SIGKILL (PR_SET_PDEATHSIG)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # the parent died before prctl
        os._exit(1)


_PR_SET_PDEATHSIG = 1


FROZEN_EVERY = 10  # versions a worker measures between moving what it keeps out of collections


def _kept_out_of_collections(chunk: Chunk) -> None:
    """The laid-out versions a worker keeps until written (a few thousand objects each)
    moved out of garbage collection every few versions: else every full collection of
    the measuring pass walks all those kept so far (a tenth of a worker's time). Young
    garbage is collected first, so that freezing keeps none of it."""
    if len(chunk.prepared) % FROZEN_EVERY == 0 or len(chunk.prepared) == len(chunk.versions):
        gc.collect(1)
        gc.freeze()


# A worker collects its young objects every 5,000 allocations instead of Python's 700: a
# version makes and drops tens of thousands of objects, most freed by their reference
# counts before a collection would look at them (half the workers' collection time, 4 % of
# their CPU, for 10 MB more a worker: garbage cycles wait longer). 50,000 saved little
# more and held 20 MB more a worker in a class set of thousands.
YOUNG_OBJECTS = 5000


def _worker(chunk: Chunk, pipe, steps: bool = True) -> None:
    """Renders a chunk, sending the parent its heights, word that its worksheets are written, its timings,
    and (with steps: the progress bar is shown) a message per step."""
    as_worker()
    gc.set_threshold(YOUNG_OBJECTS)
    try:
        step = (lambda: pipe.send(("step", None))) if steps else (lambda: None)  # noqa: E731
        pipe.send(("heights", chunk.measure(lambda: (step(), _kept_out_of_collections(chunk)))))
        slots = pipe.recv()
        chunk.render_worksheets(slots, step)
        pipe.send(("worksheets", None))
        chunk.render_rest(slots, step)
        pipe.send(("timings", dict(chunk.timer.totals)))
    except SpecErrors as exc:  # every problem's error, a line each
        pipe.send(("errors", exc.lines()))
    except (BuildError, SpecError) as exc:
        pipe.send(("error", str(exc)))
    except OSError as exc:  # (a full disk: said as the command line says it of its own writes)
        pipe.send(("error", cannot_write(exc)))
    except Exception as exc:  # reported by the parent as one line
        pipe.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        pipe.close()


@contextmanager
def drawing_pool(count: int, jobs: int | None = None):
    """Worker processes for drawing versions, or None when there are too few to pay off."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, count))
    if jobs == 1 or count < 32:
        yield None
        return
    pool = None
    try:
        with signals_held():
            pool = multiprocessing.get_context("fork").Pool(jobs, initializer=as_worker)
        yield pool
    finally:
        if pool is not None:  # (a Ctrl-C held during the fork arrives as the block ends)
            pool.terminate()


def draw_async(pool, spec, key, seed, versions: range, reference):
    """Starts drawing versions of one problem in pool (variants.independent_versions, in
    pieces); returns a function that waits for them and returns the pieces in order, each
    as its versions pickled and joined, and their lengths (see build.PackedInstances)."""
    size = max(1, len(versions) // (4 * pool._processes))
    pieces = [versions[i:i + size] for i in range(0, len(versions), size)]
    pending = pool.starmap_async(_pickled_versions, [(spec, key, seed, p, reference) for p in pieces])
    return pending.get


def _pickled_versions(*args) -> tuple[bytes, list[int]]:
    pickles = [pickle.dumps(instance, pickle.HIGHEST_PROTOCOL) for instance in independent_versions(*args)]
    return b"".join(pickles), list(map(len, pickles))

"""Rendering many versions at once: worker processes, one contiguous chunk of versions each.

Two passes keep every version's layout the same: each worker first measures its
versions' problems, the parent takes the tallest height of every problem over all
versions, and each worker then renders with those heights, so problem k starts at the
same place on the same page in every version. A worker keeps its sheets, figures and
typeset math between the passes, so measuring costs little extra.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

from .errors import BuildError


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


class Chunk:
    """The versions one process renders, and what it keeps between the passes."""

    def __init__(self, plan, versions: list[int], root: Path):
        self.plan, self.versions, self.root = plan, versions, root
        self.timer = Timer()
        self.prepared: dict[int, tuple] = {}

    def measure(self) -> dict[int, tuple]:
        from .build import render_figures_of
        from .render import pdf
        problem_heights = getattr(pdf, "problem_heights", lambda *a, **k: [])
        heights = {}
        for v in self.versions:
            with self.timer("problems"):
                sheet = self.plan.sheet(v)
            with self.timer("figures"):
                figures = render_figures_of(sheet)
            with self.timer("pdf"):
                heights[v] = (problem_heights(sheet, figures, self.plan.pagesize, key=False),
                              problem_heights(sheet, figures, self.plan.pagesize, key=True))
            self.prepared[v] = (sheet, figures)
        return heights

    def render(self, slots: tuple, done=lambda version: None) -> None:
        from .build import version_files
        for v in self.versions:
            sheet, figures = self.prepared.pop(v)
            with self.timer("pdf"):
                files = version_files(sheet, figures, self.plan.pagesize, slots)
            with self.timer("writing"):
                for relative, data in files.items():
                    path = self.root / self.plan.label(v) / relative
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
            done(v)


def tallest(heights: list[tuple]) -> tuple:
    """Per problem, the largest height over all versions (worksheet and key apart)."""
    return tuple([max(column) for column in zip(*(h[which] for h in heights))] or None for which in (0, 1))


def render_versions(plan, root: Path, jobs: int | None = None) -> Timer:
    """Writes every version of plan into root/<V>/, using up to `jobs` processes."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, plan.count))
    chunks = _contiguous(plan.count, jobs)
    progress = _progress_bar(plan)
    if jobs == 1:
        chunk = Chunk(plan, chunks[0], root)
        slots = tallest(list(chunk.measure().values()))
        chunk.render(slots, lambda v: progress.update(1))
        progress.close()
        return chunk.timer
    return _in_processes(plan, chunks, root, progress)


def _contiguous(count: int, jobs: int) -> list[list[int]]:
    size, extra = divmod(count, jobs)
    chunks, start = [], 0
    for j in range(jobs):
        end = start + size + (1 if j < extra else 0)
        chunks.append(list(range(start, end)))
        start = end
    return chunks


def _progress_bar(plan):
    from tqdm import tqdm
    # Shown only on a terminal, and only once the build has taken a second.
    return tqdm(total=plan.count, desc=plan.name, unit="version", delay=1.0, leave=False,
                disable=not sys.stderr.isatty())


def _in_processes(plan, chunks: list[list[int]], root: Path, progress) -> Timer:
    context = multiprocessing.get_context("fork")  # workers inherit the plan and the imports
    pipes, workers = [], []
    for versions in chunks:
        parent, child = context.Pipe()
        worker = context.Process(target=_worker, args=(Chunk(plan, versions, root), child), daemon=True)
        worker.start()
        child.close()
        pipes.append(parent)
        workers.append(worker)
    try:
        heights = [h for pipe in pipes for h in _receive(pipe, "heights").values()]
        slots = tallest(heights)
        for pipe in pipes:
            pipe.send(slots)
        timer = Timer()
        _follow(pipes, progress, timer)
        return timer
    finally:
        progress.close()
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.terminate()


def _follow(pipes, progress, timer: Timer) -> None:
    """Progress messages until every worker has sent its timings."""
    from multiprocessing.connection import wait
    open_pipes = list(pipes)
    while open_pipes:
        for pipe in wait(open_pipes):
            kind, payload = _message(pipe)
            if kind == "done":
                progress.update(1)
            elif kind == "timings":
                timer.add(payload)
                open_pipes.remove(pipe)


def _receive(pipe, expected: str):
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
    return kind, payload


def _worker(chunk: Chunk, pipe) -> None:
    try:
        pipe.send(("heights", chunk.measure()))
        slots = pipe.recv()
        chunk.render(slots, lambda v: pipe.send(("done", v)))
        pipe.send(("timings", dict(chunk.timer.totals)))
    except BuildError as exc:
        pipe.send(("error", str(exc)))
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
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        yield pool


def pooled_drawing(pool):
    """A draw_versions for variants.problem_versions that spreads versions over pool."""
    from .variants import independent_versions

    def draw_versions(spec, key, seed, versions: range, reference) -> list:
        size = max(1, len(versions) // (4 * pool._processes))
        pieces = [versions[i:i + size] for i in range(0, len(versions), size)]
        results = pool.starmap(independent_versions, [(spec, key, seed, p, reference) for p in pieces])
        return [instance for result in results for instance in result]
    return draw_versions

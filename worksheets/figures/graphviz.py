"""Runs Graphviz: many pinned figures, one `neato -n2` process, SVG and JSON for each;
and `dot` for the layered layout of a computational graph."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..errors import BuildError
from ..stamp import FIGURES_TEMP, clean_stale_temporary, temporary_folder

TIMEOUT = 120  # seconds for one batch; a figure takes milliseconds


class GraphvizError(BuildError):
    pass


@dataclass(frozen=True)
class Rendered:
    svg: str  # standalone SVG document (for slides)
    layout: dict  # Graphviz -Tjson: positions and xdot drawing operations; do not modify


_cache: dict[str, Rendered] = {}


def render(dot_sources: list[str]) -> list[Rendered]:
    """Renders each DOT source (one graph each); results are cached by source."""
    keys = [_key(source) for source in dot_sources]
    todo = {}
    for key, source in zip(keys, dot_sources):
        if key not in _cache:
            todo[key] = source
    if todo:
        _cache.update(zip(todo, _run_neato(list(todo.values()))))
    return [_cache[key] for key in keys]


def _key(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


_layouts: dict[str, dict] = {}


def dot_layout(source: str) -> dict:
    """Graphviz `dot`'s layered layout of one graph (-Tjson: node positions, edge splines),
    cached by source: the figures of every version of a problem share one structure."""
    key = _key(source)
    if key not in _layouts:
        dot = shutil.which("dot")
        if dot is None:
            raise GraphvizError("Graphviz's `dot` was not found: install the Debian package graphviz")
        try:
            done = subprocess.run([dot, "-Tjson"], input=source, capture_output=True, text=True,
                                  timeout=TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise GraphvizError(f"dot took over {TIMEOUT} s for one figure") from exc
        if done.returncode != 0:
            raise GraphvizError(f"dot failed ({done.returncode}): {done.stderr.strip()}")
        _layouts[key] = json.loads(done.stdout)
    return _layouts[key]


def _run_neato(sources: list[str]) -> list[Rendered]:
    neato = shutil.which("neato")
    if neato is None:
        raise GraphvizError("Graphviz's `neato` was not found: install the Debian package graphviz")
    # All graphs go into one file; with -O Graphviz writes figures.gv.svg for the first
    # graph, then figures.gv.2.svg, figures.gv.3.svg, ...  It also drops an empty
    # noname.gv.xdot in the working directory, hence the temporary one.
    with _work_folder() as tmp:
        folder = Path(tmp)
        (folder / "figures.gv").write_text("".join(sources), encoding="utf-8")
        try:
            done = subprocess.run([neato, "-n2", "-Tsvg", "-Tjson", "-O", "figures.gv"],
                                  cwd=folder, capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise GraphvizError(f"neato took over {TIMEOUT} s for {len(sources)} figures") from exc
        if done.returncode != 0:
            raise GraphvizError(f"neato failed ({done.returncode}): {done.stderr.strip()}")
        results = []
        for k in range(1, len(sources) + 1):
            stem = "figures.gv" if k == 1 else f"figures.gv.{k}"
            if not (folder / f"{stem}.json").is_file():
                raise GraphvizError(f"neato wrote no output for figure {k}: {done.stderr.strip()}")
            svg = _as_if_alone((folder / f"{stem}.svg").read_text(encoding="utf-8"))
            layout = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
            results.append(Rendered(svg, layout))
    return results


def _work_folder():
    _remove_stale_work_folders()
    return temporary_folder(FIGURES_TEMP)


@cache
def _remove_stale_work_folders() -> None:
    clean_stale_temporary(FIGURES_TEMP)


def _as_if_alone(svg: str) -> str:
    """The SVG as Graphviz writes it for a graph rendered by itself: the second and later
    graphs of a batch call their top group "page0,1_graph0" instead of "graph0"."""
    return re.sub(r'<g id="page\d+,\d+_(graph\d+)"', r'<g id="\1"', svg, count=1)

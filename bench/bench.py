"""Benchmark: a class set of one sheet, built into a temporary folder.

    python bench/bench.py [--versions 200] [--spec specs/quiz-07.yaml]

Prints one figure per line: wall time, versions and PDFs per second, seconds per stage,
peak memory of the whole build (all processes, proportional set size), the time of a
second build with nothing changed, and of checking the largest network a spec may hold.
The build runs in a child process so that start-up, imports and worker processes are all
counted; it is timed alone, and built once more while its memory is sampled. Then the
grading of a class's synthetic scans (--students, default 200): scanned pages per second
of `grade`.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", type=int, default=200)
    parser.add_argument("--spec", default=str(ROOT / "specs" / "quiz-07.yaml"))
    parser.add_argument("--students", type=int, default=200, help="students whose scans are graded (0: none)")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # the build, run by the parent
    args = parser.parse_args()
    if args.child:
        _child(args.spec, args.versions, Path(args.child))
        return
    with tempfile.TemporaryDirectory(prefix="worksheets-bench-") as out:
        _report(args.spec, args.versions, Path(out))
        if args.students > 0:  # --students 0: the build's figures only
            _grading(args.students, Path(out))


def _child(spec: str, versions: int, out: Path) -> None:
    sys.path.insert(0, str(ROOT))
    start = time.perf_counter()
    from worksheets.build import build_sheet
    imports = time.perf_counter() - start
    plan = build_sheet(spec, out, versions=versions)
    stages = dict(plan.timer.totals) if plan.timer else {}
    print(json.dumps({"imports": imports, "stages": stages}), flush=True)
    os._exit(0)  # as the command line ends (cli._exit): without freeing every object first


def _report(spec: str, versions: int, out: Path) -> None:
    # Timed alone: reading a process's memory takes its memory map's lock, and sampling
    # three processes ten times a second cost the build about 0.1 s of its 4 on 2 cores.
    # Its peak memory is that of a second, identical build into another folder.
    total, data = _build_in_child(spec, versions, out)  # the whole build: start-up, imports, workers, files
    # CPU time of the build and its workers (each waited for by its parent): steadier
    # than wall time on a machine shared with other work.
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    rebuild = _timed([sys.executable, "-m", "worksheets", "build", spec, "--out", str(out),
                      "--versions", str(versions)], quiet=True)  # (it says "unchanged")
    peak = [0]
    _build_in_child(spec, versions, out / "memory", peak)
    shutil.rmtree(out / "memory")
    pdfs = 2 * versions + 1  # a worksheet and a key per version, and all-worksheets.pdf
    stages = data["stages"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"versions: {versions}")
    print(f"total seconds: {total:.2f}")
    print(f"versions per second: {versions / total:.1f}")
    print(f"PDFs per second: {pdfs / total:.1f}")
    print(f"CPU seconds (all processes, user + system): {cpu.ru_utime + cpu.ru_stime:.2f}")
    print(f"stage seconds, start-up and imports: {data['imports']:.2f}")
    # In the parent, with the drawing pool: version A is rendered meanwhile (warm-up).
    print(f"stage seconds, spec + generation: {stages.get('plan', 0.0):.2f}")
    for stage in ("problems", "figures", "pdf", "writing"):
        label = {"problems": "engine + problems (summed over workers)",
                 "figures": "figures (summed over workers)",
                 "pdf": "PDF writing (summed over workers)",
                 "writing": "files (summed over workers; the parent's wait for the join)"}[stage]
        print(f"stage seconds, {label}: {stages.get(stage, 0.0):.2f}")
    print(f"peak memory MB (all processes): {peak[0] / 2**20:.0f}")
    print(f"unchanged rebuild seconds: {rebuild:.2f}")
    print(f"largest network (8 layers of 9 nodes) check seconds: {_largest_network_check(out):.2f}")
    sample = min(versions, 200)
    rates = _acceptance(spec, sample)
    print(f"accepted draws per attempt ({sample} versions of each problem): {rates[True]:.2f}; "
          f"drawing whole networks and rejecting (before constructive drawing): {rates[False]:.2f}")


def _build_in_child(spec: str, versions: int, out: Path, peak: list | None = None) -> tuple[float, dict]:
    """Builds in a child process (start-up and imports counted); its wall time and what it
    reports. peak: [0], set to the largest memory of the build and its workers."""
    command = [sys.executable, __file__, "--spec", spec, "--versions", str(versions), "--child", str(out)]
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    if peak is not None:
        peak[0] = _watch_memory(child)
    output, _ = child.communicate()
    seconds = time.perf_counter() - start
    if child.returncode:
        sys.exit(f"build failed with status {child.returncode}")
    return seconds, json.loads(output.strip().splitlines()[-1])


def _acceptance(spec: str, versions: int) -> dict[bool, float]:
    """Versions kept per network drawn, over every problem of the spec, with networks
    drawn constructively (every hidden ReLU on where a kind asks for it) and without."""
    sys.path.insert(0, str(ROOT))
    from worksheets import variants
    from worksheets.sheet import read_sheet
    sheet, document = read_sheet(spec)
    keys = variants.problem_keys(document.data["problems"])
    rates = {}
    for constructive in (True, False):
        variants.CONSTRUCTIVE = constructive
        variants.DRAWS.clear()
        for problem, key in zip(sheet.problems, keys):
            variants.problem_versions(problem, key, sheet.seed, versions)
        rates[constructive] = variants.DRAWS["kept"] / max(1, variants.DRAWS["made"])
    variants.CONSTRUCTIVE = True
    return rates


def _grading(students: int, folder: Path) -> None:
    """`grade` of a class's synthetic scans (tests/scansim.py) of quiz-07 with bubble
    answers: the whole command, start-up and imports included."""
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    import scansim
    spec = folder / "quiz-07.yaml"
    spec.write_text((ROOT / "specs" / "quiz-07.yaml").read_text().replace(
        "versions: 4\n", "versions: 4\nanswer_format: bubbles\n"))
    subprocess.run([sys.executable, "-m", "worksheets", "build", str(spec), "--out", str(folder / "scan"),
                    "--formats", "pdf"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    scans = folder / "scans.pdf"
    start = time.perf_counter()
    truth = scansim.make_scans(folder / "scan" / "quiz-07", students, seed=200, out=scans)
    made = time.perf_counter() - start
    seconds = _timed([sys.executable, "-m", "worksheets", "grade", str(scans), "--sheet", str(folder / "scan" / "quiz-07"),
                      "--out", str(folder / "grades")], quiet=True)
    print(f"grading: students: {students}, scanned pages: {truth.pages} (made in {made:.1f} s)")
    print(f"grading seconds (the grade command): {seconds:.2f}")
    print(f"grading scanned pages per second: {truth.pages / seconds:.1f}")


def _largest_network_check(folder: Path) -> float:
    """`check` of a backprop problem on the largest network a spec may draw: 531,441 paths
    from an input, each gradient checked by path sums per node. (A gradient table of it
    would have more worked equations than a key may print, and is refused.)"""
    layers = [9, 9, 9, 9, 9, 9, 9, 1]
    weights = "\n".join(f"      W{l}: {[[(i + j + l) % 3 - 1 or 2 for j in range(m)] for i in range(n)]}"
                        for l, (n, m) in enumerate(zip(layers, layers[1:]), start=1))
    network = f"    network:\n      layers: {layers}\n{weights}\n      x: {[1] * 9}\n"
    spec = folder / "largest.yaml"
    spec.write_text(f"title: Largest\nproblems:\n  - kind: backprop\n{network}"
                    f"    ask: [dH/dx_1, dH/dx_9, dH/dW1_11, dH/dW7_91, dH/da3_5]\n")
    return _timed([sys.executable, "-m", "worksheets", "check", str(spec)])


def _timed(command: list[str], quiet: bool = False) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL if quiet else None)
    return time.perf_counter() - start


def _watch_memory(child: subprocess.Popen) -> int:
    """Largest sum of proportional set sizes of the child and its workers, sampled."""
    peak = [0]

    def sample() -> None:
        while child.poll() is None:
            peak[0] = max(peak[0], sum(_pss(pid) for pid in _tree(child.pid)))
            time.sleep(0.1)  # sampling costs CPU too; peaks last longer than this

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    child.wait()
    watcher.join()
    return peak[0]


def _tree(pid: int) -> list[int]:
    """pid and its descendants. A process started by a thread (the build joins
    all-worksheets.pdf from one) is listed among that thread's children only."""
    pids, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        children = []
        try:
            for task in Path(f"/proc/{parent}/task").iterdir():
                children += map(int, (task / "children").read_text().split())
        except OSError:
            continue
        pids += children
        frontier += children
    return pids


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    main()

"""Interrupted builds (issue 10, point 5): a build stopped at any moment by Ctrl-C,
SIGTERM or SIGKILL leaves the previous outputs whole, the next build removes whatever
it left, no process outlives it, and Ctrl-C prints one line."""
from __future__ import annotations

import fcntl
import hashlib
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from worksheets import build as build_module
from worksheets.stamp import clean_stale

ROOT = Path(__file__).resolve().parent.parent
QUIZ = ROOT / "specs" / "quiz-07.yaml"
VERSIONS = "8"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def processes_with(marker: str) -> list[int]:
    """Processes whose environment holds marker (the build and every worker it started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    status = (entry / "status").read_text()
                    if "\nState:\tZ" not in status:  # a zombie has finished
                        found.append(int(entry.name))
            except OSError:
                continue
    return found


def wait_until_gone(marker: str, seconds: float = 30) -> list[int]:  # a loaded machine reaps slowly
    deadline = time.monotonic() + seconds
    while (left := processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def describe(pid: int) -> str:
    """A process's command line and state, for a failure message."""
    try:
        command = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        state = next(line for line in (Path("/proc") / str(pid) / "status").read_text().splitlines()
                     if line.startswith("State"))
        return f"{pid} {command.strip()} ({state})"
    except (OSError, StopIteration):
        return f"{pid} (gone)"


class Builds:
    def __init__(self, tmp_path: Path):
        self.spec = tmp_path / "quiz.yaml"
        shutil.copy(QUIZ, self.spec)
        self.out, self.tmp = tmp_path / "out", tmp_path / "tmp"
        self.tmp.mkdir()
        self.marker = f"WORKSHEETS_KILL_TEST={uuid.uuid4()}"
        name, value = self.marker.split("=")
        self.env = {**os.environ, "TMPDIR": str(self.tmp), name: value}

    def start(self, *extra: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "worksheets", "build", str(self.spec), "--out",
                                 str(self.out), "--versions", VERSIONS, "--jobs", "2", *extra],
                                env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)  # its own process group, as a shell job

    def run(self, *extra: str) -> subprocess.CompletedProcess:
        process = self.start(*extra)
        out, err = process.communicate(timeout=120)
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_killed_builds_leave_the_previous_outputs(tmp_path):
    builds = Builds(tmp_path)
    start = time.monotonic()
    first = builds.run()
    duration = time.monotonic() - start
    assert first.returncode == 0, first.stderr
    before = first_outputs = snapshot(builds.out / "quiz")
    rng = random.Random(10)
    # Ctrl-C reaches the whole process group; `kill` (TERM) and the OOM killer (KILL) the parent only.
    kills = [(signal.SIGINT, True), (signal.SIGTERM, False), (signal.SIGKILL, False),
             (signal.SIGINT, True), (signal.SIGKILL, False)]
    for signum, group in kills:
        process = builds.start("--seed", "99", "--force")  # other numbers: a finished build would show
        time.sleep(rng.uniform(0.1, 0.8) * duration)
        (os.killpg if group else os.kill)(process.pid, signum)
        _, err = process.communicate(timeout=60)
        left = wait_until_gone(builds.marker)
        assert left == [], f"{[describe(pid) for pid in left]} outlived the build ({signum!r})"
        if process.returncode == 0:  # it finished first: these are the previous outputs now
            before = snapshot(builds.out / "quiz")
            continue
        # 130 (Ctrl-C), 143 (TERM), or killed by SIGINT (-2: what a shell also reports as 130)
        assert process.returncode in (130, 143, -signal.SIGINT, -signal.SIGKILL), (signum, process.returncode, err)
        if signum == signal.SIGINT:
            assert err in ("worksheets: interrupted\n", ""), err
        assert "Traceback" not in err
        now = snapshot(builds.out / "quiz")
        if now != before:  # killed after the swap, before it exited: then they are the new set, whole
            assert now == finished_with_seed_99(builds), f"outputs changed after {signum!r}"
            before = now
    # The first build's options again: nothing to build, or (when a killed --seed 99 build had
    # swapped its outputs in) the first build again; and whatever the kills left goes.
    again = builds.run()
    assert again.returncode == 0 and all(": warning: " in line for line in again.stderr.splitlines()), again.stderr
    assert sorted(p.name for p in builds.out.iterdir()) == ["quiz"]
    assert list(builds.tmp.iterdir()) == []
    assert snapshot(builds.out / "quiz") == first_outputs


def finished_with_seed_99(builds: Builds) -> dict[str, str]:
    """The outputs of a whole build with --seed 99, built on its own beside."""
    folder = builds.out.parent / f"beside-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    beside = Builds(folder)
    assert beside.run("--seed", "99").returncode == 0
    return snapshot(beside.out / "quiz")


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_swap_cut_short_is_repaired_by_the_next_build(tmp_path):
    """Where the swap is two renames (no atomic exchange), a kill between them leaves the
    previous outputs set aside: the next build puts them back before anything else."""
    out = tmp_path / "out"
    aside = out / f".quiz.old-{_dead_pid()}-abc" / "quiz"
    aside.mkdir(parents=True)
    (aside / ".build-stamp").write_text("x")
    (aside / "key.pdf").write_bytes(b"previous")
    staging = out / f".quiz.staging-{_dead_pid()}-def"
    staging.mkdir()
    (staging / "key.pdf").write_bytes(b"half")
    clean_stale(out, "quiz")
    assert sorted(p.name for p in out.iterdir()) == ["quiz"]
    assert (out / "quiz" / "key.pdf").read_bytes() == b"previous"


def test_a_running_build_keeps_its_staging_folder(tmp_path):
    mine = tmp_path / f".quiz.staging-{os.getpid()}-abc"
    mine.mkdir()
    other_sheet = tmp_path / f".quiz2.staging-{_dead_pid()}-abc"
    other_sheet.mkdir()
    clean_stale(tmp_path, "quiz")
    assert mine.is_dir() and other_sheet.is_dir()


def test_ctrl_c_between_the_two_renames_puts_the_previous_outputs_back(tmp_path, monkeypatch):
    out = tmp_path / "out"
    (out / "quiz").mkdir(parents=True)
    (out / "quiz" / ".build-stamp").write_text("old")
    monkeypatch.setattr(build_module, "_exchange", lambda first, second: False)
    replace = os.replace
    calls = []

    def interrupted(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise KeyboardInterrupt
        replace(source, target)
    monkeypatch.setattr(build_module.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        with build_module.Staging(out, "quiz") as stage:
            stage.write(".build-stamp", b"new")
    monkeypatch.setattr(build_module.os, "replace", replace)
    assert (out / "quiz" / ".build-stamp").read_text() == "old"
    assert [p.name for p in out.iterdir()] == ["quiz"]


def test_ctrl_c_waits_while_a_worker_is_forked_and_the_worker_ignores_it():
    """A KeyboardInterrupt raised inside fork's handlers once left logging's lock held in
    the build and hung it at its next import; Ctrl-C is held across a fork instead."""
    from worksheets.classset import as_worker, signals_held
    handled = []
    previous = signal.signal(signal.SIGINT, lambda *_: handled.append("SIGINT"))
    try:
        with signals_held():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            assert handled == []  # held, not lost
            reader, writer = os.pipe()
            child = os.fork()
            if child == 0:  # the worker: Ctrl-C reaches the whole group; the parent handles it
                as_worker()
                os.write(writer, b"ignored" if signal.getsignal(signal.SIGINT) is signal.SIG_IGN else b"taken")
                os._exit(0)
        assert handled == ["SIGINT"]  # delivered as the block ended
        os.waitpid(child, 0)
        assert os.read(reader, 10) == b"ignored"
    finally:
        signal.signal(signal.SIGINT, previous)


def test_staging_writes_only_inside_its_folder(tmp_path):
    """Staging.write and .path check a path as text: nothing outside the staging folder, no
    absolute path, and a link put in place of an output is not followed."""
    out = tmp_path / "out"
    outside = tmp_path / "outside"
    with pytest.raises(build_module.BuildError):
        with build_module.Staging(out, "quiz") as stage:
            stage.write("A/figures/one.svg", b"1")
            stage.write("A/./two.json", b"2")
            stage.write("B/../three.json", b"3")
            assert sorted(str(p.relative_to(stage.root)) for p in stage.root.rglob("*") if p.is_file()) == \
                ["A/figures/one.svg", "A/two.json", "three.json"]
            assert (stage.root / "A" / "figures" / "one.svg").read_bytes() == b"1"
            for relative in ("../outside", "A/../../outside", f"{outside}", "", "."):
                with pytest.raises(build_module.BuildError, match="refusing to write outside"):
                    stage.write(relative, b"x")
                with pytest.raises(build_module.BuildError, match="refusing to write outside"):
                    stage.path(relative)
            assert stage.path("A/./two.json").read_bytes() == b"2"
            (stage.root / "link").symlink_to(outside)
            with pytest.raises(OSError):
                stage.write("link", b"x")
            raise build_module.BuildError("stop")  # the staging folder is removed
    assert not outside.exists() and list(out.iterdir()) == []


def _flags(folder: Path) -> int | None:
    """A folder's chattr flags, None where the file system has none."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        return struct.unpack("i", fcntl.ioctl(descriptor, build_module._GET_FLAGS, bytes(4)))[0]
    except OSError:
        return None
    finally:
        os.close(descriptor)


def test_staging_folder_is_the_top_of_a_hierarchy_only_while_written(tmp_path):
    """chattr +T on the staging folder (ext4 spreads its version folders), cleared before
    it takes the outputs' place."""
    if not build_module._FLAGS_IOCTLS or _flags(tmp_path) is None:
        pytest.skip("no chattr flags here")
    out = tmp_path / "out"
    with build_module.Staging(out, "quiz") as stage:
        during = _flags(stage.root)
        stage.write("A/answers.json", b"{}")
        stage.write(".build-stamp", b"new")
    if during & build_module._TOPDIR_FLAG == 0:
        pytest.skip("this file system does not keep the flag")
    assert _flags(out / "quiz") & build_module._TOPDIR_FLAG == 0
    assert (out / "quiz" / "A" / "answers.json").read_bytes() == b"{}"

"""Incremental builds: a sheet is rebuilt only when its spec, the options or the tool change.

The stamp is a hash of the spec's bytes, the command-line options and the source of the
tool itself, stored beside the outputs. Only the standard library is imported here, so a
build with nothing to do costs little more than starting Python.

The stamp also marks a folder as the tool's own: a build replaces out/<sheet>/ only when
it holds one. A build stages its outputs in .<sheet>.staging-<pid>-*/ beside it; what a
killed build leaves there is removed by the next build of that sheet.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from functools import cache
from pathlib import Path

STAMP = ".build-stamp"


@cache
def tool_fingerprint() -> str:
    """Hash of every source file of the package: any change of the tool rebuilds."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build_options(versions: int | None = None, seed: int | None = None, paper: str | None = None,
                  formats=None, only: str | None = None, version_letter: str | None = None,
                  large_print: bool = False) -> dict:
    """The command-line options a build's outputs depend on (those given), for its stamp."""
    given = {"versions": versions, "seed": seed, "paper": paper, "formats": list(formats) if formats else None,
             "only": only, "version": version_letter, "large_print": large_print or None}
    return {name: value for name, value in given.items() if value is not None}


def stamp_of(spec_path: str | Path, options: dict) -> str:
    with open(spec_path, "rb") as spec:  # bounded: the path may be /dev/zero or a huge file
        return stamp_of_bytes(spec.read(2_000_000), options)  # (yamlfile rejects over 1 MB)


def stamp_of_bytes(spec: bytes, options: dict) -> str:
    """The stamp of outputs built from these very bytes of a spec (read once by the build,
    so a spec edited during the build is not stamped as built) with these options."""
    digest = hashlib.sha256(spec)
    digest.update(f"tool={tool_fingerprint()} options={json.dumps(options, sort_keys=True)}".encode())
    return digest.hexdigest()


def up_to_date(folder: Path, stamp: str) -> bool:
    try:
        return (folder / STAMP).read_text() == stamp
    except OSError:
        return False


def sheet_name(spec_path: str | Path) -> str:
    """Output folder name from the spec's file name: letters, digits, '-', '_' only."""
    stem = Path(spec_path).stem
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-.")
    return name[:80] or "sheet"


def output_folder(spec_path: str | Path, version_letter: str | None = None) -> str:
    """The name of a build's folder in --out: the sheet's, or <sheet>-<V> for one version."""
    return sheet_name(spec_path) + (f"-{version_letter}" if version_letter else "")


def fresh_outputs(spec_path: str | Path, out_dir: str | Path, options: dict) -> bool:
    """True when the build's folder was built from this very spec, options and tool."""
    if not Path(spec_path).is_file():
        return False  # a FIFO or device is not read here (it could block); yamlfile reports it
    try:
        stamp = stamp_of(spec_path, options)
    except OSError:
        return False
    return up_to_date(Path(out_dir) / output_folder(spec_path, options.get("version")), stamp)


# ---- the tool's own folders ---------------------------------------------------------

def made_by_us(folder: Path) -> bool:
    """True when folder is absent or a real folder with our stamp: one a build may replace.
    Anything else (a user's own notes/, a file, a symlink) is never touched."""
    if not os.path.lexists(folder):
        return True
    return folder.is_dir() and not folder.is_symlink() and (folder / STAMP).is_file()


def staging_prefix(name: str, kind: str = "staging") -> str:
    """Name prefix of this process's work folders for a sheet: staging or (for the swap) old."""
    return f".{name}.{kind}-{os.getpid()}-"


def clean_stale(out_dir: Path, name: str) -> None:
    """Removes the work folders of this sheet that builds no longer running left behind
    (killed, or power lost); a previous output set aside by a swap cut short goes back."""
    pattern = re.compile(rf"\.{re.escape(name)}\.(staging|old)-(\d+)-")
    try:
        leftovers = sorted(out_dir.glob(f".{name}.*-*-*"))
    except OSError:
        return
    for path in leftovers:
        match = pattern.match(path.name)
        if not match or is_running(int(match.group(2))):
            continue
        previous, target = path / name, out_dir / name
        if match.group(1) == "old" and previous.is_dir() and not os.path.lexists(target):
            os.replace(previous, target)
        shutil.rmtree(path, ignore_errors=True)


FIGURES_TEMP = "worksheets-figures-"  # + pid: Graphviz's work folders in the system temp folder


def temporary_folder(prefix: str) -> tempfile.TemporaryDirectory:
    """A temporary folder named after this process (prefix + pid), so that one a killed
    process left (SIGKILL skips every cleanup) can be told from one in use."""
    return tempfile.TemporaryDirectory(prefix=f"{prefix}{os.getpid()}-")


def clean_stale_temporary(prefix: str) -> None:
    """Removes the temporary_folder(prefix) folders of processes no longer running."""
    try:
        folders = list(Path(tempfile.gettempdir()).glob(f"{prefix}*-*"))
    except OSError:
        return
    for folder in folders:
        pid = folder.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and not is_running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def is_running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        pass
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A killed worker whose exit nobody has collected yet (in a container, PID 1 may never)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False

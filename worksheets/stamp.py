"""Incremental builds: a sheet is rebuilt only when its spec, the options or the tool change.

The stamp is a hash of the spec's bytes, the command-line options and the source of the
tool itself, stored beside the outputs. Only the standard library is imported here, so a
build with nothing to do costs little more than starting Python.
"""
from __future__ import annotations

import hashlib
import re
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


def stamp_of(spec_path: str | Path, versions: int | None, seed: int | None,
             paper: str | None = None) -> str:
    digest = hashlib.sha256()
    with open(spec_path, "rb") as spec:  # bounded: the path may be /dev/zero or a huge file
        digest.update(spec.read(2_000_000))  # (a spec has at most 1 MB; yamlfile rejects more)
    digest.update(f"versions={versions} seed={seed} tool={tool_fingerprint()}".encode())
    if paper is not None:  # --paper (the stamps of builds without it stay as they were)
        digest.update(f" paper={paper}".encode())
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


def fresh_outputs(spec_path: str | Path, out_dir: str | Path, versions: int | None, seed: int | None,
                  paper: str | None = None) -> bool:
    """True when out_dir/<sheet>/ was built from this very spec, options and tool."""
    if not Path(spec_path).is_file():
        return False  # a FIFO or device is not read here (it could block); yamlfile reports it
    try:
        stamp = stamp_of(spec_path, versions, seed, paper)
    except OSError:
        return False
    return up_to_date(Path(out_dir) / sheet_name(spec_path), stamp)

"""Every file a build writes, byte for byte: a refactor must not change one of them.

tests/data/output-sha256.txt holds the SHA-256 of every file written for specs/*.yaml
(out/) and for quiz-07 with --versions 8 (versions-8/). A deliberate change of the
outputs regenerates it: `python tests/test_output_hashes.py`.
"""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "tests" / "data" / "output-sha256.txt"
SPECS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "specs").glob("*.yaml"))


def build_all(folder: Path) -> dict[str, str]:
    """What `make worksheets` writes, and quiz-07 in 8 versions: path -> SHA-256."""
    def build(*args: str) -> None:
        subprocess.run([sys.executable, "-m", "worksheets", "build", *args, "--force"],
                       check=True, cwd=ROOT, capture_output=True)
    build(*SPECS, "--out", str(folder / "out"))
    build("specs/quiz-07.yaml", "--versions", "8", "--out", str(folder / "versions-8"))
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".build-stamp"}


def recorded() -> dict[str, str]:
    lines = [line.split("  ", 1) for line in RECORD.read_text().splitlines() if not line.startswith("#")]
    return {path: digest for digest, path in lines}


def test_outputs_are_byte_identical_to_the_record(tmp_path):
    built = build_all(tmp_path)
    expected = recorded()
    assert sorted(built) == sorted(expected)
    changed = [path for path in expected if built[path] != expected[path]]
    assert changed == []


if __name__ == "__main__":  # regenerate the record after a deliberate change
    import tempfile
    with tempfile.TemporaryDirectory() as scratch:
        hashes = build_all(Path(scratch))
    header = [line for line in RECORD.read_text().splitlines() if line.startswith("#")]
    RECORD.write_text("\n".join(header + [f"{digest}  {path}" for path, digest in hashes.items()]) + "\n")
    print(f"{len(hashes)} files recorded in {RECORD.relative_to(ROOT)}")

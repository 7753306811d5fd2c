"""Class sets built by worker processes give the same bytes as one process."""
from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from worksheets.build import build_sheet
from worksheets.variants import NoVariant

ROOT = Path(__file__).resolve().parent.parent
QUIZ = ROOT / "specs" / "quiz-07.yaml"


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("versions", [3, 32])  # 32: versions drawn by a pool (from 32 on), version A warmed
def test_processes_give_the_bytes_of_one_process(tmp_path, versions):
    one = build_sheet(QUIZ, tmp_path / "one", versions=versions, seed=11, jobs=1).target
    # In a fresh process: settings left behind by an earlier build must not matter.
    subprocess.run([sys.executable, "-m", "worksheets", "build", str(QUIZ), "--out", str(tmp_path / "two"),
                    "--versions", str(versions), "--seed", "11", "--jobs", "2"], check=True, cwd=ROOT)
    two = tmp_path / "two" / one.name
    again = build_sheet(QUIZ, tmp_path / "again", versions=versions, seed=11, jobs=2).target
    files = tree(one)
    # csv, manifest, all-worksheets, index.html, stamp; per version 4 figures, worksheet, key, answers.json,
    # index.html and answer-regions.json
    assert len(files) == 5 + versions * (4 + 6)
    assert tree(two) == files
    assert tree(again) == files


def test_no_variant_crosses_processes():
    error = pickle.loads(pickle.dumps(NoVariant("no two parts share an answer", 2000)))
    assert (error.rule, str(error)) == ("no two parts share an answer", str(NoVariant("no two parts share an answer", 2000)))

"""Class sets built by worker processes give the same bytes as one process."""
from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from worksheets import classset
from worksheets.build import PackedInstances, Plan, build_sheet
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


def test_versions_laid_out_again_give_the_same_bytes(tmp_path, monkeypatch):
    """Versions past the KEPT of a worker are built and laid out again when written: the
    same files as versions kept laid out, and with large print too."""
    kept = build_sheet(QUIZ, tmp_path / "kept", versions=3, seed=5, jobs=1, large_print=True).target
    monkeypatch.setattr(classset, "KEPT", 1)
    again = build_sheet(QUIZ, tmp_path / "again", versions=3, seed=5, jobs=1, large_print=True).target
    files = tree(kept)
    assert any(name.endswith("B/key-large.pdf") for name in files)
    assert tree(again) == files


def test_each_distinct_instance_is_built_once(monkeypatch):
    """Versions that repeat an instance (a choice among few variants) share its built
    problem; every version's problem is still the one its own instance builds."""
    plan = Plan(QUIZ, versions=8, jobs=1)
    built = []
    build_problem = plan._build_problem
    monkeypatch.setattr(plan, "_build_problem", lambda *args: built.append(args[:2]) or build_problem(*args))
    sheets = [plan.sheet(v) for v in range(plan.count)]
    distinct = {(number, instance.model_dump_json()) for number, versions in enumerate(plan.instances, 1)
                for instance in versions}
    assert len(built) == len(distinct) < 5 * plan.count
    for v, sheet in enumerate(sheets):
        for number, (problem, versions) in enumerate(zip(sheet.problems, plan.instances), 1):
            assert problem == build_problem(number, versions[v], v)  # built again, not from the cache


def test_a_plan_keeps_each_versions_instance_pickled_and_gives_it_back_whole():
    plan = Plan(QUIZ, 6)
    drawn = [plan.instances[p][:] for p in range(len(plan.instances))]  # each version's instance
    for models in drawn:
        packed = PackedInstances(models)
        assert len(packed) == 6
        assert [packed[v] for v in range(6)] == models  # pydantic compares every field
        assert packed[1] is not packed[1]  # each asked-for copy is its own
    assert len({d[0].model_dump_json() for d in drawn[:2]}) == 2  # the problems differ
    # A problem the same in every version is kept once.
    same = PackedInstances([plan.spec.problems[0]] * 3)
    assert len(same._buffer) == len(same.packed(0)) == len(same.packed(2))
    assert same[2] == plan.spec.problems[0]


def test_pickles_joined_in_pieces_as_the_pool_sends_them_give_every_version_back():
    plan = Plan(QUIZ, 6)
    models = plan.instances[0][:]
    pickles = [pickle.dumps(m, pickle.HIGHEST_PROTOCOL) for m in models]
    pieces = [(b"".join(pickles[i:i + 4]), [len(p) for p in pickles[i:i + 4]]) for i in (0, 4)]
    joined = PackedInstances.joined(pieces)
    assert len(joined) == 6
    assert [joined.packed(v) for v in range(6)] == pickles
    assert joined[:] == models and joined[-1] == models[5]
    with pytest.raises(IndexError):
        joined.packed(6)
    joined[2] = models[0]  # a duplicate drawn again
    assert joined[2] == models[0] and joined[3] == models[3]
    assert joined.cycled(2, 5)[:] == [models[0], models[1], models[0], models[1], models[0]]

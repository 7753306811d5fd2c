"""The kind interface: every kind is found, declared the same way, and nothing outside
its own module names it."""
from __future__ import annotations

import importlib
import pkgutil
import re
import typing
from pathlib import Path

from worksheets import problems
from worksheets.build import Plan
from worksheets.kinds import KINDS
from worksheets.problems.kind import Kind
from worksheets.spec import ProblemSpec
from worksheets.variants import problem_keys, problem_versions

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "worksheets"


def test_every_module_that_declares_a_kind_is_registered_under_its_spec_name():
    declared = {}
    for info in pkgutil.iter_modules(problems.__path__):
        module = importlib.import_module(f"worksheets.problems.{info.name}")
        if isinstance(getattr(module, "KIND", None), Kind):
            declared[module.KIND.name] = module.KIND
    assert declared == KINDS and len(KINDS) >= 10
    for name, kind in KINDS.items():
        assert issubclass(kind.spec, ProblemSpec)
        assert typing.get_args(kind.spec.model_fields["kind"].annotation) == (name,)
        assert set(kind.choice_fields) <= set(kind.spec.model_fields)


def test_no_module_outside_a_kind_names_one():
    """A kind's name (as a string) or its module (imported) appears only in its own module."""
    names = "|".join(re.escape(n) for n in sorted(KINDS, key=len, reverse=True))
    modules = "|".join(re.escape(n.replace("-", "_")) for n in KINDS)
    pattern = re.compile(rf"""["']({names})["']|(problems\.|from \.)({modules})\b""")
    kind_files = {PACKAGE / "problems" / f"{name.replace('-', '_')}.py" for name in KINDS}
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        if path in kind_files:
            continue
        code = [line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")]
        found = [line.strip() for line in code if pattern.search(line.split("#")[0])]
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}


def test_variants_and_spec_name_no_kind():
    for module in ("variants.py", "spec.py"):
        assert not re.search(r"local.backprop", (PACKAGE / module).read_text())


def quiz_problem(problem_id: str):
    plan = Plan(ROOT / "specs" / "quiz-07.yaml")
    index = [p.id for p in plan.spec.problems].index(problem_id)
    return plan.spec.problems[index], problem_keys(plan.document.data["problems"])[index]


def test_a_kind_counts_its_variants_when_only_choices_vary():
    path_blank, key = quiz_problem("path-blank")
    kind = KINDS[path_blank.kind]
    assert kind.variant_count(path_blank) == len(path_blank.network.layers) * len(path_blank.target) == 12
    warnings = []
    versions = problem_versions(path_blank, key, 2026, 20, warnings.append)
    distinct = {(str(v.target), tuple(v.network.architecture)) for v in versions}
    assert len(distinct) == 12 and versions[12:] == versions[:8]
    assert warnings == ["only 12 distinct variants exist; versions from M on repeat them in the same order"]
    backprop, _ = quiz_problem("backprop")
    assert KINDS[backprop.kind].variant_count(backprop) is None  # numbers drawn: too many to count


def test_kind_hooks_have_the_defaults_of_a_network_problem():
    backprop = KINDS["backprop"]
    assert (backprop.needs_values, backprop.zero_answers_ok, backprop.choice_fields, backprop.given) == \
        (True, False, (), None)
    assert KINDS["all-gradients-zero"].zero_answers_ok
    assert KINDS["local-backprop"].given is not None

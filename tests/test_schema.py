"""The JSON Schema of the spec format: generated from the models, committed, and right
about the specs it is given."""
from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from worksheets.cli import main
from worksheets.kinds import KINDS
from worksheets.schema import SCHEMA_FILE, schema_text

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / SCHEMA_FILE).read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
README = (ROOT / "README.md").read_text()


def test_the_committed_schema_is_the_generated_one():
    """Regenerate with: python -m worksheets schema > schema/worksheets.schema.json"""
    assert (ROOT / SCHEMA_FILE).read_text() == schema_text()
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_every_key_has_a_description():
    def walk(node, path):
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                if name != "kind":
                    assert prop.get("description") or "$ref" in prop or _ref_in(prop), f"{path}.{name}"
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, path)

    walk(SCHEMA, "$")


def _ref_in(prop: dict) -> bool:
    return any("$ref" in option for option in prop.get("anyOf", []))


SPECS = sorted(ROOT.glob("specs/*.yaml"))
README_SPECS = [block for block in re.findall(r"```yaml\n(.*?)```", README, re.S) if "problems:" in block]


@pytest.mark.parametrize("path", SPECS, ids=[p.name for p in SPECS])
def test_every_sheet_validates_and_names_the_schema(path):
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=../schema/worksheets.schema.json\n")
    assert list(VALIDATOR.iter_errors(yaml.safe_load(text))) == []


@pytest.mark.parametrize("index", range(len(README_SPECS)))
def test_readme_examples_validate(index):
    assert list(VALIDATOR.iter_errors(yaml.safe_load(README_SPECS[index]))) == []


GOOD = "title: t\nproblems:\n  - kind: backprop\n    network: {layers: [2, 1], W1: [[1], [2]], x: [1, 2]}\n" \
       "    ask: [dH/dx_1]\n"
BAD = {
    "unknown key": GOOD.replace("    ask:", "    aks:"),
    "unknown kind": GOOD.replace("kind: backprop", "kind: backprob"),
    "missing title": GOOD.replace("title: t\n", ""),
    "layers as a mapping": GOOD.replace("layers: [2, 1]", "layers: {a: 1}"),
    "a word for a weight": GOOD.replace("W1: [[1], [2]]", "W1: [[one], [2]]"),
    "not a quantity": GOOD.replace("dH/dx_1", "dH/dq"),
    "negative points": GOOD.replace("  - kind: backprop\n", "  - kind: backprop\n    points: -1\n"),
    "paper size": GOOD.replace("title: t\n", "title: t\npaper: a5\n"),
    "no problems": "title: t\nproblems: []\n",
    "graph node of a list": "title: t\nproblems:\n  - kind: graph-backprop\n    graph: {x: [1], f: x * 2}\n"
                            "    ask: [f]\n",
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_specs_are_rejected_by_the_schema_and_the_tool(tmp_path, case):
    assert list(VALIDATOR.iter_errors(yaml.safe_load(BAD[case]))) != []
    spec = tmp_path / "bad.yaml"
    spec.write_text(BAD[case])
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["check", str(spec)]) == 1
    assert list(VALIDATOR.iter_errors(yaml.safe_load(GOOD))) == []


def test_new_writes_a_starter_of_every_kind_that_builds(tmp_path, capsys):
    path = tmp_path / "starter"
    assert main(["new", str(path), "--kinds", ",".join(KINDS)]) == 0
    spec = tmp_path / "starter.yaml"
    text = spec.read_text()
    assert [f"kind: {name}" in text for name in KINDS] == [True] * len(KINDS)
    assert list(VALIDATOR.iter_errors(yaml.safe_load(text))) == []
    assert main(["build", str(spec), "--out", str(tmp_path / "out")]) == 0, capsys.readouterr().err
    answers = json.loads((tmp_path / "out" / "starter" / "answers.json").read_text())
    assert [p["kind"] for p in answers["problems"]] == list(KINDS)
    assert main(["new", str(path)]) == 1  # never overwrites
    assert "exists already" in capsys.readouterr().err

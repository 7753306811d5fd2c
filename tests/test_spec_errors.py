"""Every bad spec gives one line naming file, line and key, and exit status 1."""
import subprocess
import sys

import pytest

from worksheets.cli import main

GOOD = """\
title: Quiz
problems:
  - kind: gradient-size
    network: {layers: [2, 2, 1]}
  - kind: backprop
    network:
      layers: [2, 2, 2, 1]
      W1: [[2, 1], [3, 1]]
      W2: [[2, 1], [0, 1]]
      W3: [[3], [-2]]
      x: [1, 3]
    ask: [dH/dz2_1]
"""

# (name, text replaced in GOOD, its replacement, expected message)
CASES = [
    ("shape", "W2: [[2, 1], [0, 1]]", "W2: [[2, 1], [0, 1], [1, 1]]",
     "bad.yaml:9: problems[1].network.W2: expected a 2×2 matrix for layers [2, 2, 2, 1], got 3×2"),
    ("ragged", "W2: [[2, 1], [0, 1]]", "W2: [[2, 1], [0]]",
     "bad.yaml:9: problems[1].network.W2: expected a 2×2 matrix for layers [2, 2, 2, 1], got rows of different lengths"),
    ("unknown kind", "kind: backprop", "kind: backprp",
     "bad.yaml:5: problems[1]: unknown kind 'backprp' (did you mean 'backprop'?)"),
    ("unknown activation", "      x: [1, 3]", "      x: [1, 3]\n      activation: rleu",
     "bad.yaml:12: problems[1].network.activation: 'rleu' is not one of"),
    ("missing key", "    ask: [dH/dz2_1]\n", "",
     "bad.yaml:5: problems[1].ask: missing required key"),
    ("missing kind", "  - kind: gradient-size\n", "  -\n",
     "bad.yaml:4: problems[0]: missing required key 'kind'"),
    ("missing weights", "      W3: [[3], [-2]]\n", "",
     "bad.yaml:6: problems[1].network.W3: this problem needs the weights W3"),
    ("not a number", "W2: [[2, 1], [0, 1]]", "W2: [[2, 1], [0, one]]",
     "bad.yaml:9: problems[1].network.W2[1][1]: expected a number, got 'one'"),
    ("boolean as number", "x: [1, 3]", "x: [1, true]",
     "bad.yaml:11: problems[1].network.x[1]: expected a number, got True"),
    ("quantity not in network", "ask: [dH/dz2_1]", "ask: [dH/dz2_1, dH/dz4_1]",
     "bad.yaml:12: problems[1].ask[1]: 'dH/dz4_1' does not exist: layers are numbered 1 to 3"),
    ("node not in layer", "ask: [dH/dz2_1]", "ask: [dH/dW2_31]",
     "bad.yaml:12: problems[1].ask[0]: 'dH/dW2_31' does not exist: layer 1 has nodes 1 to 2"),
    ("malformed quantity", "ask: [dH/dz2_1]", "ask: [dH/dq]",
     "bad.yaml:12: problems[1].ask[0]: 'dH/dq' is not a quantity name"),
    ("unknown key", "    ask: [dH/dz2_1]", "    askk: [dH/dz2_1]",
     "bad.yaml:12: problems[1].askk: unknown key (did you mean 'ask'?)"),
    ("yaml syntax", "  - kind: gradient-size", "  - kind: [gradient-size",
     "bad.yaml:3: a [ ... ] list that is not closed or is missing a comma (column 11)"),
    ("zero nodes", "layers: [2, 2, 1]", "layers: [2, 0, 1]",
     "bad.yaml:4: problems[0].network.layers[1]: layer 1 has 0 nodes; each layer needs 1 to 100,000"),
    ("duplicate key", "  - kind: gradient-size\n", "  - kind: gradient-size\n    kind: backprop\n",
     "bad.yaml:4: problems[0].kind: duplicate key 'kind'"),
    ("no title", "title: Quiz\n", "",
     "bad.yaml:1: title: missing required key"),
]


def run_check(tmp_path, text, capsys):
    spec = tmp_path / "bad.yaml"
    spec.write_text(text)
    status = main(["check", str(spec)])
    err = capsys.readouterr().err
    return status, err.replace(str(tmp_path) + "/", "")


@pytest.mark.parametrize("name,old,new,expected", CASES, ids=[c[0] for c in CASES])
def test_bad_spec_gives_one_line(tmp_path, capsys, name, old, new, expected):
    assert old in GOOD
    status, err = run_check(tmp_path, GOOD.replace(old, new, 1), capsys)
    assert status == 1
    assert err.count("\n") == 1, err
    assert err.startswith(expected), err


def test_good_spec_passes(tmp_path, capsys):
    status, err = run_check(tmp_path, GOOD, capsys)
    assert (status, err) == (0, "")


def test_no_traceback_from_the_command_line(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text(GOOD.replace("kind: backprop", "kind: backprp"))
    result = subprocess.run([sys.executable, "-m", "worksheets", "build", str(spec), "--out",
                             str(tmp_path / "out")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "bad").exists()


def test_missing_file(tmp_path, capsys):
    status = main(["check", str(tmp_path / "nope.yaml")])
    assert status == 1
    assert "nope.yaml: cannot read the file" in capsys.readouterr().err

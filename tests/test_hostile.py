"""Hostile and broken specs: every one gets exactly one line on stderr that starts with the
file name, and exit status 1 — never a traceback, a hang or a half-written output.

Explicit cases first (the message of each is asserted), then one subprocess run per class
of case (`python -m worksheets build`, under 2 s each), then a property test that mutates
valid specs thousands of ways."""
from __future__ import annotations

import atexit
import contextlib
import io
import os
import shutil
import string
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from worksheets.cli import main

ROOT = Path(__file__).parent.parent

GOOD = """\
title: Quiz
problems:
  - id: "1"
    kind: gradient-size
    network: {layers: [2, 2, 1]}
  - id: "2"
    kind: backprop
    network:
      layers: [2, 2, 2, 1]
      W1: [[2, 1], [3, 1]]
      W2: [[2, 1], [0, 1]]
      W3: [[3], [-2]]
      x: [1, 3]
    ask: [dH/dz2_1]
"""


def replaced(old: str, new: str) -> str:
    assert GOOD.count(old) == 1, old
    return GOOD.replace(old, new)


def alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for k in range(1, levels):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\ntitle: *a{levels - 1}\nproblems: []\n"


# (name, file content, what stderr must be after "bad.yaml" — a prefix of the rest of the line)
CASES = [
    # YAML itself
    ("syntax error", replaced("  - id: \"1\"", "  - id: [\"1\""),
     ":3: a [ ... ] list that is not closed or is missing a comma (column 9)"),
    ("tab indentation", "title: x\n\tproblems: []\n", ":2: a tab; indent with spaces (column 1)"),
    ("two documents", "title: x\n---\ntitle: y\n", ":2: YAML syntax error: expected a single document"),
    ("alias bomb", alias_bomb(), ":6: the YAML expands to more than 100,000 values (aliases repeated too often?)"),
    ("self-referencing alias", "title: &t [x, *t]\nproblems: []\n", ":1: a YAML alias refers to itself"),
    ("deep nesting", "title: x\nproblems: " + "[" * 50_000 + "]" * 50_000,
     ":2: the YAML nests too deeply (at most 100 levels of lists and mappings)"),
    ("python tag", replaced("x: [1, 3]", "x: !!python/object/apply:os.system [echo hi]"),
     ":13: unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'"),
    ("impossible date", replaced("x: [1, 3]", "x: [2001-13-45, 3]"),
     ":13: cannot read '2001-13-45': month must be in 1..12"),
    ("control character", "title: a\x00b\nproblems: []\n",
     ":1: the file contains the control character U+0000, which YAML does not allow"),
    ("escaped control character", replaced("title: Quiz", 'title: "Quiz\\e[31m"'),
     ":1: title: the text contains the control character U+001B, which cannot be printed"),
    ("number key", replaced("title: Quiz", "title: Quiz\n3: three"),
     ":2: a key must be text, but '3' is read as a number; put it in quotes"),
    ("boolean key", replaced("title: Quiz", "title: Quiz\nyes: no"),
     ":2: a key must be text, but 'yes' is read as true or false; put it in quotes"),
    ("list as a key", replaced("title: Quiz", "title: Quiz\n[a, b]: c"),
     ":2: a key must be text, not a list or mapping"),
    ("duplicate key", replaced("    kind: gradient-size", "    kind: gradient-size\n    kind: backprop"),
     ":5: problems[0].kind: duplicate key 'kind'"),
    # the file as a whole
    ("empty file", "", ":1: the file is empty"),
    ("only a comment", "# nothing here\n", ":1: the file is empty"),
    ("just a string", "just a string\n", ":1: expected a mapping with title: and problems:"),
    ("a list", "- title: x\n", ":1: expected a mapping with title: and problems:"),
    ("null document", "~\n", ":1: expected a mapping with title: and problems:"),
    ("not UTF-8", b"title: caf\xe9\nproblems: []\n",
     ":1: not UTF-8 text (byte 10 is 0xe9); save the file as UTF-8"),
    ("UTF-16", GOOD.encode("utf-16"), ":1: not UTF-8 text (byte 0 is 0xff); save the file as UTF-8"),
    ("binary garbage", bytes(range(256)) * 4, ":2: not UTF-8 text (byte 128 is 0x80); save the file as UTF-8"),
    ("over 1 MB", "title: x\n#" + "a" * 1_000_000 + "\n",
     ": the file is 1,000,011 bytes; a spec may have at most 1,000,000"),
    # numbers
    ("not a number", replaced("x: [1, 3]", "x: [1, three]"),
     ":13: problems[1].network.x[1]: expected a number, got 'three'"),
    ("NaN", replaced("x: [1, 3]", "x: [.nan, 3]"), ":13: problems[1].network.x[0]: expected a finite number, got nan"),
    ("infinity", replaced("x: [1, 3]", "x: [1, .inf]"), ":13: problems[1].network.x[1]: expected a finite number, got inf"),
    ("minus infinity", replaced("x: [1, 3]", "x: [-.inf, 3]"),
     ":13: problems[1].network.x[0]: expected a finite number, got -inf"),
    ("1e400", replaced("x: [1, 3]", "x: [1e400, 3]"),
     ":13: problems[1].network.x[0]: '1e400' is out of range (its exponent is beyond ±30)"),
    ("1e-999999999", replaced("x: [1, 3]", "x: ['1e-999999999', 3]"),
     ":13: problems[1].network.x[0]: '1e-999999999' is out of range (its exponent is beyond ±30)"),
    ("10**30", replaced("x: [1, 3]", f"x: [{10**30}, 3]"),
     f":13: problems[1].network.x[0]: {10**30} is too large (at most 1,000,000 in size)"),
    ("a thousand digits", replaced("x: [1, 3]", "x: [" + "7" * 1000 + ", 3]"),
     ":13: problems[1].network.x[0]: a number with 1,000 digits; spec numbers are at most 1,000,000 in size"),
    ("five thousand digits", replaced("x: [1, 3]", "x: [" + "7" * 5000 + ", 3]"),
     ":13: problems[1].network.x[0]: a number with 5,000 digits; spec numbers are at most 1,000,000 in size"),
    ("too small", replaced("x: [1, 3]", "x: ['1e-9', 3]"),
     ":13: problems[1].network.x[0]: '1e-9' is too small (a nonzero number is at least 1/1,000,000 in size)"),
    ("division by zero", replaced("x: [1, 3]", "x: ['1/0', 3]"),
     ":13: problems[1].network.x[0]: expected a number, got '1/0'"),
    ("boolean as number", replaced("x: [1, 3]", "x: [1, true]"),
     ":13: problems[1].network.x[1]: expected a number, got True"),
    ("null as number", replaced("x: [1, 3]", "x: [1, null]"),
     ":13: problems[1].network.x[1]: expected a number, got None"),
    # layers
    ("zero nodes", replaced("layers: [2, 2, 1]", "layers: [2, 0, 1]"),
     ":5: problems[0].network.layers[1]: layer 1 has 0 nodes; each layer needs 1 to 100,000"),
    ("ten nodes", replaced("layers: [2, 2, 1]", "layers: [2, 10, 1]"),
     ":5: problems[0].network.layers[1]: layer 1 has 10 nodes; a drawn network has 1 to 9 per layer (set figure: false to describe it in words)"),
    ("nine layers", replaced("layers: [2, 2, 1]", "layers: [2, 2, 2, 2, 2, 2, 2, 2, 1]"),
     ":5: problems[0].network.layers: 9 layers; a drawn network has at most 8 (set figure: false to describe it in words)"),
    ("one layer", replaced("layers: [2, 2, 1]", "layers: [2]"),
     ":5: problems[0].network.layers: a network needs at least an input and an output layer"),
    ("layers as a mapping", replaced("layers: [2, 2, 1]", "layers: {input: 2, output: 1}"),
     ":5: problems[0].network.layers: expected a list, got {'input': 2, 'output': 1}"),
    ("layers as text", replaced("layers: [2, 2, 1]", "layers: 2-2-1"),
     ":5: problems[0].network.layers: expected a list, got '2-2-1'"),
    ("layers null", replaced("layers: [2, 2, 1]", "layers: null"),
     ":5: problems[0].network.layers: expected a list, got None"),
    ("fractional node count", replaced("layers: [2, 2, 1]", "layers: [2, 2.5, 1]"),
     ":5: problems[0].network.layers[1]: expected a whole number, got 2.5"),
    ("weights of the wrong shape", replaced("W2: [[2, 1], [0, 1]]", "W2: [[2, 1], [0, 1], [1, 1]]"),
     ":11: problems[1].network.W2: expected a 2×2 matrix for layers [2, 2, 2, 1], got 3×2"),
    ("weights flat", replaced("W2: [[2, 1], [0, 1]]", "W2: [2, 1, 0, 1]"),
     ":11: problems[1].network.W2[0]: expected a list, got 2"),
    # keys
    ("misspelt top key", replaced("title: Quiz", "titel: Quiz"),
     ":1: titel: unknown key (did you mean 'title'?)"),
    ("misspelt problem key", replaced("ask: [dH/dz2_1]", "aks: [dH/dz2_1]"),
     ":14: problems[1].aks: unknown key (did you mean 'ask'?)"),
    ("misspelt network key", replaced("x: [1, 3]", "x: [1, 3]\n      activaton: relu"),
     ":14: problems[1].network.activaton: unknown key (did you mean 'activation'?)"),
    ("misspelt claim key", "title: x\nproblems:\n  - kind: derivative-claims\n    network: {layers: [2, 2, 1]}\n"
     "    claims: [{abuot: dH/dx_1}]\n", ":5: problems[0].claims[0].abuot: unknown key (did you mean 'about'?)"),
    ("misspelt range key", replaced("title: Quiz", "title: Quiz\nrandom: {wieghts: [1, 2]}"),
     ":2: random.wieghts: unknown key (did you mean 'weights'?)"),
    ("misspelt kind", replaced("kind: backprop", "kind: backprp"),
     ":6: problems[1]: unknown kind 'backprp' (did you mean 'backprop'?); kinds: all-gradients-zero"),
    ("misspelt activation", replaced("x: [1, 3]", "x: [1, 3]\n      activation: sigmiod"),
     ":14: problems[1].network.activation: 'sigmiod' is not one of 'relu', 'sigmoid', 'tanh' or 'linear' "
     "(did you mean 'sigmoid'?)"),
    ("kind missing", replaced("    kind: gradient-size\n", ""),
     ":3: problems[0]: missing required key 'kind'"),
    ("title missing", replaced("title: Quiz\n", ""), ":1: title: missing required key"),
    ("duplicate ids", replaced('id: "2"', 'id: 1'), ":6: problems[1].id: duplicate id '1' (also problems[0])"),
    # quantities
    ("layer that does not exist", replaced("ask: [dH/dz2_1]", "ask: [dH/dz4_1]"),
     ":14: problems[1].ask[0]: 'dH/dz4_1' does not exist: layers are numbered 1 to 3"),
    ("node that does not exist", replaced("ask: [dH/dz2_1]", "ask: [dH/dW2_31]"),
     ":14: problems[1].ask[0]: 'dH/dW2_31' does not exist: layer 1 has nodes 1 to 2"),
    ("bias that does not exist", replaced("ask: [dH/dz2_1]", "ask: [dH/db1_1]"),
     ":14: problems[1].ask[0]: 'dH/db1_1' does not exist: the network has no biases (bias: false)"),
    ("malformed quantity", replaced("ask: [dH/dz2_1]", "ask: [dH/dq]"),
     ":14: problems[1].ask[0]: 'dH/dq' is not a quantity name"),
    ("path sum too long", replaced("    network: {layers: [2, 2, 1]}",
                                   "    network: {layers: [2, 9, 9, 9, 1]}")
     .replace("kind: gradient-size", "kind: path-blank\n    target: dH/dx_1"),
     ":3: problems[0]: dH/dx_1 is a sum over 729 paths in layers [2, 9, 9, 9, 1]; at most 64 can be written out"),
    # wrong types everywhere
    ("problems as a mapping", "title: x\nproblems: {kind: backprop}\n",
     ":2: problems: expected a list, got {'kind': 'backprop'}"),
    ("problems null", "title: x\nproblems:\n", ":2: problems: expected a list, got None"),
    ("no problems", "title: x\nproblems: []\n", ":2: problems: expected at least 1 item, got 0"),
    ("problem as text", "title: x\nproblems: [hello]\n", ":2: problems[0]: expected a mapping of keys, got 'hello'"),
    ("network as a list", replaced("network: {layers: [2, 2, 1]}", "network: [2, 2, 1]"),
     ":5: problems[0].network: expected a mapping of keys, got [2, 2, 1]"),
    ("ask as a mapping", replaced("ask: [dH/dz2_1]", "ask: {a: dH/dz2_1}"),
     ":14: problems[1].ask: expected a list, got {'a': 'dH/dz2_1'}"),
    ("title null", replaced("title: Quiz", "title:"), ":1: title: expected text, got None"),
    ("title a list", replaced("title: Quiz", "title: [Quiz]"), ":1: title: expected text, got ['Quiz']"),
    ("title empty", replaced("title: Quiz", "title: ''"), ":1: title: expected text, got an empty value"),
    ("title too long", replaced("title: Quiz", "title: " + "x" * 300),
     ":1: title: 300 characters; at most 200 are allowed"),
    ("negative points", replaced('id: "1"', 'id: "1"\n    points: -1'),
     ":4: problems[0].points: expected a number of at least 0, got -1"),
    ("given matrix for a number", "title: x\nproblems:\n  - kind: local-backprop\n"
     "    network: {layers: [2, 2, 1]}\n    given: {W2: [[1], [2]], z1_1: [[1]], z1_2: 1, dH/dz2_1: 1}\n"
     "    ask: [dH/da1_1]\n", ":5: problems[0].given.z1_1: expected a number, got a list"),
]


def check(path: Path) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(["check", str(path)])
    return status, err.getvalue()


@pytest.mark.parametrize("name,content,expected", CASES, ids=[c[0] for c in CASES])
def test_explicit_case_gives_one_clear_line(tmp_path, name, content, expected):
    spec = tmp_path / "bad.yaml"
    spec.write_bytes(content if isinstance(content, bytes) else content.encode())
    status, err = check(spec)
    assert status == 1, err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith(str(spec) + expected), err
    assert "Traceback" not in err and "internal error" not in err


def test_the_good_spec_is_good(tmp_path):
    spec = tmp_path / "good.yaml"
    spec.write_text(GOOD)
    assert check(spec) == (0, "")


def test_not_a_regular_file(tmp_path):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer
    assert check(fifo) == (1, f"{fifo}: not a regular file\n")
    assert check(Path("/dev/zero")) == (1, "/dev/zero: not a regular file\n")
    assert check(tmp_path) == (1, f"{tmp_path}: cannot read the file: Is a directory\n")


def test_largest_allowed_network_checks(tmp_path):
    """8 layers of 9 nodes: 531,441 paths from an input. The independent check sums paths
    per node (not one by one), so the key of every gradient is checked (in about a second:
    `make bench` times it)."""
    layers = [9, 9, 9, 9, 9, 9, 9, 1]
    weights = "\n".join(f"      W{l}: {[[(i + j + l) % 3 - 1 or 2 for j in range(m)] for i in range(n)]}"
                        for l, (n, m) in enumerate(zip(layers, layers[1:]), start=1))
    spec = tmp_path / "big.yaml"
    spec.write_text(f"title: Big\nproblems:\n  - kind: gradient-table\n    network:\n"
                    f"      layers: {layers}\n{weights}\n      x: {[1] * 9}\n"
                    f"    layers: [6, 7]\n"  # every table would be 604 worked equations: refused
                    f"  - kind: backprop\n    network:\n      layers: {layers}\n{weights}\n"
                    f"      x: {[1] * 9}\n    ask: [dH/dx_1, dH/dW1_11]\n")
    status, err = check(spec)  # 9 nodes a layer: some weight labels are crowded, and said so
    assert status == 0 and all(": warning: the figure's labels of" in line for line in err.splitlines())


def test_saturated_sigmoid_does_not_overflow(tmp_path):
    """z = −10⁶ through a sigmoid: math.exp(10⁶) overflows; the keys must not."""
    spec = tmp_path / "sat.yaml"
    spec.write_text("title: x\nproblems:\n"
                    "  - kind: backprop\n    network: {layers: [2, 2, 1], activation: sigmoid,"
                    " W1: [[1000000, 2], [3, 4]], W2: [[1], [2]], x: [-1000000, 1]}\n"
                    "    ask: [dH/dx_1, dH/dW1_11]\n"
                    "  - kind: local-backprop\n    network: {layers: [2, 2, 1], activation: sigmoid}\n"
                    "    given: {W2: [[1], [2]], z1_1: -1000000, z1_2: 1000000, dH/dz2_1: 1}\n"
                    "    ask: [dH/dz1_1, dH/dW2_21]\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's overflow RuntimeWarning would be a second line
        assert check(spec) == (0, "")


# ---- one subprocess per class of case: the real command line, and fast ---------------

SUBPROCESS_CASES = {
    "yaml-syntax": "syntax error",
    "alias-bomb": "alias bomb",
    "deep-nesting": "deep nesting",
    "over-1-MB": "over 1 MB",
    "non-numeric": "not a number",
    "nan": "NaN",
    "infinite": "infinity",
    "huge-1e400": "1e400",
    "huge-10-30": "10**30",
    "zero-nodes": "zero nodes",
    "ten-nodes": "ten nodes",
    "nine-layers": "nine layers",
    "unknown-key": "misspelt problem key",
    "duplicate-ids": "duplicate ids",
    "missing-quantity": "layer that does not exist",
    "wrong-type": "layers as a mapping",
    "null-value": "problems null",
    "empty-file": "empty file",
    "just-a-string": "just a string",
    "binary-garbage": "binary garbage",
    "non-utf8": "not UTF-8",
}
_BY_NAME = {c[0]: c for c in CASES}


@pytest.mark.parametrize("case", SUBPROCESS_CASES, ids=list(SUBPROCESS_CASES))
def test_command_line_fails_fast_with_one_line(tmp_path, case):
    _, content, expected = _BY_NAME[SUBPROCESS_CASES[case]]
    spec = tmp_path / "bad.yaml"
    spec.write_bytes(content if isinstance(content, bytes) else content.encode())
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "worksheets", "build", str(spec), "--out", str(out)],
                            capture_output=True, text=True, timeout=30, cwd=ROOT)  # a hang fails
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(str(spec) + expected), result.stderr
    assert not (out / "bad").exists()
    assert not out.exists() or not any(out.iterdir())  # no staging folder left behind


# ---- property: thousands of mutated specs -------------------------------------------

# Small valid sheets to mutate: every kind, with and without values, biases, sigmoid.
BASES = [
    {"title": "A", "problems": [
        {"id": "151", "kind": "backprop", "points": 6,
         "network": {"layers": [2, 2, 2, 1], "W1": [[2, 1], [3, 1]], "W2": [[2, 1], [0, 1]],
                     "W3": [[3], [-2]], "x": [1, 3]},
         "ask": ["dH/dz2_1", "dH/da1_2", "dH/dW1_11"]}]},
    {"title": "B", "instructions": "Show your work.", "paper": "a4", "problems": [
        {"kind": "forward", "network": {"layers": [2, 2, 1], "activation": "sigmoid", "bias": True,
                                        "W1": [[1, -1], ["1/2", 2]], "b1": [0, 1], "W2": [[1], [-1]],
                                        "b2": [0.5], "x": [1, -2]},
         "ask": ["z1_1", "a1_2", "H"], "decimals": 2},
        {"kind": "gradient-size", "network": {"layers": [3, 4, 2, 1], "bias": True}, "figure": False}]},
    {"title": "C", "problems": [
        {"kind": "local-backprop", "network": {"layers": [2, 2, 2, 1]},
         "given": {"W2": [[5, 1], [1, 2]], "z1_1": 3, "z1_2": -2, "dH/dz2_1": -3, "dH/dz2_2": 1},
         "ask": ["dH/da1_1", "dH/dz1_2", "dH/dW2_21"]},
        {"kind": "path-blank", "network": {"layers": [2, 2, 2, 1]}, "target": "dH/dW1_12", "blank": [2]}]},
    {"title": "D", "problems": [
        {"kind": "derivative-claims", "network": {"layers": [2, 3, 1]},
         "claims": [{"about": "dH/dx_2", "mistake": "wrong-index"}, {"about": "dH/dW1_12"},
                    {"about": "dH/dz1_3", "mistake": "missing-slope"}]},
        {"kind": "output-saturation", "output": "sigmoid", "H": 1},
        {"kind": "loss-contribution", "H": "1/3", "y": -1}]},
    {"title": "E", "problems": [
        {"kind": "all-gradients-zero", "network": {"layers": [2, 2, 1], "W1": [[5, 0], [-1, 3]],
                                                   "W2": [[3], [-2]], "x": [-2, 3]}},
        {"kind": "gradient-table", "network": {"layers": [2, 2, 1], "activation": "tanh",
                                               "W1": [[1, 2], [3, -1]], "W2": [[2], [-3]], "x": [1, 0]},
         "hints": ["dH/dW1_11"]}]},
]
KEYS = sorted({"title", "instructions", "paper", "problems", "id", "kind", "points", "network",
               "layers", "activation", "output", "bias", "x", "W1", "W2", "W3", "b1", "b2", "ask",
               "decimals", "given", "target", "blank", "claims", "about", "mistake", "H", "y", "hints",
               "figure", "z1_1", "dH/dz2_1", "versions", "seed"})

scalars = st.one_of(
    st.integers(-12, 12), st.sampled_from([0, -1, 10, 10**6, 10**6 + 1, 10**30, -(10**30), 2**63]),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
    st.sampled_from(["relu", "sigmoid", "tanh", "linear", "backprop", "forward", "dH/dz2_1", "dH/dx_1",
                     "dH/dW1_11", "z1_1", "H", "1/3", "1/0", "-0", "1e400", "nan", ".inf", "random",
                     "", " ", "<b>&amp;\"{\\", "é中😀", "x" * 300, "\u2212" + "2"]),
    st.text(max_size=12),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=3)),
    max_leaves=10)


def _paths(data, prefix=()):
    """Every path to a value in the tree (the root too)."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, prefix + (index,))


def _parent(data, path):
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def mutated_specs(draw) -> str:
    data = yaml.safe_load(yaml.safe_dump(draw(st.sampled_from(BASES))))  # a deep copy
    for _ in range(draw(st.integers(0, 3))):
        paths = list(_paths(data))
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "rename", "layers", "add", "duplicate"]))
        if not path:
            if action == "replace":
                data = draw(values)
            continue
        parent, last = _parent(data, path), path[-1]
        if action == "replace":
            parent[last] = draw(values)
        elif action == "delete":
            del parent[last]
        elif action == "rename" and isinstance(parent, dict):
            new = draw(st.sampled_from(KEYS) | st.text(max_size=8)
                       | st.just(str(last)[:-1] + str(last)[-1:] * 2))
            parent[new] = parent.pop(last)
        elif action == "layers":
            parent[last] = draw(st.lists(st.integers(-1, 11), max_size=10))
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS))] = draw(values)
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(parent[last])
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    edit = draw(st.sampled_from(["none", "none", "insert", "truncate", "delete"]))
    if edit != "none" and text:
        where = draw(st.integers(0, len(text)))
        if edit == "insert":
            text = text[:where] + draw(st.text(alphabet=string.printable + "é中😀&*!|>%@`\x00", max_size=6)) \
                + text[where:]
        elif edit == "truncate":
            text = text[:where]
        else:
            text = text[:where] + text[where + draw(st.integers(1, 5)):]
    return text


_SCRATCH = Path(tempfile.mkdtemp(prefix="worksheets-hostile-"))  # (hypothesis and tmp_path do not mix)
atexit.register(shutil.rmtree, _SCRATCH, True)
OUTCOMES: dict[int, int] = {}


@given(mutated_specs())
def test_mutated_specs_pass_or_fail_with_one_line_per_error(text):
    spec = _SCRATCH / "mutant.yaml"
    spec.write_text(text, encoding="utf-8", errors="surrogatepass")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would be a second line on stderr
        status, err = check(spec)
    OUTCOMES[status] = OUTCOMES.get(status, 0) + 1
    if status == 0:
        assert err == ""
    else:
        assert status == 1
        lines = err.splitlines()
        assert 1 <= len(lines) <= 51 and err.endswith("\n"), err  # a line per error, at most 50 and "... more"
        assert all(line.startswith(f"{spec}:") for line in lines), err
        assert len(set(lines)) == len(lines), err  # no error said twice
        assert "internal error" not in err, err


def test_mutations_made_both_good_and_bad_specs():
    """The property above is only worth something if it saw both outcomes, often."""
    examples = settings().max_examples
    if sum(OUTCOMES.values()) < examples // 2:
        pytest.skip("runs after test_mutated_specs_pass_or_fail_with_one_line_per_error")
    assert OUTCOMES[0] > examples // 12 and OUTCOMES[1] > examples // 3, OUTCOMES

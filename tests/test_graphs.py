"""Computational graphs (graph-backprop): parsing, gradients against finite differences,
the independent dual-number check, the figure, bad graphs, and versions."""
from __future__ import annotations

import contextlib
import io
import json
import math
import random
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from worksheets import circuit as circuit_module
from worksheets.circuit import GraphError, parse_graph
from worksheets.cli import main
from worksheets.dual import evaluate as dual_evaluate

ROOT = Path(__file__).resolve().parent.parent

CS231N = """\
title: Circuit
problems:
  - kind: graph-backprop
    graph: {x: -2, y: 5, z: -4, q: x + y, f: q * z}
    output: f
    ask: [q, f, df/dq, df/dx, df/dy, df/dz]
"""


def build(tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    """`worksheets build` of a spec with this text, in this process (the command line's
    own code path; the bad graphs would each pay an interpreter's start-up otherwise)."""
    spec = tmp_path / "graph.yaml"
    spec.write_text(text)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(["build", str(spec), "--out", str(tmp_path / "out")])
    return subprocess.CompletedProcess([], status, "", err.getvalue())


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_cs231n_example_through_spec_answers_and_key(tmp_path):
    result = build(tmp_path, CS231N)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "out" / "graph"
    parts = json.loads((folder / "answers.json").read_text())["problems"][0]["parts"]
    assert [(p["quantity"], p["answer"]) for p in parts] == [
        ("q", 3), ("f", -12), ("df/dq", -4), ("df/dx", -4), ("df/dy", -4), ("df/dz", 3)]
    key = pdf_text(folder / "key.pdf")
    for answer in ("Answer: 3", "Answer: −12", "Answer: −4", "Answer: 3"):
        assert answer in key
    assert "Answer:" not in pdf_text(folder / "worksheet.pdf")
    worksheet_svg = (folder / "figures" / "problem-01.svg").read_text()
    key_svg = (folder / "figures" / "problem-01-key.svg").read_text()
    assert "#b00020" not in worksheet_svg and key_svg.count('fill="#b00020"') == 5  # 4 wires and the output
    assert "&#45;2" in worksheet_svg or "−2" in worksheet_svg  # show: inputs


# ---- gradients of random graphs against central differences ---------------------------

SMOOTH = ["exp({a} / 4)", "sigmoid({a})", "tanh({a})", "log(abs({a}) + 1)", "{a} ** 2", "{a} ** 3",
          "1 / ({a} * {a} + 1)"]
BINARY = ["{a} + {b}", "{a} - {b}", "{a} * {b}", "{a} / ({b} * {b} + 2)", "max({a}, {b})",
          "min({a}, {b})", "2 * {a} - {b} / 3", "relu({a}) + {b}", "abs({a}) * {b}", "-{a} * {b}"]


def random_graph(rng: random.Random) -> dict:
    """Inputs, then nodes built from earlier ones (fan-out is common: any earlier node may
    be used again), nested up to two levels."""
    # Inputs distinct and nonzero, so no max, min, ReLU or |x| sits on its kink
    # (where a derivative is a convention and central differences average the two sides).
    graph = {f"x{i}": Fraction(rng.choice([-1, 1]) * rng.randint(7, 300), 97) for i in range(rng.randint(1, 4))}
    for k in range(rng.randint(2, 6)):
        names = list(graph)

        def term(depth: int) -> str:
            if depth == 0 or rng.random() < 0.3:
                return rng.choice(names)
            if rng.random() < 0.4:
                return "(" + rng.choice(SMOOTH).format(a=term(depth - 1)) + ")"
            return "(" + rng.choice(BINARY).format(a=term(depth - 1), b=term(depth - 1)) + ")"
        graph[f"n{k}"] = rng.choice(BINARY).format(a=term(2), b=term(1))
    return graph


def small_random_graph(rng: random.Random) -> tuple[dict, object]:
    """A random graph that fits a figure (at most 40 gates), and its circuit."""
    while True:
        graph = random_graph(rng)
        try:
            return graph, parse_graph(graph)
        except GraphError as exc:
            assert "more than 40 gates" in str(exc)


@pytest.mark.parametrize("seed", range(40))
def test_backward_pass_matches_central_differences(seed):
    rng = random.Random(seed)
    graph, circuit = small_random_graph(rng)
    output = list(graph)[-1]
    inputs = {name: float(graph[name]) for name in circuit.inputs}
    values = circuit.forward(inputs)
    grads = circuit.backward(values, output)[0]
    for name in circuit.inputs:
        h = 1e-6
        up = circuit.forward({**inputs, name: inputs[name] + h})[output]
        down = circuit.forward({**inputs, name: inputs[name] - h})[output]
        numeric = (up - down) / (2 * h)
        assert math.isclose(grads[name], numeric, rel_tol=1e-4, abs_tol=1e-5), (graph, name)
    # and the independent dual-number evaluation agrees on every named node
    expressions = {n: v for n, v in graph.items() if isinstance(v, str)}
    dual_graph = {**{n: None for n in circuit.inputs}, **expressions}
    for name in circuit.nodes:
        slope = dual_evaluate(dual_graph, inputs, seed=name)[output].slope
        assert math.isclose(grads[name], slope, rel_tol=1e-9, abs_tol=1e-12), (graph, name)


def test_rational_gates_are_exact():
    circuit = parse_graph({"a": Fraction(1, 3), "b": Fraction(2), "c": "a / b - 1 / (a + b)", "d": "c * c"})
    values = circuit.forward({"a": Fraction(1, 3), "b": Fraction(2)})
    assert values["c"] == Fraction(1, 6) - Fraction(3, 7)
    grads = circuit.backward(values, "d")[0]
    assert isinstance(grads["a"], Fraction) and circuit.exact and not circuit.integral


def test_fan_out_gradients_add_and_ties_go_to_the_first_argument():
    circuit = parse_graph({"x": 3, "y": 3, "m": "max(x, y)", "f": "m * x"})
    values = circuit.forward({"x": Fraction(3), "y": Fraction(3)})
    grads = circuit.backward(values, "f")[0]
    assert (grads["x"], grads["y"]) == (6, 0)  # x: 3 through m (the tie's first argument) + 3 directly


def test_a_node_of_several_operations_is_a_chain_of_gates_named_on_its_last_wire():
    circuit = parse_graph({"w": 1, "x": 2, "f": "sigmoid(w * x + 1)"})
    assert [g.op for g in circuit.gates] == ["mul", "addc", "sigmoid"]
    assert [g.out for g in circuit.gates][-1] == "f" and circuit.gates[0].out.startswith("~")


def test_the_dual_check_catches_a_wrong_local_gradient(tmp_path, monkeypatch):
    monkeypatch.setitem(circuit_module._LOCAL, "mul", lambda g, out, a, b: (b, a + 1))
    result = build(tmp_path, CS231N)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "part (f): the key failed its independent check: df/dz: the backward pass gives 4, " \
        "the forward-mode derivative gives 3" in result.stderr


# ---- bad graphs: one clear line, exit 1 ---------------------------------------------------

def graph_spec(graph: str, ask: str = "[f]") -> str:
    return f"title: Bad\nproblems:\n  - kind: graph-backprop\n    graph: {graph}\n    ask: {ask}\n"


BAD = {
    "unknown function": ('{x: 1, f: "foo(x)"}', "unknown function 'foo'"),
    "used before defined": ('{x: 1, f: "x * g", g: "x + 1"}', "'g' is used before it is defined"),
    "cycle": ('{x: 1, f: "f + x"}', "a node cannot use itself"),
    "eval trick": ('{x: 1, f: "__import__(\'os\').system(\'true\') + x"}', "unknown function"),
    "attribute": ('{x: 1, f: "x.real + 1"}', "unsupported construct: Attribute"),
    "division by zero": ('{x: 0, f: "1 / x"}', "division by zero at the given values"),
    "log of a negative": ('{x: -1, f: "log(x)"}', "at the given values"),
    "500 gates": ("{x: 1, " + ", ".join(f'n{k}: "x + x * x + x * x + x * x + x"' for k in range(56)) + "}",
                  "more than 40 gates"),
    "string constant": ('{x: 1, f: "x + \'a\'"}', "'a' is not a number"),
    "no operation": ('{x: 1, f: "x"}', "needs at least one operation"),
    "two numbers": ('{x: 1, f: "2 * 3 + x * 0"}', "an operation on two numbers"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_graph_gives_one_clear_line(tmp_path, case):
    graph, expected = BAD[case]
    result = build(tmp_path, graph_spec(graph, "[x]" if case == "500 gates" else "[f]"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr
    assert ".yaml:" in result.stderr.split(" ")[0]
    assert not (tmp_path / "out" / "graph").exists()


def test_bad_ask_names_the_choices(tmp_path):
    result = build(tmp_path, graph_spec('{x: 1, f: "x * 2"}', "[dg/dx]"))
    assert result.returncode == 1 and "neither a node nor df/d<node>" in result.stderr


def test_parse_errors_name_the_node():
    with pytest.raises(GraphError) as error:
        parse_graph({"x": 1, "q": "x +", "f": "q"})
    assert error.value.node == "q"


# ---- the sheet of four problems, in versions ---------------------------------------------

def test_graphs_sheet_builds_four_versions_that_keep_the_rules(tmp_path):
    result = subprocess.run([sys.executable, "-m", "worksheets", "build", "specs/graphs.yaml", "--out",
                             str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "graphs"
    versions = [json.loads((folder / v / "answers.json").read_text()) for v in "ABCD"]
    circuit = [[p["answer"] for p in version["problems"][0]["parts"]] for version in versions]
    assert len({tuple(c) for c in circuit}) == 4  # distinct
    for answers in circuit:  # q, f, df/dq, df/dx, df/dy, df/dz: integers, the add gate's gradients equal
        assert all(isinstance(a, int) for a in answers) and answers[2] == answers[3] == answers[4] != 0
    neuron = [p for p in versions[0]["problems"][3]["parts"]]
    assert all(p.get("decimals") == 2 for p in neuron)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["problems"][0]["parameters"]["A"]["given"]) == {"x", "y", "z"}


def test_a_worksheet_figure_never_shows_an_asked_value(tmp_path):
    result = build(tmp_path, "title: t\nproblems:\n  - kind: graph-backprop\n    graph: {x: 2, y: 3, q: x * y, "
                             "f: q + 5}\n    show: values\n    ask: [f, df/dx]\n")
    assert result.returncode == 0, result.stderr
    figures = tmp_path / "out" / "graph" / "figures"
    worksheet, key = (figures / "problem-01.svg").read_text(), (figures / "problem-01-key.svg").read_text()
    assert ">q = 6<" in worksheet and ">f<" in worksheet and ">f = 11<" not in worksheet  # f is asked
    assert ">f = 11<" in key

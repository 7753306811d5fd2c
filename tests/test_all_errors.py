"""Every mistake of a spec in one run, one line each, in the order of the file."""
from __future__ import annotations

import contextlib
import io

from worksheets.cli import main

FIVE_MISTAKES = """\
title: Five mistakes
problems:
  - kind: backprop
    network:
      layers: [2, 2, 1]
      W1: [[1, 2], [3]]
      W2: [[1], [2]]
      x: [1, 2]
    aks: [dH/dx_1]
  - kind: forwrd
    network: {layers: [2, 1]}
  - kind: gradient-size
    network: {layers: [2, 12, 1]}
  - kind: loss-contribution
    H: 1
    y: abc
"""


def check(tmp_path, text: str, *extra: str) -> tuple[int, list[str]]:
    spec = tmp_path / "q.yaml"
    spec.write_text(text)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(["check", str(spec), *extra])
    return status, [line.removeprefix(f"{spec}:") for line in err.getvalue().splitlines()]


def test_five_distinct_mistakes_print_five_lines_in_file_order(tmp_path):
    status, lines = check(tmp_path, FIVE_MISTAKES)
    assert status == 1
    assert lines == [
        "6: problems[0].network.W1: expected a 2×2 matrix for layers [2, 2, 1], got rows of different lengths",
        "9: problems[0].aks: unknown key (did you mean 'ask'?)",
        "10: problems[1]: unknown kind 'forwrd' (did you mean 'forward'?); kinds: all-gradients-zero, backprop, "
        "derivative-claims, forward, gd-step, gradient-size, gradient-table, graph-backprop, local-backprop, "
        "loss-contribution, matrix-backprop, output-saturation, path-blank",
        "13: problems[2].network.layers[1]: layer 1 has 12 nodes; a drawn network has 1 to 9 per layer "
        "(set figure: false to describe it in words)",
        "16: problems[3].y: expected a number, got 'abc'",
    ]


def test_a_flat_list_for_a_matrix_is_one_mistake(tmp_path):
    status, lines = check(tmp_path, "title: t\nproblems:\n  - kind: backprop\n    network: {layers: [2, 2, 1], "
                                    "W1: [1, 2, 3, 4], W2: [[1], [2]], x: [1, 2]}\n    ask: [dH/dx_1]\n")
    assert status == 1 and lines == ["4: problems[0].network.W1[0]: expected a list, got 1"]


def test_a_sheets_random_ranges_are_reported_once(tmp_path):
    status, lines = check(tmp_path, "title: t\nrandom: {weights: [3, -3]}\nproblems:\n"
                                    + "  - kind: backprop\n    network: {layers: [2, 1]}\n    ask: [dH/dx_1]\n" * 3)
    assert status == 1 and lines == ["2: random.weights: expected [low, high] with low <= high, got [3, -3]"]


def test_problems_that_cannot_be_drawn_are_all_reported(tmp_path):
    text = ("title: t\nversions: 3\nrandom: {weights: [3, 3], inputs: [3, 3], max_value: 2}\nproblems:\n"
            "  - kind: backprop\n    network: {layers: [2, 2, 1]}\n    ask: [dH/dx_1]\n"
            "  - kind: forward\n    network: {layers: [2, 1]}\n    ask: [H]\n")
    status, lines = check(tmp_path, text)
    assert status == 1 and [line.split(":")[0:2] for line in lines] == [["5", " problems[0]"], ["8", " problems[1]"]]
    assert all("every value a student computes is at most 2 in size" in line for line in lines)


def test_yaml_slips_in_plain_words_with_line_and_column(tmp_path):
    assert check(tmp_path, "title: x\nproblems:\n  - kind: backprop\n   ask: [a]\n")[1] == [
        "4: bad indentation: this line is indented more than the lines it belongs with (column 4)"]
    assert check(tmp_path, "title: x\nproblems:\n  - kind: a\n    ask: [a\n")[1] == [
        "4: a [ ... ] list that is not closed or is missing a comma (column 10)"]
    assert check(tmp_path, 'title: "x\nproblems: []\n')[1] == ["1: a quote that is never closed (column 8)"]


def test_a_key_known_elsewhere_gets_the_keys_of_its_own_mapping(tmp_path):
    text = ("title: t\nproblems:\n  - kind: forward\n"
            "    network: {layers: [1, 1], activation: relu, weights: [[[2]]], x: [1]}\n    ask: [H]\n")
    # `weights` is a key of random:, not of a network: no "did you mean 'weights'?"
    assert check(tmp_path, text)[1] == ["4: problems[0].network.weights: unknown key (keys here: activation, "
                                        "bias, l2, layers, loss, output, reduce, x, y, W1…W7, b1…b7)"]


def test_own_math_that_cannot_be_typeset_names_its_line_and_key(tmp_path):
    network = "    network: {layers: [1, 1], activation: relu, W1: [[2]], x: [1]}\n"
    text = ("title: t\nproblems:\n"
            "  - kind: forward\n    intro: 'The network $\\foo{x}$ in the figure.'\n" + network + "    ask: [H]\n"
            "  - kind: forward\n    prompts: ['$x$', 'what is $\\frac{1}{$?']\n" + network + "    ask: [H, z1_1]\n")
    status, lines = check(tmp_path, text)
    assert status == 1 and lines == [
        "4: problems[0].intro: cannot typeset the math $\\foo{x}$ (an unknown command or unbalanced braces?)",
        "8: problems[1].prompts[1]: cannot typeset the math $\\frac{1}{$ (an unknown command or unbalanced braces?)"]
    double = "title: t\nproblems:\n  - kind: forward\n    intro: 'Here $$ x $$.'\n" + network + "    ask: [H]\n"
    assert check(tmp_path, double)[1] == [
        "4: problems[0].intro: $$ is not supported: math goes between single dollars, $...$ (write \\$ for a dollar sign)"]

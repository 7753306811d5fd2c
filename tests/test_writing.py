"""Writing a sheet without reading the source: realistic sizes for networks not drawn,
values asked beside derivatives, own wording, and no silent surprises."""
from __future__ import annotations

import contextlib
import io
import json
import subprocess
from pathlib import Path

import pytest

from worksheets.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def build(tmp_path: Path, text: str, *options: str) -> tuple[int, str, Path]:
    spec = tmp_path / "sheet.yaml"
    spec.write_text(text)
    status, out, err = run("build", str(spec), "--out", str(tmp_path / "out"), *options)
    return status, err, tmp_path / "out" / "sheet"


def answers(folder: Path) -> list:
    return [p for problem in json.loads((folder / "answers.json").read_text())["problems"] for p in problem["parts"]]


def test_the_classic_parameter_count_of_a_network_described_in_words(tmp_path):
    status, err, folder = build(tmp_path, "title: t\nproblems:\n  - kind: gradient-size\n"
                                          "    network: {layers: [784, 128, 64, 10], bias: true}\n    figure: false\n")
    assert status == 0, err
    assert answers(folder)[0]["answer"] == 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10 == 109_386
    text = subprocess.run(["pdftotext", str(folder / "worksheet.pdf"), "-"], capture_output=True, text=True).stdout
    assert "784 input features, 128 nodes in the first hidden layer, 64" in text


@pytest.mark.parametrize("spec, expected", [
    ("  - kind: gradient-size\n    network: {layers: [784, 128, 10]}\n",
     "problems[0].network.layers[0]: layer 0 has 784 nodes; a drawn network has 1 to 9 per layer "
     "(set figure: false to describe it in words)"),
    ("  - kind: backprop\n    network: {layers: [2, 12, 1]}\n    ask: [dH/dx_1]\n",
     "problems[0].network.layers[1]: layer 1 has 12 nodes; a drawn network has 1 to 9 per layer"),
    ("  - kind: gradient-size\n    network: {layers: [2, 200000, 1]}\n    figure: false\n",
     "problems[0].network.layers[1]: layer 1 has 200,000 nodes; each layer needs 1 to 100,000"),
    ("  - kind: gradient-size\n    network: {layers: " + str([2] * 21) + "}\n    figure: false\n",
     "problems[0].network.layers: 21 layers; at most 20 are supported"),
])
def test_drawn_networks_keep_the_page_limit_and_say_how_to_lift_it(tmp_path, spec, expected):
    path = tmp_path / "s.yaml"
    path.write_text("title: t\nproblems:\n" + spec)
    status, _, err = run("check", str(path))
    assert status == 1 and err.split(": ", 1)[1] == expected + "\n"


def test_twenty_layers_described_in_words(tmp_path):
    layers = [3] + [2] * 18 + [1]
    status, err, folder = build(tmp_path, "title: t\nproblems:\n  - kind: gradient-size\n"
                                          f"    network: {{layers: {layers}}}\n    figure: false\n")
    assert status == 0, err
    assert answers(folder)[0]["answer"] == 3 * 2 + 17 * 4 + 2


def test_backprop_asks_values_beside_derivatives(tmp_path):
    status, err, folder = build(tmp_path, "title: t\nproblems:\n  - kind: backprop\n    network: {layers: [2, 2, 1], "
                                          "W1: [[2, 1], [-1, 3]], W2: [[3], [-2]], x: [1, 2]}\n"
                                          "    ask: [z1_2, H, dH/dW1_11, dH/dx_2]\n")
    assert status == 0, err
    # z1 = (2·1 − 1·2, 1·1 + 3·2) = (0, 7); a1 = (0, 7); H = 3·0 − 2·7 = −14; ReLU′(0) = 0
    assert [(p["quantity"], p["answer"]) for p in answers(folder)] == [
        ("z1_2", 7), ("H", -14), ("dH/dW1_11", 0), ("dH/dx_2", 3 * 0 * -1 + -2 * 1 * 3)]
    svg = (folder / "figures" / "problem-01.svg").read_text()
    assert ">7<" not in svg and "&#45;14" not in svg  # the figure does not give the values away


def test_backprop_refuses_values_that_are_given(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("title: t\nproblems:\n  - kind: backprop\n    network: {layers: [2, 1], W1: [[1], [2]], "
                    "x: [1, 2]}\n    ask: [x_1]\n")
    status, _, err = run("check", str(path))
    assert status == 1 and "'x_1' is given in the figure; ask for z, a or H values" in err


# ---- no silent surprises --------------------------------------------------------------

RANDOM_SHEET = """\
title: t
versions: 3
random: {weights: [-3, 3], inputs: [-2, 3]}
problems:
  - kind: backprop
    network: {layers: [2, 2, 1], W1: random, x: random}
    ask: [dH/dx_1]
  - kind: gradient-size
    network: {layers: [2, 3, 1]}
"""


def test_a_forgotten_weight_and_a_problem_alike_in_every_version_are_reported(tmp_path):
    status, err, folder = build(tmp_path, RANDOM_SHEET)
    assert status == 0
    spec = tmp_path / "sheet.yaml"
    assert err.splitlines() == [
        f"{spec}:5: problems[0]: warning: W2 not given: drawn from the random ranges (write `random` to say so, "
        "or give the numbers)",
        f"{spec}:8: problems[1]: warning: nothing in this problem is random: it is the same in every version"]
    status, err, _ = build(tmp_path, RANDOM_SHEET.replace("W1: random,", "W1: random, W2: random,"), "--force")
    assert "W2 not given" not in err


def test_every_build_says_what_it_did_in_one_line(tmp_path):
    spec = tmp_path / "sheet.yaml"
    spec.write_text(RANDOM_SHEET.replace("x: random}", "x: random, W2: random}"))
    out = tmp_path / "out"
    target = out / "sheet"
    assert run("build", str(spec), "--out", str(out))[1] == f"built {target}: 3 versions, 7 PDFs\n"
    assert run("build", str(spec), "--out", str(out))[1] == f"unchanged {target}\n"
    assert run("build", str(spec), "--out", str(out), "--seed", "7", "--versions", "2")[1] == \
        f"built {target}: 2 versions, 5 PDFs (it replaces the build of seed 0, versions 3)\n"
    assert json.loads((target / "manifest.json").read_text())["seed"] == 7
    single = tmp_path / "single.yaml"
    single.write_text("title: t\nproblems:\n  - kind: gradient-size\n    network: {layers: [2, 1]}\n")
    assert run("build", str(single), "--out", str(out))[1] == f"built {out / 'single'}: 2 PDFs\n"


# ---- own wording, and random where nothing is drawn ---------------------------------------

OWN = """\
title: t
problems:
  - kind: backprop
    intro: "A start-up prices houses with the network in the figure; each unit of $x_1$ costs \\\\$5."
    prompts: ["How fast does the price $H$ change with $z^{(1)}_1$?", "And with the first input?"]
    network: {layers: [2, 2, 1], W1: [[2, 1], [-1, 3]], W2: [[3], [-2]], x: [1, 2]}
    ask: [dH/dz1_1, dH/dx_1]
  - kind: gradient-table
    prompts: ["Fill in the first layer's table.", "And the second's."]
    network: {layers: [2, 2, 1], W1: [[2, 1], [-1, 3]], W2: [[3], [-2]], x: [1, 2]}
"""


def test_own_wording_replaces_the_text_and_keeps_what_is_computed(tmp_path):
    status, err, folder = build(tmp_path, OWN)
    assert status == 0, err
    text = subprocess.run(["pdftotext", str(folder / "key.pdf"), "-"], capture_output=True, text=True).stdout
    words = " ".join(text.split())
    assert "A start-up prices houses with the network in the figure; each unit of" in words
    assert "costs $5." in words and "Consider the neural network" not in words.split("Problem 2")[0]
    assert "How fast does the price" in words and "And with the first input?" in words
    assert "Fill in the first layer's table." in words and "And the second's." in words
    plain = "\n".join(line for line in OWN.splitlines() if "intro:" not in line and "prompts:" not in line)
    (tmp_path / "plain").mkdir()
    status, err, plain_folder = build(tmp_path / "plain", plain + "\n")
    assert answers(folder) == answers(plain_folder)  # the answers are computed as without the wording
    # z1 = (0, 7): ReLU'(0) = 0, so dH/dz1_1 = 0 and dH/dx_1 = 1·(−2)·1 = −2
    assert [p["answer"] for p in answers(folder)][:2] == [0, -2]
    assert (folder / "figures" / "problem-01.svg").read_bytes() == (plain_folder / "figures" / "problem-01.svg").read_bytes()


def test_own_wording_mistakes_are_spec_errors(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(OWN.replace('"And the second\'s."', '"And the second\'s.", "A third?"')
                    .replace("each unit of $x_1$", "each unit of $x_1"))
    status, _, err = run("check", str(path))
    assert status == 1
    assert err.splitlines() == [f"{path}:4: problems[0].intro: a $ that opens math is never closed "
                                "(write \\$ for a dollar sign)"]
    path.write_text(OWN.replace('"And the second\'s."', '"And the second\'s.", "A third?"'))
    status, _, err = run("check", str(path))
    assert status == 1 and err == f"{path}:9: problems[1].prompts: 3 prompts for 2 parts; give one per part\n"


def test_random_where_nothing_is_drawn_says_so(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("title: t\nrandom: {inputs: [1, 3]}\nproblems:\n  - kind: loss-contribution\n"
                    "    H: random\n    y: 1\n  - kind: output-saturation\n    output: sigmoid\n    H: random\n")
    status, _, err = run("check", str(path))
    message = ("random is not supported here; give a number (random is for a network's weights, biases and "
               "input, a graph's inputs and given values)")
    assert status == 1 and err.splitlines() == [f"{path}:5: problems[0].H: {message}",
                                                f"{path}:9: problems[1].H: {message}"]


# ---- the command line ---------------------------------------------------------------------

def test_only_one_file_of_each_version(tmp_path):
    spec = tmp_path / "sheet.yaml"
    spec.write_text(RANDOM_SHEET.replace("x: random}", "x: random, W2: random}"))
    out = tmp_path / "out"
    assert run("build", str(spec), "--out", str(out), "--only", "key")[1] == f"built {out / 'sheet'}: 3 versions, 3 PDFs\n"
    assert sorted(p.name for p in (out / "sheet").iterdir()) == [".build-stamp", "A", "B", "C", "manifest.json"]
    assert [p.name for p in (out / "sheet" / "B").iterdir()] == ["key.pdf"]
    run("build", str(spec), "--out", str(out), "--only", "answers")
    assert sorted(p.name for p in (out / "sheet").iterdir()) == [".build-stamp", "A", "B", "C", "answers.csv",
                                                                 "manifest.json"]
    assert [p.name for p in (out / "sheet" / "A").iterdir()] == ["answers.json"]


def test_one_version_is_the_one_of_the_whole_set(tmp_path):
    spec = tmp_path / "sheet.yaml"
    spec.write_text(RANDOM_SHEET.replace("x: random}", "x: random, W2: random}"))
    out = tmp_path / "out"
    run("build", str(spec), "--out", str(out))
    status, printed, _ = run("build", str(spec), "--out", str(out), "--version-letter", "B")
    assert status == 0 and printed == f"built {out / 'sheet-B'}: version B of 3, 2 PDFs\n"
    single, whole = out / "sheet-B", out / "sheet" / "B"
    assert (single / "answers.json").read_text() == (whole / "answers.json").read_text()
    assert (single / "key.pdf").read_bytes() == (whole / "key.pdf").read_bytes()  # same numbers, same layout
    assert (out / "sheet" / "A" / "key.pdf").is_file()  # the whole set is left as it was
    status, _, err = run("build", str(spec), "--out", str(out), "--version-letter", "D")
    assert status == 1 and err == f"{spec}: there is no version 'D' (versions: A, B, C)\n"


@pytest.mark.parametrize("argv, message", [
    (["--seed", "abc"], "--seed must be a whole number, got 'abc'"),
    (["--only", "figures"], "--only must be one of 'worksheet', 'key', 'answers', got 'figures'"),
    (["--version-letter", "b2"], "--version-letter must be a version letter such as A or AB, got 'b2'"),
])
def test_option_mistakes_in_plain_words(argv, message, capsys):
    with pytest.raises(SystemExit) as exit:
        main(["build", "x.yaml", *argv])
    assert exit.value.code == 2
    assert capsys.readouterr().err == f"worksheets build: {message} (see worksheets build --help)\n"


def test_version_prints_the_tool_version(capsys):
    from worksheets import __version__
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out == f"worksheets {__version__}\n"

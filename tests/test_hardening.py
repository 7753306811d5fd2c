"""The second round of hardening (issue 10): wrong keys, refused valid specs, hangs, lost
folders, one clean line. Each test reproduces one reported failure."""
from __future__ import annotations

import contextlib
import io
import json
from fractions import Fraction
from pathlib import Path

import pytest

from worksheets import precise
from worksheets.build import check_sheet
from worksheets.cli import main
from worksheets.network import Network
from worksheets.quantities import parse


def write(tmp_path: Path, text: str, name: str = "sheet.yaml") -> Path:
    spec = tmp_path / name
    spec.write_text(text)
    return spec


def run(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, err.getvalue()


def only_part(spec: Path):
    return check_sheet(spec)[0].problems[0].parts[0]


def zero_problem(activation: str, weight, x) -> str:
    return (f"title: T\nproblems:\n  - kind: all-gradients-zero\n    network:\n"
            f"      layers: [1, 1, 1]\n      activation: {activation}\n      output: {activation}\n"
            f"      W1: [[{weight}]]\n      W2: [[{weight}]]\n      x: [{x}]\n")


# ---- 1. all-gradients-zero decides zero exactly ---------------------------------------

@pytest.mark.parametrize("weight", [20, 40, 1000, 1000000])
def test_saturated_sigmoid_gradients_are_not_zero(tmp_path, weight):
    """σ′(40·σ(40)) is about 4e-18: float64 computes σ(1 − σ) as 1.0·0.0, the key said True."""
    part = only_part(write(tmp_path, zero_problem("sigmoid", weight, 1)))
    assert part.answer.value is False


def test_a_tiny_gradient_is_printed_with_significant_digits(tmp_path):
    part = only_part(write(tmp_path, zero_problem("sigmoid", 20, 1)))
    equation = [b.latex for b in part.solution if hasattr(b, "latex")][0]
    # σ′(20 σ(20)) = e^-z / (1 + e^-z)² with z = 20 σ(20) ≈ 19.99999996: about 2.061e-9
    assert r"2.061 \times 10^{-9} \neq 0" in equation
    assert "0.000" not in equation


def test_tanh_of_exactly_zero_gives_zero_gradients(tmp_path):
    """tanh(0) = 0 exactly, so with x = 0 every gradient is exactly zero: True."""
    assert only_part(write(tmp_path, zero_problem("tanh", 3, 0))).answer.value is True


def test_relu_network_with_dead_units_is_still_true(tmp_path):
    assert only_part(write(tmp_path, zero_problem("relu", -2, 1))).answer.value is True


def test_precise_values_never_underflow():
    net = Network((1, 1, 1), "sigmoid", "sigmoid", ((( Fraction(10**6),),), ((Fraction(10**6),),)),
                  None, (Fraction(10**6),))
    value = precise.derivative(net, parse("dH/dW2_11"))
    assert value > 0 and value.adjusted() == -434295  # e^-1000000 is about 3.3e-434295
    assert float(value) == 0.0  # what any float engine would say


def test_mirror_image_paths_cancel_to_exactly_zero():
    """Two hidden sigmoid nodes with the same input and opposite output weights: the two
    paths from W1_11 cancel exactly, although neither has a zero factor."""
    one = Fraction(1)
    net = Network((1, 1, 2, 1), "sigmoid", "linear", (((one,),), ((one, one),), ((one,), (-one,))),
                  None, (Fraction(3),))
    assert precise.derivative(net, parse("dH/dW1_11")) == 0
    assert precise.derivative(net, parse("dH/dW3_11")) != 0


# ---- 2. derivative-claims: a symbolic claim is checked symbolically --------------------

def claims_spec(layers, activation, claims) -> str:
    return json.dumps({"title": "T", "problems": [{"kind": "derivative-claims", "network": {
        "layers": layers, "activation": activation}, "claims": claims}]})


@pytest.mark.parametrize("layers,about,mistake", [([3, 2, 2, 1], "dH/dW1_32", "dropped-term"),
                                                  ([2, 3, 2, 1], "dH/dx_1", "wrong-index")])
def test_reported_claims_are_accepted_and_false(tmp_path, layers, about, mistake):
    spec = write(tmp_path, claims_spec(layers, "relu", [{"about": about, "mistake": mistake}]))
    assert run("check", str(spec)) == (0, "")
    assert only_part(spec).answer.value is False


def _derivatives(layers: list[int]) -> list[str]:
    names = [f"dH/dx_{i}" for i in range(1, layers[0] + 1)]
    for l in range(1, len(layers)):
        names += [f"dH/dW{l}_{i}{j}" for i in range(1, layers[l - 1] + 1) for j in range(1, layers[l] + 1)]
        names += [f"dH/d{s}{l}_{j}" for s in "za" for j in range(1, layers[l] + 1)]
    return names


@pytest.mark.parametrize("layers,activation", [([3, 2, 2, 1], "relu"), ([2, 3, 2, 1], "relu"),
                                               ([2, 2, 2, 2, 1], "relu"), ([2, 2, 2, 1], "sigmoid"),
                                               ([2, 2, 2, 1], "linear")])
def test_every_possible_claim_gets_the_right_answer(layers, activation):
    """Every quantity with every mistake the spec allows: the true claim is True, each
    mistake False, and none is refused (on random ReLU networks a quarter to two thirds
    of the mistakes agreed with the engine and were refused)."""
    from worksheets.problems import derivative_claims
    net = Network(tuple(layers), activation)
    for about in _derivatives(layers):
        q = parse(about)
        claims = [{"about": about}] + [{"about": about, "mistake": m} for m in
                                       ("dropped-term", "wrong-index", "missing-slope")
                                       if derivative_claims.mistaken(net, q, m) is not None]
        spec = derivative_claims.Spec.model_validate(json.loads(claims_spec(layers, activation, claims))
                                                     ["problems"][0])
        answers = [part.answer.value for part in derivative_claims.build(spec, 1).parts]
        assert answers == [True] + [False] * (len(claims) - 1), about


def test_terms_compare_as_multisets():
    from worksheets.paths import PathSum, path_sum
    from worksheets.problems import symbolic
    net = Network((2, 2, 2, 1))
    q = parse("dH/dW1_11")
    right = path_sum(net, q)
    reordered = PathSum(right.prefix[::-1], tuple(term[::-1] for term in reversed(right.terms)))
    assert symbolic.same_terms(net, q, reordered)
    doubled = PathSum(right.prefix, right.terms + right.terms[:1])
    assert not symbolic.same_terms(net, q, doubled)
    assert not symbolic.same_terms(net, q, PathSum((), right.terms))


# ---- 3. no hang, no memory blow-up, no numpy warnings ----------------------------------

def saturation(h: str) -> str:
    return f"title: T\nproblems:\n  - kind: output-saturation\n    output: sigmoid\n    H: \"{h}\"\n"


def ranged(span: str) -> str:
    return (f"title: T\nversions: 2\nrandom: {{weights: {span}}}\nproblems:\n  - kind: backprop\n"
            f"    network: {{layers: [2, 2, 1]}}\n    ask: [dH/dx_1]\n")


@pytest.mark.parametrize("text,expected", [
    (saturation("1e3_0_0_0_0_0_0_0_0"), ":5: problems[0].H: expected a number, got '1e3_0_0_0_0_0_0_0_0'"),
    (saturation("1e9_999_999"), ":5: problems[0].H: expected a number, got '1e9_999_999'"),
    (ranged("[-1000000000, 1000000000]"),
     ":3: random.weights: expected numbers at most 1,000,000 in size, got [-1000000000, 1000000000]"),
    (ranged(f"[{10**45}, {10**45 + 1}]"), ":3: random.weights: expected numbers at most 1,000,000 in size"),
    (ranged(f"[{2**70}, {2**70}]"), ":3: random.weights: expected numbers at most 1,000,000 in size"),
])
def test_huge_numbers_are_refused_with_one_line(tmp_path, text, expected):
    import subprocess
    import sys
    spec = write(tmp_path, text)
    result = subprocess.run([sys.executable, "-m", "worksheets", "check", str(spec)], capture_output=True,
                            text=True, timeout=30)  # generous: only a hang fails here
    assert result.returncode == 1
    assert result.stderr.startswith(str(spec) + expected) and result.stderr.count("\n") == 1, result.stderr


def test_a_range_of_two_million_is_drawn_without_listing_it():
    """The k-th integer of the range is computed: the same draws as indexing a list of
    the range without 0, which is what the generator did (and must still do)."""
    import numpy as np

    from worksheets.randomness import integers as _integers
    for span in [(-3, 3), (1, 4), (-5, -2), (0, 0), (0, 3), (-1_000_000, 1_000_000)]:
        for nonzero in (False, True):
            listed = [v for v in range(span[0], span[1] + 1) if not (nonzero and v == 0)] or [0]
            if len(listed) < 100:
                expected = np.array(listed)[np.random.default_rng(7).integers(len(listed), size=(3, 4))]
                assert _integers(np.random.default_rng(7), span, (3, 4), nonzero) == expected.tolist()
            drawn = _integers(np.random.default_rng(1), span, (50,), nonzero)
            assert all(span[0] <= v <= span[1] and not (nonzero and v == 0 and span != (0, 0)) for v in drawn)


# ---- 7. good-problem rules on the numbers as printed -----------------------------------

TANH_VERSIONS = """\
title: T
versions: 40
random: {weights: [-3, 3], inputs: [-3, 3]}
problems:
  - kind: backprop
    network: {layers: [2, 2, 2, 1], activation: tanh, output: tanh}
    ask: [dH/dW1_11, dH/dW1_21, dH/dx_1, dH/dz1_2]
  - kind: gradient-table
    network: {layers: [2, 2, 1], activation: tanh, output: tanh}
"""


def test_no_printed_zero_and_no_printed_twins(tmp_path):
    """With tanh and 3 decimals, a quarter of the versions printed an answer 0.000 and
    many printed two parts alike: the rules looked at the unrounded values."""
    sheets = check_sheet(write(tmp_path, TANH_VERSIONS))
    assert len(sheets) == 40
    for sheet in sheets:
        backprop, table = sheet.problems
        printed = [part.answer.latex for part in backprop.parts]
        assert all(part.answer.value != 0 for part in backprop.parts), printed
        assert len(set(printed)) == len(printed), printed
        entries = [v for part in table.parts for row in part.answer.value for v in row if v is not None]
        assert entries and 0 not in entries


# ---- 4. only the tool's own folders are replaced ---------------------------------------

SMALL = "title: T\nproblems:\n  - kind: gradient-size\n    network: {layers: [2, 2, 1]}\n"


def test_a_users_folder_of_the_same_name_is_left_alone(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, SMALL, "notes.yaml")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("mine")
    status, err = run("build", "notes.yaml", "--out", ".")
    assert status == 1
    assert err == ("notes.yaml: the output folder notes exists and was not made by worksheets (no "
                   ".build-stamp in it); it is left alone: move it away or choose another --out\n")
    assert [p.name for p in (tmp_path / "notes").iterdir()] == ["todo.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes", "notes.yaml"]  # no staging left


def test_the_tools_own_folder_is_replaced(tmp_path):
    spec = write(tmp_path, SMALL, "notes.yaml")
    out = tmp_path / "out"
    assert run("build", str(spec), "--out", str(out)) == (0, "")
    (out / "notes" / "stray.txt").write_text("x")  # inside our folder: replaced with it
    assert run("build", str(spec), "--out", str(out), "--force") == (0, "")
    assert not (out / "notes" / "stray.txt").exists()
    assert sorted(p.name for p in out.iterdir()) == ["notes"]


def test_two_specs_for_one_folder_build_neither(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("a b.yaml", "a-b.yaml", "c.yaml"):
        write(tmp_path, SMALL, name)
    status, err = run("build", "a b.yaml", "a-b.yaml", "c.yaml", "c.yaml", "--out", "out")
    assert status == 1
    assert err.splitlines() == [
        "a b.yaml: its output folder out/a-b is also the folder of 'a-b.yaml'; neither is built: rename one of them",
        "a-b.yaml: its output folder out/a-b is also the folder of 'a b.yaml'; neither is built: rename one of them"]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["c"]  # the same file twice is built once


# ---- 9. one clean line ---------------------------------------------------------------------

def test_control_characters_are_escaped(tmp_path):
    spec = write(tmp_path, 'title: T\nproblems:\n  - kind: gradient-size\n    "a\\rb\\u0007": 1\n'
                 '    network: {layers: [2, 2, 1]}\n', "bad\n\x1b[31m.yaml")
    status, err = run("check", str(spec))
    shown = str(spec).replace("\n", "\\n").replace("\x1b", "\\x1b")
    assert (status, err) == (1, f"{shown}:3: problems[0]: the text contains the control character U+0007, "
                                "which cannot be printed\n")
    spec.write_text('title: T\nproblems:\n  - kind: gradient-size\n    "a\\rb": 1\n'
                    '    network: {layers: [2, 2, 1]}\n')
    status, err = run("check", str(spec))
    assert status == 1 and err.startswith(f"{shown}:4: problems[0].a\\rb: unknown key (keys here: ")
    assert err.count("\n") == 1 and "\r" not in err


@pytest.mark.parametrize("argv,expected", [
    (["build", "--bogus", "x.yaml"], "worksheets: unrecognized arguments: --bogus (see worksheets --help)"),
    (["build", "--versions", "0", "x.yaml"],
     "worksheets build: --versions must be 1 to 10000, got 0 (see worksheets build --help)"),
    (["build", "--seed", "many", "x.yaml"],
     "worksheets build: --seed must be a whole number, got 'many' (see worksheets build --help)"),
    ([], "worksheets: the following arguments are required: command (see worksheets --help)"),
])
def test_a_bad_option_is_one_line(argv, expected):
    with pytest.raises(SystemExit) as stopped:
        run(*argv)
    assert stopped.value.code == 2
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit):
        main(argv)
    assert err.getvalue() == expected + "\n"


# ---- 10. the stamp is of the bytes that were built ---------------------------------------

def test_a_spec_edited_during_the_build_is_rebuilt_next_time(tmp_path, monkeypatch):
    from worksheets import build as build_module
    from worksheets.stamp import fresh_outputs
    spec = write(tmp_path, SMALL)
    out = tmp_path / "out"
    plan_init = build_module.Plan.__init__

    def edited_meanwhile(self, *args, **kwargs):
        plan_init(self, *args, **kwargs)
        spec.write_text(SMALL.replace("title: T", "title: Edited"))  # saved while the PDFs are made
    monkeypatch.setattr(build_module.Plan, "__init__", edited_meanwhile)
    assert run("build", str(spec), "--out", str(out)) == (0, "")
    monkeypatch.setattr(build_module.Plan, "__init__", plan_init)
    assert not fresh_outputs(spec, out, {})  # the outputs are of the old text
    spec.write_text(SMALL)
    assert fresh_outputs(spec, out, {})


# ---- 11. no formulas in answers.csv ------------------------------------------------------

def test_csv_cells_that_would_be_formulas_are_quoted(tmp_path):
    from worksheets.output.answers import answers_csv_from_files
    answers = {"sheet": "s", "version": "A", "problems": [
        {"number": 1, "id": '=HYPERLINK("http://x","y")', "parts": [
            {"label": "a", "quantity": "dH/dx_1", "answer": -3},
            {"label": "b", "quantity": "dH/dx_2", "answer": -0.125}]},
        {"number": 2, "id": "-3", "parts": [{"label": "a", "quantity": "q", "answer": "+cmd|' /C calc'!A0"}]},
        {"number": 3, "id": "@SUM(A1)", "parts": [{"label": "a", "quantity": "\tq", "answer": True}]}]}
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    rows = answers_csv_from_files([path]).decode().splitlines()
    assert rows[1:] == ['A,1,"\'=HYPERLINK(""http://x"",""y"")",a,dH/dx_1,,-3,,',
                        "A,1,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",b,dH/dx_2,,-0.125,,",
                        "A,2,-3,a,q,,'+cmd|' /C calc'!A0,,",
                        "A,3,'@SUM(A1),a,'\tq,,true,,"]  # (no entry, exact or tolerance given: empty cells)


# ---- 8. page counts from a PDF library -------------------------------------------------

@pytest.mark.parametrize("title", ["/Type /Pages /Count 2", "<< /Type /Pages /Count none >>"])
def test_page_counts_are_not_read_from_the_text(tmp_path, title):
    from pypdf import PdfReader
    spec = write(tmp_path, f"title: \"{title}\"\nversions: 2\nproblems:\n  - kind: forward\n"
                           "    network: {layers: [2, 2, 1], W1: random, W2: random, x: random}\n"
                           "    random: {weights: [-3, 3], inputs: [-3, 3]}\n    ask: [H]\n")
    out = tmp_path / "out"
    assert run("build", str(spec), "--out", str(out)) == (0, "")
    pages = [len(PdfReader(out / "sheet" / v / "worksheet.pdf").pages) for v in "AB"]
    joined = len(PdfReader(out / "sheet" / "all-worksheets.pdf").pages)
    assert joined == sum(n + n % 2 for n in pages)  # each version padded to an even count


# ---- 6 and 12. refused by check and build alike, with one line, before any slow work -----

def gradient_table(architecture, weight, **keys) -> str:
    layers = architecture
    network = {"layers": layers, "activation": "linear",
               "x": [weight] * layers[0]}
    for l, (n, m) in enumerate(zip(layers, layers[1:]), start=1):
        network[f"W{l}"] = [[weight if (i + j) % 3 else -weight for j in range(m)] for i in range(n)]
    return json.dumps({"title": "T", "problems": [{"kind": "gradient-table", "network": network, **keys}]})


@pytest.mark.parametrize("text,expected", [
    (gradient_table([1, 9, 1, 1, 1, 1, 1], 10**6),
     ":1: problems[0]: the table of dH/dW1 is too wide to print (9 columns of numbers up to 38 characters long)"),
    (gradient_table([1, 1, 1], 1, layers=[1] * 27), ":1: problems[0].layers[1]: layer 1 is listed twice"),
    (gradient_table([9, 9, 9, 9, 9, 9, 9, 1], 1),
     ":1: problems[0]: the key would work out 604 chain-rule equations for these tables (at most 120"),
    (json.dumps({"title": "T", "instructions": "a" * 900_000, "problems": [
        {"kind": "gradient-size", "network": {"layers": [2, 2, 1]}}]}),
     ":1: instructions: 900,000 characters; at most 5000 are allowed"),
])
def test_check_and_build_refuse_alike(tmp_path, text, expected):
    import subprocess
    import sys
    spec = write(tmp_path, text)
    for command in (["check"], ["build", "--out", str(tmp_path / "out")]):
        result = subprocess.run([sys.executable, "-m", "worksheets", *command, str(spec)], capture_output=True,
                                text=True, timeout=30)  # generous: only a hang fails here
        assert result.returncode == 1
        assert result.stderr.startswith(str(spec) + expected) and result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_the_widest_table_that_passes_is_printed(tmp_path):
    """Just inside the width estimate: the renderer lays it out (no negative widths)."""
    spec = write(tmp_path, gradient_table([1, 9, 1], 100))  # 1000 is refused
    assert run("build", str(spec), "--out", str(tmp_path / "out")) == (0, "")


# ---- 13. right-to-left text is refused rather than printed reversed -----------------------

@pytest.mark.parametrize("title,shown", [("שלום", "U+05E9 HEBREW LETTER SHIN"), ("مرحبا", "U+0645 ARABIC LETTER MEEM"),
                                         ("a\u202eb", "U+202E RIGHT-TO-LEFT OVERRIDE")])
def test_right_to_left_text_is_refused(tmp_path, title, shown):
    spec = write(tmp_path, SMALL.replace("title: T", f"title: \"{title}\""))
    assert run("check", str(spec)) == (1, f"{spec}:1: title: the text contains right-to-left writing ({shown}), "
                                          "which the PDFs cannot print yet (it would come out reversed and unjoined)\n")


def test_other_scripts_still_print(tmp_path):
    spec = write(tmp_path, SMALL.replace("title: T", "title: \"Übung — 练习 — Упражнение ✓\""))
    assert run("check", str(spec)) == (0, "")


# ---- check and build agree on every spec ------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def network_problems(draw) -> dict:
    layers = draw(st.lists(st.integers(1, 9), min_size=2, max_size=5).map(lambda ls: ls[:-1] + [1]))
    weight = st.sampled_from([1, -2, 3, "1/3", 0, 10**6, -(10**6), "1e-6"])
    network = {"layers": layers, "activation": draw(st.sampled_from(["relu", "sigmoid", "tanh", "linear"])),
               "output": draw(st.sampled_from(["linear", "sigmoid", "relu"])),
               "x": [draw(weight) for _ in range(layers[0])]}
    for l, (n, m) in enumerate(zip(layers, layers[1:]), start=1):
        network[f"W{l}"] = [[draw(weight) for _ in range(m)] for _ in range(n)]
    kind = draw(st.sampled_from(["gradient-table", "backprop", "all-gradients-zero", "forward"]))
    problem = {"kind": kind, "network": network}
    if kind in ("backprop", "forward"):
        problem["ask"] = ["dH/dx_1" if kind == "backprop" else "H"]
    if kind == "gradient-table" and draw(st.booleans()):
        problem["layers"] = draw(st.lists(st.integers(1, len(layers) - 1), min_size=1, max_size=3))
    return {"title": "T", "problems": [problem]}


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(sheet=network_problems())
def test_check_and_build_agree(sheet):
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        spec = write(Path(folder), json.dumps(sheet))
        checked, check_err = run("check", str(spec))
        built, build_err = run("build", str(spec), "--out", str(Path(folder) / "out"))
        assert (checked, check_err) == (built, build_err)
        assert "internal error" not in build_err

"""What a build writes: text printed as typed, folders only inside --out, nothing
half-written, and PDFs that printers accept (every font embedded, qpdf --check clean)."""
from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from worksheets import build as build_module
from worksheets.build import sheet_name
from worksheets.cli import main

ROOT = Path(__file__).parent.parent
SPECS = sorted((ROOT / "specs").glob("*.yaml"))

SMALL = """\
title: Small
problems:
  - kind: gradient-size
    network: {layers: [2, 2, 1]}
  - kind: backprop
    network: {layers: [2, 1], W1: [[2], [-1]], x: [1, 3]}
    ask: [dH/dx_1]
"""


def run(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, err.getvalue()


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---- text is data, not markup ------------------------------------------------------

TITLE = 'Quiz <b>&amp; "7" {x} \\n café 中文 😀'
LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3  # wider than a line
INSTRUCTIONS = f"Write <i>g</i> & h; \"quotes\" {{braces}} back\\slash ünïcødé 中文 😀 👍 {LONG_WORD} end."
PROBLEM_ID = '<id>&"{\\}é中😀'


def test_free_text_prints_as_typed(tmp_path):
    spec = tmp_path / "text.yaml"
    spec.write_text(json.dumps({  # JSON is YAML: every string exactly as typed
        "title": TITLE, "instructions": INSTRUCTIONS,
        "problems": [{"id": PROBLEM_ID, "kind": "gradient-size", "network": {"layers": [2, 2, 1]}}]},
        ensure_ascii=False))
    assert run("build", str(spec), "--out", str(tmp_path / "out")) == (0, "")
    folder = tmp_path / "out" / "text"
    for name in ("worksheet.pdf", "key.pdf"):
        text = pdf_text(folder / name)
        joined = "".join(text.split())  # long words are cut across lines; spaces vary
        for typed in (TITLE, INSTRUCTIONS, f"(#{PROBLEM_ID})"):
            assert "".join(typed.split()) in joined, (name, typed)
        assert text.count(TITLE) >= 2  # the heading and the footer of each page
        assert LONG_WORD not in text  # cut to the line width, not running off the page
        check_pdf(folder / name)
    answers = json.loads((folder / "answers.json").read_text())
    assert answers["problems"][0]["id"] == PROBLEM_ID


def test_text_no_font_can_print_is_one_clear_line(tmp_path):
    spec = tmp_path / "private.yaml"
    spec.write_text('title: "Quiz \\ue000"\nproblems:\n  - kind: gradient-size\n    network: {layers: [2, 1]}\n')
    status, err = run("build", str(spec), "--out", str(tmp_path / "out"))
    assert status == 1
    assert err == (f"{spec}: no installed font can print '\\ue000' (U+E000); install the Debian packages "
                   "fonts-dejavu-core, fonts-droid-fallback, fonts-symbola or leave it out\n")
    assert not (tmp_path / "out" / "private").exists()


@pytest.mark.parametrize("escape", ["\\0", "\\e", "\\x07", "\\ud800"])
def test_control_characters_are_refused(tmp_path, escape):
    spec = tmp_path / "ctrl.yaml"
    spec.write_text(f'title: Quiz\ninstructions: "a{escape}b"\nproblems:\n'
                    '  - kind: gradient-size\n    network: {layers: [2, 1]}\n')
    status, err = run("check", str(spec))
    code = {"\\0": "0000", "\\e": "001B", "\\x07": "0007", "\\ud800": "D800"}[escape]
    assert (status, err) == (1, f"{spec}:2: instructions: the text contains the control character "
                                f"U+{code}, which cannot be printed\n")


# ---- output folders come from the file name, inside --out ---------------------------

@pytest.mark.parametrize("path,name", [
    ("../../evil.yaml", "evil"), ("a b&c.yaml", "a-b-c"), (".hidden.yaml", "hidden"),
    ("..yaml", "sheet"), ("/etc/passwd", "passwd"), ("é中😀.yaml", "sheet"), ("-.-.yaml", "sheet"),
    ("quiz.07.final.yaml", "quiz-07-final"), ("x" * 300 + ".yaml", "x" * 80),
])
def test_sheet_names_are_safe(path, name):
    assert sheet_name(path) == name


@pytest.mark.parametrize("filename,folder", [
    ("evil.yaml", "evil"), ("a b&c.yaml", "a-b-c"), (".hidden.yaml", "hidden"), ("y" * 250 + ".yaml", "y" * 80),
])
def test_outputs_stay_inside_the_output_folder(tmp_path, monkeypatch, filename, folder):
    deep = tmp_path / "work" / "deeper"
    deep.mkdir(parents=True)
    (tmp_path / filename).write_text(SMALL)
    monkeypatch.chdir(deep)
    before = {p for p in tmp_path.rglob("*")}
    assert run("build", f"../../{filename}", "--out", "out") == (0, "")
    written = {p for p in tmp_path.rglob("*")} - before
    out = deep / "out"
    assert written and all(p == out or out in p.parents for p in written), sorted(map(str, written))
    assert sorted(p.name for p in out.iterdir()) == [folder]
    assert {"answers.json", "key.pdf", "worksheet.pdf"} <= set(tree(out / folder))


# ---- nothing half-written -----------------------------------------------------------

@pytest.fixture
def good_build(tmp_path):
    spec = tmp_path / "good.yaml"
    spec.write_text(SMALL)
    out = tmp_path / "out"
    assert run("build", str(spec), "--out", str(out)) == (0, "")
    return spec, out, tree(out / "good")


def assert_untouched(out: Path, before: dict) -> None:
    assert tree(out / "good") == before  # byte-identical
    assert sorted(p.name for p in out.iterdir()) == ["good"]  # no staging folder left


def test_failing_renderer_leaves_the_previous_outputs(good_build, monkeypatch):
    spec, out, before = good_build
    from worksheets import output

    def key_files(*args, **kwargs):
        raise RuntimeError("renderer crashed halfway")
    monkeypatch.setitem(output.FORMATS, "key", key_files)  # the worksheet is made, then the key fails
    status, err = run("build", str(spec), "--out", str(out), "--force")
    assert status == 1
    assert err == (f"{spec}: internal error (RuntimeError: renderer crashed halfway); please report it\n")
    assert_untouched(out, before)


def test_a_full_disk_in_a_worker_process_is_said_as_the_build_says_it(tmp_path, monkeypatch):
    spec = tmp_path / "good.yaml"
    spec.write_text(SMALL + "versions: 4\n")
    out = tmp_path / "out"
    original = build_module.Staging.write

    def write(self, relative, data):  # (the workers are forked: they write through this too)
        if relative.startswith("D/"):
            raise OSError(28, "No space left on device", str(self.root / relative))
        original(self, relative, data)
    monkeypatch.setattr(build_module.Staging, "write", write)
    status, err = run("build", str(spec), "--out", str(out), "--jobs", "2")
    assert status == 1
    assert err.startswith(f"{spec}: cannot write the outputs: {out}/.good.") and \
        err.endswith("/D/worksheet.pdf: No space left on device\n"), err
    assert sorted(p.name for p in out.iterdir()) == []  # no staging folder left


def test_failing_write_midway_leaves_the_previous_outputs(good_build, monkeypatch):
    spec, out, before = good_build
    written = []
    original = build_module.Staging.write

    def write(self, relative, data):
        if len(written) == 2:
            raise OSError(28, "No space left on device", str(self.root / relative))
        written.append(relative)
        original(self, relative, data)
    monkeypatch.setattr(build_module.Staging, "write", write)
    status, err = run("build", str(spec), "--out", str(out), "--force")
    assert status == 1 and len(written) == 2
    assert err.startswith(f"{spec}: cannot write the outputs: {out}/.good.") and \
        err.endswith(": No space left on device\n"), err
    assert_untouched(out, before)


def test_interrupted_build_leaves_the_previous_outputs(good_build, monkeypatch):
    spec, out, before = good_build
    original = build_module.Staging.write

    def write(self, relative, data):
        original(self, relative, data)
        raise KeyboardInterrupt  # Ctrl-C after the first file
    monkeypatch.setattr(build_module.Staging, "write", write)
    with pytest.raises(KeyboardInterrupt):
        main(["build", str(spec), "--out", str(out), "--force"])
    assert_untouched(out, before)


def test_bad_spec_between_good_ones(tmp_path):
    for name in ("good", "good2"):
        (tmp_path / f"{name}.yaml").write_text(SMALL)
    (tmp_path / "bad.yaml").write_text(SMALL.replace("layers: [2, 2, 1]", "layers: [2, 0, 1]"))
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "worksheets", "build", "good.yaml", "bad.yaml", "good2.yaml",
                             "--out", str(out)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == ("bad.yaml:4: problems[0].network.layers[1]: layer 1 has 0 nodes; "
                             "each layer needs 1 to 100,000\n")
    assert sorted(p.name for p in out.iterdir()) == ["good", "good2"]
    for name in ("good", "good2"):
        assert {"answers.json", "key.pdf", "worksheet.pdf", "figures/problem-01.svg"} <= set(tree(out / name))


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_worksheets_fails_when_a_sheet_fails(tmp_path):
    (tmp_path / "good.yaml").write_text(SMALL)
    (tmp_path / "bad.yaml").write_text("title: [\n")
    # -o: use the installed .venv as it is (never reinstall during a test)
    result = subprocess.run(["make", "-o", ".venv/.installed", "worksheets",
                             f"SPECS={tmp_path / 'good.yaml'} {tmp_path / 'bad.yaml'}", f"OUT={tmp_path / 'out'}",
                             f"PY={sys.executable}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert f"{tmp_path / 'bad.yaml'}:2: YAML syntax error" in result.stderr
    assert (tmp_path / "out" / "good" / "key.pdf").is_file()


# ---- PDFs that printers accept --------------------------------------------------------

EMBEDDABLE = ("LiberationSerif", "DejaVuSerif", "DejaVuSans", "DroidSansFallback", "Symbola")


def check_pdf(path: Path) -> None:
    """Every font embedded (and one of ours: no Helvetica), and qpdf finds no error."""
    for font in pdf_fonts(path):
        assert font["emb"] == "yes", f"{path}: not embedded: {font}"
        assert font["name"].split("+", 1)[-1].startswith(EMBEDDABLE), f"{path}: {font}"
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout


def pdf_fonts(path: Path) -> list[dict]:
    """pdffonts' table, cut at the columns its dashed line marks."""
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    header, dashes, rows = lines[0], lines[1], lines[2:]
    spans, start = [], 0
    for width in map(len, dashes.split(" ")):
        spans.append((start, start + width))
        start += width + 1
    names = [header[a:b].strip() for a, b in spans]
    fonts = [{n: row[a:b].strip() for n, (a, b) in zip(names, spans)} for row in rows]
    assert fonts and all(font["name"] for font in fonts), lines
    return fonts


@pytest.fixture(scope="module")
def built_specs(tmp_path_factory):
    out = tmp_path_factory.mktemp("specs")
    status, err = run("build", *map(str, SPECS), "--out", str(out))
    # quiz-07's claims come in two architectures, so versions C and D repeat A and B: said so
    assert status == 0 and err == f"{ROOT / 'specs' / 'quiz-07.yaml'}:55: problems[4]: warning: only 2 distinct variants exist; " \
        "versions from C on repeat them in the same order\n"
    return out


def test_every_pdf_of_every_sheet_is_printable(built_specs):
    pdfs = sorted(built_specs.rglob("*.pdf"))
    names = {str(p.relative_to(built_specs)) for p in pdfs}
    assert {"backprop-practice/worksheet.pdf", "backprop-practice/key.pdf",
            "quiz-07/A/worksheet.pdf", "quiz-07/A/key.pdf", "quiz-07/all-worksheets.pdf"} <= names
    for pdf in pdfs:
        check_pdf(pdf)
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
        assert "Helvetica" not in fonts and "Times" not in fonts


class _ClosedPipe(io.StringIO):
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")


def test_a_reader_gone_from_stdout_is_no_failure_of_the_build(tmp_path, monkeypatch):
    # `worksheets build ... | head -0`: the outputs are written; only the summary line is lost
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        assert main(["build", str(ROOT / "specs" / "backprop-practice.yaml"), "--out", str(tmp_path)]) == 0
    assert "cannot write" not in stderr.getvalue()
    assert (tmp_path / "backprop-practice" / "key.pdf").read_bytes().startswith(b"%PDF")

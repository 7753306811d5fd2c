"""Formulas composed from cached atoms: the splitter, TeX's spacing, and the PDF ink."""
import pytest

from worksheets.document import Answer, AnswerSpace, DisplayMath, Math, Part, Problem, Sheet, para
from worksheets.output.pdf import key_pdf
from worksheets.typeset import mathtext
from worksheets.typeset.fonts import REGULAR
from worksheets.typeset.inline import TEXT_SIZE, Styled, _broken
from worksheets.typeset.mathsplit import matrix_cells, resolve_unary, space_mu, split

SOLUTION = (r"\dfrac{{\partial} H}{{\partial} z^{(2)}_{2}} = \dfrac{{\partial} H}{{\partial} "
            r"a^{(2)}_{2}} \cdot g'(z^{(2)}_{2}) = 3 \cdot g'(11) = 3 \cdot 1 = 3")


def kinds(latex):
    return [(a.kind, a.source) for a in resolve_unary(split(latex))]


def test_a_formula_splits_into_tex_atoms_at_its_top_level():
    assert kinds(r"z^{(1)}_{1} = 1(-2) + (-3)(1) = -5") == [
        ("ord", "z^{(1)}_{1}"), ("rel", "="), ("ord", "1"), ("open", "("), ("ord", "-"),
        ("ord", "2"), ("close", ")"), ("bin", "+"), ("open", "("), ("ord", "-"), ("ord", "3"),
        ("close", ")"), ("open", "("), ("ord", "1"), ("close", ")"), ("rel", "="), ("ord", "-"),
        ("ord", "5")]
    assert kinds(r"\sum_k W_{1k} \dfrac{a}{b}, \qquad \text{ReLU}(x) \approx 0.25") == [
        ("op", r"\sum_k"), ("ord", "W_{1k}"), ("ord", r"\dfrac{a}{b}"), ("punct", ","),
        ("space", "36"), ("ord", r"\text{ReLU}"), ("open", "("), ("ord", "x"), ("close", ")"),
        ("rel", r"\approx"), ("ord", "0.25")]


def test_groups_delimited_pairs_and_environments_stay_whole():
    assert kinds(r"x_1\, g'(z) \left( a + \blank{12em} \right)") == [
        ("ord", "x_1"), ("space", "3"), ("ord", "g'"), ("open", "("), ("ord", "z"),
        ("close", ")"), ("inner", r"\left( a + \blank{12em} \right)")]
    assert kinds(r"\begin{pmatrix} 1 & -2 \\ 3 & 4 \end{pmatrix}") == [
        ("inner", r"\begin{pmatrix} 1 & -2 \\ 3 & 4 \end{pmatrix}")]
    assert matrix_cells(r"\begin{bmatrix} 1 & -2 \\ 3 & {4} \\ \end{bmatrix}") == (
        "bmatrix", [[" 1 ", " -2 "], [" 3 ", " {4} "]])


@pytest.mark.parametrize("latex", [r"\notacommand x", r"\frac{1", "x^", "a & b", r"x \big( y"])
def test_what_the_splitter_does_not_know_is_left_to_ziamath(latex):
    assert split(latex) is None


def test_composed_formulas_match_ziamath_in_size():
    for latex, display in ((SOLUTION, True), (r"W^{(\ell)} = \ell - 1", False),
                           (r"H(\vec x) = \sum_k W_{k}", True)):
        composed = mathtext.typeset(latex, 11, display)
        whole = mathtext._whole(latex, 11.0, display)
        assert composed.ascent == pytest.approx(whole.ascent, abs=0.5)
        assert composed.descent == pytest.approx(whole.descent, abs=0.5)
        # TeX spaces a bit tighter than ziamath around fractions and operators
        assert 0.85 * whole.width < composed.width <= whole.width + 1


def test_a_new_version_of_a_formula_typesets_only_its_new_atoms(monkeypatch):
    mathtext._atom.cache_clear()  # other tests may have typeset the new numbers already
    mathtext._stretch_pieces.cache_clear()
    mathtext._typeset.cache_clear()
    mathtext.typeset(SOLUTION, 11, True)
    calls = []
    whole = mathtext._whole
    monkeypatch.setattr(mathtext, "_whole", lambda *a: calls.append(a[0]) or whole(*a))
    mathtext.typeset(SOLUTION.replace("g'(11)", "g'(-17)").replace("= 3", "= 8"), 11, True)
    assert sorted(calls) == ["17", "8"]


def test_matrices_are_laid_out_from_their_cells():
    small = mathtext.typeset(r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", 11)
    tall = mathtext.typeset(r"\begin{pmatrix} 1 \\ 2 \\ 3 \\ 4 \end{pmatrix}", 11)
    row = mathtext.typeset(r"\begin{pmatrix} -2 & 3 \end{pmatrix}", 11)
    plain = mathtext.typeset(r"\begin{matrix} -2 & 3 \end{matrix}", 11)
    assert tall.height > 1.8 * small.height
    assert row.height < small.height and row.width > plain.width + 6  # parentheses
    # centred on the math axis: as far above it as below
    axis = mathtext._axis_height(11.0)
    assert small.ascent - axis == pytest.approx(small.descent + axis, abs=1.5)


def test_a_repeated_formula_costs_the_pdf_almost_nothing():
    def sheet(copies):
        blocks = tuple(DisplayMath(SOLUTION) for _ in range(copies))
        part = Part("a", (para("Go."),), Answer("q", 1, "1"), blocks, AnswerSpace())
        return Sheet("m", "Math", (Problem(1, None, "k", (), (part,)),))
    one, forty = len(key_pdf(sheet(1), {})), len(key_pdf(sheet(40), {}))
    assert forty - one < 40 * 200  # each glyph outline is stored once


def test_a_period_after_math_stays_on_the_line_it_ends():
    """"w = 1." whose formula just fits the line: the period hangs past the end rather
    than starting the next line alone."""
    formula = r"w_0 = -1, x_0 = -3, w_1 = -2, x_1 = 2, w_2 = 1"
    width = mathtext.typeset(formula, TEXT_SIZE).width + 0.5
    lines, _ = _broken((Math(formula), Styled(".", REGULAR)), TEXT_SIZE, width)
    assert len(lines) == 1
    lines, _ = _broken((Math(formula), Styled("a", REGULAR)), TEXT_SIZE, width)
    assert len(lines) == 2  # a letter is cut to the next line as before


@pytest.mark.parametrize("latex", [
    r"\dfrac{{\partial} H}{{\partial} W^{(1)}_{12}}",  # nothing stretches: the row is not measured
    r"\left( \dfrac{a}{b} \right) + \left[ x^{2}_{1} \right]",  # fences stretch to the row
    r"\sum_{k} W_{1k} \left| \dfrac{1}{2} \right|",
    r"x_{\left( \dfrac{1}{2} \right)}",  # a fence deep inside a script
    r"\sqrt{\dfrac{1}{2}} \Rightarrow \| x \|",
])
def test_skipping_the_measure_of_rows_that_cannot_stretch_changes_no_layout(latex, monkeypatch):
    from ziamath.nodes.mrow import Mrow

    from worksheets.typeset import patches
    patched = mathtext._whole(latex, 11.0, True)
    monkeypatch.setattr(Mrow, "_get_height_nostretch", patches._ziamath_row_height)
    assert mathtext._whole(latex, 11.0, True) == patched


TRICKY = [SOLUTION, r"z^{(1)}_{1} = 1(-2) + (-3)(1) = -5", r"= -2", r"a == -b", r"x^= 3", r"x\=y = 3",
          r"\sum_{k=1}^{3} w_k = -1", r"\left( a = -b \right) = 2", r"\text{a = b} = 1", r"\frac{a=1}{2} = -2",
          r"\begin{pmatrix} 1 & -2 \\ 3 & 4 \end{pmatrix} = -A", r"x_1 + = -3", r"a = b^", r"=", ""]


@pytest.mark.parametrize("latex", TRICKY)
def test_splitting_between_equals_signs_gives_the_atoms_of_the_whole(latex):
    from worksheets.typeset import mathsplit
    whole = mathsplit._split(latex)
    assert split(latex) == whole
    if whole is not None:  # the signs' classes too, stretch by stretch
        pieces = mathtext._pieces(latex, 11.0, True)
        assert [kind for kind, _ in pieces] == [a.kind for a in resolve_unary(whole)]


@pytest.mark.parametrize("latex", [SOLUTION, r"z^{(1)}_{1} = 1(-2) + (-3)(1) = -5", r"a = -b - -c = \sum_k x_k"])
def test_a_formula_from_cached_stretches_is_the_formula_composed_afresh(latex):
    from worksheets.typeset.mathink import Ink
    mathtext.typeset(latex.replace("1", "7"), 11, True)  # stretches cached by another formula first
    cached = mathtext._formula(latex, 11.0, True)
    mathtext._stretch_pieces.cache_clear()
    fresh = mathtext._formula(latex, 11.0, True)
    atoms = resolve_unary(split(latex))
    x, parts, mu = 0.0, [], 11.0 / 18
    for n, atom in enumerate(atoms):  # the long way: each atom by itself, TeX's space before it
        if atom.kind == "space":
            x += int(atom.source) * mu
            continue
        before = [a.kind for a in atoms[:n] if a.kind != "space"]
        x += space_mu(before[-1], atom.kind) * mu if before else 0.0
        piece = mathtext._atom(atom.kind, atom.source, 11.0, True)
        parts.append((x, 0.0, piece.ink))
        x += piece.width
    assert cached == fresh
    assert cached.ink == Ink(parts=tuple(parts)) and cached.width == x
    assert cached.ink.operators == fresh.ink.operators


@pytest.mark.parametrize("latex", ["= (-2)(1) + 2(-2) ", r"= 2 \cdot (-1) ", "1.5. -", r"\cdotx = 1", "x^2 = 1",
                                   "\u0663 = 3", "\u00b2 = 2", "[1, 2; 3] < 4"])
def test_numbers_and_signs_split_as_the_splitter_splits_them(latex):
    from worksheets.typeset import mathsplit
    try:
        long_way = mathsplit._Splitter(latex).atoms()
    except mathsplit._Unsplittable:
        long_way = None
    assert mathsplit._split(latex) == long_way

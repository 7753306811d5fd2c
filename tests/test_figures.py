"""Figures: layout geometry, DOT text, one Graphviz run, reportlab drawing."""
from __future__ import annotations

import copy
import hashlib
import html
import io
import math
import os
import random
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from reportlab.graphics.shapes import Ellipse, Group, String

import worksheets.figures as figures
from worksheets.figures import FigureSpec, RenderedFigure, figure_dot, render_figures
from worksheets.figures import graphviz as gv
from worksheets.figures.dot import BLUE, to_dot
from worksheets.figures.drawing import _color, drawing
from worksheets.figures.layout import (
    CLEAR,
    FRACTIONS,
    Box,
    box_hits_circle,
    frame_layout,
    frame_of,
    label_texts,
    layout,
    segment_hits_box,
)
from worksheets.figures.templates import shallow_copy
from worksheets.typeset.fonts import ITALIC, REGULAR

needs_neato = pytest.mark.skipif(shutil.which("neato") is None, reason="graphviz not installed")


def fmt(v: int) -> str:
    return f"\u2212{-v}" if v < 0 else str(v)


def numbered(layers, seed=0, low=10, high=19) -> FigureSpec:
    """Two-digit weights of both signs (the widest labels the course uses)."""
    r = random.Random(seed)
    weights = tuple(tuple(tuple(fmt(r.choice((-1, 1)) * r.randint(low, high)) for _ in range(b))
                          for _ in range(a)) for a, b in zip(layers, layers[1:]))
    values = tuple(tuple((fmt(r.randint(-99, 99)), fmt(r.randint(0, 99))) for _ in range(n))
                   for n in layers[1:])
    inputs = tuple(fmt(r.randint(-9, 9)) for _ in range(layers[0]))
    return FigureSpec(tuple(layers), weights, values, inputs)


def random_layers(seed: int, most: int) -> list[int]:
    r = random.Random(seed)
    return [r.randint(1, most) for _ in range(r.randint(2, 6))]


SMALL = [[1, 1], [2, 1], [2, 2, 2, 1], [3, 4, 2, 1], [2, 4, 4, 1], [4, 4, 4, 4], [4, 1, 4]]
SMALL += [random_layers(seed, 4) for seed in range(12)]
DENSE = [[2, 5, 3, 1], [4, 6, 6, 3, 1], [6, 6, 6, 6, 6], [6, 6, 6, 6, 6, 6], [5, 5, 5, 5]]
DENSE += [random_layers(seed, 6) for seed in range(100, 110)]


# ---- layout -------------------------------------------------------------------------

def edge_segments(lay):
    return {(b.layer, a.index, b.index): ((a.x, a.y), (b.x, b.y)) for a, b in lay.edges()}


def distance_to_segment(point, segment) -> float:
    (px, py), ((x0, y0), (x1, y1)) = point, segment
    u = ((px - x0) * (x1 - x0) + (py - y0) * (y1 - y0)) / ((x1 - x0) ** 2 + (y1 - y0) ** 2)
    u = min(max(u, 0.0), 1.0)
    return math.hypot(x0 + u * (x1 - x0) - px, y0 + u * (y1 - y0) - py)


def assert_labels_clear_of_labels_and_nodes(lay):
    boxes = [w.label.box for w in lay.weights] + [v.box for v in lay.values]
    for k, box in enumerate(boxes):
        for other in boxes[k + 1:]:
            assert not box.overlaps(other), (box, other)
    for w in lay.weights:
        for node in (n for column in lay.nodes for n in column):
            assert not box_hits_circle(w.label.box, node.x, node.y, node.radius + CLEAR - 0.01)


def assert_each_weight_on_its_own_edge(lay):
    segments = edge_segments(lay)
    assert sorted(segments) == sorted((w.layer, w.source, w.target) for w in lay.weights)
    for w in lay.weights:
        centre = (w.label.box.x, w.label.box.y)
        assert distance_to_segment(centre, segments[w.layer, w.source, w.target]) < 0.02
        assert FRACTIONS[0] <= w.fraction <= FRACTIONS[-1]


@pytest.mark.parametrize("layers", SMALL, ids=str)
def test_small_networks_keep_every_label_clear_of_other_edges(layers):
    # Up to 4 nodes a layer the column gap widens until no other edge comes within
    # CLEAR of any weight label, so this holds strictly.
    lay = layout(numbered(layers, seed=len(layers)))
    assert_each_weight_on_its_own_edge(lay)
    assert_labels_clear_of_labels_and_nodes(lay)
    segments = edge_segments(lay)
    for w in lay.weights:
        for key, (p, q) in segments.items():
            if key != (w.layer, w.source, w.target):
                assert not segment_hits_box(p, q, w.label.box, CLEAR - 0.01), (w, key)


@pytest.mark.parametrize("layers", DENSE, ids=str)
def test_dense_networks_keep_labels_off_crossings(layers):
    # With 5-6 nodes a layer a fully clear spot does not exist for every edge at a sane
    # width (a 6x6 gap would need ~280 pt columns and 120 pt rows); the cost then lets
    # another edge graze a label's corner, but none passes through its middle.
    lay = layout(numbered(layers, seed=sum(layers)))
    assert_each_weight_on_its_own_edge(lay)
    assert_labels_clear_of_labels_and_nodes(lay)
    segments = edge_segments(lay)
    for w in lay.weights:
        centre = (w.label.box.x, w.label.box.y)
        for key, segment in segments.items():
            if key != (w.layer, w.source, w.target):
                assert distance_to_segment(centre, segment) > w.label.box.h / 2, (w, key)


def test_nine_nodes_and_eight_layers_only_get_bigger():
    small, big = layout(numbered([3, 3, 3])), layout(numbered([9] * 8))
    assert big.width > 3 * small.width and big.height > 2 * small.height
    assert_each_weight_on_its_own_edge(big)
    assert_labels_clear_of_labels_and_nodes(big)


def test_columns_and_rows():
    lay = layout(FigureSpec((3, 4, 2, 1)))
    assert [len(c) for c in lay.nodes] == [3, 4, 2, 1]
    xs = [c[0].x for c in lay.nodes]
    assert xs == sorted(xs) and len(set(xs)) == 4
    for column in lay.nodes:
        assert len({n.x for n in column}) == 1
        ys = [n.y for n in column]
        assert ys == sorted(ys, reverse=True)  # node 1 on top
        assert all(a - b > column[0].size + 10 for a, b in zip(ys, ys[1:]))
    mid = lambda c: (c[0].y + c[-1].y) / 2  # noqa: E731
    assert {round(mid(c), 2) for c in lay.nodes} == {round(mid(lay.nodes[0]), 2)}  # centred
    assert lay.nodes[0][0].size < lay.nodes[1][0].size  # input boxes, smaller than circles
    assert lay.weights == () and lay.values == ()
    assert len(lay.outputs) == 1 and lay.outputs[0][0] > lay.nodes[-1][0].x
    assert lay.outputs[0][1] == lay.nodes[-1][0].y


def test_everything_inside_the_figure():
    lay = layout(numbered([4, 6, 6, 3, 1]))
    boxes = [w.label.box for w in lay.weights] + [v.box for v in lay.values]
    boxes += [Box(n.x, n.y, n.size, n.size) for column in lay.nodes for n in column]
    for b in boxes:
        assert 0 < b.x - b.w / 2 and b.x + b.w / 2 < lay.width
        assert 0 < b.y - b.h / 2 and b.y + b.h / 2 < lay.height
    assert max(x for x, _ in lay.outputs) < lay.width


def test_values_above_nodes_z_left_a_right_and_inputs():
    spec = numbered([2, 2, 2, 1])
    lay = layout(spec)
    by_kind = {}
    for v in lay.values:
        by_kind.setdefault(v.kind, []).append(v)
    assert [v.text for v in by_kind["x"]] == list(spec.input_values)
    assert len(by_kind["z"]) == len(by_kind["a"]) == 5
    nodes = [n for column in lay.nodes[1:] for n in column]
    for node, z, a in zip(nodes, by_kind["z"], by_kind["a"]):
        assert (z.text, a.text) == spec.node_values[node.layer - 1][node.index]
        assert z.box.x < node.x < a.box.x
        for v in (z, a):
            assert v.box.y - v.box.h / 2 > node.y + node.radius  # just above the circle
            assert v.box.y - v.box.h / 2 < node.y + node.radius + 5


def test_biases_below_nodes():
    spec = FigureSpec((2, 2, 1), biases=(("1", "\u22122"), ("0.5",)))
    lay = layout(spec)
    biases = [v for v in lay.values if v.kind == "bias"]
    assert [b.text for b in biases] == ["b = 1", "b = \u22122", "b = 0.5"]  # issue 9: labelled
    for node, b in zip([n for c in lay.nodes[1:] for n in c], biases):
        assert b.box.x == node.x and b.box.y + b.box.h / 2 < node.y - node.radius
    assert_labels_clear_of_labels_and_nodes(lay)


# ---- DOT ------------------------------------------------------------------------------

def test_dot_is_deterministic_and_pinned():
    spec = numbered([3, 4, 2, 1], seed=5)
    text = to_dot(layout(spec))
    assert text == to_dot(layout(numbered([3, 4, 2, 1], seed=5))) == figure_dot(spec)
    assert "outputorder=edgesfirst" in text and "splines=line" in text
    nodes = re.findall(r"^  (\w+) \[(.*)\];$", text, re.M)
    nodes = [(n, attrs) for n, attrs in nodes if n not in ("graph", "node", "edge")]
    assert len(nodes) == 2 + 10 + 1 + 22 + 3 + 2 * 7  # corners, nodes, out, weights, values
    assert all('pos="' in attrs for _, attrs in nodes)
    assert len([n for n, _ in nodes if n.startswith("w")]) == 3 * 4 + 4 * 2 + 2
    assert len(re.findall(r"^  \w+ -> \w+;$", text, re.M)) == 12 + 8 + 2 + 1  # + output arrow
    assert text.count("<VR/>") == 7 and text.count('ROWSPAN="2"') == 3 + 2 * 7


def test_dot_escapes_label_text():
    spec = FigureSpec((1, 1), weights=((('a<b & "c">',),),))
    text = figure_dot(spec)
    assert "a&lt;b &amp; &quot;c&quot;&gt;" in text and 'a<b' not in text


# ---- Graphviz and drawing --------------------------------------------------------------

def node_texts(layers) -> set[str]:
    texts = {"x", "z", "a"} | {str(i + 1) for i in range(max(layers))}
    return texts | {f"({layer})" for layer in range(1, len(layers))}


def numbers_of(spec: FigureSpec) -> list[str]:
    out = [w for m in spec.weights for row in m for w in row]
    out += [v for layer in spec.node_values for pair in layer for v in pair]
    return out + list(spec.input_values)


@needs_neato
def test_svg_holds_every_label():
    spec = numbered([3, 4, 2, 1], seed=2)
    [fig] = render_figures([spec])
    assert isinstance(fig, RenderedFigure) and fig.svg.startswith("<?xml")
    texts = Counter(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", fig.svg))
    assert not Counter(numbers_of(spec)) - texts  # every number, as often as it occurs
    assert node_texts(spec.layers) <= set(texts)
    assert len(re.findall(f'<text[^>]* fill="{BLUE}"', fig.svg)) == len(numbers_of(spec))
    assert 'font-family="Liberation Serif"' in fig.svg


@needs_neato
def test_drawing_has_blue_numbers_black_letters_and_circles():
    spec = numbered([2, 2, 2, 1], seed=4)
    [fig] = render_figures([spec])
    strings = [s for s in fig.drawing.getContents()[0].contents if isinstance(s, String)]
    blue = _color(BLUE)
    numbers = sorted(s.text for s in strings if s.fillColor == blue)
    assert numbers == sorted(numbers_of(spec))
    letters = [s for s in strings if s.text in ("x", "z", "a")]
    assert len(letters) == 2 + 2 * 5 and all(s.fontName == ITALIC for s in letters)
    assert all(s.fillColor == _color("#000000") for s in letters)
    ellipses = [e for e in fig.drawing.getContents()[0].contents if isinstance(e, Ellipse)]
    assert len(ellipses) == 5 and {e.rx for e in ellipses} == {24.0}
    assert (fig.width, fig.height) == (layout(spec).width, layout(spec).height)


@needs_neato
def test_drawing_scales_to_width():
    [fig] = render_figures([numbered([2, 3, 1])])
    full, narrow = fig.drawing, fig.fit(100)
    assert narrow.width == pytest.approx(100)
    assert narrow.height == pytest.approx(full.height * 100 / full.width)
    assert fig.fit(10_000).width == full.width


@needs_neato
def test_neato_has_nothing_to_complain_about():
    # e.g. "table size too small" would mean the letters' tables are sized wrongly
    for spec in (numbered([3, 4, 2, 1]), numbered([9, 9, 2]), FigureSpec((2, 5, 3, 1))):
        done = subprocess.run(["neato", "-n2", "-Tjson"], input=figure_dot(spec),
                              capture_output=True, text=True, check=True)
        assert done.stderr == ""


def test_render_nothing_runs_nothing(monkeypatch):
    monkeypatch.setattr(gv.subprocess, "run", None)
    assert gv.render([]) == [] and render_figures([]) == []


def forget_figures():
    gv._cache.clear()
    figures._templates.clear()
    frame_layout.cache_clear()


@needs_neato
def test_many_figures_one_process_in_order(monkeypatch):
    forget_figures()
    calls = []
    real_run = subprocess.run

    def counting_run(*args, **kwargs):
        calls.append(args)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(gv.subprocess, "run", counting_run)
    specs = [numbered([1 + k % 3, 1 + k % 4, 1], seed=k) for k in range(23)]
    figures = render_figures(specs)
    assert len(calls) == 1 and len(figures) == 23
    for spec, fig in zip(specs, figures):  # the k-th output belongs to the k-th figure
        expected = layout(spec)
        assert (fig.width, fig.height) == (expected.width, expected.height)
        assert all(w in fig.svg for w in (w.label.text for w in expected.weights))
    render_figures(specs[:5])
    assert len(calls) == 1  # cached


@needs_neato
def test_svg_and_json_are_deterministic():
    source = figure_dot(numbered([3, 4, 2, 1], seed=9))
    gv._cache.clear()
    [first] = gv.render([source])
    gv._cache.clear()
    [second] = gv.render([source])
    assert first.svg == second.svg and first.layout == second.layout


def test_missing_neato_says_what_to_install(monkeypatch):
    gv._cache.clear()
    monkeypatch.setattr(gv.shutil, "which", lambda name: None)
    with pytest.raises(gv.GraphvizError, match="Debian package graphviz"):
        gv.render(["digraph { a }"])


def test_colors():
    assert _color("#fffffe00") is None
    assert _color("#0033cc").hexval() == _color("#0033ccff").hexval() == "0x0033cc"
    assert _color("#00000080").alpha == pytest.approx(128 / 255)


# ---- frames and templates ---------------------------------------------------------------

def weights_only(layers, seed=0, low=0, high=3) -> FigureSpec:
    return FigureSpec(tuple(layers), numbered(layers, seed, low, high).weights)


def shapes_of(d) -> list:
    """Everything a Drawing draws, comparable with ==."""
    group = d.getContents()[0]
    return [(d.width, d.height, group.transform)] + [
        (type(s).__name__, sorted(s.getProperties().items())) for s in group.contents]


def test_layout_depends_on_the_frame_not_the_numbers():
    a, b = numbered([3, 2, 2, 1], seed=1), numbered([3, 2, 2, 1], seed=2)
    assert frame_of(a) == frame_of(b)  # two-digit numbers of both signs
    la, lb = layout(a), layout(b)
    assert la.nodes == lb.nodes and (la.width, la.height) == (lb.width, lb.height)
    assert [w.label.box for w in la.weights] == [w.label.box for w in lb.weights]
    assert [v.box for v in la.values] == [v.box for v in lb.values]
    assert [w.label.text for w in la.weights] != [w.label.text for w in lb.weights]


def test_one_digit_numbers_share_a_frame_whatever_their_signs():
    small = [weights_only([2, 3, 1], seed) for seed in range(20)]
    assert len({frame_of(s) for s in small}) == 1
    assert frame_of(FigureSpec((2, 3, 1), ((("1",) * 3,) * 2, (("1",),) * 3))) == frame_of(small[0])
    assert frame_of(weights_only([2, 3, 1], low=10, high=19)) != frame_of(small[0])


# Characters Graphviz escapes in SVG text.
ESCAPED = FigureSpec((2, 1), ((("a<b>",), ("'q'\"r\"-1",)),), input_values=("\u22121", "1/3"))
SAMPLES = [numbered([3, 2, 2, 1], seed=k) for k in range(3)] + [
    FigureSpec((2, 2, 1), (((("1", "\u22122"), ("3", "0")), (("2",), ("\u22121",)))),
               ((("5", "5"), ("\u22123", "0")), (("7", "7"),)), ("1", "\u22122"),
               (("1", "\u22122"), ("0",))),
    FigureSpec((2, 3, 2, 1)),
    ESCAPED,  # then texts Graphviz treats specially (drawn alone):
    FigureSpec((1, 1), ((("a & b",),),), input_values=("x  y",)),
    FigureSpec((1, 2), ((("", "\\N"),),)),
]


@needs_neato
def test_figures_are_what_graphviz_draws_for_their_own_dot():
    # Templates come from one batch; each figure's own DOT source is drawn by itself.
    forget_figures()
    rendered = render_figures(SAMPLES)
    for spec, fig in zip(SAMPLES, rendered):
        gv._cache.clear()
        [alone] = gv.render([figure_dot(spec)])
        assert fig.svg == alone.svg
        assert shapes_of(fig.drawing) == shapes_of(drawing(alone))
    escaped = rendered[SAMPLES.index(ESCAPED)].svg
    assert "a&lt;b&gt;" in escaped and "&#39;q&#39;&quot;r&quot;&#45;1" in escaped
    assert ">a &amp; b</text>" in rendered[-2].svg and ">\\N</text>" in rendered[-1].svg


def test_shallow_copy_is_copy_copy():
    # A filled label is a copy of the template's String: the same class and attributes,
    # a new object (setting its text leaves the template's alone).
    original = String(3, 4, "@w1@", fontName="Helvetica", fontSize=7.5, textAnchor="middle", fillColor=BLUE)
    twin = shallow_copy(original)
    assert type(twin) is String and twin is not original and twin.__dict__ == copy.copy(original).__dict__
    twin.text = "-0.5"
    assert original.text == "@w1@" and twin.getBounds() != original.getBounds()
    group = Group(original)  # (not a plain __dict__ copy: its contents list is shared by copy.copy too)
    assert shallow_copy(group).contents is copy.copy(group).contents


@needs_neato
def test_graphviz_draws_each_frame_once(monkeypatch):
    forget_figures()
    batches = []
    real_run = gv._run_neato

    def run(sources):
        batches.append(sources)
        return real_run(sources)

    monkeypatch.setattr(gv, "_run_neato", run)
    specs = [weights_only([3, 2, 2, 1], seed) for seed in range(20)] + [FigureSpec((3, 2, 2, 1))]
    first = render_figures(specs[:10] + specs[-1:])
    assert [len(b) for b in batches] == [2]
    again = render_figures(specs)
    assert len(batches) == 1
    for spec, fig in zip(specs[:10], first):  # figures of a frame do not share their numbers
        texts = sorted(w for m in spec.weights for row in m for w in row)
        assert sorted(s.text for s in fig.drawing.getContents()[0].contents
                      if isinstance(s, String) and s.fillColor == _color(BLUE)) == texts
    assert [f.svg for f in first[:10]] == [f.svg for f in again[:10]]


@needs_neato
def test_same_figure_in_another_process():
    spec = numbered([3, 2, 2, 1], seed=7)
    forget_figures()
    here = render_figures([numbered([2, 2, 1]), spec])[1]  # its frame second in the batch
    code = ("import hashlib, sys; from worksheets.figures import *; "
            "from tests.test_figures import shapes_of; "
            f"[f] = render_figures([{spec!r}]); "
            "print(hashlib.sha256(f.svg.encode()).hexdigest()); print(shapes_of(f.drawing))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).parent.parent)
    assert done.stdout.splitlines() == [hashlib.sha256(here.svg.encode()).hexdigest(),
                                        str(shapes_of(here.drawing))]


# ---- figures in PDFs: cached operators, not renderPDF -------------------------------------

BLUE_RGB = (0.0, 0.2, 0.8)  # BLUE as PDF operands


def one_page_pdf(draw) -> bytes:
    """A 600 x 400 pt page, uncompressed, with whatever draw(canvas) puts on it."""
    from reportlab.pdfgen.canvas import Canvas
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(600, 400), invariant=1, pageCompression=0,
                    initialFontName=REGULAR)  # not Helvetica, which is never embedded
    draw(canvas)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def by_renderPDF(fig, x, y, scale) -> bytes:
    """The figure as the PDF renderer drew it before figures drew themselves."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.shapes import Drawing

    def draw(canvas):
        canvas.translate(x, y)
        canvas.scale(scale, scale)
        wrapped = Drawing(fig.width, fig.height, fig.drawing, initialFontName=REGULAR)
        renderPDF.draw(wrapped, canvas, 0, 0)
    return one_page_pdf(draw)


def poppler(tool: str, pdf: bytes, tmp_path: Path) -> str:
    """What pdftotext or pdffonts says about the PDF."""
    path = tmp_path / "figure.pdf"
    path.write_bytes(pdf)
    to_stdout = ["-"] if tool == "pdftotext" else []
    return subprocess.run([tool, str(path), *to_stdout], check=True, capture_output=True,
                          text=True).stdout


def raster(pdf: bytes, tmp_path: Path):
    from PIL import Image
    path = tmp_path / "figure.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(path),
                    str(tmp_path / "page")], check=True)
    return Image.open(tmp_path / "page.png").convert("RGB")


def blue_texts(pdf: bytes) -> int:
    """How many text-showing operators the page runs with the fill colour BLUE."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream
    reader = PdfReader(io.BytesIO(pdf))
    fill, count = None, 0
    for operands, operator in ContentStream(reader.pages[0].get_contents(), reader).operations:
        if operator == b"rg":
            fill = tuple(float(v) for v in operands)
        elif operator == b"Tj":
            count += fill == BLUE_RGB
    return count


FAST_SAMPLES = [numbered([3, 2, 2, 1], seed=3), SAMPLES[3], ESCAPED, SAMPLES[-2]]


@needs_neato
@pytest.mark.parametrize("k", range(len(FAST_SAMPLES)))
def test_draw_on_prints_what_renderPDF_printed(k, tmp_path):
    # The last two are drawn alone (not from a frame's template): both kinds paint.
    from PIL import ImageChops
    fig = render_figures([FAST_SAMPLES[k]])[0]
    fast = one_page_pdf(lambda canvas: fig.draw_on(canvas, 20, 30, 0.8))
    slow = by_renderPDF(fig, 20, 30, 0.8)
    assert poppler("pdftotext", fast, tmp_path) == poppler("pdftotext", slow, tmp_path)
    assert blue_texts(fast) == blue_texts(slow) == len(label_texts(FAST_SAMPLES[k]))
    difference = ImageChops.difference(raster(fast, tmp_path), raster(slow, tmp_path))
    histogram = difference.convert("L").histogram()
    assert sum(histogram[48:]) == 0  # anti-aliasing may differ a little, nothing more


@needs_neato
def test_draw_on_shows_every_number_in_blue_in_embedded_fonts(tmp_path):
    spec = numbered([2, 2, 2, 1], seed=4)
    [fig] = render_figures([spec])
    pdf = one_page_pdf(lambda canvas: fig.draw_on(canvas, 0, 0))
    words = Counter(poppler("pdftotext", pdf, tmp_path).split())
    assert not Counter(numbers_of(spec)) - words
    assert blue_texts(pdf) == len(numbers_of(spec))
    red, _, blue = np.asarray(raster(pdf, tmp_path), dtype=int).transpose(2, 0, 1)
    assert ((blue > 150) & (red < 90)).sum() > 100  # blue ink
    fonts = poppler("pdffonts", pdf, tmp_path).splitlines()[2:]
    assert {line.split()[0].split("+")[1] for line in fonts} == {
        "LiberationSerif", "LiberationSerif-Italic"}
    assert all(line.split()[-5] == "yes" for line in fonts)  # the "emb" column
    (tmp_path / "check.pdf").write_bytes(pdf)
    check = subprocess.run(["qpdf", "--check", str(tmp_path / "check.pdf")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def figure_sheet(specs):
    from worksheets.document import Figure, Problem, Sheet
    intro = tuple(Figure(spec, f"f{k}") for k, spec in enumerate(specs))
    return Sheet("figures", "Figures", (Problem(1, None, "figures", intro, ()),))


@needs_neato
def test_worksheet_figures_do_not_go_through_renderPDF(monkeypatch, tmp_path):
    from reportlab.graphics import renderPDF

    from worksheets.output.pdf import worksheet_pdf

    def refuse(*args, **kwargs):
        raise AssertionError("renderPDF.draw called for a figure")

    monkeypatch.setattr(renderPDF, "draw", refuse)
    specs = [numbered([3, 2, 2, 1], seed=1), numbered([3, 2, 2, 1], seed=2), ESCAPED]
    pdf = worksheet_pdf(figure_sheet(specs), dict(zip(specs, render_figures(specs))))
    words = Counter(poppler("pdftotext", pdf, tmp_path).split())
    assert not sum((Counter(numbers_of(spec)) for spec in specs[:2]), Counter()) - words


@needs_neato
def test_pdf_with_figures_is_the_same_in_another_process():
    code = ("import hashlib, sys; from tests.test_figures import *; "
            "from worksheets.output.pdf import worksheet_pdf; "
            "specs = [numbered([3, 2, 2, 1], seed=5), SAMPLES[3], ESCAPED]; "
            "pdf = worksheet_pdf(figure_sheet(specs), dict(zip(specs, render_figures(specs)))); "
            "print(hashlib.sha256(pdf).hexdigest())")
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True, cwd=Path(__file__).parent.parent,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")}
    assert len(outputs) == 1 and len(outputs.pop()) == 65

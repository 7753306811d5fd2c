"""The shortcuts of drawing (typeset.templates, figures.drawing) against the long way:
the states kept per canvas and document, a replay without reportlab's state stack, and
figure texts kept per document."""
from __future__ import annotations

import io
import shutil

import pytest
from reportlab.lib.colors import Color, black
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from worksheets.output.pdf import _draw_kept, _Group, prepare_libraries
from worksheets.typeset import templates
from worksheets.typeset.fonts import BOLD, ITALIC, REGULAR
from worksheets.typeset.inline import InlineParagraph, Styled


def new_canvas() -> Canvas:
    prepare_libraries()
    return Canvas(io.BytesIO(), initialFontName=REGULAR)


def font_state_the_long_way(doc) -> tuple:
    """Per registered TrueType font the document uses: its name in the document and its
    characters beyond ASCII in the order they got their codes."""
    state = []
    for name in pdfmetrics.getRegisteredFontNames():
        font = pdfmetrics.getFont(name)
        used = getattr(font, "state", {}).get(doc) if getattr(font, "_dynamicFont", False) else None
        if used is not None:
            state.append((font.fontName, used.internalName, tuple(c for c in used.assignments if c > 127)))
    return tuple(state)


def graphics_state_the_long_way(canvas) -> tuple:
    return tuple(getattr(canvas, name) for name in templates._STATE[:-1]) + (repr(canvas._lineDash),)


def test_the_font_state_kept_per_document_follows_every_code_and_font_given():
    first, second = new_canvas(), new_canvas()
    steps = [(REGULAR, "abc"), (REGULAR, "x\u2212y"), (BOLD, "bold"), (REGULAR, "\u2212"),  # (no new code)
             (ITALIC, ""), (ITALIC, "\u2202z\u2032"), (BOLD, "\u00e9"), (REGULAR, "abc")]
    for font, text in steps:
        for canvas in (first, second):  # two documents at once: each its own
            canvas.setFont(font, 11)
            canvas.drawString(10, 10, text)
            assert templates._font_state(canvas._doc).parts == font_state_the_long_way(canvas._doc)
        first.setFont(REGULAR, 11)
        first.drawString(10, 30, "\u00fc\u00df")  # codes only the first document gives
        assert templates._font_state(first._doc).parts == font_state_the_long_way(first._doc)
        assert templates._font_state(second._doc).parts == font_state_the_long_way(second._doc)
    assert templates._font_state(first._doc) != templates._font_state(second._doc)


def test_the_graphics_state_kept_per_canvas_follows_every_change():
    canvas = new_canvas()
    changes = [lambda c: None, lambda c: c.setFont(BOLD, 9), lambda c: c.setFillColor(Color(0.2, 0.3, 0.4)),
               lambda c: c.setFillColor(Color(0.2, 0.3, 0.4)), lambda c: c.setStrokeColor(black),
               lambda c: c.setLineWidth(0.7), lambda c: c.saveState(), lambda c: c.setFont(ITALIC, 12),
               lambda c: c.restoreState(), lambda c: c.setLineCap(1), lambda c: c.setFont(BOLD, 9)]
    seen = {}
    for change in changes:
        change(canvas)
        key = templates._graphics_state(canvas)
        assert key.parts == graphics_state_the_long_way(canvas)
        assert seen.setdefault(key.parts, key) is key  # the same state: the same key object
    other = new_canvas()
    other.setFont(BOLD, 9)
    other.setFillColor(Color(0.2, 0.3, 0.4))
    other.setStrokeColor(black)
    other.setLineWidth(0.7)
    other.setLineCap(1)
    assert templates._graphics_state(other) is templates._graphics_state(canvas)


def _drawn(canvas, flowable) -> tuple[list[str], dict]:
    """What drawing the flowable adds to the canvas's operators, and the canvas's state after."""
    start = len(canvas._code)
    flowable.drawOn(canvas, 72.5, 300.25)
    state = {name: getattr(canvas, name) for name in canvas.STATE_ATTRIBUTES if name != "_extgstate"}
    state["stack"] = len(canvas.state_stack)
    state["extgstate"] = (dict(canvas._extgstate._d), canvas._extgstate._c)
    return canvas._code[start:], state


@pytest.mark.parametrize("hooked", [False, True])
def test_a_replay_writes_what_drawing_writes_and_leaves_the_canvas_as_drawing_does(monkeypatch, hooked):
    said = []

    words = f"Replayed, word for word{' (said where)' if hooked else ''}."

    def piece():
        group = _Group([InlineParagraph([Styled(words)])], indent=12.0,
                       label=Styled("(a)", BOLD))
        if hooked:
            group.on_draw = lambda c, w, h: said.append((c.absolutePosition(0, 0), w, h))
        group.wrapOn(canvas, 314.0, 500.0)
        return group

    def drawn_three_times():
        said.clear()
        before = templates.COUNTS["replayed"]
        results = [_drawn(canvas, piece()) for _ in range(3)]
        return results, templates.COUNTS["replayed"] - before, list(said)

    canvas = new_canvas()
    canvas.setFont(BOLD, 11)
    canvas.drawString(0, 0, "(a) " + words)  # every code given: recorded the second time
    canvas.setFont(REGULAR, 11)
    canvas.drawString(0, 0, words)
    canvas.translate(3, 4)  # not at the page's origin
    (first, second, third), replays, places = drawn_three_times()
    assert replays == 1  # the group, the third time (its paragraph is not drawn apart from it then)
    assert first == second == third
    monkeypatch.setattr(templates, "ENABLED", False)
    (full, _, _), replays, full_places = drawn_three_times()
    assert replays == 0 and full == third
    assert places == full_places[:1] * 3 if hooked else not places


@pytest.mark.skipif(shutil.which("neato") is None, reason="graphviz not installed")
def test_figure_texts_kept_per_document_are_what_encoding_them_again_gives():
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).parent))
    from test_figures import numbered

    from worksheets.figures import render_figures
    from worksheets.figures.drawing import _written_texts

    [figure] = render_figures([numbered([2, 2, 1], seed=4)])
    painting, texts = figure.drawing.painting, figure.drawing.texts
    others = {name: "\u2212" + text[::-1].lstrip("\u2212") + "\u00b7" for name, text in texts.items()}
    canvas = new_canvas()
    for shown in (texts, others, texts):
        start = len(canvas._code)
        painting.draw_on(canvas, 20, 30, 0.8, shown)
        written = _written_texts(canvas._doc)
        steps = [step for step in painting.steps if not isinstance(step, str)]
        again = [step.operators(canvas, shown[step.slot] if step.slot else step.text, {}) for step in steps]
        assert [written[(step, shown[step.slot] if step.slot else step.text)] for step in steps] == again
        assert all(text in canvas._code[start] for text in again)


def test_glyph_and_shift_operators_kept_per_place_are_what_formatting_them_again_gives():
    from worksheets.typeset import mathink
    from worksheets.typeset.mathtext import typeset

    def glyphs(ink):
        return list(ink.glyphs) + [g for _, _, part in ink.parts for g in glyphs(part)]

    placed = [g for k in range(40) for g in glyphs(typeset(f"z = {k * 7.0625 - 123:.4f} + \\frac{{{k}}}{{{k + 3}}}",
                                                              11.0 + k % 3, display=bool(k % 2)).ink)]
    kept = [mathink._glyph_operators(g) for g in placed]  # (many a look-up of a place met before)
    assert len(set(kept)) < len(kept)
    again = []
    for g in placed:
        mathink._glyph_lines.clear()
        again.append(mathink._glyph_operators(g))
    assert kept == again
    shifts = [(dx, dy) for k in range(40) for dx, dy, _ in typeset(f"y = {k * 3.25 - 50:.2f} x_{{{k}}}", 11.0).ink.parts]
    kept = [mathink._shift_operator(dx, dy) for dx, dy in shifts + [(-0.0, 0), (0.0, 0.0), (1, 2.5)]]
    again = []
    for dx, dy in shifts + [(-0.0, 0), (0.0, 0.0), (1, 2.5)]:
        mathink._shifts.clear()
        again.append(mathink._shift_operator(dx, dy))
    assert kept == again


def test_save_and_translate_is_save_state_and_translate():
    from reportlab.lib.rl_accel import fp_str
    places = [(72.5, 300.25), (0, 0), (-0.0, 0.0), (1, 1.0), (1e-9, -3.333333333), (72.5, 300.25)]
    mine, theirs = new_canvas(), new_canvas()
    for canvas in (mine, theirs):
        canvas.translate(3, 4)
        canvas.scale(0.5, 0.5)
    for x, y in places:
        templates._save_and_translate(mine, x, y)
        theirs.saveState()
        theirs.translate(x, y)
        assert mine._code == theirs._code and mine._currentMatrix == theirs._currentMatrix
        for kept in (mine.state_stack, theirs.state_stack):
            assert [name for name in kept[-1]] == mine.STATE_ATTRIBUTES
        assert [{**state, "_extgstate": (state["_extgstate"]._d, state["_extgstate"]._c)} for state in mine.state_stack] \
            == [{**state, "_extgstate": (state["_extgstate"]._d, state["_extgstate"]._c)} for state in theirs.state_stack]
        assert (mine._extgstate._d, mine._extgstate._c) == (theirs._extgstate._d, theirs._extgstate._c)
        assert templates._translation(x, y) == "%s cm" % fp_str(1, 0, 0, 1, x, y)
        mine.restoreState()
        theirs.restoreState()
        assert mine._currentMatrix == theirs._currentMatrix == (0.5, 0, 0, 0.5, 3, 4)


def test_paragraph_keys_are_equal_for_the_same_words_and_only_then():
    import gc
    canvas = new_canvas()

    def key(words: str, width: float = 300.0):
        paragraph = InlineParagraph([Styled(words)])
        paragraph.wrapOn(canvas, width, 500.0)
        return templates.key_of(paragraph)

    first = key("The same words.")
    assert key("The same words.") == first
    assert key("The same words!") != first and key("The same words.", 200.0) != first
    kept = [key(f"Words number {k}.") for k in range(50)]  # each holds its lines: no id is taken again
    gc.collect()
    others = [key(f"Other words number {k}.") for k in range(50)]
    assert not set(kept) & set(others)
    assert [key(f"Words number {k}.") for k in range(50)] == kept


def test_strings_kept_per_document_are_what_draw_string_writes():
    mine, theirs = new_canvas(), new_canvas()
    for font, size, x, y, text in [(BOLD, 11, 0, 3.5, "(a)"), (REGULAR, 11, 0, 3.5, "(a)"), (BOLD, 11, 0, 3.5, "(a)"),
                                   (BOLD, 11, 0, 4.0, "(a)"), (BOLD, 9, 0, 3.5, "(a)"), (ITALIC, 11, 2, 3.5, "(b\u2032)"),
                                   (BOLD, 11, 0, 3.5, "(b)"), (BOLD, 11, 0, 3.5, "(a)")]:
        for canvas in (mine, theirs):
            canvas.setFont(font, size)
        _draw_kept(mine, Canvas.drawString, x, y, text)
        theirs.drawString(x, y, text)
        assert mine._code == theirs._code
        assert templates._font_state(mine._doc).parts == templates._font_state(theirs._doc).parts


def test_drawings_dropped_from_a_full_cache_are_drawn_again_the_same(monkeypatch):
    monkeypatch.setattr(templates, "KEPT", 8)
    monkeypatch.setattr(templates, "_drawn", {})

    def pages(enabled: bool) -> list:
        monkeypatch.setattr(templates, "ENABLED", enabled)
        canvas, written = new_canvas(), []
        canvas.setFont(REGULAR, 11)
        canvas.drawString(0, 0, "Drawing number 0123456789 again.")
        for k in list(range(6)) * 5 + list(range(6))[::-1] * 3:  # (a group and its paragraph: 12 drawings)
            group = _Group([InlineParagraph([Styled(f"Drawing number {k} again.")])], indent=12.0)
            group.wrapOn(canvas, 314.0, 500.0)
            written.append(_drawn(canvas, group)[0])
        return written

    templates.COUNTS.clear()
    kept = pages(True)
    assert templates.COUNTS["replayed"] > 6 and len(templates._drawn) <= 8
    assert kept == pages(False)

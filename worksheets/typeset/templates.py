"""Templates of drawn content: a flowable whose drawing every version shares is drawn
once per process and then written as its ready PDF operators.

Every version of a sheet has the same layout, and most of what it draws is the same
in each: the sheet's header, the problems' headings and sentences, the figures of a
problem without numbers, the prompts and answer boxes. A flowable that can say what
it draws (template_key: its content and size, the same key for the same drawing) is
drawn through draw_on: the second time it is asked for, its operators are recorded (most
of what only one version draws never comes back), and every later time in any document
they are added as they are, with the glyph outlines they use.

Operators are reused only where they are exactly what drawing would write, so the
PDFs are the same bytes either way (tests/test_pixels.py also compares the pages):

- the key holds the canvas's graphics state and the document's font state (which
  character has which code in each font subset, reportlab giving codes in order of
  first use), so text is encoded as this document would encode it;
- a drawing is recorded only if it changed no font state and added no object but
  glyph outlines (those are added again when it is replayed): a flowable that first
  uses a character or a font in its document is always drawn.

A flowable may say where it is drawn (on_draw, e.g. a part's place in answer-regions.json).
A drawing that holds such flowables is keyed also by its place on the page (every version
has the same layout, so the same part is at the same place in every version) and by which
of the flowables it draws say where they are, and records
where each of them was: on replay, the current flowables' on_draw are called with the
canvas at those places, so the regions are the same numbers a full drawing gives.
"""
from __future__ import annotations

from collections import Counter, OrderedDict
from itertools import islice

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import xObjectName
from reportlab.platypus import Flowable, Spacer

from .mathink import SHAPES, use_shapes

ENABLED = True  # False: every flowable drawn in full (the pixel test compares the two)
KEPT = 512  # drawings kept per process, the least recently used dropped

_drawn: "OrderedDict[tuple, tuple[tuple[str, ...], tuple[str, ...], tuple[tuple, ...]]]" = OrderedDict()
_recording: list[list[tuple]] = []  # per drawing being recorded: the canvas matrix of each on_draw called
_seen: "OrderedDict[int, None]" = OrderedDict()  # hashes of keys asked for once (see _seen_before)
# While a flowable is being drawn nothing is wrapped again, so the keys of what it holds
# (asked for at every level: a drawing's key holds its content's keys) and the on_draw
# flowables inside each are worked out once per drawing: by id, with the flowable kept.
_memo: dict[int, dict] | None = None
COUNTS: Counter = Counter()  # flowables with a key: "replayed", "recorded" or "drawn" in full


class Templated(Flowable):
    """A flowable drawn through draw_on; template_key() says what it draws (None:
    nothing to share, drawn in full every time)."""

    def template_key(self):
        return None

    def drawn_content(self) -> list:
        """The flowables it draws, in the order drawn (for their on_draw: see hooked)."""
        return []

    def drawOn(self, canvas, x, y, _sW=0):
        draw_on(self, canvas, self._hAlignAdjust(x, _sW), y)


class Key:
    """A template key: its parts (a tuple) with their hash worked out once, so that a
    key holding other keys hashes in time of its own parts, not of all it holds."""
    __slots__ = ("parts", "_hash")

    def __init__(self, parts: tuple):
        self.parts, self._hash = parts, hash(parts)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        return self is other or (isinstance(other, Key) and self._hash == other._hash and self.parts == other.parts)


def key_of(flowable):
    """The template key of any flowable after wrap: None when it cannot tell."""
    return _remembered(flowable, "key", _key_of)


def _key_of(flowable):
    if isinstance(flowable, Templated):
        parts = flowable.template_key()
        return None if parts is None else Key(parts)
    if isinstance(flowable, Spacer):
        return Key(("spacer", flowable.width, flowable.height))
    return None


def keys_of(flowables) -> tuple | None:
    keys = tuple(key_of(f) for f in flowables)
    return None if None in keys else keys


def hooked_inside(flowable: Flowable) -> tuple[list[Flowable], tuple[int, ...]]:
    """The flowables a flowable draws that say where they are drawn (on_draw), in the
    order their on_draw is called, and their numbers in that order among all it draws
    (two drawings with one key hold the same flowables: the numbers tell which say it)."""
    hooks, numbers, _ = _inside(flowable)
    return list(hooks), numbers


def _inside(flowable: Flowable) -> tuple[tuple, tuple[int, ...], int]:
    """hooked_inside's flowables and numbers, and how many flowables it draws in all
    (made from its content's, each worked out once per drawing)."""
    return _remembered(flowable, "inside", _inside_of)


def _inside_of(flowable: Flowable) -> tuple[tuple, tuple[int, ...], int]:
    hooks, numbers, count = [], [], 0
    for content in flowable.drawn_content() if isinstance(flowable, Templated) else ():
        if getattr(content, "on_draw", None) is not None:
            hooks.append(content)
            numbers.append(count)
        count += 1
        inner_hooks, inner_numbers, inner_count = _inside(content)
        hooks += inner_hooks
        numbers += [count + n for n in inner_numbers]
        count += inner_count
    return tuple(hooks), tuple(numbers), count


def _remembered(flowable: Flowable, what: str, work):
    """work(flowable), once per drawing under way (see _memo)."""
    if _memo is None:
        return work(flowable)
    entry = _memo.get(id(flowable))
    if entry is None:
        entry = _memo[id(flowable)] = {"flowable": flowable}  # kept: its id stays its own
    if what not in entry:
        entry[what] = work(flowable)
    return entry[what]


def draw_on(flowable: Flowable, canvas, x: float, y: float) -> None:
    """flowable.drawOn(canvas, x, y): from recorded operators when it has drawn the same
    in the same state before, else in full (and recorded when it can be reused)."""
    global _memo
    if _memo is not None:
        return _draw_on(flowable, canvas, x, y)
    _memo = {}
    try:
        _draw_on(flowable, canvas, x, y)
    finally:
        _memo = None


def _draw_on(flowable: Flowable, canvas, x: float, y: float) -> None:
    key = key_of(flowable) if ENABLED else None
    canvas.saveState()
    canvas.translate(x, y)
    if getattr(flowable, "on_draw", None) is not None:  # it says where it is drawn (answer regions)
        _say_where(flowable, canvas)
    if key is None:
        _draw(flowable, canvas)
    else:
        doc = canvas._doc
        hooks, numbers = hooked_inside(flowable)
        place = (canvas._currentMatrix, numbers) if hooks else None  # (the same place: the same regions)
        full_key = (key, _graphics_state(canvas), _font_state(doc), place)
        recorded = _drawn.get(full_key)
        if recorded is not None:
            _drawn.move_to_end(full_key)
            operators, shapes, places = recorded
            canvas._code.extend(operators)
            use_shapes(canvas, shapes)
            _say_where_replayed(hooks, places, canvas)
            COUNTS["replayed"] += 1
        elif _seen_before(full_key):
            COUNTS[_record(flowable, canvas, full_key)] += 1
        else:
            _draw(flowable, canvas)
            COUNTS["drawn"] += 1
    canvas.restoreState()


def _say_where(flowable: Flowable, canvas) -> None:
    """Calls the flowable's on_draw where the canvas is, and notes the place in every
    drawing being recorded."""
    flowable.on_draw(canvas, flowable.width, flowable.height)
    for places in _recording:
        places.append(canvas._currentMatrix)


def _say_where_replayed(hooks: list[Flowable], places: tuple[tuple, ...], canvas) -> None:
    """The on_draw of what a replayed drawing holds, each with the canvas where it was
    drawn when the drawing was recorded (no operator is written)."""
    if len(hooks) != len(places):
        raise RuntimeError(f"a replayed drawing holds {len(hooks)} on_draw, its recording {len(places)}")
    current = canvas._currentMatrix
    for flowable, place in zip(hooks, places):
        canvas._currentMatrix = place
        _say_where(flowable, canvas)
    canvas._currentMatrix = current


def _seen_before(full_key: tuple) -> bool:
    """Whether a drawing with this key was asked for before (by its hash). Recording
    costs a little, and most of what only one version draws (its worked steps) would be
    recorded for nothing: a drawing is recorded the second time it is asked for."""
    digest = hash(full_key)
    if digest in _seen:
        _seen.move_to_end(digest)
        return True
    _seen[digest] = None
    if len(_seen) > 4 * KEPT:
        _seen.popitem(last=False)
    return False


def _draw(flowable: Flowable, canvas) -> None:
    flowable.canv = canvas
    flowable.draw()
    del flowable.canv


def _record(flowable: Flowable, canvas, full_key: tuple) -> str:
    """Draws the flowable, and records its operators if they can be reused; says which."""
    doc = canvas._doc
    code, forms = len(canvas._code), len(canvas._formsinuse)
    objects, fonts = len(doc.idToObject), len(doc.fontMapping)  # (objects are only ever added)
    gstates = dict(canvas._extgstate._d), len(canvas._extgstate._c)
    places: list[tuple] = []  # where each on_draw inside it is called (its own was called before)
    _recording.append(places)
    try:
        _draw(flowable, canvas)
    finally:
        _recording.pop()
    shapes = tuple(canvas._formsinuse[forms:])
    added = set(islice(doc.idToObject, objects, None))
    if (_font_state(doc) != full_key[2] or len(doc.fontMapping) != fonts
            or added and not added <= {xObjectName(shape) for shape in shapes if shape in SHAPES}
            or (dict(canvas._extgstate._d), len(canvas._extgstate._c)) != gstates):
        return "drawn"  # it changed what later drawing depends on: not reused
    _drawn[full_key] = (tuple(canvas._code[code:]), shapes, tuple(places))
    if len(_drawn) > KEPT:
        _drawn.popitem(last=False)
    return "recorded"


# What reportlab's canvas keeps that its operators depend on (its position and matrices
# do not matter: drawings are recorded relative to their origin).
_STATE = ("_fontname", "_fontsize", "_textMode", "_leading", "_fillMode", "_charSpace", "_wordSpace",
          "_horizScale", "_textRenderMode", "_rise", "_lineCap", "_lineJoin", "_lineWidth", "_mitreLimit",
          "_fillColorObj", "_strokeColorObj")


def _graphics_state(canvas) -> tuple:
    return tuple(getattr(canvas, name) for name in _STATE) + (repr(canvas._lineDash),)


def _font_state(doc) -> tuple:
    """Per font used in doc: its name in the document and its characters beyond ASCII
    in the order they got their codes (ASCII has fixed codes: rl_config.ttfAsciiReadable)."""
    state = []
    for font in _subset_fonts():
        used = font.state.get(doc)
        if used is not None:
            state.append((font.fontName, used.internalName, _beyond_ascii(used)))
    return tuple(state)


def _beyond_ascii(used) -> tuple:
    """The characters beyond ASCII a font's state for one document has given codes, in
    that order; remembered on the state until it gives the next code."""
    remembered = getattr(used, "_templates_beyond_ascii", None)
    if remembered is None or remembered[0] != used.nextCode:
        remembered = used.nextCode, tuple(c for c in used.assignments if c > 127)
        used._templates_beyond_ascii = remembered
    return remembered[1]


_fonts: dict[str, list] = {}  # "names": the registered fonts' names, "subset": those subset per document


def _subset_fonts() -> list:
    """The registered fonts that reportlab subsets per document (TrueType)."""
    names = pdfmetrics.getRegisteredFontNames()
    if _fonts.get("names") != names:
        _fonts["names"] = names
        _fonts["subset"] = [font for font in map(pdfmetrics.getFont, names)
                            if getattr(font, "_dynamicFont", False) and hasattr(font, "state")]
    return _fonts["subset"]

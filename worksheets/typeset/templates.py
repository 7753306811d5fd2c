"""Templates of drawn content: a flowable whose drawing every version shares is drawn
once per process and then written as its ready PDF operators.

Every version of a sheet has the same layout, and most of what it draws is the same
in each: the sheet's header, the problems' headings and sentences, the figures of a
problem without numbers, the prompts and answer boxes. A flowable that can say what
it draws (template_key: its content and size, the same key for the same drawing) is
drawn through draw_on: the second time it is asked for, its operators are recorded (most
of what only one version draws never comes back), and every later time in any document
they are added as they are, with the glyph outlines they use. A drawing that holds content
met for the first time (a version's own numbers) is not even looked up (_holds_new).

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
from itertools import count, islice, repeat
from operator import attrgetter, contains, itemgetter
from weakref import ref

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import xObjectName
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Spacer

from ..caching import noted_before
from .mathink import SHAPES, use_shapes

ENABLED = True  # False: every flowable drawn in full (the pixel test compares the two)
KEPT = 512  # drawings kept per process, the least recently used dropped

# full key -> [operators, glyph shapes, places of the on_draw inside, when last used (_uses)]
_drawn: dict[tuple, list] = {}
_uses = count()  # (a replay notes its use: moving it to the end of an OrderedDict would compare its key again)
_recording: list[list[tuple]] = []  # per drawing being recorded: the canvas matrix of each on_draw called
_seen: "OrderedDict[int, None]" = OrderedDict()  # hashes of keys asked for once (see _seen_before)
_met: "OrderedDict[int, None]" = OrderedDict()  # hashes of leaves' keys met (see _holds_new)
# While a flowable is being drawn nothing is wrapped again, so the keys of what it holds
# (asked for at every level: a drawing's key holds its content's keys) and the on_draw
# flowables inside each are worked out once per drawing: by id, with the flowable kept.
_memo: dict[int, list] | None = None  # id -> [flowable, its key, what it holds (_inside), _holds_new]
_UNKNOWN = object()  # not worked out yet
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
        draw_on(self, canvas, self._hAlignAdjust(x, _sW) if _sW else x, y)


_draws_nothing = Templated.drawn_content


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


class Same:
    """Stands in a key for one object that is not hashable or is slow to compare (a
    paragraph's lines): equal only to itself, hashed by identity, both in C; it keeps the
    object alive, so that no other object takes its id while a key holds it."""
    __slots__ = ("object",)

    def __init__(self, thing):
        self.object = thing


_same: dict[int, Same] = {}  # by the object's id (kept alive by its Same)


def same(thing) -> Same:
    """The Same of an object: one per object while it is kept here (the last 4 * KEPT)."""
    token = _same.get(id(thing))
    if token is None or token.object is not thing:
        if len(_same) >= 4 * KEPT:
            _same.clear()  # (a key made before holds its own Same: it only stops matching new ones)
        token = _same[id(thing)] = Same(thing)
    return token


def key_of(flowable):
    """The template key of any flowable after wrap: None when it cannot tell."""
    return _per_drawing(flowable, _KEY, _key_of)


_KEY, _INSIDE, _NEW = 1, 2, 3  # what an entry of _memo holds after its flowable


def _per_drawing(flowable, slot: int, compute):
    """compute(flowable), worked out once per drawing (kept in the slot of its _memo entry)."""
    if _memo is None:
        return compute(flowable)
    entry = _entry(flowable)
    if entry[slot] is _UNKNOWN:
        entry[slot] = compute(flowable)
    return entry[slot]


def _entry(flowable) -> list:
    """The flowable's entry in _memo, made when first asked for (the flowable kept in it:
    its id stays its own while the drawing lasts)."""
    entry = _memo.get(id(flowable))
    if entry is None:
        entry = _memo[id(flowable)] = [flowable, _UNKNOWN, _UNKNOWN, _UNKNOWN]
    return entry


def _key_of(flowable):
    if isinstance(flowable, Templated):
        parts = flowable.template_key()
        return None if parts is None else Key(parts)
    if isinstance(flowable, Spacer):
        return Key(("spacer", flowable.width, flowable.height))
    return None


def keys_of(flowables) -> tuple | None:
    keys = tuple(map(key_of, flowables))
    return keys if all(keys) else None  # (a Key is true; `None in keys` would call Key.__eq__ on each)


def hooked_inside(flowable: Flowable) -> tuple[list[Flowable], tuple[int, ...]]:
    """The flowables a flowable draws that say where they are drawn (on_draw), in the
    order their on_draw is called, and their numbers in that order among all it draws
    (two drawings with one key hold the same flowables: the numbers tell which say it)."""
    hooks, numbers, _ = _inside(flowable)
    return list(hooks), numbers


def _inside(flowable: Flowable) -> tuple[tuple, tuple[int, ...], int]:
    """hooked_inside's flowables and numbers, and how many flowables it draws in all
    (made from its content's, each worked out once per drawing: see _memo)."""
    if getattr(type(flowable), "drawn_content", _draws_nothing) is _draws_nothing:  # (a leaf, or not ours)
        return _NOTHING_INSIDE
    return _per_drawing(flowable, _INSIDE, _inside_of)


_NOTHING_INSIDE = ((), (), 0)


def _inside_of(flowable: Flowable) -> tuple[tuple, tuple[int, ...], int]:
    if not isinstance(flowable, Templated):
        return _NOTHING_INSIDE
    hooks, numbers, count = [], [], 0
    for content in flowable.drawn_content():
        if getattr(content, "on_draw", None) is not None:
            hooks.append(content)
            numbers.append(count)
        count += 1
        inner_hooks, inner_numbers, inner_count = _inside(content)
        if inner_hooks:
            hooks += inner_hooks
            numbers += [count + n for n in inner_numbers]
        count += inner_count
    return tuple(hooks), tuple(numbers), count


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
    key = key_of(flowable) if ENABLED and not _holds_new(flowable) else None
    says_where = getattr(flowable, "on_draw", None) is not None  # (answer regions)
    if key is None:
        _save_and_translate(canvas, x, y)
        if says_where:
            _say_where(flowable, canvas)
        _draw(flowable, canvas)
        canvas.restoreState()
        return
    hooks, numbers, _ = _inside(flowable)
    # (the same place: the same regions; the matrix as canvas.translate makes it)
    place = None if not hooks else (_translated(canvas._currentMatrix, x, y), numbers)
    full_key = (key, _graphics_state(canvas), _font_state(canvas._doc), place)
    recorded = _drawn.get(full_key)
    if recorded is not None:
        recorded[3] = next(_uses)
        _replay(flowable, canvas, x, y, recorded, says_where, hooks)
        COUNTS["replayed"] += 1
        return
    _save_and_translate(canvas, x, y)
    if says_where:
        _say_where(flowable, canvas)
    if _seen_before(full_key):
        COUNTS[_record(flowable, canvas, full_key)] += 1
    else:
        _draw(flowable, canvas)
        COUNTS["drawn"] += 1
    canvas.restoreState()


def _save_and_translate(canvas, x: float, y: float) -> None:
    """canvas.saveState(); canvas.translate(x, y) (the same state and bytes: after "q"
    translate never merges its "cm" into the one before)."""
    if type(canvas).push_state_stack is Canvas.push_state_stack:  # (its state kept in C, not attribute by attribute)
        canvas.state_stack.append(dict(zip(Canvas.STATE_ATTRIBUTES, _saved(canvas.__dict__))))
        canvas._extgstate = canvas._extgstate.pushCopy()
        canvas._code.append("q")
    else:
        canvas.saveState()
    canvas._currentMatrix = _translated(canvas._currentMatrix, x, y)
    canvas._code.append(_translation(x, y))


_saved = itemgetter(*Canvas.STATE_ATTRIBUTES)  # what Canvas.push_state_stack keeps


_translations: dict[tuple[float, float], str] = {}  # every version draws at the same places


def _translation(x: float, y: float) -> str:
    """The "cm" operator of canvas.translate(x, y), kept per place."""
    text = _translations.get((x, y))
    if text is None:
        if len(_translations) >= 1 << 14:
            _translations.clear()
        text = _translations[x, y] = "%s cm" % fp_str(1, 0, 0, 1, x, y)
    return text


def _translated(matrix: tuple, dx: float, dy: float) -> tuple:
    """The canvas's matrix after translate(dx, dy), computed as reportlab does."""
    a0, b0, c0, d0, e0, f0 = matrix
    a, b, c, d = 1, 0, 0, 1
    return (a0 * a + c0 * b, b0 * a + d0 * b, a0 * c + c0 * d, b0 * c + d0 * d,
            a0 * dx + c0 * dy + e0, b0 * dx + d0 * dy + f0)


def _replay(flowable: Flowable, canvas, x: float, y: float, recorded: tuple, says_where: bool,
            hooks: tuple) -> None:
    """Writes a recorded drawing at (x, y): the bytes saveState, translate, the drawing
    and restoreState would write, without reportlab's state stack (nothing a replay
    writes changes the canvas's state; its matrix is set only for the on_draw called)."""
    operators, shapes, places, _ = recorded
    code = canvas._code
    code.append("q")
    code.append(_translation(x, y))
    if says_where or hooks:
        matrix = canvas._currentMatrix
        canvas._currentMatrix = _translated(matrix, x, y)
        if says_where:
            _say_where(flowable, canvas)
        _say_where_replayed(hooks, places, canvas)
        canvas._currentMatrix = matrix
    code.extend(operators)
    if shapes:
        use_shapes(canvas, shapes)
    code.append("Q")


def _say_where(flowable: Flowable, canvas) -> None:
    """Calls the flowable's on_draw where the canvas is, and notes the place in every
    drawing being recorded."""
    flowable.on_draw(canvas, flowable.width, flowable.height)
    for places in _recording:
        places.append(canvas._currentMatrix)


def _say_where_replayed(hooks: tuple, places: tuple[tuple, ...], canvas) -> None:
    """The on_draw of what a replayed drawing holds, each with the canvas where it was
    drawn when the drawing was recorded (no operator is written)."""
    if len(hooks) != len(places):
        raise RuntimeError(f"a replayed drawing holds {len(hooks)} on_draw, its recording {len(places)}")
    current = canvas._currentMatrix
    for flowable, place in zip(hooks, places):
        canvas._currentMatrix = place
        _say_where(flowable, canvas)
    canvas._currentMatrix = current


def _holds_new(flowable: Flowable) -> bool:
    """Whether the flowable holds content (a leaf's key) met for the first time in this
    process (worked out once per drawing: see _memo). Such a drawing cannot have been
    drawn before: it is drawn in full without working out its own key or looking it up
    (a version's own numbers: its worked steps and their rows and groups). Its key is
    marked as asked for the next time it comes: recorded the time after."""
    if getattr(type(flowable), "drawn_content", _draws_nothing) is _draws_nothing:
        return False  # (a leaf: its key is looked up; met, see _new_leaf)
    return _per_drawing(flowable, _NEW, _holds_new_content)


def _holds_new_content(flowable: Flowable) -> bool:
    return any(map(_new_inside, flowable.drawn_content()))


def _new_inside(content: Flowable) -> bool:
    """Whether content drawn by a container is, or holds, what _holds_new looks for."""
    if getattr(type(content), "drawn_content", _draws_nothing) is not _draws_nothing:
        return _holds_new(content)
    key = key_of(content)
    if key is None:
        return False
    memo = _memo
    entry = memo.get(id(content)) if memo is not None else None
    if entry is not None and entry[_NEW] is not _UNKNOWN:
        return entry[_NEW]
    new = _first_met(key)
    if entry is not None:
        entry[_NEW] = new
    return new


def _first_met(key: Key) -> bool:
    """Whether a leaf's key is met for the first time (by its hash)."""
    return not _noted(_met, key._hash)


def _seen_before(full_key: tuple) -> bool:
    """Whether a drawing with this key was asked for before (by its hash). Recording
    costs a little, and most of what only one version draws (its worked steps) would be
    recorded for nothing: a drawing is recorded the second time it is asked for."""
    return _noted(_seen, hash(full_key))


def _noted(register: OrderedDict, digest: int) -> bool:
    """Whether digest was noted in register before; notes it (the last 4 * KEPT kept)."""
    return noted_before(register, digest, 4 * KEPT)


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
    _drawn[full_key] = [tuple(canvas._code[code:]), shapes, tuple(places), next(_uses)]
    if len(_drawn) > KEPT:  # the least recently used quarter dropped
        for old in sorted(_drawn, key=lambda full_key: _drawn[full_key][3])[:KEPT // 4]:
            del _drawn[old]
    return "recorded"


# What reportlab's canvas keeps that its operators depend on (its position and matrices
# do not matter: drawings are recorded relative to their origin).
_STATE = ("_fontname", "_fontsize", "_textMode", "_leading", "_fillMode", "_charSpace", "_wordSpace",
          "_horizScale", "_textRenderMode", "_rise", "_lineCap", "_lineJoin", "_lineWidth", "_mitreLimit",
          "_fillColorObj", "_strokeColorObj", "_lineDash")
_state_of = attrgetter(*_STATE)


def _graphics_state(canvas) -> Key:
    """The canvas's state as a key. Most drawings are drawn in the state of the one
    before (a group's content in the group's), so the key is made again only when the
    state is not the same as last time on this canvas: comparing the objects themselves
    is quick, hashing colours is not."""
    state = _state_of(canvas)
    last = canvas.__dict__.get("_templates_state")
    if last is not None and last[0] == state:
        return last[1]
    key = _interned(Key(state[:-1] + (repr(state[-1]),)))  # (the dash pattern as text: reportlab may keep a list)
    canvas._templates_state = state, key
    return key


_states: dict[Key, Key] = {}  # the graphics and font states met, each kept once


def _interned(key: Key) -> Key:
    """The key of a state met before, else this one: the same state is the same object
    in every document, which keys compare at once (recorded drawings are looked up by
    keys holding the states of the documents that recorded them)."""
    if len(_states) > KEPT:
        _states.clear()
    return _states.setdefault(key, key)


def _font_state(doc) -> Key:
    """Per font used in doc: its name in the document and its characters beyond ASCII
    in the order they got their codes (ASCII has fixed codes: rl_config.ttfAsciiReadable),
    as a key. Made again only when the document has used another font or given a
    character its code (see _FontStates)."""
    states = doc.__dict__.get("_templates_fonts")
    if states is None:
        states = doc._templates_fonts = _FontStates(doc)
    return states.key()


class _FontStates:
    """What _font_state needs of one document's fonts, and the key it made last, with
    what tells whether it still holds: the fonts without a state for the document, those
    with a state but no name in it, and the sum of the states' next codes (a state's
    next code grows with every code it gives)."""

    def __init__(self, doc):
        self.doc = ref(doc)  # (reportlab keeps each font's state per document in a WeakKeyDictionary)
        self.registered = -1  # how many fonts were registered when the key was made
        self._key = None

    def key(self) -> Key:
        # (in C: a state is looked up by the weak reference kept, not a new one each time)
        if (len(pdfmetrics._fonts) != self.registered  # (fonts are registered, never dropped)
                or any(map(contains, self.unused, repeat(self.doc, len(self.unused))))
                or any(map(_internal_name, self.unnamed))
                or sum(map(_next_code, self.used)) != self.codes):
            self._make()
        return self._key

    def _make(self) -> None:
        self.registered = len(pdfmetrics._fonts)
        fonts = _subset_fonts()
        states = [font.state.data.get(self.doc) for font in fonts]
        self.unused = [font.state.data for font, used in zip(fonts, states) if used is None]  # (their states)
        self.used = [used for used in states if used is not None]
        self.unnamed = [used for used in self.used if used.internalName is None]
        self.codes = sum(map(_next_code, self.used))
        self._key = _interned(Key(tuple((font.fontName, used.internalName, _beyond_ascii(used))
                                        for font, used in zip(fonts, states) if used is not None)))


_next_code, _internal_name = attrgetter("nextCode"), attrgetter("internalName")


def _beyond_ascii(used) -> tuple:
    """The characters beyond ASCII a font's state for one document has given codes, in
    that order."""
    return tuple(c for c in used.assignments if c > 127)


_fonts: dict[str, list] = {}  # "names": the registered fonts' names, "subset": those subset per document


def _subset_fonts() -> list:
    """The registered fonts that reportlab subsets per document (TrueType)."""
    names = pdfmetrics.getRegisteredFontNames()
    if _fonts.get("names") != names:
        _fonts["names"] = names
        _fonts["subset"] = [font for font in map(pdfmetrics.getFont, names)
                            if getattr(font, "_dynamicFont", False) and hasattr(font, "state")]
    return _fonts["subset"]

"""Splits a formula at its top level into TeX atoms, so that each piece can be typeset
once per process and reused: worked solutions differ between versions only in their
numbers, and ziamath takes 40-90 ms per whole formula.

Each atom has TeX's class (ord, op, bin, rel, open, close, punct, inner), which decides
the space around it (TeXbook, chapter 18); an explicit space (\\, or \\quad) is an atom
of class "space" whose source is its width in mu (1/18 em). Only the top level is split:
a fraction, \\left...\\right or a matrix is one atom, typeset whole.

split() returns None for anything it does not know (an unknown command, unbalanced
braces, a script on an operator); the caller then typesets the formula whole, which
also reports the error.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from ..caching import kept_on_second_use


class Atom(NamedTuple):
    kind: str  # ord, op, bin, rel, open, close, punct, inner or space
    source: str  # LaTeX; for a space, its width in mu


# Single glyphs that are not laid out by ziamath but drawn directly (see mathtext):
# each LaTeX spelling, its class and its character.
SYMBOLS: dict[str, tuple[str, str]] = {
    "=": ("rel", "="), "<": ("rel", "<"), ">": ("rel", ">"),
    r"\neq": ("rel", "\u2260"), r"\ne": ("rel", "\u2260"), r"\approx": ("rel", "\u2248"),
    r"\leq": ("rel", "\u2264"), r"\le": ("rel", "\u2264"), r"\geq": ("rel", "\u2265"),
    r"\ge": ("rel", "\u2265"), r"\equiv": ("rel", "\u2261"), r"\sim": ("rel", "\u223c"),
    r"\to": ("rel", "\u2192"), r"\rightarrow": ("rel", "\u2192"),
    r"\Rightarrow": ("rel", "\u21d2"), r"\mapsto": ("rel", "\u21a6"), r"\in": ("rel", "\u2208"),
    "+": ("bin", "+"), "-": ("bin", "\u2212"), r"\cdot": ("bin", "\u22c5"),
    r"\times": ("bin", "\u00d7"), r"\pm": ("bin", "\u00b1"), r"\mp": ("bin", "\u2213"),
    r"\div": ("bin", "\u00f7"),
    ",": ("punct", ","), ";": ("punct", ";"),
    "(": ("open", "("), "[": ("open", "["), ")": ("close", ")"), "]": ("close", "]"),
}

SPACES_MU = {r"\,": 3, r"\:": 4, r"\>": 4, r"\;": 5, r"\!": -3, r"\quad": 18, r"\qquad": 36}

# Commands typeset by ziamath inside an atom, by number of arguments.
_ARGUMENTS = {
    **dict.fromkeys("frac dfrac tfrac binom".split(), 2),
    **dict.fromkeys("text mathrm mathit mathbf mathsf mathtt mathcal mathbb operatorname "
                    "vec hat bar tilde dot ddot overline underline boldsymbol sqrt".split(), 1),
}
_OPERATORS = {"sum", "prod", "int"}
_SYMBOL_ORDS = set(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu "
    "nu xi pi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi "
    "Sigma Upsilon Phi Psi Omega partial ell infty nabla prime cdots ldots dots".split())

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\d+(?:\.\d+)?|.", re.S)
_BEFORE_EQUALS = re.compile(r"(?<!\\)(?==)")
# Text whose every token is an atom of its own: numbers, signs, brackets (no scripts)
_PLAIN = re.compile(r"(?:\s|\d|[.()+\-=,;\[\]<>]|\\cdot(?![A-Za-z]))*")


class _Unsplittable(Exception):
    pass


def split(latex: str) -> list[Atom] | None:
    """The top-level atoms of `latex`, or None if it cannot be split.

    Split a stretch between "=" signs at a time, each stretch once per process: worked
    steps come back in every version with only their numbers changed. (An atom never
    reaches past an "=" that the splitter reads as a relation, and a stretch that does not
    split on its own, such as one with "=" inside braces, has the whole formula split.)"""
    atoms: list[Atom] = []
    for stretch in stretches(latex):
        found = _split_stretch(stretch)
        if found is None:
            return _split(latex)
        atoms += found
    return atoms


def stretches(latex: str) -> list[str]:
    """`latex` cut before each "=" (but "\\="): the pieces, joined, give it back."""
    return _BEFORE_EQUALS.split(latex)


@kept_on_second_use(maxsize=4096)  # (most stretches carry a version's own numbers, met once)
def _split_stretch(stretch: str) -> tuple[Atom, ...] | None:
    atoms = _split(stretch)
    return None if atoms is None else tuple(atoms)


def _split(latex: str) -> list[Atom] | None:
    if _PLAIN.fullmatch(latex):  # numbers and signs only, as most of a version's new stretches
        return [Atom(SYMBOLS[token][0] if token in SYMBOLS else "ord", token)
                for token in _TOKEN.findall(latex) if not token.isspace()]
    try:
        return _Splitter(latex).atoms()
    except _Unsplittable:
        return None


def is_fraction(source: str) -> bool:
    """Whether the atom is a bare \\frac, \\dfrac or \\tfrac (no scripts)."""
    splitter = _Splitter(source)
    try:
        if splitter._next_token() not in (r"\frac", r"\dfrac", r"\tfrac"):
            return False
        splitter._argument(), splitter._argument()
    except _Unsplittable:
        return False
    return splitter._skip_space() == len(source)


class _Splitter:
    def __init__(self, latex: str):
        self.text = latex
        self.pos = 0

    def atoms(self) -> list[Atom]:
        atoms = []
        while self._skip_space() < len(self.text):
            atoms.append(self._atom())
        return atoms

    def _skip_space(self) -> int:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1
        return self.pos

    def _next_token(self) -> str:
        match = _TOKEN.match(self.text, self.pos)
        if match is None:
            raise _Unsplittable
        self.pos = match.end()
        return match.group()

    def _atom(self) -> Atom:
        start = self.pos
        token = self._next_token()
        if token in SPACES_MU:
            return Atom("space", str(SPACES_MU[token]))
        if token in SYMBOLS:
            self._refuse_scripts()
            return Atom(SYMBOLS[token][0], token)
        kind = self._nucleus(token)
        self._scripts()
        return Atom(kind, self.text[start:self.pos].rstrip())

    def _nucleus(self, token: str) -> str:
        """Consumes what belongs to the token (its arguments, its group) and returns the
        class of the atom it starts."""
        if token == "{":
            self._group_rest()
            return "ord"
        if token == r"\left":
            self._until(r"\left", r"\right")
            self._next_token()  # the closing delimiter
            return "inner"
        if token == r"\begin":
            name = self._argument()
            self._until(r"\begin" + name, r"\end" + name, tokens=False)
            return "inner"
        if token == r"\blank":  # \blank or \blank{width}
            if self._skip_space() < len(self.text) and self.text[self.pos] == "{":
                self._argument()
            return "ord"
        if token.startswith("\\") and token[1:] in _ARGUMENTS:
            if token == r"\sqrt" and self.text.startswith("[", self._skip_space()):
                self.pos += 1  # the index, as in \sqrt[3]{x}
                self._until("[", "]", tokens=False)
            for _ in range(_ARGUMENTS[token[1:]]):
                self._argument()
            return "ord"
        if token.startswith("\\") and token[1:] in _OPERATORS:
            return "op"
        if token.startswith("\\") and token[1:] in _SYMBOL_ORDS:
            return "ord"
        if token.isalnum() or token[0].isdigit() or token in (".", "/", "|"):
            return "ord"
        raise _Unsplittable  # an unknown command, "&", "}", "^" without a base, ...

    def _scripts(self) -> None:
        """Consumes sub/superscripts and primes after a nucleus."""
        while self._skip_space() < len(self.text) and self.text[self.pos] in "^_'":
            self.pos += 1
            if self.text[self.pos - 1] != "'":
                self._argument()

    def _refuse_scripts(self) -> None:
        if self._skip_space() < len(self.text) and self.text[self.pos] in "^_'":
            raise _Unsplittable

    def _argument(self) -> str:
        """A braced group or a single token (as in "\\vec x" or "x_1")."""
        if self._skip_space() >= len(self.text):
            raise _Unsplittable
        start = self.pos
        token = self._next_token()
        if token == "{":
            self._group_rest()
        elif token in "}^_&" or token in (r"\left", r"\right", r"\begin", r"\end"):
            raise _Unsplittable
        return self.text[start:self.pos]

    def _group_rest(self) -> None:
        """Consumes up to the brace that closes an open "{"."""
        depth = 1
        while depth:
            if self.pos >= len(self.text):
                raise _Unsplittable
            token = self._next_token()
            depth += {"{": 1, "}": -1}.get(token, 0)

    def _until(self, opening: str, closing: str, tokens: bool = True) -> None:
        """Consumes up to the `closing` that matches an `opening` just read (nested
        pairs are skipped). With tokens=False the markers are plain strings."""
        depth = 1
        while depth:
            if self.pos >= len(self.text):
                raise _Unsplittable
            if not tokens:
                for marker, change in ((opening, 1), (closing, -1)):
                    if self.text.startswith(marker, self.pos):
                        self.pos += len(marker) - 1
                        depth += change
                        break
                self.pos += 1
                continue
            token = self._next_token()
            depth += {opening: 1, closing: -1}.get(token, 0)


# TeX's space between adjacent atoms at the top level of a display or text formula,
# in mu (TeXbook p. 170; 3 thin, 4 medium, 5 thick).
_CLASSES = ("ord", "op", "bin", "rel", "open", "close", "punct", "inner")
_SPACING = [
    # ord op bin rel open close punct inner
    [0, 3, 4, 5, 0, 0, 0, 3],  # ord
    [3, 3, 0, 5, 0, 0, 0, 3],  # op
    [4, 4, 0, 0, 4, 0, 0, 4],  # bin
    [5, 5, 0, 0, 5, 0, 0, 5],  # rel
    [0, 0, 0, 0, 0, 0, 0, 0],  # open
    [0, 3, 4, 5, 0, 0, 0, 3],  # close
    [3, 3, 0, 3, 3, 3, 3, 3],  # punct
    [3, 3, 4, 5, 3, 0, 3, 3],  # inner
]


# (left class, right class) -> mu
SPACE_MU = {(left, right): _SPACING[i][j] for i, left in enumerate(_CLASSES) for j, right in enumerate(_CLASSES)}


def space_mu(left: str, right: str) -> int:
    """TeX's space between atoms of classes `left` and `right`, in mu."""
    return SPACE_MU[left, right]


def resolve_unary(atoms: list[Atom]) -> list[Atom]:
    """TeX's rules 5 and 6: a binary operator with nothing to its left to operate on (at
    the start, after an operator, relation, "(" or ",") or before a relation, ")" or ","
    is an ordinary symbol: the minus of "-2" gets no space."""
    kinds = [a.kind for a in atoms if a.kind != "space"]
    indices = [i for i, a in enumerate(atoms) if a.kind != "space"]
    for n, kind in enumerate(kinds):
        if kind != "bin":
            continue
        before = kinds[n - 1] if n else None
        after = kinds[n + 1] if n + 1 < len(kinds) else None
        if before in (None, "bin", "op", "rel", "open", "punct") or \
                after in (None, "rel", "close", "punct"):
            kinds[n] = "ord"
    result = list(atoms)
    for i, kind in zip(indices, kinds):
        result[i] = Atom(kind, atoms[i].source) if kind != atoms[i].kind else atoms[i]
    return result


_MATRIX = re.compile(r"\\begin\{([pbBvV]?matrix)\}(.*)\\end\{\1\}", re.S)


def matrix_cells(source: str) -> tuple[str, list[list[str]]] | None:
    """A matrix environment's name and its cells' LaTeX by row, or None if `source` is
    not a plain matrix (nested environments are typeset whole)."""
    match = _MATRIX.fullmatch(source.strip())
    if match is None or r"\begin" in match.group(2):
        return None
    rows = _split_top(match.group(2), "\\\\")
    if len(rows) > 1 and not rows[-1].strip():  # a trailing "\\"
        rows = rows[:-1]
    cells = [_split_top(row, "&") for row in rows]
    return match.group(1), cells


def _split_top(text: str, separator: str) -> list[str]:
    """`text` cut at each `separator` token outside braces."""
    pieces, start, depth = [], 0, 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        depth += {"{": 1, "}": -1}.get(token, 0)
        if token == separator and depth == 0:
            pieces.append(text[start:match.start()])
            start = match.end()
    return pieces + [text[start:]]

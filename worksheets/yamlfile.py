"""Reading a spec file safely, keeping the line of every key for error messages."""
from __future__ import annotations

import os
import stat
import sys
import unicodedata
from pathlib import Path

import yaml

from .errors import SpecError

MAX_BYTES = 1_000_000
MAX_NODES = 100_000  # after expanding aliases; stops "billion laughs" documents
MAX_DEPTH = 100  # nesting of lists and mappings; a spec needs about 7
MAX_SCALAR_DIGITS = 100  # a YAML integer longer than this is not a spec number

_STR, _MERGE = "tag:yaml.org,2002:str", "tag:yaml.org,2002:merge"
_TYPE_NAMES = {"tag:yaml.org,2002:int": "a number", "tag:yaml.org,2002:float": "a number",
               "tag:yaml.org,2002:bool": "true or false", "tag:yaml.org,2002:null": "null (no value)",
               "tag:yaml.org,2002:timestamp": "a date"}


class Document:
    """Parsed YAML data plus the line number of every key and list item."""

    def __init__(self, file: str, data, lines: dict[tuple, int]):
        self.file = file
        self.data = data
        self._lines = lines
        self.source = b""  # the bytes read from the file (load), for the build's stamp

    def line_of(self, path: tuple) -> int | None:
        """Line of the deepest part of path that exists in the file."""
        for end in range(len(path), -1, -1):
            if path[:end] in self._lines:
                return self._lines[path[:end]]
        return None

    def error(self, path: tuple, message: str) -> SpecError:
        return SpecError(message, self.file, self.line_of(path), key_path(path))


def key_path(path: tuple) -> str:
    """('problems', 2, 'network', 'W2') -> 'problems[2].network.W2'; a key longer than
    40 characters (a typo can be a whole paragraph) is cut short."""
    text = ""
    for part in path:
        if not isinstance(part, int):
            part = str(part) if len(str(part)) <= 40 else str(part)[:37] + "..."
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def load(path: str | Path, display_name: str | None = None) -> Document:
    name = display_name or str(path)
    raw = read_limited(path, name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SpecError(f"not UTF-8 text (byte {exc.start} is 0x{raw[exc.start]:02x}); "
                        "save the file as UTF-8", name, line) from None
    document = parse(text, name)
    document.source = raw
    return document


def read_limited(path: str | Path, name: str) -> bytes:
    """The bytes of a regular file of at most MAX_BYTES (never more is read: /dev/zero,
    a FIFO or a huge file cannot hang or exhaust memory)."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer
        with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise SpecError("not a regular file", name)
            raw = file.read(MAX_BYTES + 1)
            size = max(len(raw), os.fstat(file.fileno()).st_size)
    except OSError as exc:
        raise SpecError(f"cannot read the file: {exc.strerror or exc}", name) from None
    if len(raw) > MAX_BYTES:
        raise SpecError(f"the file is {size:,} bytes; a spec may have at most {MAX_BYTES:,}", name)
    return raw


def parse(text: str, name: str = "<spec>") -> Document:
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:  # control characters such as NUL
        line = text.count("\n", 0, exc.position) + 1
        raise SpecError(f"the file contains the control character {_codepoint(exc.character)}, "
                        "which YAML does not allow", name, line) from None
    try:
        node = _compose(loader, name)
        if node is None:
            raise SpecError("the file is empty", name, 1)
        _check_size(node, name)
        lines: dict[tuple, int] = {(): node.start_mark.line + 1}
        _index(node, (), lines, name)
        data = loader.construct_document(node)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise SpecError(exc.problem or "cannot read a value", name, mark.line + 1 if mark else None) from None
    except yaml.MarkedYAMLError as exc:
        # An unclosed quote or bracket is found at the end of the file; where it was
        # opened is the useful place.
        unclosed = exc.context_mark is not None and any(w in (exc.context or "") for w in ("flow", "quoted"))
        mark = exc.context_mark if unclosed else (exc.problem_mark or exc.context_mark)
        line = mark.line + 1 if mark else None
        column = f" (column {mark.column + 1})" if mark else ""
        raise SpecError(syntax_message(exc) + column, name, line) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"YAML error: {exc}".replace("\n", " "), name) from None
    finally:
        loader.dispose()
    document = Document(name, data, lines)
    _check_text(document, data, ())
    return document


# PyYAML's words for the common slips, and what they mean to someone writing a spec.
_SYNTAX = (
    (("expected <block end>", "block mapping start"), "bad indentation: this line is indented more than "
     "the lines it belongs with"),
    (("expected <block end>", "'-'"), "bad indentation: a list item '- ...' where a key was expected "
     "(indent the item under its key, or add the key)"),
    (("expected <block end>",), "bad indentation: this line does not line up with the lines above it"),
    (("mapping values are not allowed",), "a ':' where no key can start: a line indented under a value, "
     "or a value with ': ' in it (put the value in quotes)"),
    (("could not find expected ':'",), "a line without 'key: value' (or indented too far)"),
    (("character '\\t'",), "a tab; indent with spaces"),
    (("quoted scalar", "end of stream"), "a quote that is never closed"),
    (("flow sequence",), "a [ ... ] list that is not closed or is missing a comma"),
    (("flow mapping",), "a { ... } mapping that is not closed or is missing a comma"),
    (("undefined alias",), "an alias '*name' without an anchor '&name' before it"),
)


def syntax_message(exc: yaml.MarkedYAMLError) -> str:
    """A YAML syntax error in the words of someone writing a spec."""
    raw = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
    for needles, meaning in _SYNTAX:
        if all(needle in raw for needle in needles):
            return meaning
    return f"YAML syntax error: {raw}"


def _check_text(document: Document, value, path: tuple) -> None:
    """Rejects text with control characters or lone surrogates, which a YAML escape
    ("\\0", "\\e", "\\ud800") can put in a string but no printed sheet can show."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_text(document, key, path)
            _check_text(document, item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text(document, item, path + (index,))
    elif isinstance(value, str):
        for char in value:
            if char not in "\t\n\r" and unicodedata.category(char) in ("Cc", "Cs"):
                raise document.error(path, f"the text contains the control character "
                                           f"{_codepoint(char)}, which cannot be printed")
            if char >= "\x80" and unicodedata.bidirectional(char) in _RIGHT_TO_LEFT:
                raise document.error(path, f"the text contains right-to-left writing ({_codepoint(char)} "
                                           f"{unicodedata.name(char, '')}), which the PDFs cannot print yet "
                                           "(it would come out reversed and unjoined)")


# Hebrew, Arabic, ... letters, and the marks that embed, override or isolate a direction
# (which would also reorder the error line on a terminal).
_RIGHT_TO_LEFT = {"R", "AL", "RLE", "RLO", "RLI", "LRE", "LRO", "LRI", "FSI", "PDF", "PDI"}


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader; a value it cannot construct (a date like 2001-13-45, a tag
    like !!python/object) becomes a ConstructorError with the value's line."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {_show_scalar(node)}: {exc}", node.start_mark) from None


_Loader.add_constructor(None, lambda loader, node: _unsupported_tag(node))


def _unsupported_tag(node):
    raise yaml.constructor.ConstructorError(
        None, None, f"unsupported YAML tag '{node.tag}'; a spec uses plain text, numbers, lists "
        "and mappings", node.start_mark)


def _compose(loader: yaml.SafeLoader, name: str):
    """The document's node tree, or SpecError when it nests deeper than MAX_DEPTH.

    PyYAML composes recursively and its scanner slows down quadratically with the
    nesting, so the recursion limit is lowered while composing: a hostile "[[[[..."
    fails after a few hundred characters instead of after a second or a crash."""
    frames, frame = 0, sys._getframe()
    while frame is not None:
        frames, frame = frames + 1, frame.f_back
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(frames + 4 * MAX_DEPTH + 50)  # PyYAML uses ~2 frames per level
    try:
        return loader.get_single_node()
    except RecursionError:
        raise SpecError(f"the YAML nests too deeply (at most {MAX_DEPTH} levels of lists and mappings)",
                        name, loader.line + 1) from None
    finally:
        sys.setrecursionlimit(old)


def _codepoint(char) -> str:
    return f"U+{char if isinstance(char, int) else ord(char):04X}"


def _show_scalar(node) -> str:
    value = str(node.value) if isinstance(node, yaml.ScalarNode) else node.tag
    return repr(value if len(value) <= 40 else value[:37] + "...")


def _check_size(root, name: str) -> None:
    """Rejects documents whose aliases expand to too many nodes (or refer to themselves)."""
    sizes: dict[int, int] = {}
    on_stack: set[int] = set()

    def size(node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in on_stack:
            raise SpecError("a YAML alias refers to itself", name, node.start_mark.line + 1)
        on_stack.add(key)
        children = []
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_NODES:
                raise SpecError(f"the YAML expands to more than {MAX_NODES:,} values "
                                "(aliases repeated too often?)", name, node.start_mark.line + 1)
        on_stack.discard(key)
        sizes[key] = total
        return total

    size(root)


def _index(node, path: tuple, lines: dict, name: str) -> None:
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise SpecError("a key must be text, not a list or mapping", name, line, key_path(path))
            key = key_node.value
            if key_node.tag not in (_STR, _MERGE):
                what = _TYPE_NAMES.get(key_node.tag, "a value that is not text")
                raise SpecError(f"a key must be text, but '{key}' is read as {what}; put it in quotes",
                                name, line, key_path(path))
            if key in seen:
                raise SpecError(f"duplicate key '{key}'", name, line, key_path(path + (key,)))
            seen.add(key)
            lines[path + (key,)] = line
            _index(value_node, path + (key,), lines, name)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _index(item, path + (i,), lines, name)
    elif node.tag == "tag:yaml.org,2002:int" and len(node.value) > MAX_SCALAR_DIGITS:
        raise SpecError(f"a number with {len(node.value):,} digits; spec numbers are at most "
                        f"1,000,000 in size", name, node.start_mark.line + 1, key_path(path))

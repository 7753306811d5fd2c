"""Reading a spec file safely, keeping the line of every key for error messages."""
from __future__ import annotations

from pathlib import Path

import yaml

from .errors import SpecError

MAX_BYTES = 1_000_000
MAX_NODES = 100_000  # after expanding aliases; stops "billion laughs" documents


class Document:
    """Parsed YAML data plus the line number of every key and list item."""

    def __init__(self, file: str, data, lines: dict[tuple, int]):
        self.file = file
        self.data = data
        self._lines = lines

    def line_of(self, path: tuple) -> int | None:
        """Line of the deepest part of path that exists in the file."""
        for end in range(len(path), -1, -1):
            if path[:end] in self._lines:
                return self._lines[path[:end]]
        return None

    def error(self, path: tuple, message: str) -> SpecError:
        return SpecError(message, self.file, self.line_of(path), key_path(path))


def key_path(path: tuple) -> str:
    """('problems', 2, 'network', 'W2') -> 'problems[2].network.W2'."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def load(path: str | Path, display_name: str | None = None) -> Document:
    name = display_name or str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read the file: {exc.strerror or exc}", name) from None
    if len(raw) > MAX_BYTES:
        raise SpecError(f"the file is {len(raw):,} bytes; a spec may have at most {MAX_BYTES:,}", name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text (byte {exc.start})", name) from None
    return parse(text, name)


def parse(text: str, name: str = "<spec>") -> Document:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise SpecError("the file is empty", name, 1)
        _check_size(node, name)
        lines: dict[tuple, int] = {(): node.start_mark.line + 1}
        _index(node, (), lines, name)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise SpecError(f"YAML syntax error: {message}", name, line) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"YAML error: {exc}", name) from None
    except RecursionError:
        raise SpecError("the YAML nests too deeply", name) from None
    finally:
        loader.dispose()
    return Document(name, data, lines)


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
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise SpecError(f"duplicate key '{key}'", name, line, key_path(path + (key,)))
            seen.add(key)
            lines[path + (key,)] = line
            _index(value_node, path + (key,), lines, name)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _index(item, path + (i,), lines, name)

"""The one kind of error a user sees: file, line, key, and what is wrong."""
from __future__ import annotations


class SpecError(Exception):
    """A problem with a spec, reported as `file:line: key: message`."""

    def __init__(self, message: str, file: str = "", line: int | None = None, key: str = ""):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.key = key

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        parts = [p for p in (where, self.key) if p]
        # One line, always: a message can quote user text with newlines in it.
        return ": ".join(parts + [self.message]).replace("\n", " ")


class BuildError(Exception):
    """A sheet could not be built for a reason other than its spec (e.g. a failed check)."""


class Unprintable(ValueError):
    """A problem too large to print legibly (a path sum or table wider than the page, a
    worked solution of hundreds of lines): reported like a spec error, at the problem."""

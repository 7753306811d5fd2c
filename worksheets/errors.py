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


class SpecErrors(Exception):
    """Every error found in one spec, each a line of its own (`file:line: key: message`)."""

    MAX_SHOWN = 50  # a file of garbage would otherwise print thousands of lines

    def __init__(self, errors: list[Exception]):
        super().__init__(errors)
        self.errors = errors

    def lines(self) -> list[str]:
        shown = [str(error) for error in self.errors[:self.MAX_SHOWN]]
        hidden = len(self.errors) - len(shown)
        return shown + ([f"... and {hidden} more errors"] if hidden else [])

    def __str__(self) -> str:
        return "\n".join(self.lines())


def one_or_all(errors: list[Exception]) -> Exception:
    """The exception to raise for a list of errors: the error itself when there is one."""
    return errors[0] if len(errors) == 1 else SpecErrors(errors)


class BuildError(Exception):
    """A sheet could not be built for a reason other than its spec (e.g. a failed check)."""


class Unprintable(ValueError):
    """A problem too large to print legibly (a path sum or table wider than the page, a
    worked solution of hundreds of lines): reported like a spec error, at the problem."""


def cannot_write(exc: OSError) -> str:
    """The line for outputs that cannot be written (a read-only folder, a full disk)."""
    where = f": {exc.filename}" if exc.filename else ""  # (none: the terminal's pipe)
    return f"cannot write the outputs{where}: {exc.strerror or exc}"

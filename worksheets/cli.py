"""Command line: `python -m worksheets build SPEC... [--out DIR]`, `check SPEC...` and
`grade SCANS.pdf... --sheet out/<sheet>`.

Every failing spec prints one line and the exit status is 1; the other specs still build.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import sys
from pathlib import Path

from . import __version__
from .errors import BuildError, SpecError, SpecErrors, cannot_write
from .limits import FORMAT_NAMES, MAX_VERSIONS


class Terminated(BaseException):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt so every cleanup on the way runs."""


def entry() -> None:
    """`worksheets` and `python -m worksheets`: main(), and on Ctrl-C (or SIGTERM) one
    line and status 130 (143) once the build has cleaned up after itself."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stop)
    try:
        status = main()
    except KeyboardInterrupt:
        print("worksheets: interrupted", file=sys.stderr)
        status = 130
    except Terminated:
        print("worksheets: terminated", file=sys.stderr)
        status = 143
    _exit(status)


def _exit(status: int) -> None:
    """Ends the process once its output is flushed, without tearing the interpreter down:
    after a class set it holds hundreds of thousands of objects (typeset math, recorded
    drawings, the plan) that would be freed one by one for nothing (0.15 s after 200
    versions). Every file the command writes is closed by then, every process it started
    waited for."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(status)


def _stop(signum, frame) -> None:
    # A second Ctrl-C would cut the cleanup short (and print a traceback): ignored.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt if signum == signal.SIGINT else Terminated()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "schema":
        from .schema import schema_text
        sys.stdout.write(schema_text())
        return 0
    if args.command == "new":
        return _new(args.name, args.kinds)
    if args.command == "grade":
        return _grade(args)
    failed = 0
    specs = args.specs
    if args.command == "build":
        specs, clashes = _one_folder_each(specs, args.out)
        for spec, message in clashes.items():
            _report(spec, message)
        failed += len(clashes)
    for spec in specs:
        try:
            if args.command == "build":
                _build(spec, args)
            else:
                from .build import check_plan
                plan = check_plan(spec)  # every problem of every version built and checked
                for warning in plan.warnings:
                    print(escaped(warning), file=sys.stderr)
        except SpecErrors as exc:  # every mistake of the spec, a line each
            for line in exc.lines():
                _report(spec, line)
            failed += 1
        except (SpecError, BuildError) as exc:
            _report(spec, str(exc))
            failed += 1
        except OSError as exc:  # the output folder cannot be written (read-only, a file, full disk)
            _report(spec, cannot_write(exc))
            failed += 1
        except Exception as exc:  # a bug of ours: still one line, and the other sheets go on
            _report(spec, f"internal error ({type(exc).__name__}: {exc}); please report it")
            failed += 1
    return 1 if failed else 0


def _report(spec: str, message: str) -> None:
    """One line on stderr that starts with the spec's file name (also when a tool such as
    Graphviz failed). A message's line breaks become spaces; other control characters
    (ESC, BEL, CR, a newline in a file name) are shown escaped, never sent to the terminal."""
    rest = f": {message}"
    for shown in (spec, spec.replace("\n", " ")):  # (SpecError already made the name one line)
        if message.startswith(shown):
            rest = message[len(shown):]
            break
    print(escaped(spec) + escaped(rest.replace("\n", " ")), file=sys.stderr)


def escaped(text: str) -> str:
    """text with every character that is not printable written as an escape (\\x1b, \\n)."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _one_folder_each(specs: list[str], out: str) -> tuple[list[str], dict[str, str]]:
    """The specs to build, each file once, and an error for every spec whose output
    folder another spec would also write ("a b.yaml" and "a-b.yaml" are both out/a-b):
    neither is built, so neither is lost. Names differing only in case clash too (they
    are one folder on macOS and Windows)."""
    from .stamp import sheet_name
    by_folder: dict[str, list[str]] = {}
    for spec in dict.fromkeys(specs):
        by_folder.setdefault(sheet_name(spec).casefold(), []).append(spec)
    keep, clashes = set(), {}
    for group in by_folder.values():
        if len({os.path.realpath(spec) for spec in group}) == 1:
            keep.add(group[0])
            continue
        for spec in group:
            others = ", ".join(repr(other) for other in group if other != spec)
            clashes[spec] = (f"its output folder {os.path.join(out, sheet_name(spec))} is also the "
                             f"folder of {others}; neither is built: rename one of them")
    return [spec for spec in dict.fromkeys(specs) if spec in keep], clashes


def _build(spec: str, args) -> None:
    """Builds one sheet and says so in one line on stdout (warnings go to stderr)."""
    from .stamp import FIGURES_TEMP, build_options, clean_stale, clean_stale_temporary, fresh_outputs, output_folder
    options = build_options(args.versions, args.seed, args.paper, args.formats, args.only, args.version_letter,
                            args.large_print)
    folder = output_folder(spec, args.version_letter)
    target = os.path.join(args.out, folder)
    # What a killed build left, removed even when nothing needs building.
    if os.path.isdir(args.out):
        clean_stale(Path(args.out), folder)
    clean_stale_temporary(FIGURES_TEMP)
    if not args.force and fresh_outputs(spec, args.out, options):
        _say(escaped(f"unchanged {target}"))  # nothing changed: not even the heavy imports
        return
    from .build import build_sheet, previous_build
    before = previous_build(Path(target))
    plan = build_sheet(spec, args.out, versions=args.versions, seed=args.seed, jobs=args.jobs,
                       paper=args.paper, formats=args.formats, only=args.only, version_letter=args.version_letter,
                       large_print=args.large_print)
    for warning in plan.warnings:
        print(escaped(warning), file=sys.stderr)
    _say(escaped(f"built {target}: {plan.summary()}" + _replaced(before, plan)))


def _say(line: str) -> None:
    """A line on stdout, now. A reader that has gone (`worksheets build ... | head -0`)
    is no failure of the build: its outputs are written, so the line is dropped."""
    try:
        print(line, flush=True)
    except BrokenPipeError:
        pass


def _replaced(before: dict | None, plan) -> str:
    """", replacing the build of seed 7 with 8 versions" when those differ."""
    if before is None:
        return ""
    now = {"seed": plan.seed if plan.versioned else None, "versions": plan.count if plan.versioned else None}
    if before == now:
        return ""
    described = ", ".join(f"{k} {v}" for k, v in before.items() if v is not None) or "no versions"
    return f" (it replaces the build of {described})"


class _Parser(argparse.ArgumentParser):
    """A bad option is one line that points to --help, not argparse's usage message."""

    def error(self, message: str):
        self.exit(2, escaped(f"{self.prog}: {_in_plain_words(message)} (see {self.prog} --help)") + "\n")


def _in_plain_words(message: str) -> str:
    """argparse's "argument --seed: expected a whole number, got 'abc'" as "--seed must be a
    whole number, got 'abc'"; "invalid choice: 'x' (choose from 'a', 'b')" likewise."""
    match = re.fullmatch(r"argument ([^:]+): (.*)", message, re.S)
    if not match:
        return message
    option, rest = match[1].split("/")[-1], match[2]
    choice = re.fullmatch(r"invalid choice: (.*) \(choose from (.*)\)", rest, re.S)
    if choice:
        return f"{option} must be one of {choice[2]}, got {choice[1]}"
    return f"{option} must be {rest[len('expected '):]}" if rest.startswith("expected ") else f"{option}: {rest}"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="worksheets", description="Backpropagation worksheets "
                     "and answer keys from YAML network specs.")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build worksheet, key, answers and figures for each spec")
    build.add_argument("specs", nargs="+", metavar="SPEC")
    build.add_argument("--out", default="out", help="output folder (default: out)")
    build.add_argument("--versions", type=_positive, help="number of versions (overrides the spec's)")
    build.add_argument("--seed", type=_seed, help="seed of the random parts (overrides the spec's)")
    build.add_argument("--paper", choices=("letter", "a4"),
                       help="paper size (overrides the spec's paper:)")
    build.add_argument("--jobs", type=_positive, help="worker processes for versions (default: one per core)")
    build.add_argument("--formats", type=_formats, metavar="LIST",
                       help="what to write, overriding the spec's `formats:`: a comma-separated "
                            "list of pdf, html, prairielearn, canvas, moodle, or all")
    build.add_argument("--only", choices=("worksheet", "key", "answers"),
                       help="write only this file of each version (no exports)")
    build.add_argument("--version-letter", type=_letter, metavar="V",
                       help="build only version V (drawn and laid out as in the whole set) into OUT/<sheet>-V")
    build.add_argument("--large-print", action="store_true",  # issue 9, item 7
                       help="also write worksheet-large.pdf and key-large.pdf (body text 18 pt)")
    build.add_argument("--force", action="store_true",
                       help="rebuild even sheets whose spec, options and tool are unchanged")
    check = commands.add_parser("check", help="validate specs and compute their keys; write nothing")
    check.add_argument("specs", nargs="+", metavar="SPEC")
    new = commands.add_parser("new", help="write a commented starter spec that builds as it is")
    new.add_argument("name", metavar="NAME", help="the spec file to write (.yaml is added if missing)")
    new.add_argument("--kinds", type=_kind_list, default=None,
                     help="comma-separated problem kinds, one example problem each (default: backprop,forward)")
    commands.add_parser("schema", help="print the JSON Schema of the spec format (for editors)")
    grade = commands.add_parser("grade", help="grade scanned worksheets: grades.csv, and review.pdf for a person")
    grade.add_argument("scans", nargs="+", metavar="SCANS.pdf")
    grade.add_argument("--sheet", required=True, metavar="FOLDER", help="the built sheet, out/<sheet>")
    grade.add_argument("--out", default="grades", help="where grades.csv and review.pdf go (default: grades)")
    grade.add_argument("--ecf", action="store_true",
                       help="error carried forward: credit a part that follows from the student's own earlier answer")
    parser.add_argument("--version", action="version", version=f"worksheets {__version__}")
    return parser


def _grade(args) -> int:
    """Grades the scans; one line of summary on stdout, or one line of error."""
    from .grading import grade, write_grades
    scans = [Path(p) for p in args.scans]
    for path in scans:
        if not path.is_file():
            print(escaped(f"{path}: no such file"), file=sys.stderr)
            return 1
    if os.path.exists(args.out) and not os.path.isdir(args.out):  # before the slow part
        print(escaped(f"{args.out}: not a folder; grades.csv and review.pdf go into a folder (--out)"),
              file=sys.stderr)
        return 1
    try:
        graded = grade(scans, Path(args.sheet), ecf=args.ecf)
        write_grades(graded, Path(args.out), graded.pagesize)
    except (BuildError, SpecError) as exc:
        print(escaped(str(exc)), file=sys.stderr)
        return 1
    except OSError as exc:
        print(escaped(f"{exc.filename or args.out}: cannot write the grades: {exc.strerror or exc}"), file=sys.stderr)
        return 1
    review = f"; {len(graded.reviews)} to review in {Path(args.out) / 'review.pdf'}" if graded.reviews else ""
    students, pages = len(graded.rows), graded.pages
    print(escaped(f"graded {students} student{'s' * (students != 1)} from {pages} page{'s' * (pages != 1)} into "
                  f"{Path(args.out) / 'grades.csv'}{review}"))
    return 0


def _kind_list(text: str) -> list[str]:
    from .starter import unknown_kinds
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = unknown_kinds(kinds)
    if unknown or not kinds:
        from .kinds import KINDS
        problem = f"unknown kind {unknown[0]!r}" if unknown else "no kind given"
        raise argparse.ArgumentTypeError(f"{problem}; kinds: {', '.join(sorted(KINDS))}")
    return kinds


def _new(name: str, kinds: list[str] | None) -> int:
    from .starter import default_kinds, starter_spec
    path = Path(name if name.endswith((".yaml", ".yml")) else name + ".yaml")
    if os.path.lexists(path):
        print(escaped(f"{path}: exists already; it is left alone (choose another name)"), file=sys.stderr)
        return 1
    try:
        path.write_text(starter_spec(path, kinds or default_kinds()), encoding="utf-8")
    except OSError as exc:
        print(escaped(f"{path}: cannot write the file: {exc.strerror or exc}"), file=sys.stderr)
        return 1
    print(escaped(f"wrote {path}; build it with: python -m worksheets build {path}"))
    return 0


def _letter(text: str) -> str:
    if not text.isascii() or not text.isalpha() or not text.isupper() or len(text) > 3:
        raise argparse.ArgumentTypeError(f"expected a version letter such as A or AB, got {text!r}")
    return text


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _positive(text: str) -> int:
    value = _whole(text)
    if not 1 <= value <= MAX_VERSIONS:
        raise argparse.ArgumentTypeError(f"expected 1 to {MAX_VERSIONS}, got {value}")
    return value


def _formats(text: str) -> tuple[str, ...]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if names == ["all"]:
        return FORMAT_NAMES
    unknown = [name for name in names if name not in FORMAT_NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown format {unknown[0]!r}; formats: {', '.join(FORMAT_NAMES)} or all"
                                         if unknown else "expected at least one format")
    return tuple(dict.fromkeys(names))


def _seed(text: str) -> int:
    value = _whole(text)
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"expected a seed from 0 to 2**63 - 1, got {value}")
    return value

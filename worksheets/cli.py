"""Command line: `python -m worksheets build SPEC... [--out DIR]` and `check SPEC...`.

Every failing spec prints one line and the exit status is 1; the other specs still build.
"""
from __future__ import annotations

import argparse
import sys

from .errors import BuildError, SpecError


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from .build import build_sheet, check_sheet

    failed = 0
    for spec in args.specs:
        try:
            if args.command == "build":
                build_sheet(spec, args.out)
            else:
                check_sheet(spec)
        except (SpecError, BuildError) as exc:
            print(str(exc).replace("\n", " "), file=sys.stderr)
            failed += 1
        except Exception as exc:  # a bug of ours: still one line, and the other sheets go on
            print(f"{spec}: internal error ({type(exc).__name__}: {exc}); please report it".replace("\n", " "),
                  file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="worksheets", description="Backpropagation worksheets "
                                     "and answer keys from YAML network specs.")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build worksheet, key, answers and figures for each spec")
    build.add_argument("specs", nargs="+", metavar="SPEC")
    build.add_argument("--out", default="out", help="output folder (default: out)")
    check = commands.add_parser("check", help="validate specs and compute their keys; write nothing")
    check.add_argument("specs", nargs="+", metavar="SPEC")
    return parser

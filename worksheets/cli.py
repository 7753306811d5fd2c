"""Command line: `python -m worksheets build SPEC... [--out DIR]` and `check SPEC...`."""
from __future__ import annotations

import argparse
import sys

from .errors import SpecError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="worksheets", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build worksheet, key and answers for each spec")
    build.add_argument("specs", nargs="+", metavar="SPEC")
    build.add_argument("--out", default="out", help="output folder (default: out)")
    check = commands.add_parser("check", help="validate specs without writing anything")
    check.add_argument("specs", nargs="+", metavar="SPEC")
    args = parser.parse_args(argv)

    from .build import build_sheet, check_sheet
    failed = 0
    for spec in args.specs:
        try:
            if args.command == "build":
                build_sheet(spec, args.out)
            else:
                check_sheet(spec)
        except SpecError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0

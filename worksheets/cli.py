"""Command line: `python -m worksheets build SPEC... [--out DIR]` and `check SPEC...`.

Every failing spec prints one line and the exit status is 1; the other specs still build.
"""
from __future__ import annotations

import argparse
import sys

from .errors import BuildError, SpecError


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    failed = 0
    for spec in args.specs:
        try:
            if args.command == "build":
                _build(spec, args)
            else:
                from .build import check_sheet
                check_sheet(spec)
        except (SpecError, BuildError) as exc:
            line = str(exc).replace("\n", " ")
            # every line starts with the spec's file name, also when a tool (Graphviz) failed
            print(line if line.startswith(spec) else f"{spec}: {line}", file=sys.stderr)
            failed += 1
        except OSError as exc:  # the output folder cannot be written (read-only, a file, full disk)
            where = f" {exc.filename}" if exc.filename else ""
            print(f"{spec}: cannot write the outputs:{where}: {exc.strerror or exc}", file=sys.stderr)
            failed += 1
        except Exception as exc:  # a bug of ours: still one line, and the other sheets go on
            print(f"{spec}: internal error ({type(exc).__name__}: {exc}); please report it".replace("\n", " "),
                  file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def _build(spec: str, args) -> None:
    from .stamp import fresh_outputs
    if not args.force and fresh_outputs(spec, args.out, args.versions, args.seed, args.paper):
        return  # nothing changed since the last build: not even the heavy imports
    from .build import build_sheet
    plan = build_sheet(spec, args.out, versions=args.versions, seed=args.seed, jobs=args.jobs,
                       paper=args.paper)
    for warning in plan.warnings:
        print(warning, file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="worksheets", description="Backpropagation worksheets "
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
    build.add_argument("--force", action="store_true",
                       help="rebuild even sheets whose spec, options and tool are unchanged")
    check = commands.add_parser("check", help="validate specs and compute their keys; write nothing")
    check.add_argument("specs", nargs="+", metavar="SPEC")
    return parser


def _positive(text: str) -> int:
    from .sheet import MAX_VERSIONS
    value = int(text)
    if not 1 <= value <= MAX_VERSIONS:
        raise argparse.ArgumentTypeError(f"expected 1 to {MAX_VERSIONS}, got {value}")
    return value


def _seed(text: str) -> int:
    value = int(text)
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"expected a seed from 0 to 2**63 - 1, got {value}")
    return value

"""``casekit``'s entry: the parser of every command, and one line for any error."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence

from .. import __version__
from ..errors import CasekitError, UsageError, ValidationFailed
from . import agreement, analysis, data, network, records, review, servers
from .options import EPILOG, Commands
from .terminal import path_problem, print_problems, show_warning


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    with warnings.catch_warnings():
        warnings.showwarning = show_warning
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    """The command, and one line for any error it ends with."""
    try:
        return args.run(args)
    except ValidationFailed as exc:
        print_problems(exc.found or exc.problems)
        errors = int((exc.problems["severity"] == "error").sum())
        print(
            f"casekit: error: {errors} problem{'s' * (errors != 1)} found; "
            "nothing was written",
            file=sys.stderr,
        )
        return 1
    except CasekitError as exc:
        print(f"casekit: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("casekit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of a pipe stopped early (`casekit patterns | head`): no error
        # of ours, and no traceback when Python flushes into the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        # A path the command was given cannot be used (a file in the way, a
        # read-only disk): said once here for every command, as a usage error.
        print(f"casekit: error: {path_problem(exc)}", file=sys.stderr)
        return UsageError.exit_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="casekit",
        epilog=EPILOG,
        description="Log anonymised low-back-pain cases and count, honestly, how "
        "often clinical patterns recur.",
    )
    parser.add_argument("--version", action="version", version=f"casekit {__version__}")
    commands = Commands(parser)
    for family in (data, records, analysis, agreement, network, review, servers):
        family.register(commands)
    return parser

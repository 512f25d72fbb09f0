"""How a command is declared: its help, its example, its options."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable

EPILOG = "Exit status: 0 success, 1 the data has problems, 2 a usage error."


class Commands:
    """The subcommands of ``casekit``, each with a help text and an example."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self._commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def add(
        self, name: str, help_text: str, example: str, run: Callable[..., int]
    ) -> argparse.ArgumentParser:
        sub = self._commands.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=f"Example: {example}\n{EPILOG}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(run=run)
        return sub


def db_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--db",
        metavar="URL",
        help="store path or SQLAlchemy URL (default: $CASEKIT_DB or data/casekit.db)",
    )


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def day(text: str) -> dt.date:
    """A date option (``--on 2025-03-14``), read as an import reads a date cell."""
    from ..validate import read_day

    try:
        return read_day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc}, got {text!r}") from None

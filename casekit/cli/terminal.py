"""What the commands print besides their results: problems, and progress for a
person at a terminal (a log or a pipe gets results only)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import pandas as pd

from ..problems import Problem, summary


def say(message: str) -> None:
    """A line of progress on stderr, at a terminal only."""
    if sys.stderr.isatty():
        print(message, file=sys.stderr, flush=True)


def progress(done: int, total: int) -> None:
    """A counter that rewrites its own line, at a terminal only."""
    if not sys.stderr.isatty():
        return
    print(
        f"\rwriting synthetic cases: {done}/{total}",
        end="",
        file=sys.stderr,
        flush=True,
    )


def print_problems(problems: Sequence[Problem] | pd.DataFrame) -> None:
    """Each kind of problem on one line (:func:`casekit.problems.summary`): where it
    is (file and rows), then what is wrong; a table without its problems, one line
    a row."""
    if isinstance(problems, pd.DataFrame):
        lines = problems["problem"].tolist()
    else:
        lines = summary(problems)
    for line in lines:
        print(line)

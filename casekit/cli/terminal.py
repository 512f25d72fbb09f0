"""What the commands print besides their results: problems, and progress for a
person at a terminal (a log or a pipe gets results only)."""

from __future__ import annotations

import errno
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

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


def show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as the command line shows it: casekit's own (a store's hidden
    columns) as one line on stderr, any other as Python would."""
    if category.__module__.startswith("casekit."):
        print(f"casekit: warning: {message}", file=sys.stderr)
    else:
        # The original, not `warnings.showwarning`: inside catch_warnings(record=
        # True) that one appends to the record being read, for ever.
        warnings._showwarning_orig(message, category, filename, lineno, file, line)


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


# What the system's refusals mean to someone who gave a path; `{path}` is the path.
_REFUSALS = {
    errno.EROFS: "cannot write in {folder}: it is on a read-only disk; choose a "
    "folder you can write to",
    errno.EACCES: "{path}: permission denied; choose a folder you can write to",
    errno.EPERM: "{path}: not permitted here; choose a folder you can write to",
    errno.ENOENT: "{path}: no such file or folder, and it cannot be made there",
    errno.EISDIR: "{path} is a folder; expected a file",
    errno.ENOSPC: "{path}: the disk is full",
    errno.ENAMETOOLONG: "{path}: the name is too long",
}


def path_problem(exc: OSError) -> str:
    """Why a path a command was given cannot be used, in one line that names it:
    a file where a folder goes, a missing or read-only folder, a full disk."""
    if exc.filename is None:
        return (exc.strerror or str(exc)).lower()
    path = Path(os.fsdecode(exc.filename))
    if exc.errno == errno.ENOTDIR:
        file = next((p for p in path.parents if p.is_file()), None)
        if file is not None:
            return f"{path}: {file} is a file, not a folder"
    if exc.errno == errno.EEXIST:
        if path.is_dir():
            return f"{path} already exists; give a new name"
        return f"{path} is a file, not a folder; give a folder or a new name"
    words = _REFUSALS.get(exc.errno, "{path}: " + (exc.strerror or "").lower())
    return words.format(path=path, folder=path.parent)

"""Formula-safe files: a text cell never starts a spreadsheet formula.

A CSV or XLSX cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is read by Excel, LibreOffice and Google Sheets as a formula, which runs when a
colleague opens the file (``=HYPERLINK(...)`` sends data away, ``@SUM(...)`` computes).
OWASP's advice for CSV injection is followed: such a cell is written with a leading
apostrophe, which spreadsheets show as text and do not evaluate. A number
(``-3``, ``+1.5e3``) is left as it is: it starts no formula.

The escape is made reversible, so that export then import gives back every value
exactly: a value that already starts with apostrophes followed by one of those
characters gets one more apostrophe, and :func:`restore` removes exactly one.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = ["neutralise", "neutralise_frame", "restore", "restore_frame"]

# Apostrophes (any number, including none) and then a character a formula starts with.
_RISKY = re.compile(r"'*[=+\-@\t\r]")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """``value`` as a cell that starts no formula; anything but text as it is.

    Examples
    --------
    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise("-3"), neutralise("L4-5")
    ('-3', 'L4-5')
    """
    if not isinstance(value, str) or not _RISKY.match(value):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


def restore(value: Any) -> Any:
    """The value :func:`neutralise` was given (the inverse, for import)."""
    if isinstance(value, str) and value.startswith("'") and _RISKY.match(value[1:]):
        return value[1:]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and header) neutralised."""
    return _each_cell(frame, neutralise, _RISKY.pattern)


def restore_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and header) restored."""
    return _each_cell(frame, restore, "'" + _RISKY.pattern)


def _each_cell(frame: pd.DataFrame, change, touches: str) -> pd.DataFrame:
    """``change`` applied to every text cell; ``touches`` matches the start of
    every cell it may change (and of a few it leaves as they are)."""
    out = frame.copy()
    out.columns = [change(c) for c in out.columns]
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.StringDtype):
            # A column of text (a CSV's): find the few cells to change in one
            # vectorised match, rather than calling `change` on every cell.
            some = column.str.match(touches, na=False)
            if some.any():
                out.loc[some, name] = column[some].map(change)
        elif column.dtype == object or pd.api.types.is_string_dtype(column):
            out[name] = column.map(change, na_action="ignore")
    return out

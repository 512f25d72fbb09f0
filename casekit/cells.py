"""Formula-safe files: a text cell never starts a spreadsheet formula.

A CSV or XLSX cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is read by Excel, LibreOffice and Google Sheets as a formula, which runs when a
colleague opens the file (``=HYPERLINK(...)`` sends data away, ``@SUM(...)`` computes).
OWASP's advice for CSV injection is followed: such a cell is written with a leading
apostrophe, which spreadsheets show as text and do not evaluate. A number
(``-3``, ``+1.5e3``) is left as it is: it starts no formula.

The escape is made reversible, so that export then import gives back every value
exactly: a value that already starts with apostrophes followed by one of those
characters gets one more apostrophe, and :func:`restore` removes exactly one. A
value is never otherwise changed: ``'tis the season`` is written and read as it is.

The import strips every cell of the stray spaces a spreadsheet adds; a text that
starts or ends with a space, a tab or a line break of its own would lose them. So
such a text is escaped too (after any apostrophes, a space is treated as a formula
character is), and the import takes an escaped cell as it is, spaces included
(:func:`restore_frame` with ``strip``).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = ["is_escaped", "neutralise", "neutralise_frame", "restore", "restore_frame"]

# Apostrophes (any number, including none) and then a character a formula starts with.
_RISKY = re.compile(r"'*[=+\-@\t\r]")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# Every character str.strip() takes away, written out: a vectorised match of a
# pandas text column is RE2's (pyarrow), whose \s is ASCII alone.
_SPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
# What is escaped: apostrophes, then a formula character or a space; or a text
# ending in a space. Prefixing an apostrophe keeps a text in this set, so one more
# apostrophe always says "escaped" and :func:`restore` is the exact inverse.
_LEADING = re.compile(f"'*[=+\\-@{_SPACE}]")
# The same in one pattern, for a vectorised match of a whole column.
_ESCAPED = f"{_LEADING.pattern}|(?s:.*)[{_SPACE}]$"


def neutralise(value: Any) -> Any:
    """``value`` as a cell that starts no formula; anything but text as it is.

    Examples
    --------
    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise("-3"), neutralise("L4-5")
    ('-3', 'L4-5')
    """
    if not isinstance(value, str) or not _needs_escape(value):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


def restore(value: Any) -> Any:
    """The value :func:`neutralise` was given (the inverse, for import)."""
    if is_escaped(value):
        return value[1:]
    return value


def is_escaped(value: Any) -> bool:
    """Whether ``value`` is a cell :func:`neutralise` escaped: an apostrophe, then a
    text that it escapes (an apostrophe before anything else is the text's own)."""
    return isinstance(value, str) and value[:1] == "'" and _needs_escape(value[1:])


def _needs_escape(text: str) -> bool:
    return text[-1:].isspace() or _LEADING.match(text) is not None


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and header) neutralised."""
    return _each_cell(frame, neutralise, _ESCAPED)


def restore_frame(frame: pd.DataFrame, *, strip: bool = False) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and header) restored.

    ``strip``: each cell that is not an escape first loses the spaces around it
    that a spreadsheet adds (and is then restored, should a spreadsheet have put
    spaces around an escape); an escaped cell keeps them, as its text's own.
    """
    if not strip:
        return _each_cell(frame, restore, "'")
    out = frame.copy()
    out.columns = [restore(c.strip()) if isinstance(c, str) else c for c in out.columns]
    for name in out.columns:
        column = out[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            out[name] = _stripped_and_restored(column.fillna("").astype(str))
    return out


def _stripped_and_restored(text: pd.Series) -> pd.Series:
    """A column of text cells stripped, unless escaped, and restored."""
    cells = text.str.strip()
    # Only a cell that starts with an apostrophe may be an escape, before the
    # strip or after it (spaces a spreadsheet put before one): few do, and only
    # they are looked at one by one, not the million others. One that starts
    # with it and is no escape has no space to strip: it stays as it is.
    quoted = text.str.startswith("'").to_numpy(dtype=bool)
    if quoted.any():
        escaped = quoted.copy()  # by position: an index may repeat a label
        escaped[quoted] = text[quoted].map(is_escaped).to_numpy(dtype=bool)
        cells[escaped] = text[escaped].str.slice(1)
    spaced = cells.str.startswith("'").to_numpy(dtype=bool) & ~quoted
    if spaced.any():
        cells[spaced] = cells[spaced].map(restore)
    return cells


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

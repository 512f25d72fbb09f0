"""What spreadsheets write, read as meant: CSV files in the encodings Excel saves
(UTF-8, with or without its BOM; UTF-16, its "Unicode Text"; else Windows-1252)
with a comma, semicolon or tab, and .xlsx workbooks, a sheet per form. Each table
comes as text cells, headers as field codes; a header that names a field twice is
refused by the name as typed, and the empty columns a spreadsheet leaves after the
last one are skipped."""

from __future__ import annotations

import csv
import datetime as dt
import re
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..cells import restore_frame
from ..errors import ImportFileError

# What to do with a file that is not the workbook its name says.
RESAVE = "open it in Excel and save it as .xlsx (Excel Workbook) or CSV UTF-8"


class AssumedEncoding(UserWarning):
    """A CSV file that is not UTF-8 was read as Windows-1252 (what Excel's "CSV
    (Comma delimited)" writes); ``casekit import`` prints the message."""


def read_csv(path: Path) -> pd.DataFrame:
    """A CSV file's table; UTF-16 when it says so (Excel's "Unicode Text"), else
    UTF-8 (with or without Excel's BOM), else Windows-1252, the usual rule for
    Excel's files: every byte but five is a character there, so a file that is
    neither is not text at all."""
    wide = _utf16(path)
    if wide is not None:
        try:
            return _parse_csv(path, wide)
        except UnicodeDecodeError:
            raise ImportFileError(
                str(path),
                "starts as UTF-16 text but is not; save it again as CSV UTF-8",
            ) from None
    try:
        return _parse_csv(path, "utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        table = _parse_csv(path, "cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(
            str(path), "is not a CSV text file (neither UTF-8 nor Windows-1252 text)"
        ) from None
    warnings.warn(
        AssumedEncoding(
            f"{path.name}: not UTF-8 text, read as Windows-1252 (Excel's \"CSV "
            '(Comma delimited)"); check that letters such as é and £ look right'
        ),
        stacklevel=2,
    )
    return table


def _utf16(path: Path) -> str | None:
    """The UTF-16 encoding of a file that is UTF-16 text, else None: one with
    UTF-16's byte-order mark (Excel's "Unicode Text" has it), or one whose first
    characters are mostly ASCII, a NUL byte each (a header of field codes in
    UTF-16 without the mark). UTF-8 and Windows-1252 text has no NUL byte."""
    with path.open("rb") as file:
        start = file.read(512)
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"  # the codec reads the mark and drops it
    even, odd = start[0::2], start[1::2]
    # Mostly ASCII (a header of field codes): one byte of each pair is NUL.
    if len(odd) >= 2 and odd.count(0) > len(odd) / 2 and even.count(0) == 0:
        return "utf-16-le"
    if len(even) >= 2 and even.count(0) > len(even) / 2 and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _parse_csv(path: Path, encoding: str) -> pd.DataFrame:
    sep = _separator(path, encoding)
    read = {"dtype": str, "keep_default_na": False, "encoding": encoding}
    try:
        with warnings.catch_warnings():
            # A first row longer than the header: an error, not a warning and a loss.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            # The header as typed: the table's own names make `nprs.1` of a
            # second `nprs`, a name nobody typed.
            header = pd.read_csv(path, header=None, nrows=1, sep=sep, **read)
            table = pd.read_csv(
                path, skip_blank_lines=False, sep=sep, index_col=False, **read
            )
    except UnicodeDecodeError:
        raise  # the caller tries the next encoding
    except pd.errors.EmptyDataError:
        raise ImportFileError(
            str(path), "is empty; expected a header row of field codes"
        ) from None
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError) as exc:
        # The parser's own words ("Error tokenizing data. C error...") help nobody.
        raise ImportFileError(str(path), _unreadable_csv(exc)) from None
    typed = header.iloc[0].tolist()
    refuse_repeated_columns(str(path), typed)
    # The header as typed, an empty name empty (pandas says `Unnamed: 7`).
    table.columns = typed
    return tidy(table)


def refuse_repeated_columns(where: str, header: Sequence[object]) -> None:
    """A header that names a field twice, said as it was typed ("column `nprs`
    appears twice"); headers count as the same field without spaces and capitals."""
    spellings: dict[str, list[str]] = {}
    for cell in header:
        typed = str(cell).strip()
        if typed:
            spellings.setdefault(typed.lower(), []).append(typed)
    said = []
    for code, typed in spellings.items():
        if len(typed) < 2:
            continue
        if len(set(typed)) == 1:
            times = "twice" if len(typed) == 2 else f"{len(typed)} times"
            said.append(f"column `{typed[0]}` appears {times}")
        else:
            named = " and ".join(f"`{t}`" for t in dict.fromkeys(typed))
            said.append(f"columns {named} are the same field `{code}`")
    if said:
        keep = "keep one" if len(said) == 1 else "keep one of each"
        raise ImportFileError(where, f"{'; '.join(said)}; {keep}")


def _unreadable_csv(exc: Exception) -> str:
    """Why a CSV file cannot be read, in words a spreadsheet user acts on."""
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
    if found:
        where = f"row {found[2]} has {found[3]} cells, the header row {found[1]}"
    elif isinstance(exc, pd.errors.ParserWarning):  # pandas' word on the first row
        where = "row 2 has more cells than the header row"
    else:
        where = "a row has more cells than the header row"
    return (
        f"cannot be read as CSV: {where}; check that every row uses the header's "
        "separator (a comma, a semicolon or a tab) and that a cell holding that "
        "separator is in double quotes"
    )


def _separator(path: Path, encoding: str) -> str:
    """The file's separator, sniffed (:class:`csv.Sniffer`) from its header row of
    field codes: a comma, or the semicolon that spreadsheets in decimal-comma
    locales write (European Excel), or a tab. A comma when it cannot tell (a file
    of one column)."""
    try:
        with path.open(encoding=encoding, newline="") as file:
            header = file.readline()
        return csv.Sniffer().sniff(header, delimiters=",;\t").delimiter
    except csv.Error:
        return ","
    except UnicodeDecodeError:
        return ","  # pandas says what is wrong with the file, in its own turn


def tidy(table: pd.DataFrame) -> pd.DataFrame:
    """Headers as field codes, cells without stray spaces, and no empty rows or
    unnamed empty columns; the index stays the record's position, so that problems
    name the row a spreadsheet shows."""
    # Spreadsheets add spaces and capitals to headers; field codes have neither.
    table.columns = [str(c).strip().lower() for c in table.columns]
    table = _named_columns(table)
    # Stray spaces stripped and the export's escape undone, an escaped cell kept
    # as it is (its spaces are its text's own): see casekit.cells.
    table = restore_frame(table.fillna(""), strip=True)
    return table[(table != "").any(axis=1)]


def _named_columns(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` without the columns that have no name and no values (Excel saves
    the empty columns after the last one it once touched: ``nprs,,,``); a column
    with no name but values is named by its place (:func:`unnamed_column`)."""
    keep, names = [], []
    for place, name in enumerate(table.columns):
        if name == "":
            cells = table.iloc[:, place].fillna("").astype(str).str.strip()
            if (cells == "").all():
                continue
            name = unnamed_column(place + 1)
        keep.append(place)
        names.append(name)
    table = table.iloc[:, keep]
    table.columns = names
    return table


def unnamed_column(number: int) -> str:
    """How a column with values but no name is called, by its place as a
    spreadsheet shows it: ``column 9 (I)``; :data:`UNNAMED` finds it again (no
    field code has a space or a capital)."""
    letters = ""
    rest = number
    while rest > 0:
        rest, last = divmod(rest - 1, 26)
        letters = chr(ord("A") + last) + letters
    return f"column {number} ({letters})"


UNNAMED = re.compile(r"column \d+ \([A-Z]+\)")


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text its sheet shows: a boolean ``TRUE`` /
    ``FALSE`` (as Excel and LibreOffice show it), a whole number without ``.0``, a
    date ``YYYY-MM-DD`` (with its time after it, if it has one), '' when empty.

    What the person typed is then what validation reads, and what a problem shows.
    """
    if (
        value is None
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    ):
        return ""
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):  # pandas' Timestamp too
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def workbook_sheets(path: Path) -> dict[str, pd.DataFrame]:
    """The sheets of an .xlsx workbook that hold anything, by name, as text cells
    (:func:`cell_text`); the empty Sheet2 a new workbook comes with is left out."""
    # An .xlsx is a zip of XML files; anything else (a CSV or an old .xls renamed,
    # a file cut short) is not one, whatever its name says.
    if not zipfile.is_zipfile(path):
        raise ImportFileError(str(path), f"is not an Excel workbook (.xlsx); {RESAVE}")
    try:
        # Cells as they are typed (booleans, numbers, dates), each then written as
        # the text the spreadsheet shows; text would read TRUE as 'True', 7 as '7.0'.
        # No header row: pandas would name a second `nprs` `nprs.1`.
        sheets = pd.read_excel(
            path,
            sheet_name=None,
            dtype=object,
            keep_default_na=False,
            header=None,
            engine="openpyxl",
        )
    except Exception:  # openpyxl raises many kinds, in its own words
        raise ImportFileError(
            str(path), f"cannot be read as an Excel workbook (.xlsx); {RESAVE}"
        ) from None
    tables = {}
    for name, sheet in sheets.items():
        if sheet.empty:
            continue
        header = [cell_text(cell) for cell in sheet.iloc[0]]
        refuse_repeated_columns(f"{path}, sheet {name!r}", header)
        rows = sheet.iloc[1:].reset_index(drop=True)  # row 0 is spreadsheet row 2
        rows.columns = header
        tables[name] = tidy(rows.map(cell_text).astype(str))
    if not tables:
        raise ImportFileError(
            str(path),
            "has no sheet with data; expected sheets named cases, "
            "sessions, followups or exams",
        )
    return tables

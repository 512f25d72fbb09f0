"""What REDCap's data import would refuse: each value held to its field as a REDCap
data dictionary declares it (its type, text validation, range and choices).

A test helper, written from REDCap's own files (tests/fixtures/redcap/): its readings
are tested on REDCap's real exports, which REDCap itself wrote and would take back,
before they judge casekit's.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

# Columns of a raw-data file that are no field of the dictionary.
_ROW_COLUMNS = {
    "redcap_repeat_instrument",
    "redcap_repeat_instance",
    "redcap_event_name",
}
_INTEGER = re.compile(r"^[-+]?\d+$")
_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)$")


def read_book(path: Path) -> pd.DataFrame:
    """A data dictionary as REDCap's page writes it, by field name."""
    book = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return book.set_index(book.columns[0])


def refusals(book: pd.DataFrame, data: pd.DataFrame) -> list[tuple[str, str, str]]:
    """Each (column, value, why) of ``data`` that its field in ``book`` refuses;
    a blank is always taken."""
    found = []
    record_id = book.index[0]
    for column in data.columns:
        if column in _ROW_COLUMNS or column == record_id:
            continue
        name, _, choice = column.partition("___")
        if column.endswith("_complete") and name not in book.index:
            rule = _allowed({"0", "1", "2"}, "a form status")
        elif name not in book.index:
            found.append((column, "", "no such field"))
            continue
        else:
            rule = _rule(book.loc[name], choice)
        for value in data[column]:
            why = rule(value.strip()) if value.strip() else None
            if why:
                found.append((column, value, why))
    return found


def choices(field: pd.Series) -> list[str]:
    """The raw codes of a dropdown, radio or checkbox field."""
    text = field["Choices, Calculations, OR Slider Labels"]
    return [part.split(",", 1)[0].strip() for part in text.split("|") if part.strip()]


def _rule(field: pd.Series, choice: str):
    kind = field["Field Type"]
    if kind == "checkbox":
        if choice not in choices(field):
            return lambda value: f"{choice!r} is not a choice"
        return _allowed({"0", "1"}, "a checkbox")
    if kind in ("dropdown", "radio"):
        return _allowed(set(choices(field)), "a choice")
    if kind in ("yesno", "truefalse"):
        return _allowed({"0", "1"}, kind)
    if kind == "text":
        return _validated(field)
    return lambda value: None  # notes, calc, file, slider...: not held here


def _allowed(values: set[str], what: str):
    return lambda value: None if value in values else f"not {what} ({sorted(values)})"


def _validated(field: pd.Series):
    validation = field["Text Validation Type OR Show Slider Number"]
    low, high = field["Text Validation Min"], field["Text Validation Max"]

    def check(value: str) -> str | None:
        if validation == "integer" and not _INTEGER.match(value):
            return "not an integer"
        if validation == "number" and not _NUMBER.match(value):
            return "not a number"
        if validation == "date_ymd":
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                return "not a date (Y-M-D)"
        if validation in ("integer", "number"):
            if low and float(value) < float(low) or high and float(value) > float(high):
                return f"outside {low} to {high}"
        return None

    return check

"""Telling a share export by its signs: what import and merge refuse in one line.

A share export (``casekit export --share``, CSV or REDCap) cannot go back into a
store: it has weeks since intake instead of dates, its sites are labels
(``site A``), some of its values are generalised. Read as data, every row of it
fails the checks (a date required, a site unknown, a column no field): a hundred
problems that never say what the folder is. Its signs, any one of them:

- ``disclosure.txt`` in the folder given, or beside a file of the export given;
- a ``week`` column (``session_week``, ``followup_week``, ``exam_week`` in a REDCap
  share) where the form's date column is missing: a share has weeks *instead of*
  dates (a date is never shared), a full export always has its form's date, and a
  local field may well be named ``week``;
- a case table whose sites are all share labels and that has no intake date (its
  ``cases.csv`` copied away alone): a store's site codes are never two words.

:mod:`casekit.io.pool` (merge) and :mod:`casekit.io.importer` both ask
:func:`share_export_in`.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..dictionary import load_dictionary
from ..errors import ImportFileError
from .exporter import FILE_OF

SHARE_EXPORT = (
    "a share export (disclosure.txt, weeks since intake instead of dates, sites as "
    "labels)"
)
DISCLOSURE = "disclosure.txt"
# The data files of an export, CSV or REDCap, that lie beside its disclosure.txt.
_EXPORT_FILES = {*FILE_OF.values(), "redcap_data.csv"}
# How a share names a site (casekit.privacy.neutral_sites): `site A`, `site AB`.
_SITE_LABEL = re.compile(r"site [A-Z]+")


def share_export_in(
    paths: Sequence[str | os.PathLike],
    tables: Mapping[str, tuple[str, pd.DataFrame]] | None = None,
) -> str | None:
    """Which of ``paths`` (a folder, or a file), or which source of ``tables``
    (as :func:`casekit.io.importer.read_tables` reads them), shows a share export;
    None when none does."""
    for raw in paths:
        path = Path(raw)
        beside = path.is_file() and path.name.lower() in _EXPORT_FILES
        if path.is_dir() and (path / DISCLOSURE).is_file():
            return str(path)
        if beside and (path.parent / DISCLOSURE).is_file():
            return str(path)
    for form, (source, table) in (tables or {}).items():
        columns = {str(c) for c in table.columns}
        weeks = {"week", f"{form}_week"} & columns and _date_of(form) not in columns
        if weeks or (form == "case" and _labelled_sites(table)):
            return source
    return None


def refuse_share_import(
    paths: Sequence[str | os.PathLike],
    tables: Mapping[str, tuple[str, pd.DataFrame]],
) -> None:
    """Raise ``ImportFileError`` in one line when the files to import are a share
    export's, naming what they are and what to import instead."""
    found = share_export_in(paths, tables)
    if found is not None:
        # One folder or file given is named as given, not by the table in it.
        raise ImportFileError(
            str(paths[0]) if len(paths) == 1 else found,
            f"it is {SHARE_EXPORT}, which cannot be imported: import a full export "
            "of the store instead (casekit export DIR, without --share); nothing "
            "was imported",
        )


@functools.cache  # the built-in dictionary, read once
def _date_of(form: str) -> str | None:
    """The built-in date field of ``form`` (``session_date``), which every row of
    a full export has and a share never: the date the weeks are counted to."""
    found = load_dictionary().forms.get(form)
    dates = [f.code for f in found.fields if f.type == "date"] if found else []
    return dates[0] if dates else None


def _labelled_sites(cases: pd.DataFrame) -> bool:
    if "site" not in cases.columns or "intake_date" in cases.columns:
        return False
    sites = [str(v).strip() for v in cases["site"] if pd.notna(v) and str(v).strip()]
    return bool(sites) and all(_SITE_LABEL.fullmatch(s) for s in sites)

"""The case id each new case row of an import has: listed after the import, and
written to a file when asked (``casekit import --ids-out FILE``). A practitioner
who logs by spreadsheet finds there the ids to give next week's sessions.

The file holds a case row's spreadsheet row and its case's id, never the id the
file gave: one that was replaced was replaced because it may identify the patient
(a record or phone number).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class NewCase:
    """A case row of an import and its case's id: its own, or one the import drew
    (``drawn``: none was given, or the one given was replaced)."""

    source: str
    row: int
    case_id: str
    drawn: bool


def reserve(path: str | os.PathLike) -> None:
    """Make ``path`` an empty file, owner-only, before an import writes: a path
    that cannot be written is said before the import, not after it has given
    its cases ids that would then be lost. ``OSError`` when it exists or cannot
    be made."""
    os.close(os.open(Path(path), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def write_case_ids(path: str | os.PathLike, new_cases: Iterable[NewCase]) -> Path:
    """Write ``row,case_id`` for each new case, in the file's order, readable by
    its owner alone (with the practitioner's spreadsheet, it links its rows to the
    cases, as a full export would), into the file :func:`reserve` made."""
    path = Path(path)
    # Owner-only from the first byte (reserve made it so), as the store's file is.
    handle = os.open(path, os.O_WRONLY | os.O_TRUNC)
    with open(handle, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["row", "case_id"])
        writer.writerows([c.row, c.case_id] for c in new_cases)
    return path

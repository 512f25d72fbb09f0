"""Import: the practitioner's spreadsheets, casekit's own exports, REDCap exports.

Import reads ``cases.csv``, ``sessions.csv``, ``followups.csv``, ``exams.csv``
(columns are field codes; multi-select cells hold codes joined by ``|``; dates are
``YYYY-MM-DD``), one ``.xlsx`` with a sheet per form, or a REDCap raw-data export
(:mod:`casekit.io.redcap`).
It is all or nothing: every problem of every file is gathered first, and one error
means nothing is written. The way out is :mod:`casekit.io.exporter`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from ..checks import cross_form_problems
from ..dictionary import Dictionary, Form
from ..errors import ImportFileError, ValidationFailed
from ..frames import typed_frame
from ..privacy import is_case_id
from ..problems import Problem, problems_frame
from ..repeats import repeats_of_stored
from ..store import Checked, Store
from ..store.late import shifted
from ..store.numbering import unseen_case_ids
from ..store.rows import no_collection_pauses
from .case_ids import NewCase
from .exporter import FILE_OF
from .keys import key_problems
from .redcap import from_redcap, is_redcap, read_redcap_dictionary
from .renumbering import (
    moved_notes,
    moved_references,
    moved_stored_references,
    renumbered,
    stored_moves,
)
from .share_signs import refuse_share_import
from .sheets import UNNAMED, AssumedEncoding, cell_text, read_csv, workbook_sheets
from .withdrawn import (
    removed_given,
    withdrawn_given,
    withdrawn_repeated,
    withdrawn_said,
)

# Where callers have always found them.
__all__ = [
    "AssumedEncoding",
    "ImportResult",
    "cell_text",
    "import_files",
    "read_tables",
]

# Files that describe data rather than hold it: an export's own, or REDCap's.
DESCRIBING = ("dictionary.csv", "redcap_dictionary.csv", "metadata.csv")
REDCAP_DATA = ("redcap_data.csv", "data.csv")
RECORDS_CHUNK = 10_000  # rows whose cells are made Python text at a time
_FORM_OF_NAME = {
    "case": "case",
    "cases": "case",
    "session": "session",
    "sessions": "session",
    "followup": "followup",
    "followups": "followup",
    "exam": "exam",
    "exams": "exam",
}


@dataclass
class ImportResult:
    """What an import found and did: counts per form, the problems table, the
    problems it was made from (as :func:`casekit.problems.summary` says them),
    and each case row with its case's id (the ids drawn are kept only when
    ``written``)."""

    counts: dict[str, int]
    problems: pd.DataFrame
    written: bool
    renamed: dict[str, str] = field(default_factory=dict)
    found: tuple[Problem, ...] = ()
    case_ids: tuple[NewCase, ...] = ()


def read_tables(
    paths: Sequence[str | os.PathLike], dictionary: Dictionary
) -> dict[str, tuple[str, pd.DataFrame]]:
    """The import files as ``{form: (source name, frame of text cells)}``."""
    tables: dict[str, tuple[str, pd.DataFrame]] = {}
    for path in _expand(paths):
        if not path.is_file():
            raise ImportFileError(str(path), "no such file", exit_code=2)
        suffix = path.suffix.lower()
        if suffix == ".csv" and path.stem.strip().lower() in _FORM_OF_NAME:
            found = {_form_of(path.stem, str(path)): (path.name, read_csv(path))}
        elif suffix == ".csv":
            found = _read_redcap(path, dictionary)
        elif suffix in (".xlsx", ".xlsm"):
            found = _read_workbook(path)
        else:
            raise ImportFileError(
                str(path),
                "expected cases.csv, sessions.csv, followups.csv, exams.csv or an "
                ".xlsx workbook",
                exit_code=2,
            )
        for form, table in found.items():
            if form in tables:
                raise ImportFileError(
                    str(path),
                    f"a second {form} table; give each form once",
                    exit_code=2,
                )
            tables[form] = table
    return tables


def _expand(paths: Sequence[str | os.PathLike]) -> list[Path]:
    """Files to read: a folder stands for the export inside it (casekit's CSVs,
    or a REDCap data file), and a dictionary describes the data rather than holding
    any."""
    files = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = [
                path / name for name in FILE_OF.values() if (path / name).is_file()
            ] or [path / name for name in REDCAP_DATA if (path / name).is_file()][:1]
            if not found:
                raise ImportFileError(
                    str(path),
                    "holds none of cases.csv, sessions.csv, followups.csv, "
                    "exams.csv, redcap_data.csv",
                    exit_code=2,
                )
            files += found
        elif path.name.lower() not in DESCRIBING:
            files.append(path)
    return files


def _read_redcap(path: Path, dictionary: Dictionary) -> dict:
    table = read_csv(path)
    if not is_redcap(table) and path.name.lower() not in REDCAP_DATA:
        _form_of(path.stem, str(path))  # says which names are expected
    found = from_redcap(
        table, dictionary, path.name, read_redcap_dictionary(path.parent)
    )
    return {form: (path.name, frame) for form, frame in found.items()}


def _form_of(name: str, where: str) -> str:
    form = _FORM_OF_NAME.get(name.strip().lower())
    if form is None:
        raise ImportFileError(
            where,
            f"{name!r} is not a form; expected cases, sessions, followups or exams",
            exit_code=2,
        )
    return form


def _read_workbook(path: Path) -> dict[str, tuple[str, pd.DataFrame]]:
    return {
        _form_of(name, f"{path}, sheet {name!r}"): (f"{path.name}[{name}]", table)
        for name, table in workbook_sheets(path).items()
    }


# An import makes millions of small dicts, lists and tuples (records, rows,
# problems) that form no cycles; the cycle collector would walk the ones kept again
# and again: at 100,000 cases about a quarter of the import's time (123 s against
# 90 s, one run each). What is let go is still freed at once, by reference counting.
@no_collection_pauses()
def import_files(
    store: Store,
    paths: Sequence[str | os.PathLike],
    *,
    dry_run: bool = False,
    allow_repeats: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ImportResult:
    """Check every row of every file, then write all of it in one transaction.

    Each row goes once through the store's door (:meth:`Store.check`), keeping its
    file and spreadsheet row; new sessions and follow-ups are numbered as the store
    will number them; then the keys and the rules across forms are checked, and the
    checked records are written as they are. Raises ``ValidationFailed`` (its
    ``problems`` table lists every problem with its file and spreadsheet row) when
    any error is found; nothing is written then. A row identical to a stored
    record (:func:`casekit.repeats.repeats_of_stored`) is such an error unless
    ``allow_repeats``. ``progress`` is told, in words, what the import is doing.
    """
    say = progress or (lambda message: None)
    dictionary = store.dictionary
    tables = read_tables(paths, dictionary)
    refuse_share_import(paths, tables)  # its rows would fail every check
    rows = sum(len(table) for _, table in tables.values())
    say(f"checking {rows} rows of {len(tables)} form{'s' * (len(tables) != 1)} ...")
    problems: list[Problem] = []
    renamed, new_cases = _fresh_case_ids(store, tables, problems)
    batches: dict[str, list[Checked]] = {}
    moved: dict[str, dict] = {}  # numbers given by date to another row than in file
    shifts: dict[str, dict] = {}  # stored records moved by a late new one, by form
    incoming = {}
    for form in dictionary:
        if form.name not in tables:
            incoming[form.name] = _empty(dictionary, form.name)
            continue
        # Let go of each raw table once checked: its cells are in the records now.
        source, table = tables.pop(form.name)
        checked, incoming[form.name] = _checked(
            store, form, source, table, problems, moved, shifts
        )
        batches[form.name] = checked
    problems += moved_references(moved.get("session", {}), incoming)
    problems += moved_stored_references(shifts.get("session", {}), incoming)
    problems += moved_notes(shifts)
    problems += _across_forms(store, incoming, problems, shifts, allow_repeats)
    # The frames were for the checks: the write needs the records alone.
    incoming.clear()
    counts = {name: len(records) for name, records in batches.items()}
    errors = any(p.severity == "error" for p in problems)
    if errors or dry_run:
        # The ids drawn are thrown away: a problem names its case's row instead.
        problems = by_case_row(problems, new_cases)
    table = problems_frame(problems)
    if errors:
        raise ValidationFailed(table, problems)
    if not dry_run:
        say(f"writing {rows} rows in one transaction ...")
        store.add_many(batches, keep=False)
    found = tuple(problems)
    return ImportResult(counts, table, not dry_run, renamed, found, tuple(new_cases))


def _checked(
    store: Store,
    form: Form,
    source: str,
    table: pd.DataFrame,
    problems: list,
    moved: dict[str, dict],
    shifts: dict[str, dict],
) -> tuple[list[Checked], pd.DataFrame]:
    """Each row of ``table`` through the store's door, numbered as the store will
    number it, and as a typed frame; its problems added to ``problems``, the
    numbers it gives by date to another row than the file's order would to
    ``moved`` (:func:`casekit.io.renumbering.renumbered`), the stored records that
    a row dated before them moves to ``shifts``."""
    problems += _header_problems(store.dictionary, form.name, source, table)
    known = table[[c for c in table.columns if c in form]]
    if known.columns.empty:
        # Columns named by their labels ("Case ID"), not codes: the header's
        # problems say so, and each row would only add "required" to every field.
        return [], _typed(store.dictionary, form.name, [], source, [])
    # Spreadsheet rows: the header is row 1, the first record row 2.
    numbers = [int(i) + 2 for i in known.index]
    checked = [
        store.check(form.name, raw, source=source, row=number)
        for number, raw in zip(numbers, _records(known), strict=True)
    ]
    problems += [p for c in checked for p in c.problems]
    records = [c.record for c in checked]
    if form.instance:
        # The rules across forms must find the session a follow-up reports on.
        moved[form.name] = renumbered(store, form, records)
        shifts[form.name] = stored_moves(store, form, records)
        numbered = _numbered(store, form.name, form.instance, checked)
        # A case whose stored records a late row moves is numbered by the store
        # as it writes, which moves them in the same transaction; the checks see
        # the numbers it will give.
        late = {case for case, _ in shifts[form.name]}
        records = [c.record for c in numbered]
        checked = [
            own if own.record.get("case_id") in late else given
            for own, given in zip(checked, numbered, strict=True)
        ]
    return checked, _typed(store.dictionary, form.name, records, source, numbers)


def _across_forms(
    store: Store,
    incoming: dict[str, pd.DataFrame],
    problems: list[Problem],
    shifts: dict[str, dict],
    allow_repeats: bool = False,
) -> list[Problem]:
    """The problems of keys and of the rules across forms, the stored records
    counted (with the numbers ``shifts`` moves them to), of the ``incoming``
    frames' rows; and rows identical to stored records, unless ``allow_repeats``."""
    stored = store.frames()
    for name, moves in shifts.items():
        stored = shifted(stored, store.dictionary[name], moves)
    found = key_problems(store.dictionary, stored, incoming)
    found += withdrawn_given(store, incoming["case"])
    found += withdrawn_repeated(store, incoming["case"])
    found += removed_given(store, incoming)
    if not allow_repeats:
        found += repeats_of_stored(store.dictionary, stored, incoming)
    # Into an empty store (a first import) the incoming frames are the whole: a
    # copy of them, held through the checks, would only cost memory.
    combined = {
        name: incoming[name]
        if stored[name].empty
        else pd.concat([stored[name], incoming[name]], ignore_index=True)
        for name in stored
    }
    del stored  # what is stored is in `combined` now
    # Problems of rows already stored are `casekit check`'s business, not this
    # import's; and a value that could not be read has its own problem, which a
    # rule across forms would only repeat as "missing".
    unread = {(p.source, p.row, p.field) for p in problems if p.rule == "unreadable"}
    across = [
        p
        for p in cross_form_problems(store.dictionary, combined)
        if p.row is not None
        and not {(p.source, p.row, p.field), (p.source, p.row, p.other)} & unread
    ]
    return found + withdrawn_said(store, across)


def _records(table: pd.DataFrame) -> Iterator[dict]:
    """``table.to_dict("records")``, column by column: the same values, several
    times faster (to_dict boxes cell by cell), for a table of text (a CSV's).
    One record at a time: each is checked and let go (at 100,000 cases, a million
    raw records held at once would take a gigabyte)."""
    if not all(pd.api.types.is_string_dtype(t) for t in table.dtypes):
        yield from table.to_dict("records")  # a workbook's numbers, dates, NA
        return
    columns = list(table.columns)
    # One string a case id, shared by its rows (its five sessions), not one a row.
    ids: dict[str, str] = {}
    # The cells as Python text a chunk of rows at a time: a whole form's at once
    # were five million strings at 100,000 cases (300 MB), alive beside the records.
    for start in range(0, len(table), RECORDS_CHUNK):
        part = table.iloc[start : start + RECORDS_CHUNK]
        cells = [part[c].tolist() for c in columns]
        if "case_id" in columns:
            at = columns.index("case_id")
            cells[at] = [ids.setdefault(v, v) for v in cells[at]]
        for row in zip(*cells, strict=True):
            yield dict(zip(columns, row, strict=True))


def _numbered(
    store: Store, form: str, instance: str, checked: list[Checked]
) -> list[Checked]:
    """The records, each with the number the store will give it (a case's new
    ones in the order of their dates), in file order."""
    given = store.numbers(form, [c.record for c in checked])
    return [
        c
        if c.record.get(instance) == number
        else replace(c, record={**c.record, instance: number})
        for c, number in zip(checked, given, strict=True)
    ]


def _fresh_case_ids(
    store: Store, tables, problems: list[Problem]
) -> tuple[dict[str, str], list[NewCase]]:
    """Give a casekit id to each case whose id is empty, not of casekit's form,
    identifying (a record, phone or NHS number, which may fit casekit's alphabet:
    ``MRN2345``, ``9434765929``) or another site's (a case this role cannot read
    has it), and carry the new id into its sessions and
    follow-ups. The old id is not kept anywhere. Returns the ids replaced (old to
    new) and each case row with its id."""
    if "case" not in tables:
        return {}, []
    source, cases = tables["case"]
    if "case_id" not in cases.columns:
        cases.insert(0, "case_id", "")
    codes = {
        old.strip()
        for old in cases["case_id"]
        if is_case_id(old.strip(), store.deny_list)
    }
    # One another site's case has (on a network store) is no more usable than one
    # that is no code: replaced, without saying whose it is.
    with store.connect() as conn:
        unseen = unseen_case_ids(conn, store.table("case"), codes)
    needing = [
        i
        for i, old in cases["case_id"].items()
        if old.strip() not in codes or old.strip() in unseen
    ]
    fresh = store.fresh_case_ids(len(needing), taken=set(cases["case_id"]))
    renamed = {}
    for index, new in zip(needing, fresh, strict=True):
        old = cases.loc[index, "case_id"]
        cases.loc[index, "case_id"] = new
        if old.strip():
            renamed[old] = new
            problems.append(
                Problem(
                    rule="taken_id" if old.strip() in unseen else "replaced_id",
                    source=source,
                    row=int(index) + 2,
                    case_id=new,
                    form="case",
                    field="case_id",
                    severity="warning",
                )
            )
    for form in (name for name in tables if name != "case"):
        if "case_id" in tables[form][1].columns:
            frame = tables[form][1]
            frame["case_id"] = frame["case_id"].map(lambda v: renamed.get(v, v))
    drawn = set(fresh)
    new_cases = [
        NewCase(source, int(index) + 2, case_id, case_id in drawn)
        for index, case_id in cases["case_id"].items()
    ]
    return renamed, new_cases


def by_case_row(problems: list[Problem], new_cases: Sequence[NewCase]) -> list:
    """``problems``, each about a case whose id the import drew naming the case
    by its row (``follow-up 1 of the case of cases.csv row 3``), not by an id
    that is thrown away (an import refused, or a dry run)."""
    rows = {c.case_id: f"{c.source} row {c.row}" for c in new_cases if c.drawn}
    if not rows:
        return problems
    return [
        replace(p, case_id=None, case_row=rows[p.case_id])
        if isinstance(p.case_id, str) and p.case_id in rows
        else p
        for p in problems
    ]


def _header_problems(
    dictionary: Dictionary, form_name: str, source: str, table: pd.DataFrame
) -> list[Problem]:
    form = dictionary[form_name]
    problems = []
    unnamed = [c for c in table.columns if UNNAMED.fullmatch(str(c))]
    if unnamed:
        places = [c.removeprefix("column ") for c in unnamed]
        listed = ", ".join(places[:-1]) + " and " * bool(places[:-1]) + places[-1]
        problems.append(
            Problem(
                rule="unnamed_column",
                source=source,
                row=1,
                form=form_name,
                value=f"column{'s' * (len(places) > 1)} {listed}",
            )
        )
    for column in table.columns:
        if column not in form and column not in unnamed:
            problems.append(
                Problem(
                    rule="unknown_column",
                    source=source,
                    row=1,
                    form=form_name,
                    field=str(column),
                    detail=", ".join(form.codes[:4]),
                )
            )
    if form.instance and "case_id" not in table.columns:
        problems.append(
            Problem(
                rule="missing_column",
                source=source,
                row=1,
                form=form_name,
                field="case_id",
            )
        )
    return problems


def _typed(
    dictionary: Dictionary,
    form_name: str,
    records: list[dict],
    source: str,
    numbers: Sequence[int] = (),
) -> pd.DataFrame:
    frame = typed_frame(dictionary[form_name], records, own_lists=False)
    frame["_source"] = source
    frame["_row"] = list(numbers)
    return frame


def _empty(dictionary: Dictionary, form_name: str) -> pd.DataFrame:
    return _typed(dictionary, form_name, [], "", [])

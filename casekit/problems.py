"""Problems as data, and the words that say them.

A :class:`Problem` keeps its parts, not a sentence: where it is (the form, case and
instance; an import's file and row), the field and its value, the ``rule`` it breaks
with what was expected (``detail``), and any ``other`` field it mentions. The words
are written from those parts where a problem is shown, from one template per rule:

- :attr:`Problem.problem`, for the terminal and the problems table, names the record
  and each field by its code: "session 3 of case K7Q2XM: `nprs_after` is 14,
  expected 0 to 10";
- :meth:`Problem.says` with a ``label`` function, for a form, names fields by their
  labels and leaves the record out (the form shows which record it is).

Validation (:mod:`casekit.validate`), the cross-form rules (:mod:`casekit.checks`),
the importer and the store all make problems of this one shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from .dictionary import noun_of
from .errors import ValidationFailed

PROBLEM_COLUMNS = [
    "source",
    "row",
    "case_id",
    "form",
    "instance",
    "field",
    "value",
    "problem",
    "severity",
]

# One template a rule. {field} and {other} name fields (a code in backticks in the
# terminal, a label in a form); {field_full} is the field with its label in the
# terminal (a code alone does not say what to fill in), {other_bare} the other field
# without backticks; {value} and {other_value} are their values, {noun} the form's.
_SAYS = {
    # one record's values (casekit.validate)
    "unknown_field": "{field} is not a field of the {noun} form",
    "unreadable": "{field} is {value!r}, {detail}",
    "required": "{field_full} is required",
    "hidden_given": "{field} is given although {other} is {other_value!r}; it is "
    "only asked when {other_bare} is {detail}",
    "out_of_range": "{field} is {value}, expected {detail}",
    "unusual": "{field} is {value}, unusual (usually {detail}): check it",
    "future_date": "{field} is {value}, after today ({detail}): check the date",
    "identifier": "{field} {detail}; remove it before saving",
    "advice": "{detail}",
    "bad_site": "{field} is not a site code of the store: {detail}",
    "bad_code": "{field} is not a short code: {detail}",
    "unknown_site": "{field} {value!r} is not in the store's site list; add it first "
    "with: {fix}",
    "near_site": "{field} {value!r} is not in the store's site list: did you mean "
    "{other_value}? If {value} is a new site, add it first with: {fix}",
    "other_site": "{field} is {value!r}, another site's: this database role writes "
    "cases of site {detail} only",
    # records of several forms (casekit.checks)
    "no_such_case": "{field} {value!r} is not a case in the store or the import",
    "withdrawn_case": "{field} {value!r} is a case that was withdrawn{detail}: a "
    "withdrawn case takes no new records",
    "before_intake": "{field} is {value}, before the intake date {other_value}",
    "no_such_session": "{field} is {value}, but the case has no such session",
    "before_session": "{field} is {value}, before session {other_value} ({detail}) "
    "that it reports on",
    "session_out_of_order": "{field} is {value}, before session {other_value} "
    "({detail}), the one numbered before it: sessions are numbered in the order of "
    "their dates; check the dates",
    "followup_out_of_order": "{field} is {value}, before follow-up {other_value} "
    "({detail}), the one numbered before it: follow-ups are numbered in the order of "
    "their dates; check the dates",
    "renumbered_session": "{field} is {value}, but new sessions are numbered by "
    "their dates, so session {value} is not the one of {detail}; give the "
    "sessions their numbers (session_no)",
    "renumbered_by_date": "moves to {noun} {other_value}, as a new {noun} of this "
    "import is dated before it ({noun}s are numbered in the order of their dates)",
    "moved_session": "{field} is {value}, but a new session dated before stored "
    "session {value} moves that one to session {other_value}, so which is meant is "
    "not known; import this follow-up after the sessions, numbered as they are then",
    "flare_without_side": "a flare is recorded without {field}; give {detail}",
    "relief_uncounted": "{other} is {other_value} but {field} is missing, so relief "
    "cannot be counted",
    # an import's files and keys (casekit.io.importer)
    "replaced_id": "the given case id is not a casekit code (or looks like a record, "
    "phone or other identifying number), so it was replaced by a random one (and its "
    "sessions and follow-ups follow it)",
    "taken_id": "the given case id is taken in this store by a case this role "
    "cannot read, so it was replaced by a random one (and its sessions and "
    "follow-ups follow it)",
    "unknown_column": "column {field} is not a field of the {noun} form; expected "
    "field codes such as {detail}, ... (see dictionary.csv of an export)",
    "missing_column": "the {noun} table needs a {field} column",
    "unnamed_column": "the header row has no name for {value}; type a field code "
    "above the values, or delete them",
    "repeated": "{field} {value} appears more than once in the import",
    "taken_number": "{noun} {value} is already logged for this case: leave {field} "
    "empty for the next one, or change the stored {noun} {value} instead",
    "already_stored": "{field} {value} is already in the store",
    "removed_number": "{field} {value} is the number of a {noun} removed{detail}: a "
    "removed one keeps its number; leave {field} empty to number it anew",
    "repeat_of_stored": "identical to {value} already stored ({detail}): was this "
    "file imported before? If the rows are new records, import with --allow-repeats",
    "repeat_of_withdrawn": "identical in every intake answer to {value}, withdrawn"
    "{detail}: a withdrawn case is not logged again (the patient asked for its "
    "data to go); remove this row from the file",
    # records already stored (casekit.repeats, for casekit check)
    "identical_stored": "identical to {value} ({detail}): was a file imported "
    "twice? If so, remove the repeat",
    # the audit (casekit.store.verify)
    "audit_forged": "audit row {value} was changed or replaced after it was written, "
    "or written by something other than casekit (its hash does not follow from its "
    "values and the row before it)",
    "audit_gap": "audit rows {detail}, before row {value}, are missing: deleted",
    "guards_restored": "the audit's guards were removed and put back on {detail}: "
    "rows may have been changed or deleted behind the audit; compare with a backup",
    "guards_missing": "the audit's guards are missing ({detail}): rows may have "
    "been changed or deleted behind the audit; compare with a backup (a command "
    "that writes puts the guards back, audited)",
    "guards_set_up": "the audit's guards were set up for network mode on {detail} "
    "(a server store of a casekit from before network mode): if it was not upgraded "
    "that day, take it as guards removed and compare with a backup",
    "history_claimed": "audit row {value}, recorded as written by {detail}, says "
    "that the guards of another store were put back; no casekit command writes "
    "such a row (a merge refuses a store whose guards were put back): it is what "
    "{detail} appended by hand, not a break of this store's audit",
    "reason_withheld": "the reason of audit row {value} was withheld by audit row "
    "{detail}, as casekit check --redact-reasons does; if nobody ran it, compare "
    "with a backup",
    "unaudited_row": "it is in the table, but no audit row wrote it",
    "row_gone": "the audit wrote it, but it is no longer in the table",
    "unaudited_change": "{field} is {value!r} in the table but {other_value!r} by "
    "the audit: changed behind the audit's back",
    "identifying_reason": "the reason of audit row {value} ({other_value}) {detail}; "
    "withhold it with: {fix}",
    # the store's columns (casekit.store.hidden)
    "hidden_column": "column {field} of the {noun} table is no field of the "
    "dictionary (its local part looked for in {detail}): its values are left out of "
    "exports, reports and forms",
    # a write (casekit.store)
    "clash": "a {noun} clashes with one already stored, or refers to a case that is "
    "not there ({detail})",
}
RULES = tuple(_SAYS)
# The {detail} of a problem made without one: the dictionary's codes as shipped
# (casekit.checks gives the store's own, a local dictionary's included).
DEFAULT_DETAIL = {"flare_without_side": "left, right, both or other_region"}
# The {fix} of a problem made without one: the command on the default store.
_DEFAULT_FIX = {
    "unknown_site": "casekit site add {value}",
    "near_site": "casekit site add {value}",
    "identifying_reason": "casekit check --redact-reasons",
}
# Rules whose whole value is what the identifier screen found (an examiner's or a
# site's code; an audit row's reason, which no form shows to fix): the value is
# withheld, so its finding is not quoted either. A note's finding is quoted, as a
# part of a longer text to find.
_VALUE_IS_FOUND = frozenset({"bad_code", "bad_site", "identifying_reason"})
_SCREENED = _VALUE_IS_FOUND | {"identifier"}
# What the screen found, as `casekit.identifiers.describe` quotes it: " ('Jo Bloggs')".
_FOUND_TEXT = re.compile(r" \('.*?'\)(?=,| and |;|$)")
# Rules about a whole table or write: their sentences name no record.
_NO_RECORD = frozenset(
    {
        "unknown_column",
        "missing_column",
        "unnamed_column",
        "hidden_column",
        "clash",
        "repeat_of_stored",
        "repeat_of_withdrawn",
        "audit_forged",
        "audit_gap",
        "guards_restored",
        "guards_missing",
        "guards_set_up",
        "history_claimed",
        "reason_withheld",
    }
)


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One problem, as parts; one row of the problems table.

    Attributes
    ----------
    rule : str
        Which rule is broken, one of ``RULES`` (e.g. ``out_of_range``).
    form, case_id, instance
        The record: its form's name, its case, its number within the case.
    field, value
        The field the problem is about and its value as shown (``None`` if missing).
    label
        The field's label, where the terminal's sentence gives it.
    detail
        What was expected (a range, codes, a date it may not precede), what was
        found (what looks like an identifier), or advice.
    other, other_value
        Another field the sentence mentions, and its value.
    fix
        The command that fixes it, where the sentence gives one, naming the store
        as it was named (``casekit site add east --db s.db``; by default, the
        command on the default store).
    severity : {'error', 'warning'}
        An error blocks a write; a warning is shown and does not.
    source, row
        The file (or form) and spreadsheet row the record came from.
    case_row
        For a case whose id an import drew (none given, or one replaced), where
        it is in the files (``cases.csv row 3``): the sentence names that, not
        an id that a refused import throws away.
    """

    rule: str
    form: str = ""
    case_id: str | None = None
    instance: int | None = None
    field: str | None = None
    value: str | None = None
    label: str | None = None
    detail: str | None = None
    other: str | None = None
    other_value: str | None = None
    fix: str | None = None
    severity: str = "error"
    source: str = ""
    row: int | None = None
    case_row: str | None = None

    @property
    def problem(self) -> str:
        """The sentence for the terminal and the problems table: the record, then
        what is wrong, fields by code."""
        says = self.says()
        # An audit row about the store (a merge, a login) is of no record.
        if self.rule in _NO_RECORD or (self.source == "audit" and not self.case_id):
            return says
        return f"{where(self.form, self.case_id, self.instance, self.case_row)}: {says}"

    def says(self, label: Callable[[str], str] | None = None) -> str:
        """What is wrong, without naming the record.

        Parameters
        ----------
        label : callable, optional
            ``label(code)``, the words for a field; without it, fields are named by
            their codes in backticks (and a missing field with its label too).
        """
        if label is None:
            field, other = _code(self.field), _code(self.other)
            full = f"{field} ({self.label})" if self.label else field
            bare = self.other
        else:
            field = full = label(self.field) if self.field else ""
            other = bare = label(self.other) if self.other else ""
        return _SAYS[self.rule].format(
            field=field,
            field_full=full,
            other=other,
            other_bare=bare,
            value=_Value(self.value),
            other_value=_Value(self.other_value),
            detail=_unquoted(self)
            if self.rule in _VALUE_IS_FOUND
            else DEFAULT_DETAIL.get(self.rule)
            if self.detail is None
            else self.detail,
            noun=noun_of(self.form),
            fix=self.fix or _DEFAULT_FIX.get(self.rule, "").format(value=self.value),
        )


class _Value:
    """A value as a sentence gives it: what the person typed (quoted where the
    template says ``!r``), and "empty" for nothing, never Python's ``None``."""

    def __init__(self, value: str | None) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "empty" if self.value is None else repr(self.value)

    def __format__(self, spec: str) -> str:
        return format("empty" if self.value is None else self.value, spec)


def where(form: str, case_id: Any, instance: Any, case_row: str | None = None) -> str:
    """How a sentence names a record: 'session 3 of case K7Q2XM', 'a new case',
    'session 1 of a case with no case_id', 'session 1 of the case of cases.csv
    row 3' (``case_row``: an id the import drew); a problem of no form (a case's
    site, say) names its case alone."""
    if not form or form == "case":
        given = _given(case_id) and not case_row
        return f"case {case_id}" if given else "a new case"
    # A file's row with an empty case_id is read as NaN: not an id to print.
    case = f"case {case_id}" if _given(case_id) else "a case with no case_id"
    case = f"the case of {case_row}" if case_row else case
    number = f" {instance}" if _given(instance) else ""
    return f"{noun_of(form)}{number} of {case}"


def _given(value: Any) -> bool:
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return False
    return str(value).strip() != ""


def problems_frame(problems: Iterable[Problem]) -> pd.DataFrame:
    """The tidy problems table (``PROBLEM_COLUMNS``), errors first, in input order."""
    frame = pd.DataFrame(
        [[getattr(p, c) for c in PROBLEM_COLUMNS] for p in problems],
        columns=PROBLEM_COLUMNS,
    )
    frame["row"] = frame["row"].astype("Int64")
    frame["instance"] = frame["instance"].astype("Int64")
    order = frame["severity"].map({"error": 0, "warning": 1})
    return frame.iloc[order.argsort(kind="stable")].reset_index(drop=True)


def summary(problems: Iterable[Problem], *, each: int = 10) -> list[str]:
    """The problems as lines for a terminal, errors first: each kind once, so that
    the first screen shows every kind of problem.

    Parameters
    ----------
    problems : iterable of Problem
    each : int, default 10
        Problems without a file row (stored records, as ``casekit check`` finds
        them) are printed one a line, each warning of a rule on a field at most
        ``each`` times, then counted.

    Returns
    -------
    list of str
        For an import's problems (a file and a row each), one line per kind (file,
        form, rule, field, severity): a problem alone as it is ("cases.csv row 4:
        case K7Q2XM: `nprs` is 14, expected 0 to 10"); a repeated one once, with
        its rows and their count ("followups.csv rows 2-30 (29 rows): `flare` is
        'maybe', expected one of yes, no, unknown"), and the other values it had;
        the columns that are no field, all in one line with their count.
    """
    ordered = sorted(problems, key=lambda p: p.severity != "error")
    kinds: dict[tuple, list[Problem]] = {}
    for p in ordered:
        if p.row is None:  # a stored record: named by its case, not a row
            kind: tuple = ("record", p.form, p.rule, p.field, p.severity, id(p))
        else:
            field = None if p.rule == "unknown_column" else p.field
            # Only problems said in the same words share a line (their values
            # aside): a name and a phone number found are two kinds, not one.
            said = (_unquoted(p), p.label, p.other, p.other_value)
            kind = (p.source, p.form, p.rule, field, p.severity, *said)
        kinds.setdefault(kind, []).append(p)
    lines, counted = [], {}
    for found in kinds.values():
        first = found[0]
        prefix = "warning: " if first.severity == "warning" else ""
        if first.row is None:
            about = (first.form, first.field)
            if first.severity == "warning":
                counted[about] = counted.get(about, 0) + 1
                if counted[about] > each:
                    continue
            place = f"{first.source}: " if first.source else ""
            lines.append(f"{place}{prefix}{first.problem}")
        elif len(found) == 1:
            lines.append(f"{first.source} row {first.row}: {prefix}{first.problem}")
        elif first.rule == "unknown_column":
            lines.append(f"{first.source}: {prefix}{_columns(found)}")
        else:
            rows = f"{_rows([p.row for p in found])} ({len(found)} rows)"
            lines.append(f"{first.source} {rows}: {prefix}{_repeated(found)}")
    for (form, field), count in counted.items():
        if count > each:
            lines.append(
                f"... and {count - each} more warnings like these about `{field}` "
                f"({form})"
            )
    return lines


def _repeated(found: Sequence[Problem]) -> str:
    """One problem said for many rows: the first one's words, then the other
    values (a few, in order of appearance) where the rows differ."""
    first = found[0]
    if any(p.detail != first.detail for p in found):
        # The same kinds found, in different words of each note: said once,
        # without the words of the first row.
        first = replace(first, detail=_unquoted(first))
    others = list(dict.fromkeys(p.value for p in found if p.value != first.value))
    if not others:
        return first.says()
    # As the rule's sentence gives its value: quoted (typed text) or not (numbers).
    quoted = "{value!r}" in _SAYS[first.rule]
    shown = ", ".join((repr if quoted else format)(_Value(v)) for v in others[:3])
    more = f" and {len(others) - 3} more" if len(others) > 3 else ""
    return f"{first.says()} (row {first.row}; other rows have {shown}{more})"


def _columns(found: Sequence[Problem]) -> str:
    """Columns that are no field of the form, in one sentence with their count."""
    names = ", ".join(f"`{p.field}`" for p in found[:5])
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    first = found[0]
    return (
        f"{len(found)} columns are not fields of the {noun_of(first.form)} form: "
        f"{names}{more}; expected field codes such as {first.detail}, ... (see "
        "dictionary.csv of an export)"
    )


def _rows(rows: Sequence[int], pieces: int = 4) -> str:
    """Spreadsheet rows as a person reads them: 'rows 2-30', 'rows 2, 5, 9-12 and
    40 more'."""
    runs: list[list[int]] = []
    for row in sorted(set(rows)):
        if runs and row == runs[-1][-1] + 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    said = [f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs[:pieces]]
    rest = sum(len(r) for r in runs[pieces:])
    return "rows " + ", ".join(said) + (f" and {rest} more" if rest else "")


def refusal(problems: Sequence[Problem]) -> ValidationFailed:
    """The error that refuses a write: the problems' table, and the problems."""
    return ValidationFailed(problems_frame(problems), problems)


def _unquoted(problem: Problem) -> str | None:
    """A problem's detail; what the identifier screen found said by its kinds
    alone ("looks like a name"), without the text it found."""
    if problem.rule not in _SCREENED or problem.detail is None:
        return problem.detail
    return _FOUND_TEXT.sub("", problem.detail)


def _code(code: str | None) -> str:
    return f"`{code}`" if code else ""

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

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
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
    "identifier": "{field} {detail}; remove it before saving",
    "advice": "{detail}",
    "bad_site": "{field} is not a site code of the store: {detail}",
    "unknown_site": "{field} {value!r} is not in the store's site list; add it first "
    "with: casekit site add {value}",
    # records of several forms (casekit.checks)
    "no_such_case": "{field} {value!r} is not a case in the store or the import",
    "before_intake": "{field} is {value}, before the intake date {other_value}",
    "no_such_session": "{field} is {value}, but the case has no such session",
    "before_session": "{field} is {value}, before session {other_value} ({detail}) "
    "that it reports on",
    "flare_without_side": "a flare is recorded without {field}; give left, right, "
    "both or other_region",
    "relief_uncounted": "{other} is {other_value} but {field} is missing, so relief "
    "cannot be counted",
    # an import's files and keys (casekit.io.importer)
    "replaced_id": "the given case id is not a casekit code, so it was replaced by a "
    "random one (and its sessions and follow-ups follow it)",
    "unknown_column": "column {field} is not a field of the {noun} form; expected "
    "field codes such as {detail}, ... (see dictionary.csv of an export)",
    "missing_column": "the {noun} table needs a {field} column",
    "repeated": "{field} {value} appears more than once in the import",
    "already_stored": "{field} {value} is already in the store",
    # the audit (casekit.store.verify)
    "audit_forged": "audit row {value} was changed or replaced after it was written "
    "(its hash does not follow from its values and the row before it)",
    "audit_gap": "audit rows {detail}, before row {value}, are missing: deleted",
    "unaudited_row": "it is in the table, but no audit row wrote it",
    "row_gone": "the audit wrote it, but it is no longer in the table",
    "unaudited_change": "{field} is {value!r} in the table but {other_value!r} by "
    "the audit: changed behind the audit's back",
    # a write (casekit.store)
    "clash": "a {noun} clashes with one already stored, or refers to a case that is "
    "not there ({detail})",
}
RULES = tuple(_SAYS)
# Rules about a whole table or write: their sentences name no record.
_NO_RECORD = frozenset(
    {"unknown_column", "missing_column", "clash", "audit_forged", "audit_gap"}
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
    severity : {'error', 'warning'}
        An error blocks a write; a warning is shown and does not.
    source, row
        The file (or form) and spreadsheet row the record came from.
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
    severity: str = "error"
    source: str = ""
    row: int | None = None

    @property
    def problem(self) -> str:
        """The sentence for the terminal and the problems table: the record, then
        what is wrong, fields by code."""
        says = self.says()
        if self.rule in _NO_RECORD:
            return says
        return f"{where(self.form, self.case_id, self.instance)}: {says}"

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
            value=self.value,
            other_value=self.other_value,
            detail=self.detail,
            noun=noun_of(self.form),
        )


def where(form: str, case_id: Any, instance: Any) -> str:
    """How a sentence names a record: 'session 3 of case K7Q2XM', 'a new case'."""
    case = f"case {case_id}" if case_id else "a new case"
    if form == "case":
        return case
    number = f" {instance}" if instance is not None else ""
    return f"{noun_of(form)}{number} of {case}"


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


def refusal(problems: Sequence[Problem]) -> ValidationFailed:
    """The error that refuses a write: the problems' table, and the problems."""
    return ValidationFailed(problems_frame(problems), problems)


def _code(code: str | None) -> str:
    return f"`{code}`" if code else ""

"""Data-quality rules across forms, on typed frames (a whole store or an import).

Record rules (ranges, codes, required) live in :mod:`casekit.validate`; these need
more than one record: a session dated before its intake or before the session
numbered before it, a follow-up before the session it reports on or before the
follow-up numbered before it, rows of a case
that is not there, a flare without a side, pain after care without pain before it.
All are errors: each makes a count wrong
(a flare's timing, a relief, a denominator) and each is fixed by correcting a value.
Frames may carry ``_source`` and ``_row`` columns (an import's file and row), which
the problems then name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import pandas as pd

from .dictionary import Dictionary
from .frames import frame_records
from .problems import Problem
from .validate import check_record


def cross_form_problems(
    dictionary: Dictionary, frames: dict[str, pd.DataFrame]
) -> list[Problem]:
    """Every cross-form problem in ``frames`` (``case``, ``session``, ``followup``,
    and ``exam`` when given)."""
    cases, sessions, followups = frames["case"], frames["session"], frames["followup"]
    form_s, form_f = dictionary["session"], dictionary["followup"]
    problems: list[Problem] = []
    known = set(cases["case_id"])

    repeating = [f for f in dictionary if f.instance and f.name in frames]
    for form in repeating:
        frame = frames[form.name]
        orphans = frame[~frame["case_id"].isin(known)]
        problems += _each(form, orphans, "case_id", "no_such_case")

    intake = cases[["case_id", "intake_date"]]
    # A session or an exam is on or after its intake (a follow-up, after its session).
    before_intake: dict[str, set] = {}
    for form in (f for f in repeating if f.name != "followup"):
        date = next(f.code for f in form.fields if f.type == "date")
        dated = frames[form.name].merge(intake, on="case_id", how="inner")
        early = dated[dated[date] < dated["intake_date"]]
        problems += _each(form, early, date, "before_intake", other="intake_date")
        keys = zip(early["case_id"], early[form.instance], strict=True)
        before_intake[form.name] = set(keys)

    # Session n is not dated before the session numbered before it: numbers that
    # run against the dates make "the first session", a flare's timing, wrong. A
    # date before the intake is said to be wrong already, of the same field.
    said = before_intake.get("session", set())
    problems += _out_of_order(form_s, sessions, "session_out_of_order", said)
    linked = followups[followups["case_id"].isin(known)].merge(
        sessions[["case_id", "session_no", "session_date"]],
        left_on=["case_id", "after_session"],
        right_on=["case_id", "session_no"],
        how="left",
    )
    unknown = linked[linked["after_session"].notna() & linked["session_no"].isna()]
    problems += _each(form_f, unknown, "after_session", "no_such_session")
    before = linked[linked["followup_date"] < linked["session_date"]]
    problems += _each(
        form_f,
        before,
        "followup_date",
        "before_session",
        other="after_session",
        detail="session_date",
    )

    # Follow-up n is not dated before the follow-up numbered before it either:
    # the latest follow-up's status is whether the case is closed.
    problems += _out_of_order(form_f, followups, "followup_out_of_order")

    sideless = followups[(followups["flare"] == "yes") & followups["flare_side"].isna()]
    sides = _either(code for code, _ in form_f["flare_side"].codes)
    problems += [
        replace(p, detail=sides)
        for p in _each(form_f, sideless, "flare_side", "flare_without_side")
    ]
    half = sessions[sessions["nprs_after"].notna() & sessions["nprs_before"].isna()]
    problems += _each(
        form_s, half, "nprs_before", "relief_uncounted", other="nprs_after"
    )
    return problems


def _out_of_order(
    form, frame: pd.DataFrame, rule: str, said: set | frozenset = frozenset()
) -> list[Problem]:
    """A problem of ``rule`` for each row of ``frame`` dated before the row of its
    case numbered before it (removed rows are not in the frames), unless its key
    is in ``said``."""
    number = form.instance
    date = next(f.code for f in form.fields if f.type == "date")
    ordered = frame[["case_id", number, date]].dropna()
    ordered = ordered.sort_values(["case_id", number], kind="stable")
    earlier = ordered.groupby("case_id")[[number, date]].shift()
    ordered = ordered.assign(previous_no=earlier[number], previous_date=earlier[date])
    back = frame.loc[ordered.index[ordered[date] < ordered["previous_date"]]].join(
        ordered[["previous_no", "previous_date"]]
    )
    keys = zip(back["case_id"], back[number], strict=True)
    back = back[[k not in said for k in keys]]
    return [
        replace(p, other=number, other_value=str(int(float(p.other_value))))
        for p in _each(
            form, back, date, rule, other="previous_no", detail="previous_date"
        )
    ]


def record_problems(
    dictionary: Dictionary,
    frames: dict[str, pd.DataFrame],
    deny_list: Iterable[str] = (),
) -> list[Problem]:
    """The record rules of :mod:`casekit.validate`, re-run on stored rows (a store
    may have been written by another tool, or the dictionary may have changed)."""
    problems: list[Problem] = []
    deny = tuple(deny_list)
    for form in dictionary:
        for record in frame_records(form, frames[form.name]):
            problems += check_record(form, record, source=form.name, deny_list=deny)
    return problems


def _each(
    form,
    frame: pd.DataFrame,
    field: str,
    rule: str,
    *,
    other: str | None = None,
    detail: str | None = None,
) -> list[Problem]:
    """A problem of ``rule`` for each row of ``frame``; ``other`` and ``detail`` name
    the columns whose values the sentence gives too."""
    problems = []
    for _, row in frame.iterrows():
        instance = row.get(form.instance)
        source = row.get("_source")
        problems.append(
            Problem(
                rule=rule,
                source=source if isinstance(source, str) and source else form.name,
                row=None if pd.isna(row.get("_row", pd.NA)) else int(row["_row"]),
                case_id=row["case_id"],
                form=form.name,
                instance=None if pd.isna(instance) else int(instance),
                field=field,
                value=_shown(row.get(field)),
                other=other,
                other_value=_shown(row[other]) if other else None,
                detail=_shown(row[detail]) if detail else None,
            )
        )
    return problems


def _either(codes: Iterable[str]) -> str | None:
    """Codes as a sentence offers them: 'left, right, both or other_region' (a form
    says their labels: :func:`casekit.ui.wording.in_words`)."""
    codes = list(codes)
    if len(codes) < 2:
        return codes[0] if codes else None
    return f"{', '.join(codes[:-1])} or {codes[-1]}"


def _shown(value) -> str | None:
    return None if _missing(value) else str(_day(value))


def _missing(value) -> bool:
    return not isinstance(value, list) and pd.isna(value)


def _day(value):
    return value.date().isoformat() if isinstance(value, pd.Timestamp) else value

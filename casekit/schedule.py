"""The follow-up schedule: which calls are due, since when, and which are overdue.

A practice calls back on a rhythm, so that nothing is missed and few cases are lost
to follow-up (the domain brief, "The follow-up schedule"):

- a **check-in** a couple of days after each session (it catches the flare a day or
  two after care): due from the day after the session until a follow-up refers to
  that session (its ``after_session``);
- a **2-week call** and a **6-week call**, 14 and 42 days after the case's latest
  session: each due from that day until a follow-up is dated on or after it;
- nothing is due for a case whose latest status (its follow-up of the highest
  number with a status) is discharged, lost or withdrew, unless a session dated
  after that follow-up re-opened it (the patient came back:
  :mod:`casekit.closing`); its calls then follow its sessions as any open case's;
- a call more than 7 days past its day is overdue.

The calls due on a day are those of what was known that day: only the sessions and
follow-ups dated on or before it count (a follow-up without a date counts whatever
the day), so that the list of a past day is what was due then, even when a later
follow-up has answered a call since.

The days are settings (:class:`Schedule`), read from ``casekit.toml`` beside the
store (:func:`load_schedule`); the defaults are those above. :func:`due` is pure
pandas over the stored sessions and follow-ups, so it is tested with dates alone.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import tomllib
from collections.abc import Container, Mapping
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd

from .closing import closed_cases
from .errors import SettingsError

SETTINGS_FILE = "casekit.toml"
# Each kind of call, in the words of a list.
CALLS = {
    "checkin": "check-in",
    "two_week": "2-week call",
    "six_week": "6-week call",
}
COLUMNS = ["case_id", "call", "session_no", "call_day", "due_since", "overdue"]


@dataclass(frozen=True)
class Schedule:
    """The days of the follow-up schedule (the ``[schedule]`` table of
    ``casekit.toml``).

    Attributes
    ----------
    checkin_days : int, default 2
        The check-in's day, counted from its session (it is listed from the day
        after the session).
    two_week_days, six_week_days : int, default 14 and 42
        The two calls' days, counted from the case's latest session.
    overdue_after_days : int, default 7
        A call this many days past its day is still due; one day more, overdue.
    """

    checkin_days: int = 2
    two_week_days: int = 14
    six_week_days: int = 42
    overdue_after_days: int = 7


def load_schedule(folder: str | os.PathLike) -> Schedule:
    """The schedule of ``folder/casekit.toml``, or the defaults without one.

    Parameters
    ----------
    folder : path
        The store's folder (``data/`` for the default store).

    Returns
    -------
    Schedule
        Its ``[schedule]`` table over the defaults: a day left out keeps its
        default.

    Raises
    ------
    SettingsError
        The file is not TOML, or names a table or a day casekit does not know, or
        a day is not a whole number (at least 1; 0 or more for ``overdue_after_days``),
        or the days are out of order (:func:`_out_of_order`).
    """
    path = Path(folder) / SETTINGS_FILE
    if not path.is_file():
        return Schedule()
    try:
        # utf-8-sig: Windows Notepad saves "UTF-8 with BOM", a mark TOML refuses.
        settings = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(str(path), f"cannot be read as TOML ({exc})") from None
    # A misspelt [schedual] would be read as no settings at all: the defaults,
    # silently, on a schedule the practice believes it changed.
    tables = ("schedule",)
    unknown = sorted(set(settings) - set(tables))
    if unknown:
        raise SettingsError(
            str(path),
            f"`{unknown[0]}` is not a table casekit reads; expected "
            + ", ".join(f"[{name}]" for name in tables),
        )
    table = settings.get("schedule", {})
    if not isinstance(table, dict):
        raise SettingsError(str(path), "`schedule` must be a table: [schedule]")
    known = [f.name for f in fields(Schedule)]
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise SettingsError(
            str(path),
            f"`schedule.{unknown[0]}` is not a setting; expected " + ", ".join(known),
        )
    for name, value in table.items():
        least = 0 if name == "overdue_after_days" else 1
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise SettingsError(
                str(path),
                f"`schedule.{name}` is {value!r}, expected a whole number of days, "
                f"{least} or more",
            )
    schedule = Schedule(**table)
    problem = _out_of_order(schedule, given=table)
    if problem:
        raise SettingsError(str(path), problem)
    return schedule


# The calls in the order a case meets them after its latest session.
_ORDER = (
    ("checkin_days", "the check-in"),
    ("two_week_days", "the 2-week call"),
    ("six_week_days", "the 6-week call"),
)


def _out_of_order(schedule: Schedule, given: Container[str]) -> str | None:
    """Why the days of ``schedule`` make no sense together, or None.

    The check-in comes before the 2-week call, and that before the 6-week call,
    each on a day of its own: a 2-week call after the 6-week call would be listed
    after it. And a 2-week call is overdue by the time the 6-week call is due: a
    call whose next one has come is late. ``given``: the settings the file
    names; the others are said to be defaults.
    """

    def said(name: str) -> str:
        default = "" if name in given else " (the default)"
        return f"{name} = {getattr(schedule, name)}{default}"

    for (early, first), (late, then) in itertools.pairwise(_ORDER):
        if getattr(schedule, early) >= getattr(schedule, late):
            return (
                f"schedule.{said(early)} is not before {said(late)}: {first} "
                f"comes before {then}, on an earlier day"
            )
    gap = schedule.six_week_days - schedule.two_week_days
    if schedule.overdue_after_days >= gap:
        return (
            f"schedule.{said('overdue_after_days')} leaves a 2-week call not yet "
            f"overdue when the 6-week call is due, {gap} days after it; expected "
            f"fewer than {gap} days"
        )
    return None


def due(
    sessions: pd.DataFrame,
    followups: pd.DataFrame,
    on: dt.date,
    schedule: Schedule = Schedule(),
) -> pd.DataFrame:
    """The calls due on the day ``on``, by the schedule.

    Parameters
    ----------
    sessions : DataFrame
        ``case_id, session_no, session_date`` of the cases to call (withdrawn
        cases left out, as :meth:`casekit.Store.read` leaves them).
    followups : DataFrame
        ``case_id, followup_no, followup_date, after_session, status`` of the
        same cases.
    on : datetime.date
        The day to list what is due on: only the sessions and follow-ups dated on
        or before it count (a follow-up without a date counts whatever the day).
    schedule : Schedule, optional
        The days; the defaults of the domain brief if not given.

    Returns
    -------
    DataFrame
        One row a call due: ``case_id``, ``call`` (a key of :data:`CALLS`),
        ``session_no`` (the session a check-in is for, or the latest session a
        call is counted from), ``call_day`` and ``due_since`` (dates), and
        ``overdue`` (more than ``overdue_after_days`` past its day); the longest
        due first. A session without a date schedules nothing. A closed case
        (:mod:`casekit.closing`) has nothing due; a re-opened one is open.
    """
    today = np.datetime64(on, "D")
    s = sessions[["case_id", "session_no", "session_date"]].dropna()
    s = s.assign(day=s["session_date"].to_numpy().astype("datetime64[D]"))
    s = s[s["day"].to_numpy() <= today]
    f = followups[["case_id", "followup_no", "followup_date", "after_session"]]
    f_day = f["followup_date"].to_numpy().astype("datetime64[D]")
    f = f[~(f_day > today)]  # NaT compares False: an undated follow-up counts
    s = s[~s["case_id"].isin(closed_cases(sessions, followups, on))]

    # A check-in for each session no follow-up refers to.
    answered = pd.MultiIndex.from_frame(
        f[["case_id", "after_session"]].dropna().astype({"after_session": "int64"})
    )
    asked = pd.MultiIndex.from_arrays([s["case_id"], s["session_no"].astype("int64")])
    checkins = s[~asked.isin(answered)]

    # The 2- and 6-week calls, from the latest session, until a follow-up dated
    # on or after the call's day.
    latest = s.sort_values(["case_id", "day", "session_no"]).groupby("case_id").last()
    latest = latest.reset_index()
    dated = f.dropna(subset=["followup_date"])
    heard = (
        dated.groupby("case_id")["followup_date"]
        .max()
        .reindex(latest["case_id"])
        .to_numpy()
        .astype("datetime64[D]")
    )
    unheard = {}
    for call in ("two_week", "six_week"):
        day = latest["day"].to_numpy() + np.timedelta64(call_days(schedule, call), "D")
        unheard[call] = latest[~(heard >= day)]  # NaT compares False: still open
    return listed(checkins, unheard, on, schedule)


def listed(
    checkins: pd.DataFrame,
    unheard: Mapping[str, pd.DataFrame],
    on: dt.date,
    schedule: Schedule = Schedule(),
) -> pd.DataFrame:
    """The calls due on ``on``, from the sessions whose calls are still open.

    :func:`due` finds those sessions in pandas; the store finds them in SQL
    (:func:`casekit.store.queries.calls_due`); both end here, so that the days,
    what is overdue and the order are decided once.

    Parameters
    ----------
    checkins : DataFrame
        ``case_id, session_no, day``: the sessions of open cases that no
        follow-up refers to.
    unheard : mapping of str to DataFrame
        For ``two_week`` and ``six_week``, ``case_id, session_no, day`` of each
        open case's latest session with no follow-up dated on or after that
        call's day.
    on : datetime.date
    schedule : Schedule, optional

    Returns
    -------
    DataFrame
        As :func:`due`; rows not yet due on ``on`` are left out.
    """
    today = np.datetime64(on, "D")
    days = checkins["day"].to_numpy().astype("datetime64[D]")
    rows = [
        _calls(
            checkins,
            "checkin",
            days + np.timedelta64(schedule.checkin_days, "D"),
            days + np.timedelta64(1, "D"),  # listed from the day after the session
        )
    ]
    for call in ("two_week", "six_week"):
        latest = unheard[call]
        day = latest["day"].to_numpy().astype("datetime64[D]")
        day = day + np.timedelta64(call_days(schedule, call), "D")
        rows.append(_calls(latest, call, day, day))

    out = pd.concat(rows, ignore_index=True)
    out = out[out["due_since"] <= today]
    late = (today - out["call_day"].to_numpy()).astype("timedelta64[D]").astype(int)
    out = out.assign(overdue=late > schedule.overdue_after_days)
    order = ["due_since", "case_id", "session_no"]
    return out.sort_values(order, kind="stable").reset_index(drop=True)[COLUMNS]


def call_days(schedule: Schedule, call: str) -> int:
    """The day of a 2- or 6-week call, counted from the latest session."""
    return {"two_week": schedule.two_week_days, "six_week": schedule.six_week_days}[
        call
    ]


def due_lines(table: pd.DataFrame) -> list[str]:
    """Each call of :func:`due` as a line a person reads: 'case K7Q2XM: check-in
    after session 2, due since 2025-03-04', with ', overdue' when it is."""
    lines = []
    for row in table.itertuples(index=False):
        what = CALLS[row.call]
        if row.call == "checkin":
            what += f" after session {row.session_no}"
        since = pd.Timestamp(row.due_since).date().isoformat()
        late = ", overdue" if row.overdue else ""
        lines.append(f"case {row.case_id}: {what}, due since {since}{late}")
    return lines


def _calls(rows: pd.DataFrame, call: str, call_day, due_since) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "case_id": rows["case_id"].to_numpy(),
            "call": call,
            "session_no": rows["session_no"].to_numpy().astype("int64"),
            "call_day": np.asarray(call_day, dtype="datetime64[D]"),
            "due_since": np.asarray(due_since, dtype="datetime64[D]"),
        }
    )

"""When a case is closed, and when a patient who came back re-opened it.

The rule, one place for the caseload (:mod:`casekit.schedule`, and its SQL twin
:mod:`casekit.store.closing`), the case card and the store's edits:

- a case is **closed** by its latest follow-up with a status (the highest number
  that says one) when that status is discharged, lost or withdrew;
- a session dated **after** that follow-up **re-opens** it: the patient came back.
  A re-opened case is open like any other: its calls follow its sessions, counted
  from the latest, and the card says when it was closed and which session re-opened
  it. A session on the day of the closing follow-up does not re-open it (that visit
  may be the one that ended care), nor does a session without a date, nor any
  session when the closing follow-up has no date (it cannot be placed);
- a later follow-up with a status decides again: "in care" leaves the case open,
  discharged, lost or withdrew closes it anew (until a session after it).

What the store asks of an edit follows the same rule: an edit or a removal of a
record of a closed case needs a reason (the audit keeps it); one of a re-opened case
does not. Adding a session or a follow-up is not an edit of the case, so it never
needs a reason, closed or not; a session dated after the closing follow-up is what
re-opens a case. Removing that session closes the case again.

The counts of the report keep their own definitions: the flow of cases says why a
case has no outcome by the status of its latest follow-up as it was written
(:func:`casekit.report.series.flow`), re-opened or not.

Pure pandas: the caseload in SQL is :mod:`casekit.store.closing`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

# The statuses that close a case.
CLOSED_STATUSES = ("discharged", "lost", "withdrew")
COLUMNS = ["case_id", "followup_no", "status", "closed_on"]
COLUMNS += ["reopened_by", "reopened_on"]


def closures(
    sessions: pd.DataFrame, followups: pd.DataFrame, on: dt.date | None = None
) -> pd.DataFrame:
    """The cases whose latest follow-up with a status closed them, and the session
    that re-opened each, if one did.

    Parameters
    ----------
    sessions : DataFrame
        ``case_id, session_no, session_date``.
    followups : DataFrame
        ``case_id, followup_no, followup_date, status``.
    on : datetime.date, optional
        Count only the sessions and follow-ups dated on or before this day (a
        follow-up without a date counts whatever the day); every one without it.

    Returns
    -------
    DataFrame
        One row a case closed at some time: ``case_id``, ``followup_no``,
        ``status`` and ``closed_on`` of the follow-up that closed it, and
        ``reopened_by`` and ``reopened_on``: the first session dated after that
        follow-up (missing when none is: the case is still closed).
    """
    f = followups[["case_id", "followup_no", "followup_date", "status"]].astype(
        {"case_id": object}
    )
    f = f.assign(followup_date=pd.to_datetime(f["followup_date"]))
    s = sessions[["case_id", "session_no", "session_date"]].dropna()
    s = s.astype({"case_id": object})
    s = s.assign(session_date=pd.to_datetime(s["session_date"]))
    if on is not None:
        day = pd.Timestamp(on)
        f = f[~(f["followup_date"] > day)]  # NaT compares False: kept
        s = s[s["session_date"] <= day]
    said = f[f["status"].notna()]
    # The whole row of the highest number (groupby's last() would take each
    # column's last value that is not missing: another follow-up's date).
    last = said.sort_values(["case_id", "followup_no"])
    last = last.drop_duplicates("case_id", keep="last")
    last = last[last["status"].astype(str).isin(CLOSED_STATUSES)]
    last = last.rename(columns={"followup_date": "closed_on"})
    later = s.merge(last[["case_id", "closed_on"]], on="case_id")
    later = later[later["session_date"] > later["closed_on"]]
    first = later.sort_values(["case_id", "session_date", "session_no"])
    first = first.groupby("case_id")[["session_no", "session_date"]].first()
    first = first.rename(
        columns={"session_no": "reopened_by", "session_date": "reopened_on"}
    )
    out = last.merge(first, how="left", left_on="case_id", right_index=True)
    out = out.assign(
        status=out["status"].astype(str),
        reopened_by=out["reopened_by"].astype("Int64"),
        reopened_on=pd.to_datetime(out["reopened_on"]),
    )
    return out.reset_index(drop=True)[COLUMNS]


def closed_cases(
    sessions: pd.DataFrame, followups: pd.DataFrame, on: dt.date | None = None
) -> set[str]:
    """The cases closed (on the day ``on``, or now): closed by their latest
    follow-up with a status and not re-opened by a session after it
    (:func:`closures`)."""
    found = closures(sessions, followups, on)
    return set(found.loc[found["reopened_by"].isna(), "case_id"])

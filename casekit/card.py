"""The case card: one case's course on one screen, in words.

:func:`case_card` gathers what the store holds of one case (the frames of
:func:`casekit.store.queries.case_course`): the intake (side, regions, pain, the
exam findings the patterns use, the upstream history), every session (date, pain
before -> after, regions treated, techniques), every follow-up (date, pain, the
flare with its side, onset and duration, GROC, status) and how the case fared (an
outcome class of :mod:`casekit.outcomes`), and whether the case is open, closed
or re-opened by a session after it closed (:mod:`casekit.closing`). The answers it
leaves out (the rest of the intake exam, a session's re-test, the exams) are named
by their questions at its end, so that the practitioner knows they are there.
:func:`card_text` writes it for a terminal (``casekit case CASE_ID``); the logging
app shows it as a panel, with the figure of
:func:`casekit.figures.course.pain_over_time`.

The card holds nothing that is not in the store, and it names the case and its
dates: it is for the practitioner, never shared (no report or export reads it).
Pure pandas: no widgets, no plotting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from .closing import closures
from .derive import derive
from .dictionary import Dictionary, Field
from .outcomes import OUTCOME_LABELS

NOT_RECORDED = "not recorded"
# The intake exam findings the patterns count (the rest of the exam stays in the
# store, and in the form).
EXAM_USED = ("si_tight_side", "hip_flexor_tight_side", "hip_flexor_muscles")
EXAM_USED += ("glute_weak_side",)
# Sided findings whose side is said against the side of the pain.
SIDED = ("si_tight_side", "hip_flexor_tight_side", "glute_weak_side")
SIDED += ("ankle_injury_side", "knee_pain_side", "plantar_fasciitis_side")
# The fields of each repeating form that the card's session and follow-up lines
# show (besides its key; notes under Notes); any other answer is named as not shown.
SHOWN = {
    "session": (
        "session_date", "nprs_before", "nprs_after", "regions_treated",
        "techniques", "notes",
    ),
    "followup": (
        "followup_date", "after_session", "nprs", "flare", "flare_side",
        "flare_onset_hours", "flare_duration_hours", "flare_peak_nprs", "groc",
        "status", "notes",
    ),
}  # fmt: skip
# Said at the card's end; the questions joined by "; ", as labels hold commas.
NOT_SHOWN = "Also recorded, not shown here (see the forms, or an export)"


@dataclass(frozen=True)
class CaseCard:
    """One case's course, ready to show.

    Attributes
    ----------
    case_id : str
    intake : DataFrame
        ``section, question, answer``: the intake in words, in dictionary order.
    sessions, followups : DataFrame
        One row a session (follow-up), in order: its number, date and day since
        intake, and its answers in words (the columns are what a person reads).
    notes : dict of str to str
        The notes, by where they were written ('intake', 'session 2',
        'follow-up 1'), those that were written.
    outcome : str
        How the case fared: a code of :data:`casekit.derive.OUTCOMES`.
    outcome_text : str
        The class in words, with the pain it was read from.
    status_text : str
        Whether the case is open, in words: 'open'; 'closed (discharged) on
        2025-04-07 by follow-up 3'; or, when a session after that re-opened it,
        the same followed by ', re-opened by session 4 on 2025-06-02'.
    pain : DataFrame
        ``day, nprs, kind`` (intake, before, after, follow-up): the points of the
        figure, pain by day since intake.
    session_days : list of int
        The day of each session with a date.
    flares : DataFrame
        ``day, side, followup_no``: each flare reported, placed at its session's
        day plus its onset (at the follow-up's day when the onset is unknown;
        ``placed`` says which).
    unshown : dict of str to tuple of str
        The questions answered for this case that the card does not show, by
        where they were asked ('intake', 'sessions', 'exams'), each once; only
        the places that have any.
    """

    case_id: str
    intake: pd.DataFrame
    sessions: pd.DataFrame
    followups: pd.DataFrame
    notes: dict[str, str]
    outcome: str
    outcome_text: str
    status_text: str
    pain: pd.DataFrame
    session_days: list[int]
    flares: pd.DataFrame
    unshown: dict[str, tuple[str, ...]]


def case_card(frames: dict[str, pd.DataFrame], dictionary: Dictionary) -> CaseCard:
    """Gather one case's course.

    Parameters
    ----------
    frames : dict of DataFrame
        ``case`` (one row), ``session``, ``followup`` and ``exam`` (when given) of
        that case, typed as :meth:`casekit.Store.read` types them
        (:func:`casekit.store.queries.case_course`).
    dictionary : Dictionary
        The store's dictionary: every question and code is named with it.

    Returns
    -------
    CaseCard
    """
    d = derive(frames)
    case, sessions, followups = (d[f] for f in ("case", "session", "followup"))
    if len(case) != 1:
        raise ValueError(f"`frames` must hold one case, got {len(case)}")
    record = case.iloc[0]
    one_sided = _known(record["one_sided"]) and bool(record["one_sided"])
    pain_side = record["pain_side"] if one_sided else None
    notes = {}
    if _known(record["notes"]):
        notes["intake"] = str(record["notes"])
    for form, frame in (("session", sessions), ("followup", followups)):
        noun = dictionary[form].noun
        number = dictionary[form].instance
        for row in frame.itertuples(index=False):
            if _known(row.notes):
                notes[f"{noun} {getattr(row, number)}"] = str(row.notes)
    return CaseCard(
        case_id=str(record["case_id"]),
        intake=_intake(record, dictionary, pain_side),
        sessions=_sessions(sessions, dictionary),
        followups=_followups(followups, dictionary, pain_side),
        notes=notes,
        outcome=str(record["outcome"]),
        outcome_text=_outcome_text(record, followups),
        status_text=_status_text(frames, dictionary),
        pain=_pain_points(record, sessions, followups),
        session_days=[int(x) for x in sessions["day"].dropna()],
        flares=_flares(sessions, followups, dictionary),
        unshown=_unshown(frames, dictionary),
    )


def card_text(card: CaseCard) -> str:
    """The case card as plain text, for a terminal.

    Parameters
    ----------
    card : CaseCard

    Returns
    -------
    str
        The case id, how it fared, the intake (one answer a line), then each
        session and each follow-up on a line of its own, and the notes.
    """
    lines = [f"Case {card.case_id}", f"How it fared: {card.outcome_text}"]
    lines += [f"Status: {card.status_text}", ""]
    section = None
    for row in card.intake.itertuples(index=False):
        if row.section != section:
            section = row.section
            lines.append(section)
        lines.append(f"  {row.question}: {row.answer}")
    for title, frame in (("Sessions", card.sessions), ("Follow-ups", card.followups)):
        lines += ["", f"{title} ({len(frame)})"]
        if frame.empty:
            lines.append("  none yet")
        for row in frame.to_dict("records"):
            first, *rest = row.items()
            parts = [f"{k if k.isupper() else k.lower()} {v}" for k, v in rest if v]
            lines.append(f"  {first[0]} {first[1]}: " + "; ".join(parts))
    if card.notes:
        lines += ["", "Notes"]
        lines += [f"  {where}: {text}" for where, text in card.notes.items()]
    if card.unshown:
        lines += ["", f"{NOT_SHOWN}:"]
        lines += [f"  {where}: {'; '.join(q)}" for where, q in card.unshown.items()]
    return "\n".join(lines)


# -- the parts ------------------------------------------------------------------------


def value_words(field: Field, value: Any) -> str:
    """A stored value in words: codes by their labels, a list joined, a date in ISO
    form, a whole number without '.0'; "not recorded" when missing."""
    if isinstance(value, list):
        return ", ".join(field.label_of(code) for code in value) or NOT_RECORDED
    if not _known(value):
        return NOT_RECORDED
    if field.codes:
        return field.label_of(value)
    if field.type == "date":
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _intake(record: pd.Series, dictionary: Dictionary, pain_side) -> pd.DataFrame:
    rows = []
    for field in dictionary["case"].fields:
        if field.code in ("case_id", "notes"):
            continue
        if _left_off_intake(field):
            continue
        answer = value_words(field, record[field.code])
        if field.code in SIDED:
            answer += _relation(record[field.code], pain_side)
        section = "Intake" if field.section == "core" else field.section
        rows.append((section, field.label, answer))
    return pd.DataFrame(rows, columns=["section", "question", "answer"])


def _unshown(
    frames: dict[str, pd.DataFrame], dictionary: Dictionary
) -> dict[str, tuple[str, ...]]:
    """The labels of the fields answered in this case's records that the card
    leaves out, by form: a finding the patterns do not count is still the
    practitioner's, and a card silent about it reads as if it was never taken."""
    unshown = {}
    for form in dictionary:
        frame = frames.get(form.name)
        if frame is None or frame.empty:
            continue
        if form.instance is None:
            hidden = [f for f in form.fields if _left_off_intake(f)]
        else:
            shown = {*form.key, *SHOWN.get(form.name, ())}
            hidden = [f for f in form.fields if f.code not in shown]
        labels = [
            f.label
            for f in hidden
            if f.code in frame.columns and any(_answered(v) for v in frame[f.code])
        ]
        if labels:
            where = "intake" if form.instance is None else f"{form.noun}s"
            unshown[where] = tuple(labels)
    return unshown


def _left_off_intake(field: Field) -> bool:
    """Whether :func:`_intake` leaves the case form's ``field`` out."""
    return field.section == "Intake exam" and field.code not in EXAM_USED


def _answered(value: Any) -> bool:
    return bool(value) if isinstance(value, list) else _known(value)


def _relation(side: Any, pain_side: Any) -> str:
    """' (same side as the pain)' or ' (opposite side)' for a one-sided finding of a
    one-sided case; '' otherwise."""
    if pain_side is None or side not in ("left", "right"):
        return ""
    return " (same side as the pain)" if side == pain_side else " (opposite side)"


def _sessions(sessions: pd.DataFrame, dictionary: Dictionary) -> pd.DataFrame:
    spec = dictionary["session"]
    rows = []
    for s in sessions.to_dict("records"):
        before = value_words(spec["nprs_before"], s["nprs_before"])
        after = value_words(spec["nprs_after"], s["nprs_after"])
        rows.append(
            {
                "Session": int(s["session_no"]),
                "Date": _dated(spec["session_date"], s["session_date"], s["day"]),
                "Pain": f"{before} -> {after}",
                "Regions treated": value_words(
                    spec["regions_treated"], s["regions_treated"]
                ),
                "Techniques": value_words(spec["techniques"], s["techniques"]),
            }
        )
    columns = ["Session", "Date", "Pain", "Regions treated", "Techniques"]
    return pd.DataFrame(rows, columns=columns)


def _followups(frame: pd.DataFrame, dictionary: Dictionary, pain_side) -> pd.DataFrame:
    spec = dictionary["followup"]
    rows = []
    for f in frame.to_dict("records"):
        groc = f["groc"]
        rows.append(
            {
                "Follow-up": int(f["followup_no"]),
                "Date": _dated(spec["followup_date"], f["followup_date"], f["day"]),
                "After session": value_words(spec["after_session"], f["after_session"]),
                "Pain": value_words(spec["nprs"], f["nprs"]),
                "Flare": _flare_words(f, spec, pain_side),
                "GROC": f"{int(groc):+d}" if _known(groc) else NOT_RECORDED,
                "Status": value_words(spec["status"], f["status"]),
            }
        )
    columns = ["Follow-up", "Date", "After session", "Pain", "Flare", "GROC", "Status"]
    return pd.DataFrame(rows, columns=columns)


def _flare_words(f: dict, spec, pain_side) -> str:
    """'yes, Left (same side as the pain), began 30 h after the session, still
    going on, worst 7'; or the answer alone when there was no flare."""
    if f["flare"] != "yes":
        return value_words(spec["flare"], f["flare"]).lower()
    parts = ["yes"]
    side = f["flare_side"]
    parts.append(
        f"side {value_words(spec['flare_side'], side).lower()}"
        + _relation(side, pain_side)
    )
    onset, lasted = f["flare_onset_hours"], f["flare_duration_hours"]
    parts.append(
        f"began {value_words(spec['flare_onset_hours'], onset)} h after the session"
        if _known(onset)
        else "onset not recorded"
    )
    parts.append(
        f"lasted {value_words(spec['flare_duration_hours'], lasted)} h"
        if _known(lasted)
        else "still going on when reported"
    )
    if _known(f["flare_peak_nprs"]):
        parts.append(f"worst pain {int(f['flare_peak_nprs'])}")
    return ", ".join(parts)


def _outcome_text(record: pd.Series, followups: pd.DataFrame) -> str:
    label = OUTCOME_LABELS[str(record["outcome"])]
    if record["outcome"] == "no_outcome":
        if not _known(record["nprs"]):
            return f"{label}: no pain recorded at intake to compare with"
        return f"{label}"
    late = followups[followups["late"].fillna(False) & followups["nprs"].notna()]
    last = late.sort_values(["followup_date", "followup_no"]).iloc[-1]
    # Without pain at intake a case can only stay or get worse: said, lest "no
    # clear change" read as care that did nothing.
    stayed = record["nprs"] == 0 and record["outcome"] == "no_change"
    none = " (no pain at intake, so none to get better)" if stayed else ""
    return (
        f"{label}: pain {int(record['nprs'])} at intake, {int(last['nprs'])} at "
        f"follow-up {int(last['followup_no'])} (day {int(last['day'])}, "
        f"{int(last['days_after_last_session'])} days after the last session)"
        f"{none}"
    )


def _status_text(frames: dict[str, pd.DataFrame], dictionary: Dictionary) -> str:
    """'open', or when and by which follow-up the case was closed, and which
    session re-opened it if one did (:func:`casekit.closing.closures`)."""
    found = closures(frames["session"], frames["followup"])
    if found.empty:
        return "open"
    closed = found.iloc[0]
    spec = dictionary["followup"]
    words = f"closed ({value_words(spec['status'], closed['status']).lower()})"
    if _known(closed["closed_on"]):
        words += f" on {value_words(spec['followup_date'], closed['closed_on'])}"
    words += f" by follow-up {int(closed['followup_no'])}"
    if _known(closed["reopened_by"]):
        on = value_words(dictionary["session"]["session_date"], closed["reopened_on"])
        words += f", re-opened by session {int(closed['reopened_by'])} on {on}"
    return words


def _pain_points(record, sessions, followups) -> pd.DataFrame:
    points = []
    if _known(record["nprs"]):
        points.append((0, float(record["nprs"]), "intake"))
    for s in sessions.itertuples(index=False):
        for kind, value in (("before", s.nprs_before), ("after", s.nprs_after)):
            if _known(s.day) and _known(value):
                points.append((int(s.day), float(value), kind))
    for f in followups.itertuples(index=False):
        if _known(f.day) and _known(f.nprs):
            points.append((int(f.day), float(f.nprs), "follow-up"))
    frame = pd.DataFrame(points, columns=["day", "nprs", "kind"])
    # On one day: the intake, then a follow-up (the history a visit starts with),
    # then the session's pain on arrival and after care.
    rank = frame["kind"].map({"intake": 0, "follow-up": 1, "before": 2, "after": 3})
    order = frame.assign(rank=rank).sort_values(["day", "rank"], kind="stable")
    return order.drop(columns="rank").reset_index(drop=True)


def _flares(sessions, followups, dictionary) -> pd.DataFrame:
    """Each reported flare on the time line: its session's day plus the onset."""
    day_of = {
        int(s.session_no): int(s.day)
        for s in sessions.itertuples(index=False)
        if _known(s.day)
    }
    spec = dictionary["followup"]["flare_side"]
    rows = []
    for f in followups[followups["flare"] == "yes"].itertuples(index=False):
        start = day_of.get(int(f.after_session)) if _known(f.after_session) else None
        if start is not None and _known(f.flare_onset_hours):
            rows.append((start + f.flare_onset_hours / 24, True))
        elif _known(f.day):
            rows.append((float(f.day), False))
        else:
            continue
        rows[-1] += (value_words(spec, f.flare_side), int(f.followup_no))
    return pd.DataFrame(rows, columns=["day", "placed", "side", "followup_no"])


def _dated(field: Field, value: Any, day: Any) -> str:
    text = value_words(field, value)
    return f"{text} (day {int(day)})" if _known(day) else text


def _known(value: Any) -> bool:
    return not (value is None or (not isinstance(value, list) and pd.isna(value)))

"""What the logging forms look up in the store, each as one small query.

The case list to choose from, a case's sessions or follow-ups, the next number,
the last few entries, what is still incomplete, the calls due by the follow-up
schedule and one case's whole course (one stored record is :meth:`Store.get`).
Each reads only what it needs (a grouped count, one case's rows, a few columns),
so the forms stay quick on a store of many thousands of cases; a database error
comes as one plain ``StoreError``. No widgets here: the queries are tested alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ..dictionary import Form
from ..errors import NotFound
from ..frames import column, records_to_frame
from ..problems import Problem, where
from ..schedule import SETTINGS_FILE, call_days, listed, load_schedule
from . import across, numbering
from .checked import Checked
from .closing import closed, is_closed
from .drafts import keeps_drafts
from .rows import as_stored
from .store import Store


def case_list(
    store: Store,
    words: Sequence[str] = (),
    *,
    limit: int | None = None,
    ids: Sequence[str] | None = None,
    blind: bool = False,
) -> pd.DataFrame:
    """Cases that are not withdrawn, newest intake first, with the label a case
    chooser shows: ``case_id``, ``intake_date``, ``pain_side``, ``sessions`` (how
    many) and ``label`` ('K7Q2XM · intake 2025-03 · Right pain · 2 sessions').

    Parameters
    ----------
    store : Store
    words : sequence of str, optional
        Only the cases whose label holds every word (ignoring case): a search.
    limit : int, optional
        At most this many (the newest); a store of 100,000 cases is searched in
        the database, never listed whole.
    ids : sequence of str, optional
        Only these cases.
    blind : bool, default False
        The label names no pain side, and no word finds a case by it (a form
        filled blind: the examiner must not learn the side).
    """
    cases, sessions = store.table("case"), store.table("session")
    # Counted case by case (an index lookup each), so that listing the newest 50
    # counts the sessions of 50 cases, not of every case.
    count = (
        sa.select(sa.func.count())
        .where(sessions.c.case_id == cases.c.case_id, sessions.c.deleted == sa.false())
        .scalar_subquery()
    )
    label = _label(store, cases.c, count, blind)
    query = sa.select(
        cases.c.case_id,
        cases.c.intake_date,
        cases.c.pain_side,
        count.label("sessions"),
        label.label("label"),
    ).where(cases.c.deleted == sa.false())
    for word in words:
        query = query.where(
            sa.func.lower(label).contains(word.lower(), autoescape=True)
        )
    if ids is not None:
        query = query.where(cases.c.case_id.in_(list(ids)))
    query = query.order_by(cases.c.intake_date.desc(), cases.c.case_id).limit(limit)
    with store.connect() as conn:
        rows = [tuple(row) for row in conn.execute(query).all()]
    return pd.DataFrame(
        rows, columns=["case_id", "intake_date", "pain_side", "sessions", "label"]
    )


def case_count(store: Store) -> int:
    """How many cases are not withdrawn."""
    cases = store.table("case")
    query = sa.select(sa.func.count()).where(cases.c.deleted == sa.false())
    with store.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _label(store: Store, c, count, blind: bool) -> sa.ColumnElement:
    """A case's words in a chooser, as SQL (so that a search runs in the store)."""
    text = sa.String()
    month = sa.func.substr(sa.cast(c.intake_date, text), 1, 7)
    parts = [c.case_id, sa.literal(" · intake ") + sa.func.coalesce(month, "?")]
    if not blind:
        side = store.dictionary["case"]["pain_side"]
        words = sa.case(
            *((c.pain_side == code, sa.literal(words)) for code, words in side.codes),
            else_=sa.literal("?"),
        )
        parts.append(sa.literal(" · ") + words + sa.literal(" pain"))
    plural = sa.case(
        (count == 1, sa.literal(" session")), else_=sa.literal(" sessions")
    )
    parts.append(sa.literal(" · ") + sa.cast(count, text) + plural)
    return functools.reduce(operator.add, parts)  # SQL's ||


def entries(store: Store, form: Form, case_id: str) -> list[tuple[int, Any]]:
    """``(number, date)`` of each stored session or follow-up of one case, in order."""
    table = store.table(form.name)
    date = next(f.code for f in form.fields if f.type == "date")
    number = table.c[form.instance]
    query = (
        sa.select(number, table.c[date])
        .where(table.c.case_id == case_id, table.c.deleted == sa.false())
        .order_by(number)
    )
    with store.connect() as conn:
        return [tuple(row) for row in conn.execute(query).all()]


def next_number(store: Store, form: Form, case_id: str) -> int:
    """The number a new session or follow-up of ``case_id`` gets (removed ones
    counted, so a removed one's number is never given again; a late one is
    numbered by its date when saved: :mod:`casekit.store.late`)."""
    return store.numbers(form.name, [{"case_id": case_id}])[0]


def late_moves(store: Store, form: str, record: dict[str, Any]) -> dict[int, int]:
    """The stored entries of the record's case that saving ``record`` (new, not
    numbered) would move, old number to new: those dated after it
    (:mod:`casekit.store.late`). Empty for a record that is not late."""
    spec = store.dictionary[form]
    if spec.instance is None or record.get(spec.instance) is not None:
        return {}
    with store.connect() as conn:
        moved = numbering.moves(conn, store.table(form), spec, [record])
    return {old: new for (_, old), new in sorted(moved.items())}


def numbered_by_date(store: Store, checked: Checked, offered: int | None) -> Checked:
    """``checked``, a new entry, without the number a form ``offered`` it when it
    is dated before a stored entry of its case: the store then gives it the number
    its date gives, moving the later ones up (:mod:`casekit.store.late`). Else as
    it is: a number typed stays, and an entry in date order keeps the offered one
    (another writer's entry that took it meanwhile is a clash, said as one)."""
    number = store.dictionary[checked.form].instance
    if number is None or offered is None or checked.record.get(number) != offered:
        return checked
    record = {**checked.record, number: None}
    if not late_moves(store, checked.form, record):
        return checked
    return dataclasses.replace(checked, record=record)


def case_closed(store: Store, case_id: str) -> bool:
    """Whether the case is closed now (discharged, lost or withdrew by its latest
    follow-up with a status, and not re-opened by a later session): a change or a
    removal then needs a reason."""
    with store.connect() as conn:
        return is_closed(conn, store.metadata, case_id)


def latest_session(store: Store, case_id: str) -> int | None:
    """The number of the case's latest session, or None before its first."""
    found = entries(store, store.dictionary["session"], case_id)
    return found[-1][0] if found else None


def recent(store: Store, n: int = 8) -> list[str]:
    """The last ``n`` records added or changed, newest first, as short lines in the
    local time of this machine (the audit keeps UTC): 'added session 2 of case
    K7Q2XM (2025-03-05 14:02)'."""
    audit = store.metadata.tables["audit"]
    query = (
        sa.select(
            audit.c.time,
            audit.c.action,
            audit.c.form,
            audit.c.case_id,
            audit.c.instance,
        )
        .where(
            audit.c.action.in_(("insert", "update", "delete")),
            audit.c.origin.is_(None),  # not another store's history, merged in
        )
        .order_by(audit.c.id.desc())
        .limit(n * 20)  # an edit writes one row per changed field
    )
    with store.connect() as conn:
        rows = conn.execute(query).all()
    verbs = {"insert": "added", "update": "changed", "delete": "removed"}
    lines, seen = [], set()
    for time, action, form, case_id, instance in rows:
        event = (time[:16], action, form, case_id, instance)
        if event in seen or form not in store.dictionary.forms:
            continue
        seen.add(event)
        stamp = dt.datetime.fromisoformat(time)
        stamp = stamp.replace(tzinfo=stamp.tzinfo or dt.UTC).astimezone()
        name = where(form, case_id, instance)
        lines.append(f"{verbs[action]} {name} ({stamp:%Y-%m-%d %H:%M})")
        if len(lines) == n:
            break
    return lines


def save_problems(
    store: Store, form: str, record: dict[str, Any], *, new: bool = False
) -> list[Problem]:
    """The problems across forms that saving ``record`` (typed; ``new``, or a
    stored one changed) would leave in its case, judged as ``Store.add`` and
    ``Store.update`` judge them (:mod:`casekit.store.across`): for a form to show
    them beside the fields."""
    spec = store.dictionary[form]
    with store.connect() as conn:
        return across.save_problems(
            conn, store.metadata, store.dictionary, spec, record, new=new
        )


def incomplete(store: Store) -> dict[str, list[str]]:
    """What to ask at the next visit: follow-ups that report a flare without its
    side (what is due to be called is :func:`calls_due`). A save through the store
    refuses such a follow-up now; a store written by an older casekit, or by
    another tool, may still hold some, and they are counted here."""
    followups = store.table("followup")
    sideless = sa.select(followups.c.case_id, followups.c.followup_no).where(
        followups.c.deleted == sa.false(),
        followups.c.case_id.not_in(_withdrawn_cases(store)),
        followups.c.flare == "yes",
        followups.c.flare_side.is_(None),
    )
    with store.connect() as conn:
        found = [tuple(row) for row in conn.execute(sideless).all()]
    # Ordered here: ORDER BY would walk the key's index over every follow-up
    # (0.45 s at 100,000 cases) to sort the few found.
    flares = [where("followup", c, n) for c, n in sorted(found)]
    return {"flare_without_side": flares}


def calls_due(store: Store, on: dt.date | None = None) -> pd.DataFrame:
    """The calls due on ``on`` (default today) by the follow-up schedule, with the
    days of the store's ``casekit.toml``: the same table as
    :func:`casekit.schedule.due` over the cases not withdrawn. Only the sessions
    and follow-ups dated on or before ``on`` count (a follow-up without a date
    counts whatever the day): a past day's list is what was due that day.

    The store finds what each call depends on, so that only the sessions of open
    cases come back, not every session and follow-up of a store of 100,000 cases
    (reading those took 3.5 s): which cases are closed (and not re-opened,
    :mod:`casekit.store.closing`), whether a follow-up refers to a session, which
    session is a case's latest, and the case's latest follow-up date. Days are
    counted in pandas (:func:`casekit.schedule.listed`), the same on SQLite and
    PostgreSQL.
    """
    on = on or dt.date.today()
    schedule = load_schedule(store.home)
    s, f = store.table("session"), store.table("followup")
    counted = [
        f.c.deleted == sa.false(),
        sa.or_(f.c.followup_date <= on, f.c.followup_date.is_(None)),
    ]
    answered = sa.exists().where(
        f.c.case_id == s.c.case_id, f.c.after_session == s.c.session_no, *counted
    )
    newest_first = (s.c.session_date.desc(), s.c.session_no.desc())
    heard = sa.select(sa.func.max(f.c.followup_date)).where(
        f.c.case_id == s.c.case_id, *counted
    )
    query = sa.select(
        s.c.case_id,
        s.c.session_no,
        s.c.session_date,
        answered.label("answered"),
        sa.func.row_number()
        .over(partition_by=s.c.case_id, order_by=newest_first)
        .label("rank"),
        heard.scalar_subquery().label("heard"),
    ).where(
        s.c.deleted == sa.false(),
        s.c.session_date <= on,  # and so not NULL
        s.c.case_id.in_(_open_cases(store, on)),
    )
    with store.connect() as conn:
        rows = conn.execute(query).all()
    names = ("case_id", "session_no", "day", "answered", "rank", "heard")
    by_column = dict.fromkeys(names, ())
    by_column.update(zip(names, zip(*rows, strict=True), strict=False))
    spec, said = store.dictionary["session"], store.dictionary["followup"]
    sessions = pd.DataFrame(
        {
            "case_id": column(spec["case_id"], list(by_column["case_id"])),
            "session_no": column(spec["session_no"], list(by_column["session_no"])),
            "day": column(spec["session_date"], list(by_column["day"])),
        }
    )
    checkins = sessions[~np.array(by_column["answered"], dtype=bool)]
    latest = np.array(by_column["rank"], dtype=int) == 1
    heard_on = column(said["followup_date"], list(by_column["heard"]))
    heard_on = heard_on.to_numpy().astype("datetime64[D]")[latest]
    sessions = sessions[latest]
    unheard = {}
    for call in ("two_week", "six_week"):
        day = sessions["day"].to_numpy().astype("datetime64[D]")
        day = day + np.timedelta64(call_days(schedule, call), "D")
        unheard[call] = sessions[~(heard_on >= day)]  # NaT compares False: open
    return listed(checkins, unheard, on, schedule)


def _open_cases(store: Store, on: dt.date) -> sa.Select:
    """The cases not withdrawn and not closed on the day ``on``
    (:mod:`casekit.store.closing`: a session after the closing follow-up
    re-opens a case)."""
    cases = store.table("case")
    shut = closed(cases.c.case_id, store.table("session"), store.table("followup"), on)
    return sa.select(cases.c.case_id).where(cases.c.deleted == sa.false(), ~shut)


def case_course(store: Store, case_id: str) -> dict[str, pd.DataFrame]:
    """One case's intake, sessions and follow-ups, typed as :meth:`Store.read`
    types a form, in order; ``NotFound`` for a case the store does not hold, or
    that was withdrawn (its message then says when)."""
    frames = {}
    with store.connect() as conn:
        for form in store.dictionary:
            table = store.table(form.name)
            query = (
                sa.select(*[as_stored(table.c[f.code]) for f in form.fields])
                .where(table.c.case_id == case_id, table.c.deleted == sa.false())
                .order_by(*[table.c[code] for code in form.key])
            )
            frames[form.name] = records_to_frame(form, conn.execute(query).all())
        gone = withdrawn_on(store, conn, case_id) if frames["case"].empty else None
    if frames["case"].empty:
        missing = NotFound("case", case_id)
        if gone is not None:
            # Its rows are kept, marked: "no case in the store" would send the
            # practitioner looking for a typo. The reason is not printed: it is
            # free text, kept in the audit.
            on = f" on {gone}" if gone else ""
            missing.args = (f"case {case_id} was withdrawn{on}",)
        raise missing
    return frames


def withdrawn_on(store: Store, conn: sa.Connection, case_id: str) -> str | None:
    """The day (local time) a withdrawn case was withdrawn, "" if the audit does
    not say; None for a case that is not withdrawn, or not there."""
    cases = store.table("case")
    withdrawn = sa.select(cases.c.case_id).where(
        cases.c.case_id == case_id, cases.c.deleted == sa.true()
    )
    if conn.execute(withdrawn).first() is None:
        return None
    return removed_on(store, conn, "case", case_id)


def removed_on(
    store: Store,
    conn: sa.Connection,
    form: str,
    case_id: str,
    number: int | None = None,
) -> str:
    """The day (local time) the audit says a record was removed (a case
    withdrawn: ``number`` None), its latest removal; "" if it does not say."""
    audit = store.metadata.tables["audit"]
    which = [audit.c.action == "delete", audit.c.form == form]
    which.append(audit.c.case_id == case_id)
    if number is not None:
        which.append(audit.c.instance == number)
    when = conn.execute(
        sa.select(audit.c.time).where(*which).order_by(audit.c.id.desc()).limit(1)
    ).scalar()
    if when is None:
        return ""
    stamp = dt.datetime.fromisoformat(when)
    return f"{stamp.replace(tzinfo=stamp.tzinfo or dt.UTC).astimezone():%Y-%m-%d}"


def examined_twice(store: Store) -> int:
    """How many cases have two exams or more (the cases examiner agreement is
    measured on), counted in the store: rows as :meth:`Store.read` gives them
    (none removed, none of a withdrawn case)."""
    exams = store.table("exam")
    gone = _withdrawn_cases(store)
    twice = (
        sa.select(exams.c.case_id)
        .where(exams.c.deleted == sa.false(), exams.c.case_id.not_in(gone))
        .group_by(exams.c.case_id)
        .having(sa.func.count() >= 2)
        .subquery()
    )
    with store.connect() as conn:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(twice)).scalar_one()
        )


def _withdrawn_cases(store: Store) -> sa.Select:
    """The withdrawn cases: few, so that "not one of them" is quicker to ask than
    "one of the 100,000 others" (0.07 s against 0.35 s over 430,000 follow-ups)."""
    cases = store.table("case")
    return sa.select(cases.c.case_id).where(cases.c.deleted == sa.true())


def left_out(store: Store) -> dict[str, int]:
    """Per form, how many stored records no export carries: every record of a
    withdrawn case, and each session, follow-up or exam removed. They stay in the
    store, marked, and in its backups."""
    withdrawn = _withdrawn_cases(store)
    counts = {}
    with store.connect() as conn:
        for form in store.dictionary:
            table = store.table(form.name)
            gone = table.c.deleted == sa.true()
            if form.name != "case":
                gone = sa.or_(gone, table.c.case_id.in_(withdrawn))
            query = sa.select(sa.func.count()).select_from(table).where(gone)
            counts[form.name] = int(conn.execute(query).scalar_one())
    return counts


def as_of(store: Store) -> tuple:
    """What a page built from the store shows depends on, asked cheaply: the audit's
    last row (every save, removal, site added, merge), the drafts kept (they are
    not audited) and the store's own files (local dictionary, deny-list,
    settings, and the store's file). Equal answers at two moments: nothing a page
    shows has changed."""
    audit, drafts = store.metadata.tables["audit"], store.metadata.tables["drafts"]
    with store.connect() as conn:
        last = conn.execute(sa.select(sa.func.max(audit.c.id))).scalar()
        # only a store on this machine keeps drafts (a server's roles cannot read
        # the table: casekit.store.drafts)
        kept = (
            [tuple(row) for row in conn.execute(sa.select(drafts)).all()]
            if keeps_drafts(store)
            else []
        )
    # The store's file itself: one copied over it (a restore) is another file, which
    # a connection held open since would not see.
    files = [store.path and store.path.stat()[1:3]]  # inode and device
    for name in ("dictionary.local.yaml", "deny-list.txt", SETTINGS_FILE):
        path = store.home / name
        found = path.stat() if path.is_file() else None
        files.append(found and (found.st_mtime_ns, found.st_size))
    return last, sorted(kept), tuple(files)


def month(value: Any) -> str:
    """'2025-03' for a date, '' for none."""
    return value.strftime("%Y-%m") if isinstance(value, dt.date) else ""

"""A visit logged late: it takes the number its date gives, and the later ones move.

Sessions and follow-ups are numbered in the order of their dates
(:mod:`casekit.store.numbering`). A practitioner who forgot to log a visit and logs it
days later, after a later one, would otherwise see it numbered after that later
visit. Instead the new record goes after every stored record of its case dated on or
before its own date (the stored ones of the same date first), and each stored record
after it moves up, in the same transaction as the insert. A follow-up whose
``after_session`` names a moved session moves with it.

Each move is an audit row of its own (action ``renumber``: the field, the old and the
new number, and :func:`reason`), written as the move is made, so that
:mod:`casekit.store.verify` replays the audit into the tables as they are: a
``renumber`` row of the record's number moves the record to its new key there too.
No edit can write such a row (``Store.update`` keeps the stored key).

A removed record's number is never given again, and a removed record never moves:
the audit and any copy made before its removal say "session 3 removed", and a
later "session 3" that is another visit would read as that one. So the numbers the
moved records and the new one take skip every removed number: with session 3
removed, session 2 dated after the late visit becomes 4, not 3. A moved record's old
number does go to another visit (the late one, or the record before it): that is
the renumbering itself, and each such change stands in the audit.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from ..dictionary import Form
from .schema import TABLE_OF

# The forms numbered by date whose late records move the later ones: those a rule
# keeps in date order (casekit.checks). A late exam is numbered after the others,
# as before.
LATE_FORMS = ("session", "followup")
RENUMBER_ACTION = "renumber"
FEW = 500  # cases looked up by id at a time (SQLite's limit on bound values)


def reason(form: Form) -> str:
    """The audit's reason for each move: what happened, in casekit's words."""
    return f"renumbered: an earlier {form.noun} was logged late"


def place(
    conn: sa.Connection,
    table: sa.Table,
    form: Form,
    records: Sequence[Mapping],
    numbered: Sequence[int],
) -> tuple[list[int], dict[tuple, int]]:
    """``numbered`` (:func:`casekit.store.numbering.numbers`, after the highest
    number of each case) with each case's new records dated before a stored one
    placed among the stored by date instead; and the moves of the stored records
    that makes, ``(case_id, old number)`` to the new number.

    A case none of whose new records is dated before a stored one, or with an
    undated new record, keeps ``numbered``: nothing moves."""
    date = _date_code(form)
    if form.name not in LATE_FORMS or date is None:
        return list(numbered), {}
    new: dict[Any, list[tuple[int, dt.date]]] = {}
    undated = set()
    for at, record in enumerate(records):
        if record.get(form.instance) is None:
            case = record.get("case_id")
            if record.get(date) is None:
                undated.add(case)
            new.setdefault(case, []).append((at, record.get(date)))
    cases = {case for case in new if case not in undated}
    latest = _latest_dates(conn, table, date, cases)
    late = {
        case
        for case in cases
        if latest.get(case) is not None and min(d for _, d in new[case]) < latest[case]
    }
    if not late:
        return list(numbered), {}
    result, moves = list(numbered), {}
    stored = _stored(conn, table, form, date, late)
    taken: dict[Any, set[int]] = {}  # numbers the records of a late case give
    for record in records:
        if record.get("case_id") in late and record.get(form.instance) is not None:
            taken.setdefault(record["case_id"], set()).add(record[form.instance])
    for case in late:
        live = sorted((n, d) for n, d, gone in stored.get(case, []) if not gone)
        removed = {n for n, _, gone in stored.get(case, []) if gone}
        blocked = removed | taken.get(case, set())
        given, moved = plan(live, blocked, new[case])
        for at, number in given.items():
            result[at] = number
        moves.update({(case, old): number for old, number in moved.items()})
    return result, moves


def plan(
    live: Sequence[tuple[int, Any]],
    blocked: set[int],
    new: Sequence[tuple[int, Any]],
) -> tuple[dict[int, int], dict[int, int]]:
    """One case: ``live``, its stored records as ``(number, date)`` in number
    order; ``blocked``, numbers never to give (removed records', and those of the
    batch given their own); ``new``, ``(position, date)`` of its new records.

    Each new record goes after the last record dated on or before its date (new
    ones in date order, stable). From the first new record that lands before a
    stored one, every record takes the next number, starting at the number of the
    first stored one it displaced and skipping ``blocked``. Returns each new
    record's number by position, and each moved stored record's new number by its
    old one (empty when none lands before a stored one)."""
    order: list[tuple[str, int, Any]] = [("stored", n, d) for n, d in live]
    for at, date in sorted(new, key=lambda item: item[1]):  # stable for equal dates
        after = max(
            (i for i, item in enumerate(order) if item[2] is None or item[2] <= date),
            default=-1,
        )
        order.insert(after + 1, ("new", at, date))
    kinds = [kind for kind, _, _ in order]
    first = kinds.index("new") if "new" in kinds else len(order)
    if "stored" not in kinds[first:]:
        return {}, {}
    number = next(n for kind, n, _ in order[first:] if kind == "stored")
    given, moved = {}, {}
    for kind, which, _ in order[first:]:
        while number in blocked:
            number += 1
        if kind == "new":
            given[which] = number
        elif number != which:
            moved[which] = number
        number += 1
    return given, moved


def make_room(
    conn: sa.Connection,
    metadata: sa.MetaData,
    form: Form,
    moves: Mapping[tuple, int],
    audit: Callable[[Iterable[dict[str, Any]]], None],
) -> None:
    """Move the stored records of ``moves`` (:func:`place`) to their new numbers,
    and the follow-ups whose ``after_session`` names a moved session with them,
    each with its ``renumber`` audit row, in the caller's transaction.

    Each case's records move from the highest down: every one moves up, so the
    number it takes is free by then (no key is held twice, not even for a
    moment, on either backend)."""
    if not moves:
        return
    table = metadata.tables[TABLE_OF[form.name]]
    number = table.c[form.instance]
    why = reason(form)
    rows = []
    for (case, old), new in sorted(moves.items(), key=lambda m: (m[0][0], -m[0][1])):
        conn.execute(
            sa.update(table)
            .where(table.c.case_id == case, number == old)
            .values({form.instance: new})
        )
        rows.append(_renumbered(form.name, (case, old), form.instance, old, new, why))
    if form.name == "session":
        rows += _follow(conn, metadata, moves, why)
    audit(rows)
    _redraft(conn, metadata, form, moves)


def _follow(
    conn: sa.Connection, metadata: sa.MetaData, moves: Mapping[tuple, int], why: str
) -> list[dict[str, Any]]:
    """Point each follow-up (removed ones too: they keep what they reported on)
    that names a moved session at its new number."""
    followups = metadata.tables[TABLE_OF["followup"]]
    cases = sorted({case for case, _ in moves})
    rows = []
    for start in range(0, len(cases), FEW):
        found = conn.execute(
            sa.select(
                followups.c.case_id, followups.c.followup_no, followups.c.after_session
            )
            .where(
                followups.c.case_id.in_(cases[start : start + FEW]),
                followups.c.after_session.is_not(None),
            )
            .order_by(followups.c.case_id, followups.c.followup_no)
        ).all()
        for case, no, after in found:
            new = moves.get((case, int(after)))
            if new is None:
                continue
            conn.execute(
                sa.update(followups)
                .where(followups.c.case_id == case, followups.c.followup_no == no)
                .values(after_session=new)
            )
            key = (case, no)
            rows.append(_renumbered("followup", key, "after_session", after, new, why))
    return rows


def _redraft(
    conn: sa.Connection, metadata: sa.MetaData, form: Form, moves: Mapping[tuple, int]
) -> None:
    """A draft (:mod:`casekit.store.drafts`, kept in a SQLite store alone) of an
    edit of a moved record, or of a follow-up that names a moved session, is
    pointed at its new number too: restored later, it must not change another
    visit. (Drafts are scratch, not audited.)"""
    if conn.dialect.name != "sqlite" or "drafts" not in metadata.tables:
        return
    drafts = metadata.tables["drafts"]
    for row in conn.execute(sa.select(drafts)).all():
        editing = json.loads(row.editing) if row.editing else None
        answers = json.loads(row.answers)
        changed = {}
        name = row.form.split(" ", 1)[0]  # drafts.form_of: the form, then a token
        if name == form.name and editing and tuple(editing) in moves:
            changed["editing"] = json.dumps([editing[0], moves[tuple(editing)]])
        after = answers.get("after_session")
        if form.name == "session" and name == "followup" and after is not None:
            new = moves.get((row.case_id, int(after)))
            if new is not None:
                moved = {**answers, "after_session": new}
                changed["answers"] = json.dumps(moved, sort_keys=True)
        if changed:
            conn.execute(
                sa.update(drafts).where(drafts.c.form == row.form).values(changed)
            )


def _renumbered(
    form: str, key: tuple, field: str, old: Any, new: Any, why: str
) -> dict[str, Any]:
    return {
        "action": RENUMBER_ACTION,
        "form": form,
        "case_id": key[0],
        "instance": key[1],
        "field": field,
        "old_value": str(int(old)),
        "new_value": str(int(new)),
        "reason": why,
    }


def _date_code(form: Form) -> str | None:
    return next((f.code for f in form.fields if f.type == "date"), None)


def _latest_dates(
    conn: sa.Connection, table: sa.Table, date: str, cases: set
) -> dict[Any, Any]:
    """The latest date of each case's stored records that are not removed."""
    if not cases:
        return {}
    column = table.c[date]
    query = (
        sa.select(table.c.case_id, sa.func.max(column))
        .where(table.c.deleted == sa.false(), column.is_not(None))
        .group_by(table.c.case_id)
    )
    if len(cases) > FEW:  # an import's thousands: the whole column, once
        rows = conn.execute(query).all()
        return {case: _day(d) for case, d in rows if case in cases}
    rows = conn.execute(query.where(table.c.case_id.in_(cases))).all()
    return {case: _day(d) for case, d in rows}


def _stored(
    conn: sa.Connection, table: sa.Table, form: Form, date: str, cases: set
) -> dict[Any, list[tuple[int, Any, bool]]]:
    """Each case's stored records: number, date, removed."""
    query = sa.select(
        table.c.case_id, table.c[form.instance], table.c[date], table.c.deleted
    )
    found: dict[Any, list] = {}
    ids = sorted(cases, key=str)
    for start in range(0, len(ids), FEW):
        chunk = query.where(table.c.case_id.in_(ids[start : start + FEW]))
        for case, number, day, gone in conn.execute(chunk).all():
            found.setdefault(case, []).append((int(number), _day(day), bool(gone)))
    return found


def _day(value: Any) -> Any:
    """A stored date as a date (an aggregate may come back as SQLite's text)."""
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def shifted(
    frames: Mapping[str, pd.DataFrame], form: Form, moves: Mapping[tuple, int]
) -> dict[str, pd.DataFrame]:
    """A case's typed ``frames`` as they will be once ``moves`` are made: the
    moved records' numbers, and (for sessions) the follow-ups' ``after_session``
    that named them."""
    frames = dict(frames)
    if not moves:
        return frames
    columns = [(form.name, form.instance)]
    if form.name == "session":
        columns.append(("followup", "after_session"))
    for name, column in columns:
        frame = frames[name]
        if frame.empty:
            continue
        new = [
            moves.get((case, int(n)), n) if pd.notna(n) else n
            for case, n in zip(frame["case_id"], frame[column], strict=True)
        ]
        frames[name] = frame.assign(
            **{column: pd.array(new, dtype=frame[column].dtype)}
        )
    return frames

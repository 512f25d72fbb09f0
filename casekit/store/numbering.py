"""Case ids and numbers: drawn and given in one place.

A new case gets a random id that no stored case has (a withdrawn one included); a new
session or follow-up gets the next number within its case, after the highest ever
given, so that a removed session's number is never given again; several new ones
of a case are numbered in the order of their dates, and one dated before a stored one
takes its place by date, the later ones moving up (:mod:`casekit.store.late`). The
store uses these
as it writes; the importer to check a file the way the store will write it; a form to
propose the next number.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

import sqlalchemy as sa

from ..dictionary import Dictionary, Form
from ..privacy import new_case_id
from ..problems import Problem, refusal
from . import server
from .checked import Checked
from .late import place

# Up to this many cases a query looks them up by id; beyond, it reads the whole
# column (SQLite limits the number of values one statement may bind).
FEW = 500


def draw_case_ids(
    conn: sa.Connection, cases: sa.Table, n: int, taken: Collection[str] = ()
) -> list[str]:
    """``n`` fresh random case ids, none of them in ``taken`` nor in ``cases``.

    Only the drawn ids are looked up, not the whole column, so that a form's save
    stays cheap at any size; an id that is already stored is drawn again.
    """
    used = set(taken)
    fresh: list[str] = []
    needed = n
    while needed:
        drawn = []
        for _ in range(needed):
            drawn.append(new_case_id(used))
            used.add(drawn[-1])
        clash = taken_case_ids(conn, cases, drawn)
        fresh += [d for d in drawn if d not in clash]
        needed = n - len(fresh)
    return fresh


def taken_case_ids(
    conn: sa.Connection, cases: sa.Table, ids: Collection[str]
) -> set[str]:
    """The ids of ``ids`` that a stored case has (a withdrawn one too); on a network
    store, a case of any site, including those this role cannot read."""
    ids = list(ids)
    if conn.dialect.name == "postgresql":
        return server.taken(conn, ids)
    return _readable(conn, cases, ids)


def unseen_case_ids(
    conn: sa.Connection, cases: sa.Table, ids: Collection[str]
) -> set[str]:
    """The ids of ``ids`` that a stored case has which this role cannot read: on a
    network store, another site's (the server says which ids are taken, nothing
    more); none on a SQLite file, whose every case its user reads."""
    if conn.dialect.name != "postgresql":
        return set()
    taken = sorted(server.taken(conn, list(ids)))
    return set(taken) - _readable(conn, cases, taken)


def _readable(conn: sa.Connection, cases: sa.Table, ids: list[str]) -> set[str]:
    """The ids of ``ids`` of the cases this connection reads."""
    found: set[str] = set()
    for start in range(0, len(ids), FEW):  # bind few values at a time
        chunk = ids[start : start + FEW]
        found |= set(
            conn.execute(
                sa.select(cases.c.case_id).where(cases.c.case_id.in_(chunk))
            ).scalars()
        )
    return found


def numbers(
    conn: sa.Connection,
    table: sa.Table,
    form: Form,
    records: Iterable[Mapping],
    *,
    by_date: bool = True,
) -> list[int]:
    """The number of each session (or follow-up) in ``records``, in order: its own,
    or the next after the highest its case has (removed ones counted) or has been
    given earlier in ``records``.

    The numbers drawn for a case's records go to them in the order of their dates
    (records of one date in the order given), not of ``records``: session 2 is
    the one after session 1, however a file's rows were sorted. A session dated
    before a stored one of its case takes its place by date instead, and the
    later stored ones move up (:func:`placed`). ``by_date=False`` gives them in the
    order of ``records``, as casekit did before.
    """
    return placed(conn, table, form, records, by_date=by_date)[0]


def placed(
    conn: sa.Connection,
    table: sa.Table,
    form: Form,
    records: Iterable[Mapping],
    *,
    by_date: bool = True,
) -> tuple[list[int], dict[tuple, int]]:
    """:func:`numbers`, and the moves of stored records that writing ``records``
    makes: ``(case_id, old number)`` to the new one
    (:func:`casekit.store.late.place`)."""
    records = list(records)
    last = _last_numbers(conn, table, form, {r.get("case_id") for r in records})
    given = []
    for record in records:
        case, number = record.get("case_id"), record.get(form.instance)
        if number is None:
            number = (last.get(case) or 0) + 1
        last[case] = max(last.get(case) or 0, number)
        given.append(number)
    if not by_date:
        return given, {}
    return place(conn, table, form, records, _by_date(form, records, given))


def _by_date(form: Form, records: list[Mapping], given: list[int]) -> list[int]:
    """``given``, the numbers drawn for each case shared out again among that
    case's records in the order of their dates (stable for equal dates). A case
    with an undated new record keeps the order given: there is no order to
    follow."""
    date = next((f.code for f in form.fields if f.type == "date"), None)
    drawn: dict[object, list[int]] = {}  # each case's positions with a drawn number
    for at, record in enumerate(records):
        if record.get(form.instance) is None:
            drawn.setdefault(record.get("case_id"), []).append(at)
    result = list(given)
    for positions in drawn.values():
        dates = [records[at].get(date) if date else None for at in positions]
        if len(positions) < 2 or any(d is None for d in dates):
            continue
        order = sorted(range(len(positions)), key=lambda i: dates[i])  # stable
        ranked = sorted(given[at] for at in positions)
        for rank, i in enumerate(order):
            result[positions[i]] = ranked[rank]
    return result


def renumbered(
    conn: sa.Connection, table: sa.Table, form: Form, records: Iterable[Mapping]
) -> dict[tuple, int]:
    """The numbers that :func:`numbers` gives by date to another record of
    ``records`` than the order given would: ``(case_id, number)`` and the index
    of the record in the order given that the number would have named."""
    records = list(records)
    if not any(r.get(form.instance) is None for r in records):
        return {}  # every number given: nothing drawn, nothing moved
    plain = numbers(conn, table, form, records, by_date=False)
    dated = numbers(conn, table, form, records)
    return {
        (record.get("case_id"), number): at
        for at, (record, number) in enumerate(zip(records, plain, strict=True))
        if number != dated[at]
    }


def moves(
    conn: sa.Connection, table: sa.Table, form: Form, records: Iterable[Mapping]
) -> dict[tuple, int]:
    """The stored records that writing ``records`` would move, ``(case_id, old
    number)`` to the new one: those dated after a new record of their case."""
    records = list(records)
    if not any(r.get(form.instance) is None for r in records):
        return {}
    return placed(conn, table, form, records)[1]


def _last_numbers(
    conn: sa.Connection, table: sa.Table, form: Form, cases: set
) -> dict[str, int]:
    number = table.c[form.instance]
    query = sa.select(table.c.case_id, sa.func.max(number)).group_by(table.c.case_id)
    if len(cases) <= FEW:  # a form's save: look at these cases alone
        query = query.where(table.c.case_id.in_(cases))
    return dict(conn.execute(query).all())


def missing_cases(conn: sa.Connection, cases: sa.Table, ids: set) -> list[str]:
    """The ids in ``ids`` that no stored case has, sorted."""
    query = sa.select(cases.c.case_id)
    if len(ids) <= FEW:
        query = query.where(cases.c.case_id.in_(ids))
    return sorted(str(c) for c in ids - set(conn.execute(query).scalars()))


def refuse_moved_references(
    conn: sa.Connection,
    metadata: sa.MetaData,
    dictionary: Dictionary,
    checked: Mapping[str, Sequence[Checked]],
) -> None:
    """Raise ``ValidationFailed`` (nothing written) when a follow-up of
    ``checked`` names by number a session of ``checked`` that the dates number
    otherwise than the order given (:func:`renumbered`), or a stored session that
    a new one dated before it moves (:func:`moves`): which one it means is not
    known. (The importer numbers its sessions first, and says this with the
    file's rows: :mod:`casekit.io.renumbering`.)"""
    sessions, followups = checked.get("session"), checked.get("followup")
    if not sessions or not followups:
        return
    records = [c.record for c in sessions]
    table = metadata.tables["sessions"]
    moved = renumbered(conn, table, dictionary["session"], records)
    stored = moves(conn, table, dictionary["session"], records)
    problems = []
    for f in followups:
        key = (f.record.get("case_id"), f.record.get("after_session"))
        if key not in moved and key not in stored:
            continue
        about = {
            "form": "followup",
            "case_id": key[0],
            "instance": f.record.get("followup_no"),
            "field": "after_session",
            "value": str(key[1]),
        }
        if key in moved:
            detail = f"session record {moved[key] + 1} given"
            problems.append(Problem(rule="renumbered_session", detail=detail, **about))
        else:
            other = str(stored[key])
            problems.append(Problem(rule="moved_session", other_value=other, **about))
    if problems:
        raise refusal(problems)

"""Cross-form data-quality rules, on a store written by hand (as another tool might)."""

from __future__ import annotations

import datetime as dt
import sqlite3

from conftest import case_record, followup_record, session_record
from pgserver import superuser_sql

from casekit.checks import cross_form_problems


def _raw_insert(db, table, **values):
    """Write around casekit, as another program or an old version might have."""
    names = ", ".join(values)
    cells = [v.isoformat() if isinstance(v, dt.date) else v for v in values.values()]
    if str(db).startswith("postgresql"):  # as the superuser, foreign keys off
        cells = [
            bool(v) if k == "deleted" else v for k, v in zip(values, cells, strict=True)
        ]
        literal = ", ".join("NULL" if v is None else f"'{v}'" for v in cells)
        superuser_sql(
            db, f"INSERT INTO {table} ({names}) VALUES ({literal})", guards=False
        )
        return
    marks = ", ".join("?" for _ in values)
    with sqlite3.connect(db) as raw:  # foreign keys are off by default here
        raw.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", cells)


def test_clean_store_has_no_problem(store):
    cid = store.add("case", case_record())["case_id"]
    store.add("session", session_record(cid))
    store.add("followup", followup_record(cid))
    assert cross_form_problems(store.dictionary, store.frames()) == []


def seed_every_cross_form_problem(store) -> str:
    """A store holding one of each cross-form problem; returns the case id."""
    cid = store.add("case", case_record(intake_date=dt.date(2025, 3, 3)))["case_id"]
    store.add("session", session_record(cid, session_date=dt.date(2025, 3, 10)))
    db = store.path or store.url
    _raw_insert(
        db,
        "sessions",
        case_id=cid,
        session_no=2,
        session_date=dt.date(2025, 3, 1),
        deleted=0,
    )  # before intake
    _raw_insert(
        db,
        "sessions",
        case_id=cid,
        session_no=3,
        session_date=dt.date(2025, 3, 20),
        nprs_after=2,
        deleted=0,
    )  # half
    _raw_insert(
        db,
        "sessions",
        case_id="GHOST2",
        session_no=1,
        session_date=dt.date(2025, 3, 20),
        deleted=0,
    )  # unknown case
    _raw_insert(
        db,
        "followups",
        case_id=cid,
        followup_no=1,
        after_session=1,
        followup_date=dt.date(2025, 3, 8),
        deleted=0,
    )  # before session
    _raw_insert(
        db,
        "followups",
        case_id=cid,
        followup_no=2,
        after_session=1,
        followup_date=dt.date(2025, 3, 12),
        flare="yes",
        deleted=0,
    )  # no side
    _raw_insert(
        db,
        "followups",
        case_id=cid,
        followup_no=3,
        after_session=9,
        followup_date=dt.date(2025, 3, 12),
        deleted=0,
    )  # unknown session
    return cid


def test_each_cross_form_problem_is_found(store):
    cid = seed_every_cross_form_problem(store)
    problems = cross_form_problems(store.dictionary, store.frames())
    found = {(p.form, p.case_id, p.instance, p.field) for p in problems}
    assert found == {
        ("session", cid, 2, "session_date"),
        ("session", cid, 3, "nprs_before"),
        ("session", "GHOST2", 1, "case_id"),
        ("followup", cid, 1, "followup_date"),
        ("followup", cid, 2, "flare_side"),
        ("followup", cid, 3, "after_session"),
    }
    assert all(p.severity == "error" for p in problems)
    text = {p.field: p.problem for p in problems}
    assert text["followup_date"] == (
        f"follow-up 1 of case {cid}: `followup_date` is 2025-03-08, before session 1 "
        "(2025-03-10) that it reports on"
    )
    assert text["session_date"].startswith(f"session 2 of case {cid}:")

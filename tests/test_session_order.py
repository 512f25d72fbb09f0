"""Sessions numbered in the order of their dates: an import's new sessions whatever
the order of the file's rows, and a rule across forms that finds a session dated
before the one numbered before it. On SQLite and PostgreSQL (``BOTH_BACKENDS``)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import case_record, followup_record, session_record
from test_checks import _raw_insert

from casekit.checks import cross_form_problems
from casekit.cli import main
from casekit.errors import ValidationFailed
from casekit.io.importer import import_files

HEADER = "case_id,session_date,nprs_before,nprs_after\n"


def _sessions(store, case_id) -> list[tuple[int, str]]:
    frame = store.frames()["session"]
    frame = frame[frame["case_id"] == case_id].sort_values("session_no")
    return [
        (int(n), d.date().isoformat())
        for n, d in zip(frame["session_no"], frame["session_date"], strict=True)
    ]


def _write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_an_imports_sessions_without_numbers_are_numbered_by_date(store, tmp_path):
    cid = store.add("case", case_record(intake_date=dt.date(2025, 3, 4)))["case_id"]
    rows = [
        f"{cid},2025-03-20,5,3",
        f"{cid},2025-03-10,6,4",
        f"{cid},2025-03-15,6,4",
        f"{cid},2025-03-10,7,4",  # the same day as the second row: after it
    ]
    sessions = _write(tmp_path / "sessions.csv", HEADER + "\n".join(rows) + "\n")
    import_files(store, [sessions])
    assert _sessions(store, cid) == [
        (1, "2025-03-10"),
        (2, "2025-03-10"),
        (3, "2025-03-15"),
        (4, "2025-03-20"),
    ]
    frame = store.frames()["session"].sort_values("session_no")
    assert frame["nprs_before"].tolist()[:2] == [6, 7]  # stable for equal dates


def test_new_sessions_come_after_the_stored_ones(store, tmp_path):
    cid = store.add("case", case_record(intake_date=dt.date(2025, 3, 4)))["case_id"]
    store.add("session", session_record(cid, session_date=dt.date(2025, 3, 5)))
    rows = [f"{cid},2025-03-20,5,3", f"{cid},2025-03-10,6,4"]
    import_files(
        store, [_write(tmp_path / "sessions.csv", HEADER + "\n".join(rows) + "\n")]
    )
    assert _sessions(store, cid) == [
        (1, "2025-03-05"),
        (2, "2025-03-10"),
        (3, "2025-03-20"),
    ]


def test_a_new_session_dated_before_a_stored_one_takes_its_place(store, tmp_path):
    # Before, the import was refused (session_out_of_order): a visit logged late
    # could not be logged at all. Now it is numbered by its date, and the stored
    # session after it moves up (tests/test_late_visit.py has the details).
    cid = store.add("case", case_record(intake_date=dt.date(2025, 3, 4)))["case_id"]
    store.add("session", session_record(cid, session_date=dt.date(2025, 3, 20)))
    sessions = _write(tmp_path / "sessions.csv", HEADER + f"{cid},2025-03-10,6,4\n")
    import_files(store, [sessions])
    assert _sessions(store, cid) == [(1, "2025-03-10"), (2, "2025-03-20")]
    assert cross_form_problems(store.dictionary, store.frames()) == []
    assert store.verify()[0] == []


def test_a_followup_naming_a_session_that_dates_renumbered_is_refused(store, tmp_path):
    cid = store.add("case", case_record(intake_date=dt.date(2025, 3, 4)))["case_id"]
    rows = [f"{cid},2025-03-20,5,3", f"{cid},2025-03-10,6,4"]
    sessions = _write(tmp_path / "sessions.csv", HEADER + "\n".join(rows) + "\n")
    followups = _write(
        tmp_path / "followups.csv",
        "case_id,followup_date,after_session,nprs,flare,status\n"
        f"{cid},2025-03-22,1,4,no,in_care\n",
    )
    with pytest.raises(ValidationFailed) as refused:
        import_files(store, [sessions, followups])
    (problem,) = refused.value.found
    assert problem.rule == "renumbered_session"
    assert problem.problem == (
        f"follow-up 1 of case {cid}: `after_session` is 1, but new sessions are "
        "numbered by their dates, so session 1 is not the one of sessions.csv row 2; "
        "give the sessions their numbers (session_no)"
    )
    assert store.frames()["session"].empty  # nothing written


def test_a_followup_with_sessions_already_in_date_order_imports(store, tmp_path):
    cid = store.add("case", case_record(intake_date=dt.date(2025, 3, 4)))["case_id"]
    rows = [f"{cid},2025-03-10,6,4", f"{cid},2025-03-20,5,3"]
    sessions = _write(tmp_path / "sessions.csv", HEADER + "\n".join(rows) + "\n")
    followups = _write(
        tmp_path / "followups.csv",
        "case_id,followup_date,after_session,nprs,flare,status\n"
        f"{cid},2025-03-22,2,4,no,in_care\n",
    )
    import_files(store, [sessions, followups])
    assert _sessions(store, cid) == [(1, "2025-03-10"), (2, "2025-03-20")]


def test_followups_without_numbers_are_numbered_by_date(store):
    cid = store.add("case", case_record(intake_date=dt.date(2025, 3, 4)))["case_id"]
    store.add("session", session_record(cid, session_date=dt.date(2025, 3, 5)))
    dates = [dt.date(2025, 3, 30), dt.date(2025, 3, 9)]
    added = store.add_many(
        {"followup": [followup_record(cid, followup_date=d, flare="no") for d in dates]}
    )
    numbered = {r["followup_date"]: r["followup_no"] for r in added["followup"]}
    assert numbered == {dt.date(2025, 3, 9): 1, dt.date(2025, 3, 30): 2}


def test_check_finds_a_session_dated_before_the_one_before_it(store, capsys):
    cid = store.add("case", case_record(intake_date=dt.date(2025, 3, 4)))["case_id"]
    store.add("session", session_record(cid, session_date=dt.date(2025, 3, 20)))
    # An older casekit numbered an import's sessions in the order of its rows.
    db = store.path or store.url
    _raw_insert(
        db, "sessions", case_id=cid, session_no=2,
        session_date=dt.date(2025, 3, 10), deleted=0,
    )  # fmt: skip
    problems = cross_form_problems(store.dictionary, store.frames())
    assert [(p.rule, p.instance, p.other_value, p.detail) for p in problems] == [
        ("session_out_of_order", 2, "1", "2025-03-20")
    ]
    code = main(["check", "--db", str(db)])
    assert code == 1
    assert "before session 1 (2025-03-20), the one numbered" in capsys.readouterr().out


def test_add_many_refuses_a_followup_naming_a_session_that_dates_renumbered(store):
    cid = store.add("case", case_record(intake_date=dt.date(2025, 3, 4)))["case_id"]
    dates = [dt.date(2025, 3, 20), dt.date(2025, 3, 10)]
    batches = {
        "session": [session_record(cid, session_date=d) for d in dates],
        "followup": [
            followup_record(cid, followup_date=dt.date(2025, 3, 22), after_session=1)
        ],
    }
    with pytest.raises(ValidationFailed) as refused:
        store.add_many(batches)
    (problem,) = refused.value.found
    assert problem.problem.endswith(
        "session 1 is not the one of session record 1 given; give the sessions "
        "their numbers (session_no)"
    )
    assert store.frames()["session"].empty  # nothing written
    batches["session"][0]["session_no"] = 2  # said which is which: stored
    batches["session"][1]["session_no"] = 1
    store.add_many(batches)
    assert len(store.frames()["followup"]) == 1

"""A visit logged late: a session (or follow-up) dated before stored ones of its case
takes the number its date gives, and the later ones move up, with the follow-ups that
report on them, audited and all or nothing (casekit.store.late). On SQLite and
PostgreSQL (``BOTH_BACKENDS``)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import case_record, followup_record, session_record
from test_checks import _raw_insert
from test_forms import fill

from casekit.checks import cross_form_problems
from casekit.cli import main
from casekit.errors import ValidationFailed
from casekit.io.importer import import_files
from casekit.store import drafts, late
from casekit.ui.forms import RecordForm

REASON = "renumbered: an earlier session was logged late"
HEADER = "case_id,session_date,nprs_before,nprs_after\n"


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _case(store, *dates: str) -> str:
    """A case with sessions on ``dates``, added one by one (numbered 1, 2, ...)."""
    cid = store.add("case", case_record(intake_date=_day("2025-03-01")))["case_id"]
    for date in dates:
        store.add("session", session_record(cid, session_date=_day(date)))
    return cid


def _sessions(store, cid, *, include_deleted=False) -> list[tuple]:
    frame = store.read("session", include_deleted=include_deleted)
    frame = frame[frame["case_id"] == cid].sort_values("session_no")
    rows = [
        (int(n), d.date().isoformat())
        for n, d in zip(frame["session_no"], frame["session_date"], strict=True)
    ]
    if include_deleted:
        return [(*row, bool(g)) for row, g in zip(rows, frame["deleted"], strict=True)]
    return rows


def _followups(store, cid) -> list[tuple]:
    frame = store.read("followup")
    frame = frame[frame["case_id"] == cid].sort_values("followup_no")
    return [
        (int(n), d.date().isoformat(), int(a))
        for n, d, a in zip(
            frame["followup_no"],
            frame["followup_date"],
            frame["after_session"],
            strict=True,
        )
    ]


def _clean(store) -> None:
    """What `casekit check` asks: the audit whole and explaining the tables, and
    no rule across forms broken."""
    assert store.verify()[0] == []
    assert cross_form_problems(store.dictionary, store.frames()) == []


def test_a_late_session_takes_its_place_and_the_later_ones_move(store, capsys):
    cid = _case(store, "2025-03-05", "2025-03-20", "2025-03-25")
    for date, after in (("2025-03-06", 1), ("2025-03-22", 2), ("2025-03-27", 3)):
        store.add(
            "followup",
            followup_record(cid, followup_date=_day(date), after_session=after),
        )
    before = len(store.audit())
    saved = store.add("session", session_record(cid, session_date=_day("2025-03-10")))
    assert saved["session_no"] == 2
    assert _sessions(store, cid) == [
        (1, "2025-03-05"),
        (2, "2025-03-10"),
        (3, "2025-03-20"),
        (4, "2025-03-25"),
    ]
    # Each follow-up still reports on the visit it reported on.
    assert _followups(store, cid) == [
        (1, "2025-03-06", 1),
        (2, "2025-03-22", 3),
        (3, "2025-03-27", 4),
    ]
    rows = store.audit().iloc[before:]
    said = [
        (r.action, r.form, r.instance, r.field, r.old_value, r.new_value, r.reason)
        for r in rows.itertuples()
    ]
    # Moved from the highest down, each with its own audit row, then the insert.
    assert said[:-1] == [
        ("renumber", "session", 3, "session_no", "3", "4", REASON),
        ("renumber", "session", 2, "session_no", "2", "3", REASON),
        ("renumber", "followup", 2, "after_session", "2", "3", REASON),
        ("renumber", "followup", 3, "after_session", "3", "4", REASON),
    ]
    assert said[-1][:3] == ("insert", "session", 2)
    assert set(rows["actor"]) == {store.actor}
    _clean(store)
    db = store.path or store.url
    assert main(["check", "--db", str(db)]) == 0
    assert "0 errors" in capsys.readouterr().out


def test_a_late_session_of_the_same_date_goes_after_the_stored_ones(store):
    cid = _case(store, "2025-03-10", "2025-03-20")
    stored = store.add("session", session_record(cid, session_date=_day("2025-03-10")))
    assert stored["session_no"] == 2
    assert _sessions(store, cid) == [
        (1, "2025-03-10"),
        (2, "2025-03-10"),
        (3, "2025-03-20"),
    ]
    _clean(store)


def test_a_session_in_date_order_moves_nothing(store):
    cid = _case(store, "2025-03-10", "2025-03-20")
    before = len(store.audit())
    stored = store.add("session", session_record(cid, session_date=_day("2025-03-20")))
    assert stored["session_no"] == 3
    assert list(store.audit().iloc[before:]["action"]) == ["insert"]


def test_a_removed_sessions_number_is_never_given_again(store):
    cid = _case(store, "2025-03-05", "2025-03-20", "2025-03-22")
    store.delete("session", (cid, 3), reason="logged twice")
    store.add("session", session_record(cid, session_date=_day("2025-03-10")))
    # Session 2 moves up past the removed 3, which keeps its number: 3 stays the
    # removed visit's, in the table as in the audit.
    assert _sessions(store, cid, include_deleted=True) == [
        (1, "2025-03-05", False),
        (2, "2025-03-10", False),
        (3, "2025-03-22", True),
        (4, "2025-03-20", False),
    ]
    assert (
        store.add("session", session_record(cid, session_date=_day("2025-03-30")))[
            "session_no"
        ]
        == 5
    )
    _clean(store)


def test_a_removed_number_between_is_left_out_too(store):
    cid = _case(store, "2025-03-05", "2025-03-12", "2025-03-20")
    store.delete("session", (cid, 2), reason="logged twice")
    saved = store.add("session", session_record(cid, session_date=_day("2025-03-10")))
    # Not 2 (removed): the late visit takes the number of the one it goes before.
    assert saved["session_no"] == 3
    assert _sessions(store, cid) == [
        (1, "2025-03-05"),
        (3, "2025-03-10"),
        (4, "2025-03-20"),
    ]
    _clean(store)


def test_a_failed_write_leaves_nothing_half_moved(store, monkeypatch):
    cid = _case(store, "2025-03-05", "2025-03-20")
    store.add(
        "followup",
        followup_record(cid, followup_date=_day("2025-03-22"), after_session=2),
    )
    sessions, followups = _sessions(store, cid), _followups(store, cid)
    audit = store.audit()

    def broken(*args, **kwargs):  # the sessions are moved by now
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(late, "_follow", broken)
    with pytest.raises(RuntimeError):
        store.add("session", session_record(cid, session_date=_day("2025-03-10")))
    assert _sessions(store, cid) == sessions
    assert _followups(store, cid) == followups
    assert store.audit().equals(audit)
    _clean(store)


def test_an_import_of_late_sessions_numbers_them_all_by_date(store, tmp_path, capsys):
    cid = _case(store, "2025-03-05", "2025-03-20")
    store.add(
        "followup",
        followup_record(cid, followup_date=_day("2025-03-22"), after_session=2),
    )
    rows = [f"{cid},2025-03-25,5,3", f"{cid},2025-03-12,6,4", f"{cid},2025-03-10,7,4"]
    path = tmp_path / "sessions.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    db = str(store.path or store.url)
    assert main(["import", str(path), "--db", db]) == 0
    assert _sessions(store, cid) == [
        (1, "2025-03-05"),
        (2, "2025-03-10"),
        (3, "2025-03-12"),
        (4, "2025-03-20"),
        (5, "2025-03-25"),
    ]
    assert _followups(store, cid) == [(1, "2025-03-22", 4)]
    # Said, not only audited: the stored session that moved.
    assert (
        f"session 2 of case {cid}: moves to session 4, as a new session of this "
        "import is dated before it (sessions are numbered in the order of their "
        "dates)" in " ".join(capsys.readouterr().out.split())
    )
    _clean(store)


def test_an_import_refuses_a_followup_naming_a_stored_session_it_moves(store, tmp_path):
    cid = _case(store, "2025-03-05", "2025-03-20")
    sessions = tmp_path / "sessions.csv"
    sessions.write_text(HEADER + f"{cid},2025-03-10,6,4\n", encoding="utf-8")
    followups = tmp_path / "followups.csv"
    followups.write_text(
        "case_id,followup_date,after_session,nprs,flare,status\n"
        f"{cid},2025-03-22,2,4,no,in_care\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as refused:
        import_files(store, [sessions, followups])
    (problem,) = [p for p in refused.value.found if p.severity == "error"]
    assert problem.rule == "moved_session"
    assert (problem.source, problem.row) == ("followups.csv", 2)
    assert problem.problem == (
        f"follow-up 1 of case {cid}: `after_session` is 2, but a new session dated "
        "before stored session 2 moves that one to session 3, so which is meant is "
        "not known; import this follow-up after the sessions, numbered as they are "
        "then"
    )
    assert _sessions(store, cid) == [(1, "2025-03-05"), (2, "2025-03-20")]


def test_add_many_refuses_a_followup_naming_a_stored_session_it_moves(store):
    cid = _case(store, "2025-03-05", "2025-03-20")
    batches = {
        "session": [session_record(cid, session_date=_day("2025-03-10"))],
        "followup": [
            followup_record(cid, followup_date=_day("2025-03-22"), after_session=2)
        ],
    }
    with pytest.raises(ValidationFailed) as refused:
        store.add_many(batches)
    assert [p.rule for p in refused.value.found] == ["moved_session"]
    assert _sessions(store, cid) == [(1, "2025-03-05"), (2, "2025-03-20")]


def test_the_form_logs_a_late_visit_and_says_the_later_ones_moved(store):
    cid = _case(store, "2025-03-05", "2025-03-20")
    form = RecordForm(store, "session")
    form.new(cid)
    assert form.data["session_no"] == 3  # offered: the next number
    fill(form, session_date=_day("2025-03-10"), nprs_before="6", nprs_after="3")
    form.save_button.click()
    message = form.status.value
    assert f"Saved session 2 of case {cid}" in message
    assert (
        "The later sessions of the case were renumbered by their dates: 2 is now 3; "
        "the follow-ups that report on them moved with them." in message
    )
    assert "`" not in message
    assert _sessions(store, cid) == [
        (1, "2025-03-05"),
        (2, "2025-03-10"),
        (3, "2025-03-20"),
    ]
    assert form.data["session_no"] == 4  # ready for the next one
    _clean(store)


def test_the_form_keeps_a_number_typed_by_hand(store):
    cid = _case(store, "2025-03-05", "2025-03-20")
    form = RecordForm(store, "session")
    form.new(cid)
    fill(form, session_no="7", session_date=_day("2025-03-10"), nprs_before="6")
    form.save_button.click()
    # Typed: kept, and the rule says it runs against the dates.
    assert "Nothing was saved" in form.status.value
    assert _sessions(store, cid) == [(1, "2025-03-05"), (2, "2025-03-20")]


def test_a_late_followup_takes_its_place_too(store):
    cid = _case(store, "2025-03-05")
    for date in ("2025-03-10", "2025-03-30"):
        store.add(
            "followup", followup_record(cid, followup_date=_day(date), after_session=1)
        )
    before = len(store.audit())
    saved = store.add(
        "followup",
        followup_record(cid, followup_date=_day("2025-03-20"), after_session=1),
    )
    assert saved["followup_no"] == 2
    assert _followups(store, cid) == [
        (1, "2025-03-10", 1),
        (2, "2025-03-20", 1),
        (3, "2025-03-30", 1),
    ]
    moved = store.audit().iloc[before]
    assert (moved.action, moved.form, moved.field, moved.reason) == (
        "renumber",
        "followup",
        "followup_no",
        "renumbered: an earlier follow-up was logged late",
    )
    _clean(store)


def test_check_finds_a_followup_dated_before_the_one_before_it(store, capsys):
    cid = _case(store, "2025-03-05")
    store.add(
        "followup",
        followup_record(cid, followup_date=_day("2025-03-20"), after_session=1),
    )
    db = store.path or store.url
    # Written around casekit, as an older casekit numbered it: in the order given.
    _raw_insert(
        db, "followups", case_id=cid, followup_no=2,
        followup_date=_day("2025-03-10"), after_session=1, deleted=0,
    )  # fmt: skip
    problems = cross_form_problems(store.dictionary, store.frames())
    assert [(p.rule, p.instance, p.other_value, p.detail) for p in problems] == [
        ("followup_out_of_order", 2, "1", "2025-03-20")
    ]
    assert problems[0].problem == (
        f"follow-up 2 of case {cid}: `followup_date` is 2025-03-10, before "
        "follow-up 1 (2025-03-20), the one numbered before it: follow-ups are "
        "numbered in the order of their dates; check the dates"
    )
    assert main(["check", "--db", str(db)]) == 1
    assert "before follow-up 1 (2025-03-20)" in capsys.readouterr().out


def test_a_renumbering_behind_the_audits_back_is_found(store):
    # The replay moves a record only by a renumber row: a number changed in the
    # table alone is still a difference.
    cid = _case(store, "2025-03-05", "2025-03-20")
    with store._write() as conn:
        table = store.table("session")
        conn.execute(
            table.update()
            .where(table.c.case_id == cid, table.c.session_no == 2)
            .values(session_no=5)
        )
    rules = sorted(p.rule for p in store.verify()[0])
    assert rules == ["row_gone", "unaudited_row"]


@pytest.mark.parametrize(
    ("live", "blocked", "new", "given", "moved"),
    [
        # in date order: nothing to do here
        ([(1, 5), (2, 9)], set(), [(0, 10)], {}, {}),
        # before everything: all move
        ([(1, 5), (2, 9)], set(), [(0, 1)], {0: 1}, {1: 2, 2: 3}),
        # two late ones, given out of order: by date, stable
        ([(1, 5), (2, 9)], set(), [(0, 8), (1, 6)], {1: 2, 0: 3}, {2: 4}),
        # removed numbers skipped, never given
        ([(1, 5), (2, 9)], {3, 4}, [(0, 6)], {0: 2}, {2: 5}),
    ],
)
def test_the_plan(live, blocked, new, given, moved):
    assert late.plan(live, blocked, new) == (given, moved)


@pytest.mark.sqlite_only  # drafts are kept in a SQLite store alone
def test_a_draft_of_a_moved_session_follows_it(store):
    cid = _case(store, "2025-03-05", "2025-03-20")
    edit = session_record(cid, session_no=2, session_date=_day("2025-03-20"))
    edit["nprs_after"] = 1
    drafts.keep(store, "session", edit, case_id=cid, editing=(cid, 2))
    report = followup_record(cid, followup_date=_day("2025-03-22"), after_session=2)
    drafts.keep(store, "followup", report, case_id=cid)
    store.add("session", session_record(cid, session_date=_day("2025-03-10")))
    # Restored, the edit still changes the visit of 20 March, and the report
    # still reports on it.
    assert drafts.read(store, "session").editing == (cid, 3)
    assert drafts.read(store, "followup").answers["after_session"] == 3


def test_a_removed_followup_keeps_naming_the_visit_it_reported_on(store):
    cid = _case(store, "2025-03-05", "2025-03-20")
    store.add(
        "followup",
        followup_record(cid, followup_date=_day("2025-03-22"), after_session=2),
    )
    store.delete("followup", (cid, 1), reason="entered twice")
    store.add("session", session_record(cid, session_date=_day("2025-03-10")))
    removed = store.read("followup", include_deleted=True)
    assert removed[removed["case_id"] == cid]["after_session"].tolist() == [3]
    _clean(store)


def test_the_followup_form_logs_a_late_followup(store):
    cid = _case(store, "2025-03-05")
    for date in ("2025-03-10", "2025-03-30"):
        store.add(
            "followup", followup_record(cid, followup_date=_day(date), after_session=1)
        )
    form = RecordForm(store, "followup")
    form.new(cid)
    assert form.data["followup_no"] == 3
    fill(form, followup_date=_day("2025-03-20"), nprs="4", flare="no")
    form.save_button.click()
    assert f"Saved follow-up 2 of case {cid}" in form.status.value
    assert (
        "The later follow-ups of the case were renumbered by their dates: 2 is now 3."
        in form.status.value
    )
    assert [n for n, _, _ in _followups(store, cid)] == [1, 2, 3]
    assert [d for _, d, _ in _followups(store, cid)] == [
        "2025-03-10",
        "2025-03-20",
        "2025-03-30",
    ]
    _clean(store)

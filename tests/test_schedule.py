"""The follow-up schedule, rule by rule, with dates: a check-in from the day after
each session until a follow-up refers to it; the 2-week and 6-week calls from 14 and
42 days after the latest session until a follow-up is dated on or after them; nothing
for a closed case; overdue after 7 days; the days read from casekit.toml."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import case_record, followup_record, session_record

from casekit.cli import main
from casekit.errors import SettingsError
from casekit.schedule import Schedule, due, due_lines, load_schedule
from casekit.store import queries
from casekit.synth import cohort
from casekit.validate import coerce_value

D = dt.date


def calls(store, on: dt.date) -> list[tuple]:
    """(case, call, session, due since, overdue) of each call due on ``on``."""
    table = queries.calls_due(store, on)
    return [
        (
            row.case_id,
            row.call,
            row.session_no,
            pd.Timestamp(row.due_since).date(),
            bool(row.overdue),
        )
        for row in table.itertuples(index=False)
    ]


@pytest.fixture
def one(store) -> str:
    """A case with one session on 2025-03-03 and no follow-up yet."""
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", session_record(case_id, session_date=D(2025, 3, 3)))
    return case_id


def test_a_session_without_a_check_in_is_listed_from_the_day_after(store, one):
    assert calls(store, D(2025, 3, 3)) == []  # the day of the session: not yet
    assert calls(store, D(2025, 3, 4)) == [(one, "checkin", 1, D(2025, 3, 4), False)]
    assert calls(store, D(2025, 3, 16)) == [(one, "checkin", 1, D(2025, 3, 4), True)]


def test_a_check_in_is_overdue_more_than_7_days_after_its_day(store, one):
    # its day is 2 days after the session (03-05): 7 days late is still due
    assert calls(store, D(2025, 3, 12))[0][-1] is False
    assert calls(store, D(2025, 3, 13))[0][-1] is True


def test_a_logged_check_in_removes_it_whatever_its_date(store, one):
    store.add(
        "followup",
        followup_record(one, after_session=1, followup_date=D(2025, 3, 9)),
    )
    assert calls(store, D(2025, 3, 10)) == []


def test_a_follow_up_of_another_session_does_not_answer_the_check_in(store, one):
    store.add("session", session_record(one, session_date=D(2025, 3, 10)))
    store.add(
        "followup",
        followup_record(one, after_session=2, followup_date=D(2025, 3, 12)),
    )
    assert calls(store, D(2025, 3, 13)) == [(one, "checkin", 1, D(2025, 3, 4), True)]


def test_the_2_week_call_is_due_14_days_after_the_latest_session(store, one):
    store.add("session", session_record(one, session_date=D(2025, 3, 10)))
    for n, day in ((1, 5), (2, 12)):  # both sessions checked in
        store.add(
            "followup",
            followup_record(one, after_session=n, followup_date=D(2025, 3, day)),
        )
    assert calls(store, D(2025, 3, 23)) == []
    assert calls(store, D(2025, 3, 24)) == [(one, "two_week", 2, D(2025, 3, 24), False)]
    assert calls(store, D(2025, 3, 31))[0][-1] is False  # 7 days late
    assert calls(store, D(2025, 4, 1))[0][-1] is True  # 8 days late
    # a follow-up dated the day before the call does not answer it
    store.add(
        "followup",
        followup_record(one, after_session=2, followup_date=D(2025, 3, 23)),
    )
    assert [c[1] for c in calls(store, D(2025, 3, 24))] == ["two_week"]
    # one dated on its day does
    store.add(
        "followup",
        followup_record(one, after_session=2, followup_date=D(2025, 3, 24)),
    )
    assert calls(store, D(2025, 3, 24)) == []


def test_the_6_week_call_is_due_42_days_after_the_latest_session(store, one):
    store.add(
        "followup",
        followup_record(one, after_session=1, followup_date=D(2025, 3, 17)),
    )  # on the 2-week call's day: it answers the check-in and the 2-week call
    assert calls(store, D(2025, 4, 13)) == []
    assert calls(store, D(2025, 4, 14)) == [(one, "six_week", 1, D(2025, 4, 14), False)]
    store.add(
        "followup",
        followup_record(one, after_session=1, followup_date=D(2025, 4, 20)),
    )
    assert calls(store, D(2025, 5, 1)) == []


def test_unanswered_calls_stay_listed_each_in_its_own_right(store, one):
    assert calls(store, D(2025, 4, 14)) == [
        (one, "checkin", 1, D(2025, 3, 4), True),
        (one, "two_week", 1, D(2025, 3, 17), True),
        (one, "six_week", 1, D(2025, 4, 14), False),
    ]


@pytest.mark.parametrize("status", ["discharged", "lost", "withdrew"])
def test_a_closed_case_has_nothing_due(store, one, status):
    store.add(
        "followup",
        followup_record(
            one, after_session=1, followup_date=D(2025, 3, 5), status=status
        ),
    )
    assert calls(store, D(2025, 6, 1)) == []


def test_the_latest_status_decides(store, one):
    # discharged, then back in care (a later follow-up, a higher number)
    for number_day, status in ((5, "discharged"), (20, "in_care")):
        store.add(
            "followup",
            followup_record(
                one,
                after_session=1,
                followup_date=D(2025, 3, number_day),
                status=status,
            ),
        )
    assert [c[1] for c in calls(store, D(2025, 4, 14))] == ["six_week"]


def test_a_withdrawn_case_and_a_case_without_sessions_have_nothing_due(store, one):
    store.add("case", case_record())  # no session yet
    assert [c[0] for c in calls(store, D(2025, 3, 4))] == [one]
    store.delete("case", one, reason="withdrew consent")
    assert calls(store, D(2025, 6, 1)) == []


def test_due_works_on_empty_frames_and_a_session_without_a_date():
    sessions = pd.DataFrame(
        {"case_id": ["A"], "session_no": [1], "session_date": [pd.NaT]}
    )
    followups = pd.DataFrame(
        columns=["case_id", "followup_no", "followup_date", "after_session", "status"]
    )
    assert due(sessions, followups, D(2025, 1, 1)).empty
    assert due(sessions.iloc[:0], followups, D(2025, 1, 1)).empty


def test_the_days_are_settings_of_casekit_toml(store, one):
    assert load_schedule(store.home) == Schedule(2, 14, 42, 7)
    (store.home / "casekit.toml").write_text(
        "[schedule]\ncheckin_days = 1\ntwo_week_days = 10\noverdue_after_days = 0\n",
        encoding="utf-8",
    )
    assert load_schedule(store.home) == Schedule(1, 10, 42, 0)
    assert calls(store, D(2025, 3, 5)) == [(one, "checkin", 1, D(2025, 3, 4), True)]
    assert calls(store, D(2025, 3, 13))[-1] == (
        one,
        "two_week",
        1,
        D(2025, 3, 13),
        False,
    )


@pytest.mark.parametrize(
    "text, says",
    [
        ("[schedule]\ncheckin_days = 'two'\n", "`schedule.checkin_days` is 'two'"),
        ("[schedule]\nsix_week_days = 0\n", "1 or more"),
        ("[schedule]\nfortnight = 14\n", "`schedule.fortnight` is not a setting"),
        ("[schedule\n", "cannot be read as TOML"),
        # A misspelt table used to be ignored: the default days, silently.
        ("[schedual]\ncheckin_days = 2\n", "`schedual` is not a table"),
        ("checkin_days = 3\n", "`checkin_days` is not a table casekit reads"),
        # Days out of order: `casekit due` listed the 6-week call first.
        (
            "[schedule]\ntwo_week_days = 60\nsix_week_days = 42\n",
            "schedule.two_week_days = 60 is not before six_week_days = 42: the "
            "2-week call comes before the 6-week call",
        ),
        (
            "[schedule]\ntwo_week_days = 60\n",
            "two_week_days = 60 is not before six_week_days = 42 (the default)",
        ),
        ("[schedule]\nsix_week_days = 14\n", "is not before six_week_days = 14"),
        (
            "[schedule]\ncheckin_days = 14\n",
            "schedule.checkin_days = 14 is not before two_week_days = 14 (the "
            "default): the check-in comes before the 2-week call",
        ),
        (
            "[schedule]\ncheckin_days = 20\ntwo_week_days = 10\n",
            "checkin_days = 20 is not before two_week_days = 10",
        ),
        (
            "[schedule]\ntwo_week_days = 14\nsix_week_days = 21\n",
            "schedule.overdue_after_days = 7 (the default) leaves a 2-week call "
            "not yet overdue when the 6-week call is due, 7 days after it",
        ),
        (
            "[schedule]\noverdue_after_days = 40\n",
            "expected fewer than 28 days",
        ),
    ],
)
def test_a_wrong_setting_is_one_clear_error(tmp_path, text, says):
    (tmp_path / "casekit.toml").write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match="casekit.toml") as error:
        load_schedule(tmp_path)
    assert says in str(error.value)


def test_casekit_due_lists_the_calls_and_marks_the_overdue(store, one, capsys):
    db = str(store.path)
    assert main(["due", "--db", db, "--on", "2025-03-02"]) == 0
    assert capsys.readouterr().out == "Nothing due on 2025-03-02.\n"
    assert main(["due", "--db", db, "--on", "2025-03-17"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "2 calls due on 2025-03-17 (1 overdue):",
        f"  case {one}: check-in after session 1, due since 2025-03-04, overdue",
        f"  case {one}: 2-week call, due since 2025-03-17",
    ]
    assert due_lines(queries.calls_due(store, D(2025, 3, 17))) == [
        line.strip() for line in out[1:]
    ]


@pytest.mark.parametrize(
    "given, says",
    [
        # Not a day of the calendar (2027 is no leap year): said so, as the import
        # says it of a date cell, not that it is not written as a date.
        ("2027-02-29", "expected a real calendar date as YYYY-MM-DD, got '2027-02-29'"),
        ("2025-13-01", "expected a real calendar date as YYYY-MM-DD, got '2025-13-01'"),
        ("17/03/2025", "expected a date as YYYY-MM-DD, got '17/03/2025'"),
        ("20250317", "expected a date as YYYY-MM-DD, got '20250317'"),
    ],
)
def test_casekit_due_reads_its_date_as_the_import_does(store, capsys, given, says):
    with pytest.raises(SystemExit) as stop:
        main(["due", "--db", str(store.path), "--on", given])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.endswith(says)
    # The import's words for the same cell, from the same reading of a date.
    field = store.dictionary["session"]["session_date"]
    assert coerce_value(field, given)[1] in says


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_a_past_day_lists_the_2_week_call_a_later_follow_up_answered(store):
    case_id = store.add("case", case_record(intake_date=D(2026, 9, 24)))["case_id"]
    for day in (D(2026, 9, 24), D(2026, 10, 8)):
        store.add("session", session_record(case_id, session_date=day))
    for n, day in ((1, D(2026, 9, 26)), (2, D(2026, 10, 10)), (2, D(2026, 10, 25))):
        store.add(
            "followup", followup_record(case_id, after_session=n, followup_date=day)
        )
    # the 2-week call of session 2 fell on 10-22; the follow-up of 10-25 came later
    assert calls(store, D(2026, 10, 22)) == [
        (case_id, "two_week", 2, D(2026, 10, 22), False)
    ]
    assert calls(store, D(2026, 10, 25)) == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_a_past_day_lists_the_check_in_a_later_follow_up_answered(
    store, db_url, capsys
):
    case_id = store.add("case", case_record(intake_date=D(2024, 2, 29)))["case_id"]
    store.add("session", session_record(case_id, session_date=D(2024, 2, 29)))
    store.add(
        "followup",
        followup_record(case_id, after_session=1, followup_date=D(2024, 3, 2)),
    )
    assert calls(store, D(2024, 3, 1)) == [
        (case_id, "checkin", 1, D(2024, 3, 1), False)
    ]
    assert calls(store, D(2024, 3, 2)) == []
    assert main(["due", "--db", db_url, "--on", "2024-03-01"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "1 call due on 2024-03-01 (0 overdue):",
        f"  case {case_id}: check-in after session 1, due since 2024-03-01",
    ]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_a_past_day_counts_neither_a_later_session_nor_a_later_closing(store, one):
    # a later session would move the 2-week call; a later discharge would close
    store.add(
        "followup",
        followup_record(one, after_session=1, followup_date=D(2025, 3, 5)),
    )
    store.add("session", session_record(one, session_date=D(2025, 3, 20)))
    store.add(
        "followup",
        followup_record(
            one, after_session=2, followup_date=D(2025, 3, 22), status="discharged"
        ),
    )
    assert calls(store, D(2025, 3, 17)) == [(one, "two_week", 1, D(2025, 3, 17), False)]
    assert calls(store, D(2025, 3, 21)) == [(one, "checkin", 2, D(2025, 3, 21), False)]
    assert calls(store, D(2025, 3, 22)) == []


def test_due_on_a_past_day_counts_only_what_was_dated_by_then():
    sessions = pd.DataFrame(
        {
            "case_id": ["A"],
            "session_no": [1],
            "session_date": pd.to_datetime(["2024-02-29"]),
        }
    )
    followups = pd.DataFrame(
        {
            "case_id": ["A", "A"],
            "followup_no": [1, 2],
            "followup_date": pd.to_datetime(["2024-03-02", None]),
            "after_session": [1, None],
            "status": [None, None],
        }
    )
    assert due(sessions, followups, D(2024, 3, 1))["call"].tolist() == ["checkin"]
    # a follow-up without a date counts whatever the day
    followups.loc[1, "after_session"] = 1
    assert due(sessions, followups, D(2024, 3, 1)).empty


def test_the_help_of_due_on_says_what_counts(capsys):
    with pytest.raises(SystemExit):
        main(["due", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "only the sessions and follow-ups dated on or before it count" in text


def test_casekit_due_refuses_a_wrong_date_and_a_wrong_setting(store, one, capsys):
    db = str(store.path)
    with pytest.raises(SystemExit) as stop:
        main(["due", "--db", db, "--on", "17/03/2025"])
    assert stop.value.code == 2
    assert "expected a date as YYYY-MM-DD" in capsys.readouterr().err
    (store.home / "casekit.toml").write_text("[schedule]\ncheckin_days = -1\n")
    assert main(["due", "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "checkin_days" in err and "Traceback" not in err
    (store.home / "casekit.toml").write_text("[schedual]\ncheckin_days = 2\n")
    assert main(["due", "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.endswith(
        "`schedual` is not a table casekit reads; expected [schedule]\n"
    )
    (store.home / "casekit.toml").write_text(
        "[schedule]\ntwo_week_days = 60\nsix_week_days = 42\n"
    )
    assert main(["due", "--db", db, "--on", "2025-06-30"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "is not before" in err


def _vary(store, seed: int) -> None:
    """Make a synthetic store's rows as varied as a practice's: sessions without a
    date or removed, two sessions of a case on one day, follow-ups removed, without
    a date or a session they refer to, closing or reopening a case, cases
    withdrawn (written straight into the tables: only the rows matter here)."""
    rng = random.Random(seed)
    s, f, c = (store.table(form) for form in ("session", "followup", "case"))
    with store.engine.begin() as conn:
        sessions = conn.execute(sa.select(s.c.case_id, s.c.session_no)).all()
        for case_id, number in sessions:
            key = (s.c.case_id == case_id, s.c.session_no == number)
            roll = rng.random()
            if roll < 0.08:
                conn.execute(sa.update(s).where(*key).values(session_date=None))
            elif roll < 0.14:
                conn.execute(sa.update(s).where(*key).values(deleted=True))
            elif roll < 0.22 and number > 1:  # the same day as the session before
                before = sa.select(s.c.session_date).where(
                    s.c.case_id == case_id, s.c.session_no == number - 1
                )
                day = conn.execute(before).scalar()
                conn.execute(sa.update(s).where(*key).values(session_date=day))
        followups = conn.execute(sa.select(f.c.case_id, f.c.followup_no)).all()
        for case_id, number in followups:
            key = (f.c.case_id == case_id, f.c.followup_no == number)
            roll = rng.random()
            if roll < 0.06:
                conn.execute(sa.update(f).where(*key).values(deleted=True))
            elif roll < 0.14:
                conn.execute(sa.update(f).where(*key).values(after_session=None))
            elif roll < 0.20:
                conn.execute(sa.update(f).where(*key).values(followup_date=None))
            elif roll < 0.40:
                status = rng.choice([None, "in_care", "discharged", "lost", "withdrew"])
                conn.execute(sa.update(f).where(*key).values(status=status))
        for (case_id,) in conn.execute(sa.select(c.c.case_id)).all():
            if rng.random() < 0.05:
                update = sa.update(c).where(c.c.case_id == case_id)
                conn.execute(update.values(deleted=True))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.parametrize("seed", [3, 11])
def test_the_store_lists_exactly_the_calls_of_the_schedule_over_every_row(store, seed):
    # calls_due finds the open calls in SQL; due() is the rule in pandas over
    # every stored session and follow-up: the same table, on every day and with
    # any settings (equal days make a tie that the order must still settle).
    store.add_many(cohort(100, seed=seed))
    _vary(store, seed)
    sessions, followups = store.read("session"), store.read("followup")
    first = sessions["session_date"].min().date()
    last = sessions["session_date"].max().date()
    days = [
        first + dt.timedelta(days=n) for n in range(-1, (last - first).days + 60, 29)
    ]
    settings = [
        Schedule(),
        Schedule(
            checkin_days=1, two_week_days=10, six_week_days=11, overdue_after_days=0
        ),
    ]
    found = 0
    for schedule in settings:
        (store.home / "casekit.toml").write_text(
            "[schedule]\n"
            + "".join(f"{k} = {v}\n" for k, v in dataclasses.asdict(schedule).items()),
            encoding="utf-8",
        )
        for on in days:
            expected = due(sessions, followups, on, schedule)
            pd.testing.assert_frame_equal(queries.calls_due(store, on), expected)
            found += len(expected)
    assert found > 500  # the days chosen do list calls

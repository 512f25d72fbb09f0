"""A discharged patient who comes back: a session dated after the follow-up that
closed a case (discharged, lost, withdrew) re-opens it. Its calls are due again,
counted from that session; the case card says when it was closed and which session
re-opened it; an edit of it no longer needs a reason. Adding the session never
needed one: it is not an edit. On both backends."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import case_record, followup_record, session_record
from test_schedule import calls  # (case, call, session, due since, overdue)

from casekit.card import card_text, case_card
from casekit.cli import main
from casekit.closing import closed_cases, closures
from casekit.errors import ReasonRequired
from casekit.schedule import due
from casekit.store import queries

D = dt.date
CLOSED_ON = D(2026, 8, 30)
BACK_ON = D(2026, 11, 20)


@pytest.fixture
def discharged(store) -> str:
    """Two sessions, each checked in; discharged by the follow-up of 2026-08-30."""
    case_id = store.add("case", case_record(intake_date=D(2026, 8, 1)))["case_id"]
    for day in (D(2026, 8, 1), D(2026, 8, 10)):
        store.add("session", session_record(case_id, session_date=day))
    store.add("followup", followup_record(case_id, followup_date=D(2026, 8, 3)))
    store.add(
        "followup",
        followup_record(
            case_id, after_session=2, followup_date=CLOSED_ON, status="discharged"
        ),
    )
    return case_id


def come_back(store, case_id: str, day: dt.date = BACK_ON) -> None:
    """The patient comes back: a session dated ``day`` (added with no reason)."""
    store.add("session", session_record(case_id, session_date=day))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_a_session_after_the_discharge_re_opens_the_case(store, discharged):
    assert calls(store, D(2027, 1, 20)) == []  # closed: nothing due
    come_back(store, discharged)
    assert calls(store, D(2026, 11, 20)) == []  # the day of the session
    assert calls(store, D(2026, 11, 21)) == [
        (discharged, "checkin", 3, D(2026, 11, 21), False)
    ]
    # its calls follow that session, as any open case's
    assert calls(store, D(2027, 1, 20)) == [
        (discharged, "checkin", 3, D(2026, 11, 21), True),
        (discharged, "two_week", 3, D(2026, 12, 4), True),
        (discharged, "six_week", 3, D(2027, 1, 1), True),
    ]
    # a day before the patient came back, the case was closed
    assert calls(store, D(2026, 11, 19)) == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_a_session_on_the_day_of_the_discharge_does_not_re_open_it(store, discharged):
    come_back(store, discharged, CLOSED_ON)
    assert calls(store, D(2026, 9, 5)) == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.parametrize("status", ["discharged", "lost", "withdrew"])
def test_a_later_closing_follow_up_closes_it_again(store, discharged, status):
    come_back(store, discharged)
    store.add(
        "followup",
        followup_record(
            discharged, after_session=3, followup_date=D(2026, 12, 1), status=status
        ),
    )
    assert calls(store, D(2027, 1, 20)) == []
    assert calls(store, D(2026, 11, 30)) == [  # before that follow-up: open
        (discharged, "checkin", 3, D(2026, 11, 21), True)
    ]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_an_edit_of_a_re_opened_case_needs_no_reason(store, discharged):
    with pytest.raises(ReasonRequired):
        store.update("case", discharged, {"nprs": 5})
    come_back(store, discharged)  # adding a session is not an edit: no reason
    store.update("case", discharged, {"nprs": 5})
    store.update("followup", (discharged, 2), {"nprs": 3})
    # taking the session out again closes the case again
    store.delete("session", (discharged, 3))
    with pytest.raises(ReasonRequired):
        store.update("case", discharged, {"nprs": 4})
    assert store.audit()["reason"].iloc[-1] is None


def test_the_pandas_rule_agrees(store, discharged):
    come_back(store, discharged)
    sessions, followups = store.read("session"), store.read("followup")
    found = closures(sessions, followups)
    assert found.to_dict("records") == [
        {
            "case_id": discharged,
            "followup_no": 2,
            "status": "discharged",
            "closed_on": pd.Timestamp(CLOSED_ON),
            "reopened_by": 3,
            "reopened_on": pd.Timestamp(BACK_ON),
        }
    ]
    assert closed_cases(sessions, followups) == set()
    assert closed_cases(sessions, followups, D(2026, 11, 19)) == {discharged}
    on = D(2026, 11, 21)
    pd.testing.assert_frame_equal(
        due(sessions, followups, on), queries.calls_due(store, on)
    )
    assert due(sessions, followups, on)["session_no"].tolist() == [3]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_the_card_says_when_it_was_closed_and_which_session_re_opened_it(
    store, discharged, db_url, capsys
):
    def card():
        return case_card(queries.case_course(store, discharged), store.dictionary)

    assert card().status_text == "closed (discharged) on 2026-08-30 by follow-up 2"
    come_back(store, discharged)
    said = (
        "closed (discharged) on 2026-08-30 by follow-up 2, "
        "re-opened by session 3 on 2026-11-20"
    )
    assert card().status_text == said
    assert main(["case", discharged, "--db", db_url]) == 0
    text = capsys.readouterr().out
    assert text == card_text(card()) + "\n"
    assert f"\nStatus: {said}\n" in text


def test_an_open_case_s_card_says_open(store):
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", session_record(case_id))
    store.add("followup", followup_record(case_id, status="in_care"))
    card = case_card(queries.case_course(store, case_id), store.dictionary)
    assert card.status_text == "open"
    assert "\nStatus: open\n" in card_text(card)

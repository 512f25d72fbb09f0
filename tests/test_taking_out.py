"""`casekit withdraw` and `casekit remove`: a case withdrawn (the patient asked),
a session, follow-up or exam logged by mistake taken out, from the command line,
audited with the reason; and each refusal one line, nothing changed."""

from __future__ import annotations

import pytest
from conftest import case_record, followup_record, session_record

from casekit.cli import main


@pytest.fixture
def logged(store, db_url):
    """Two cases; the first with two sessions and a follow-up after session 1, the
    second discharged."""
    first = store.add("case", case_record())["case_id"]
    store.add("session", session_record(first))
    store.add(
        "session",
        session_record(
            first, session_date=session_record(first)["session_date"].replace(day=10)
        ),
    )
    store.add("followup", followup_record(first))
    second = store.add("case", case_record())["case_id"]
    store.add("session", session_record(second))
    store.add("followup", followup_record(second, status="discharged"))
    return store, first, second, db_url


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _audit_tail(store):
    return store.audit().iloc[-1]


def test_a_case_is_withdrawn_with_its_reason_and_leaves_every_count(logged, capsys):
    store, first, _, db = logged
    code, out, err = _run(
        capsys, "withdraw", first.lower(), "--reason", "patient asked", "--db", db
    )
    assert code == 0, err
    assert f"withdrew case {first}" in out
    assert first not in store.case_ids(include_deleted=False)
    assert first in store.case_ids(include_deleted=True)  # kept, marked
    last = _audit_tail(store)
    assert (last["action"], last["form"], last["case_id"]) == ("delete", "case", first)
    assert last["reason"] == "patient asked"
    assert _run(capsys, "check", "--db", db)[0] == 0


def test_a_session_is_removed_and_its_number_is_not_given_again(logged, capsys):
    store, first, _, db = logged
    code, out, err = _run(capsys, "remove", "session", first, "2", "--db", db)
    assert code == 0, err
    assert f"removed session 2 of case {first}" in out
    sessions = store.frames()["session"]
    assert sessions.loc[sessions["case_id"] == first, "session_no"].tolist() == [1]
    added = store.add(
        "session",
        session_record(
            first, session_date=session_record(first)["session_date"].replace(day=20)
        ),
    )
    assert added["session_no"] == 3
    assert _run(capsys, "check", "--db", db)[0] == 0
    code, out, err = _run(capsys, "remove", "followup", first, "1", "--db", db)
    assert code == 0 and f"removed follow-up 1 of case {first}" in out


@pytest.mark.parametrize(
    "argv, words",
    [
        # A follow-up reports on session 1: it goes first.
        (("remove", "session", "{first}", "1"), "refers to this session"),
        (("remove", "session", "{first}", "9"), "no session 9 of case {first}"),
        (("withdraw", "ZZZZZZ"), "no case ZZZZZZ in the store"),
        # Closed (discharged): the audit must say why.
        (("withdraw", "{second}"), "say why with --reason"),
        # The audit keeps a reason for good: screened like a note.
        (
            ("withdraw", "{first}", "--reason", "asked by Kate Ward 07700 900123"),
            "without naming or contacting anyone",
        ),
    ],
)
def test_a_refusal_is_one_line_and_changes_nothing(logged, capsys, argv, words):
    store, first, second, db = logged
    before = store.audit()
    argv = [a.format(first=first, second=second) for a in argv]
    code, out, err = _run(capsys, *argv, "--db", db)
    assert code == 1  # the broken rule printed, as `casekit import` prints them
    lines = err.strip().splitlines()
    assert lines[-1].startswith("casekit: error:") and "Traceback" not in err
    assert words.format(first=first) in out + err
    assert len(store.audit()) == len(before)
    assert store.case_ids(include_deleted=False) == {first, second}


def test_a_closed_case_is_withdrawn_with_a_reason(logged, capsys):
    store, _, second, db = logged
    argv = ["withdraw", second, "--reason", "asked to be left out", "--db", db]
    assert _run(capsys, *argv)[0] == 0
    assert second not in store.case_ids(include_deleted=False)


def test_an_unknown_form_is_a_usage_error(logged, capsys):
    _, first, _, db = logged
    with pytest.raises(SystemExit) as stopped:
        main(["remove", "case", first, "1", "--db", db])
    assert stopped.value.code == 2


def test_a_refused_session_names_the_command_that_removes_its_follow_up(logged, capsys):
    # The refusal said "delete it", a word no casekit command has.
    store, first, _, db = logged
    code, out, err = _run(capsys, "remove", "session", first, "1", "--db", db)
    assert code == 1
    said = out + err
    assert (
        "follow-up 1 (`after_session` is 1) of the case refers to this session" in said
    )
    assert f"remove it first (casekit remove followup {first} 1 --db " in said
    assert "or, in the follow-up form, point it at another session" in said
    assert "delete" not in said
    # Done as it says, the session goes.
    assert _run(capsys, "remove", "followup", first, "1", "--db", db)[0] == 0
    assert _run(capsys, "remove", "session", first, "1", "--db", db)[0] == 0

"""Drafts: what a form holds before Save, kept in the store's own table as it is
typed, screened like a save, restored when the app opens again, removed at Save.

The store's side (:mod:`casekit.store.drafts`) and the forms' side, headlessly: a
new ``LoggingApp`` on the same store is what a reload or a reopened tab gets."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from conftest import case_record, session_record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_forms import CORE, answer, fill

from casekit import Store
from casekit.store import drafts
from casekit.ui.logbook import LoggingApp

TODAY = dt.date.today()


def raw_rows(store: Store) -> list[dict]:
    with store.connect() as conn:
        table = store.metadata.tables["drafts"]
        return [dict(r._mapping) for r in conn.execute(sa.select(table)).all()]


# -- the store's side --------------------------------------------------------------


def test_a_draft_keeps_every_field_type_exactly_and_is_not_audited(store):
    answers = {
        **case_record(notes="L4-5 tender,\nwalks 3x/week "),
        "odi": 32.5,
        "pain_regions": ["buttock", "low_back"],
        "leg_pain_below_knee": "no",
    }
    kept = drafts.keep(store, "case", answers)
    assert kept.withheld == ()
    read = drafts.read(store, "case")
    assert read.answers == kept.answers
    assert read.answers["intake_date"] == dt.date(2025, 3, 3)
    assert read.answers["pain_regions"] == ["low_back", "buttock"]  # dictionary order
    assert read.answers["odi"] == 32.5 and read.answers["nprs"] == 6
    assert read.answers["notes"] == "L4-5 tender,\nwalks 3x/week "
    assert "case_id" not in read.answers  # a new entry's key is made at Save
    assert (read.case_id, read.editing) == (None, None)
    assert abs(read.kept_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert store.audit().empty  # scratch, not the history of a record
    assert store.read("case").empty


def test_a_draft_holds_nothing_a_save_would_refuse(store):
    kept = drafts.keep(
        store,
        "case",
        {"sex": "male", "nprs": 14, "notes": "seen with Mrs Jones, 07700 900123"},
    )
    assert kept.withheld == ("nprs", "notes")  # age band is missing, not withheld
    assert kept.answers == {"sex": "male", "site": "main"}
    (row,) = raw_rows(store)
    assert "Jones" not in row["answers"] and "07700" not in row["answers"]
    assert json.loads(row["answers"]) == {"sex": "male", "site": "main"}


def test_one_draft_a_form_replaced_as_typed_and_removed_on_discard(store):
    case_id = store.add("case", case_record())["case_id"]
    drafts.keep(store, "case", {"nprs": 3})
    drafts.keep(store, "case", {"nprs": 4})
    drafts.keep(store, "session", session_record(case_id), case_id=case_id)
    drafts.keep(store, "followup", {"nprs": 2}, case_id=case_id, editing=(case_id, 1))
    assert len(raw_rows(store)) == 3
    assert drafts.read(store, "case").answers["nprs"] == 4
    followup = drafts.read(store, "followup")
    assert (followup.case_id, followup.editing) == (case_id, (case_id, 1))
    drafts.discard(store, "case")
    drafts.discard(store, "case")  # nothing left to discard: no error
    assert drafts.read(store, "case") is None
    assert drafts.read(store, "session").case_id == case_id


def test_a_draft_that_no_longer_reads_loses_only_what_does_not_read(store):
    drafts.keep(store, "case", {"sex": "male", "nprs": 5})
    table = store.metadata.tables["drafts"]
    with store.connect() as conn, conn.begin():  # the dictionary changed since
        conn.execute(
            sa.update(table).values(
                answers=json.dumps({"sex": "martian", "nprs": 5, "gone": "x"})
            )
        )
    assert drafts.read(store, "case").answers == {"nprs": 5}


def test_a_store_made_before_drafts_gains_the_table(tmp_path):
    db = tmp_path / "old.db"
    with Store(db, create=True) as store:
        store.add("case", case_record())
        with store.connect() as conn, conn.begin():
            conn.exec_driver_sql("DROP TABLE drafts")
    with Store(db) as store:
        drafts.keep(store, "case", {"nprs": 5})
        assert drafts.read(store, "case").answers["nprs"] == 5
        assert len(store.read("case")) == 1
        assert set(store.audit()["action"]) == {"insert"}


def test_a_store_that_is_not_a_local_file_keeps_no_draft(monkeypatch):
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    with Store("sqlite://", create=True) as memory:
        assert not drafts.keeps_drafts(memory)
        assert drafts.keep(memory, "case", {"nprs": 5}) is None
        assert drafts.read(memory, "case") is None
        drafts.discard(memory, "case")
        app = LoggingApp(memory)  # the forms work, without drafts
        answer(app.case.record, "nprs", "5")
        assert app.case.record.draft is None
        assert app.case.record.drafts.widget.layout.display == "none"


NOTES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "call 07700 900123",
            "jo@example.org",
            "seen 3 March 2025",
            "Mrs Jones",
            "NHS 943 476 5919",
            "L4-5 tender, NPRS 7/10, 3x/week",
        ]
    ),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    notes=NOTES,
    nprs=st.one_of(st.none(), st.integers(-3, 14)),
    odi=st.one_of(st.none(), st.floats(-10, 120, allow_nan=False)),
    side=st.sampled_from([None, "left", "none"]),
    grade=st.sampled_from([None, "mild", "fracture"]),
)
def test_whatever_is_typed_a_draft_holds_nothing_a_save_refuses(
    store, notes, nprs, odi, side, grade
):
    raw = {
        "notes": notes,
        "nprs": nprs,
        "odi": odi,
        "ankle_injury_side": side,
        "ankle_injury_grade": grade,
    }
    kept = drafts.keep(store, "case", raw)
    read = drafts.read(store, "case")
    assert read.answers == kept.answers
    # each kept answer, checked again through the door, draws no error of its own
    errors = store.check("case", read.answers).errors
    assert not {p.field for p in errors} & set(read.answers), errors
    refused = {p.field for p in store.check("case", raw).errors}
    assert not refused & set(read.answers)


# -- the forms' side ---------------------------------------------------------------


def test_typing_keeps_a_draft_that_a_new_app_restores(store):
    app = LoggingApp(store)
    form = app.case.record
    assert form.draft is None and drafts.read(store, "case") is None
    fill(form, sex="male", nprs="7", notes="seen with Mrs Jones")
    assert drafts.read(store, "case").answers["nprs"] == 7
    assert "Draft kept at" in form.drafts.note.value
    assert "Not kept until fixed: Notes" in form.drafts.note.value
    assert form.drafts.widget.layout.display is None

    again = LoggingApp(store)  # a reload
    restored = again.case.record
    assert again.restored == ["case"]
    assert restored.data["sex"] == "male" and restored.data["nprs"] == 7
    assert restored.data["notes"] is None  # never kept
    assert "Restored what was typed at" in restored.drafts.note.value
    assert restored.editing is None


def test_back_where_it_started_there_is_no_draft(store):
    form = LoggingApp(store).case.record
    answer(form, "nprs", "7")
    assert drafts.read(store, "case") is not None
    answer(form, "nprs", None)
    assert drafts.read(store, "case") is None
    assert form.drafts.widget.layout.display == "none"


def test_save_removes_the_draft_and_a_new_app_restores_nothing(store):
    form = LoggingApp(store).case.record
    fill(form, **CORE)
    assert drafts.read(store, "case") is not None
    form.save_button.click()
    assert "Saved case" in form.status.value
    assert drafts.read(store, "case") is None
    assert LoggingApp(store).restored == []


def test_a_refused_save_keeps_the_draft(store):
    form = LoggingApp(store).case.record
    fill(form, **{**CORE, "nprs": "14"})
    form.save_button.click()
    assert "Nothing was saved" in form.status.value
    assert drafts.read(store, "case").answers["sex"] == "female"


def test_discarding_empties_the_form_and_the_store(store):
    app = LoggingApp(store)
    fill(app.case.record, sex="male", nprs="7")
    again = LoggingApp(store)
    form = again.case.record
    form.drafts.discard_button.click()
    assert drafts.read(store, "case") is None
    assert form.data["nprs"] is None and form.data["sex"] is None
    assert "discarded" in form.status.value
    assert LoggingApp(store).restored == []


def test_a_session_draft_comes_back_with_its_case_chosen(store):
    case_id = store.add("case", case_record())["case_id"]
    app = LoggingApp(store)
    app.session.chooser.list.value = case_id
    fill(app.session.record, nprs_before="6", regions_treated=["lumbar"])

    again = LoggingApp(store)
    assert again.restored == ["session"]
    assert again.tabs.selected_index == 1  # the session tab is shown
    assert again.session.chooser.value == case_id
    assert again.session.body.layout.display is None
    data = again.session.record.data
    assert (data["case_id"], data["session_no"]) == (case_id, 1)
    assert data["nprs_before"] == 6 and data["regions_treated"] == ["lumbar"]
    again.session.record.save_button.click()
    assert store.read("session")["nprs_before"].tolist() == [6]
    assert drafts.read(store, "session") is None


def changing_session_1(store) -> tuple[LoggingApp, str]:
    """An app on a stored case and session, session 1 opened and changed."""
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", session_record(case_id))
    app = LoggingApp(store)
    app.session.chooser.list.value = case_id
    app.session.entry.value = 1
    answer(app.session.record, "nprs_after", "1")
    return app, case_id


def test_a_draft_of_a_change_reopens_the_stored_record(store):
    app, case_id = changing_session_1(store)
    app.case.chooser.list.value = case_id  # a case opened for changes, too
    answer(app.case.record, "nprs", "9")

    again = LoggingApp(store)
    assert sorted(again.restored) == ["case", "session"]
    assert again.session.record.editing == (case_id, 1)
    assert again.session.entry.value == 1
    assert again.session.record.data["nprs_after"] == 1
    assert again.case.record.editing == (case_id,)
    assert again.case.record.data["nprs"] == 9
    # discarding a change goes back to what is stored
    again.case.record.discard_draft()
    assert again.case.record.data["nprs"] == 6
    assert again.case.record.editing == (case_id,)


def test_a_draft_of_a_case_that_is_gone_is_forgotten(store):
    case_id = store.add("case", case_record())["case_id"]
    app = LoggingApp(store)
    app.session.chooser.list.value = case_id
    answer(app.session.record, "nprs_before", "6")
    store.delete("case", case_id, reason="withdrew consent")
    again = LoggingApp(store)
    assert again.restored == []
    assert drafts.read(store, "session") is None


def test_leaving_a_change_for_a_new_entry_drops_its_draft(store):
    app, _case_id = changing_session_1(store)
    assert drafts.read(store, "session").editing is not None
    app.session.record.new_button.click()
    assert drafts.read(store, "session") is None


@pytest.mark.parametrize("failure", ["keep", "discard"])
def test_a_draft_that_cannot_be_written_is_said_not_raised(store, monkeypatch, failure):
    from casekit.errors import StoreError

    form = LoggingApp(store).case.record

    def locked(*_args, **_kwargs):
        raise StoreError(str(store.path), "is locked by another program")

    if failure == "discard":
        answer(form, "nprs", "7")
    monkeypatch.setattr(drafts, failure, locked)
    answer(form, "nprs", "8" if failure == "keep" else None)
    assert "could not be" in form.drafts.note.value
    assert "locked" in form.drafts.note.value


# -- a removal discards what it takes out, whichever door ----------------------------


def _drafts_of_two_cases(store: Store) -> tuple[str, str]:
    """Cases ``gone`` and ``kept``, each with a session and the drafts of its new
    session, of its case changed and of its session 1 changed."""
    ids = []
    for _ in range(2):
        case_id = store.add("case", case_record())["case_id"]
        store.add("session", session_record(case_id))
        drafts.keep(store, "session", {"nprs_before": 5}, case_id=case_id)
        drafts.keep(store, "case", {"nprs": 3}, case_id=case_id, editing=(case_id,))
        drafts.keep(
            store,
            "session",
            {"nprs_after": 1},
            case_id=case_id,
            editing=(case_id, 1),
        )
        ids.append(case_id)
    return ids[0], ids[1]


def test_casekit_withdraw_discards_the_cases_drafts_and_no_others(store, capsys):
    """The form discarded them, ``casekit withdraw`` left them: the store's delete
    does it now, in its transaction."""
    from casekit.cli import main

    gone, kept = _drafts_of_two_cases(store)
    code = main(
        ["withdraw", gone, "--reason", "asked to be left out", "--db", store.url]
    )
    assert code == 0, capsys.readouterr().err
    assert {row["case_id"] for row in raw_rows(store)} == {kept}
    assert len(raw_rows(store)) == 3


def test_a_removed_session_takes_its_own_draft_and_no_other(store):
    gone, kept = _drafts_of_two_cases(store)
    store.add("session", session_record(gone, session_date=TODAY))
    store.delete("session", (gone, 1), reason="entered twice")
    assert drafts.find(store, "session", gone, (gone, 1)) is None
    assert drafts.find(store, "session", gone, None) is not None  # its new one
    assert drafts.find(store, "case", gone, (gone,)) is not None
    assert drafts.find(store, "session", kept, (kept, 1)) is not None
    assert len(raw_rows(store)) == 5

"""Two shares of the same cases must not give away what changed in one of them.

A release records each case it counted with a fingerprint of its records, a part
per form, so a follow-up added, a field corrected or a session removed makes that
case a change as one logged or withdrawn does (1 to 7 changed: refused), and a
form whose records changed in 1 to 7 cases is refused as well, however many cases
changed in all (eight sessions added and one case logged: the intakes of one
case). The same cases unchanged may be shared again, though a share export only
at the k of an earlier share export of them. A release recorded before
fingerprints (plain ids), or before the parts (one fingerprint of the whole case),
is still held to. The tests run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import namedtuple

import pytest
from conftest import case_record, followup_record, removable_session, session_record

from casekit import Store
from casekit.cli import main
from casekit.errors import OtherKRefused, ReleaseRefused, StoreError
from casekit.io.exporter import export_csv
from casekit.store import releases
from casekit.store.fingerprints import fingerprints
from casekit.store.schema import SCHEMA_VERSION
from casekit.synth import populate


def kinds(store: Store) -> list[str]:
    return [row["kind"] for row in releases.released(store)]


@pytest.fixture
def shared(store, tmp_path):
    """A store of 40 synthetic cases, a share export of them released (k 5)."""
    populate(store, 40, seed=1)
    export_csv(store, tmp_path / "first", share=True)
    return store


def first_case(store: Store) -> str:
    return sorted(store.case_ids(include_deleted=False))[0]


def add_followup(store: Store, case_id: str) -> None:
    """One more follow-up of ``case_id``, a week after its last one."""
    followups = store.read("followup")
    mine = followups[followups["case_id"] == case_id]
    sessions = store.read("session")
    last = sessions.loc[sessions["case_id"] == case_id, "session_no"].max()
    when = max([*mine["followup_date"], *sessions["session_date"]]).date()
    store.add(
        "followup",
        {
            "case_id": case_id,
            "followup_date": when + dt.timedelta(days=7),
            "after_session": int(last),
            "nprs": 1,
            "flare": "no",
            "groc": 3,
            "status": "discharged",
        },
    )


def add_session(store: Store, case_id: str) -> None:
    """One more session of ``case_id``, a week after its last visit."""
    sessions = store.read("session")
    followups = store.read("followup")
    dates = [
        *sessions.loc[sessions["case_id"] == case_id, "session_date"],
        *followups.loc[followups["case_id"] == case_id, "followup_date"],
    ]
    when = max(dates).date() + dt.timedelta(days=7)
    store.add("session", session_record(case_id, session_date=when))


def log_cases(store: Store, n: int, *, followup: bool = False) -> list[str]:
    """``n`` new cases, each with a first session (and a follow-up)."""
    cases = store.add_many({"case": [case_record() for _ in range(n)]})["case"]
    ids = [case["case_id"] for case in cases]
    store.add_many({"session": [session_record(case_id) for case_id in ids]})
    if followup:
        store.add_many({"followup": [followup_record(case_id) for case_id in ids]})
    return ids


def with_records(store: Store, ids, *, forms=(), without=()) -> list[str]:
    """Those of ``ids`` with a record in each of ``forms`` and none in ``without``."""
    held = {form: set(store.read(form)["case_id"]) for form in (*forms, *without)}
    return [
        case_id
        for case_id in ids
        if all(case_id in held[f] for f in forms)
        and not any(case_id in held[f] for f in without)
    ]


def refused_by(store: Store, out) -> ReleaseRefused:
    with pytest.raises(ReleaseRefused) as refused:
        export_csv(store, out, share=True)
    assert not out.exists()
    return refused.value


def test_a_follow_up_added_to_one_case_is_one_case_changed(shared, tmp_path):
    add_followup(shared, first_case(shared))
    refused = refused_by(shared, tmp_path / "second")
    assert (refused.changed, refused.more) == (1, 7)
    assert kinds(shared) == ["export"]


def test_a_field_corrected_is_a_change_and_put_back_is_none(shared, tmp_path):
    case_id = first_case(shared)
    sex = shared.get("case", case_id)["sex"]
    other = "male" if sex == "other" else "other"
    shared.update("case", case_id, {"sex": other}, reason="typed wrong")
    assert refused_by(shared, tmp_path / "second").changed == 1
    # Put back as it was: the same cases, holding the same, again.
    shared.update("case", case_id, {"sex": sex}, reason="typed wrong")
    export_csv(shared, tmp_path / "second", share=True)
    assert kinds(shared) == ["export", "export"]


def test_a_session_removed_is_a_change(shared, tmp_path):
    ids = sorted(shared.case_ids(include_deleted=False))
    case_id, number = removable_session(shared, ids)
    shared.delete("session", (case_id, number), reason="logged twice")
    assert refused_by(shared, tmp_path / "second").changed == 1


def test_cases_changed_count_with_cases_logged_and_eight_of_each_form_are_allowed(
    shared, tmp_path
):
    ids = sorted(shared.case_ids(include_deleted=False))
    for case_id in ids[:3]:
        add_followup(shared, case_id)
    log_cases(shared, 1, followup=True)
    # Withdrawn: a case of sessions and follow-ups, no exam (an exam withdrawn would
    # be the exams of one case changed).
    (gone, *_) = with_records(
        shared, reversed(ids[3:]), forms=("session", "followup"), without=("exam",)
    )
    shared.delete("case", gone, reason="withdrew consent")
    refused = refused_by(shared, tmp_path / "second")
    assert (refused.changed, refused.form) == (5, None)
    # 10 cases changed, yet the intakes (and sessions) of 7 alone: refused still.
    log_cases(shared, 5, followup=True)
    refused = refused_by(shared, tmp_path / "second")
    assert (refused.changed, refused.more, refused.form) == (7, 1, "case")
    log_cases(shared, 1, followup=True)  # 8 intakes, 8 sessions, 11 follow-ups
    export_csv(shared, tmp_path / "second", share=True)
    assert kinds(shared) == ["export", "export"]


def test_eight_sessions_added_and_one_case_logged_are_the_intakes_of_one_case(
    shared, tmp_path
):
    """Nine cases changed, yet the new case's row is the only new row of
    cases.csv, and the counts of the case form moved by it alone."""
    ids = sorted(shared.case_ids(include_deleted=False))
    for case_id in ids[:8]:
        add_session(shared, case_id)
    (new,) = log_cases(shared, 1)
    refused = refused_by(shared, tmp_path / "second")
    assert (refused.changed, refused.more, refused.form) == (1, 7, "case")
    said = str(refused)
    assert said.startswith("intakes of 1 case changed since the share export of ")
    assert "counted with" not in said  # an intake's counts draw on it alone
    assert "share again when the intakes of 8 or more cases have changed" in said
    assert not any(case_id in said for case_id in [*ids, new])
    assert kinds(shared) == ["export"]


def test_thirty_first_visits_and_one_follow_up_are_the_follow_ups_of_one_case(
    shared, db_url, tmp_path, capsys
):
    """Thirty-one cases changed, yet the follow-up counts (Pain clearly better 20/35
    to 21/36) and followups.csv moved by the one case followed up alone: a case
    logged with no follow-up yet is no follow-up changed."""
    ids = sorted(shared.case_ids(include_deleted=False))
    new = log_cases(shared, 30)
    add_followup(shared, ids[0])
    refused = refused_by(shared, tmp_path / "second")
    assert (refused.changed, refused.more, refused.form) == (1, 7, "followup")
    command = ["report", "--db", db_url, "--share", "--out", str(tmp_path / "r")]
    capsys.readouterr()
    assert main(command) == 1
    said = capsys.readouterr().err.strip()
    today = releases.released(shared)[0]["released_at"][:10]
    assert "\n" not in said and not (tmp_path / "r" / "report-share.html").exists()
    assert f"follow-ups of 1 case changed since the share export of {today}" in said
    assert f"of {today} (they or what they are counted with): " in said
    assert "a share now would give them away, so nothing was written" in said
    assert "share again when the follow-ups of 8 or more cases have changed" in said
    assert not any(case_id in said for case_id in [*ids, *new])
    assert kinds(shared) == ["export"]


def test_an_intake_corrected_among_eight_cases_logged_is_the_follow_ups_of_one(
    shared, tmp_path
):
    """Nine intakes changed, yet how the cases fared (the follow-ups' counts: its
    intake pain against its last) moved by the one case corrected alone, the
    cases logged having no follow-up: a follow-up's counts draw on the intake."""
    ids = sorted(shared.case_ids(include_deleted=False))
    (fixed, *_) = with_records(shared, ids, forms=("session", "followup"))
    nprs = int(shared.read("case").set_index("case_id").loc[fixed, "nprs"])
    shared.update("case", fixed, {"nprs": 10 - nprs}, reason="typed wrong")
    shared.add_many({"case": [case_record() for _ in range(8)]})  # intakes alone
    refused = refused_by(shared, tmp_path / "second")
    assert (refused.changed, refused.form) == (1, "session")
    assert kinds(shared) == ["export"]


def test_a_session_of_one_case_followed_up_among_eight_is_its_follow_ups(
    shared, tmp_path
):
    """Eight sessions added, seven to cases not followed up: the follow-ups' counts
    (a flare told after a session, how a case fared since its last) moved by the
    one followed up alone."""
    ids = sorted(shared.case_ids(include_deleted=False))
    (followed, *_) = with_records(shared, ids, forms=("followup",))
    new = log_cases(shared, 7)  # with a session, no follow-up
    for case_id in [followed, *new]:
        add_session(shared, case_id)
    refused = refused_by(shared, tmp_path / "second")
    assert (refused.changed, refused.form) == (1, "followup")
    assert kinds(shared) == ["export"]


def test_eight_new_cases_with_a_session_and_eight_follow_ups_are_allowed(
    shared, tmp_path
):
    ids = sorted(shared.case_ids(include_deleted=False))
    log_cases(shared, 8)  # 8 intakes, 8 sessions; no follow-up, no exam
    for case_id in ids[:8]:
        add_followup(shared, case_id)
    export_csv(shared, tmp_path / "second", share=True)
    assert kinds(shared) == ["export", "export"]


def test_a_case_withdrawn_is_a_change_of_every_form_it_had_records_in(shared, tmp_path):
    ids = sorted(shared.case_ids(include_deleted=False))
    (gone, *_) = with_records(shared, ids, forms=("exam",))
    shared.delete("case", gone, reason="withdrew consent")
    log_cases(shared, 8, followup=True)  # 9 cases, 9 sessions, 9 or 8 follow-ups
    refused = refused_by(shared, tmp_path / "second")
    assert (refused.changed, refused.form) == (1, "exam")


def test_a_release_of_whole_case_fingerprints_is_held_to_its_cases_whole(
    store, tmp_path
):
    """A release as the casekit before the parts recorded it (``ID:k...``): each of
    its cases is held to the whole-case fingerprint the store's case has now; which
    form changed is not known of it."""
    populate(store, 40, seed=1)
    shared = store
    counted = releases.counted(shared)
    whole = {f"{case_id}:{mark}" for case_id, mark in counted.whole.items()}
    assert {releases.case_id(e) for e in whole} == {
        releases.case_id(e) for e in counted
    }
    old_release(shared, whole)
    releases.check(shared, counted)  # the same cases, unchanged: none changed
    ids = sorted(shared.case_ids(include_deleted=False))
    add_followup(shared, ids[0])
    refused = refused_by(shared, tmp_path / "second")
    assert (refused.changed, refused.form, refused.since) == (1, None, "2026-01-05")
    # Eight more cases changed (a session each): nine whole, let through, though
    # the follow-ups of one case changed (the parts are not known of it).
    for case_id in ids[1:9]:
        add_session(shared, case_id)
    export_csv(shared, tmp_path / "second", share=True)


def test_the_same_cases_unchanged_may_be_shared_again(shared, tmp_path):
    export_csv(shared, tmp_path / "again", share=True)
    export_csv(shared, tmp_path / "rc", share=True, fmt="redcap")  # same k
    assert kinds(shared) == ["export", "export", "redcap"]
    assert [r["k"] for r in releases.released(shared)] == [5, 5, 5]


def test_a_report_is_refused_after_a_follow_up(shared, db_url, tmp_path, capsys):
    add_followup(shared, first_case(shared))
    command = ["report", "--db", db_url, "--share", "--out", str(tmp_path / "r")]
    assert main(command) == 1
    said = capsys.readouterr().err.strip()
    assert "\n" not in said
    assert "1 case changed since the share export" in said
    assert "share again when 8 or more cases have changed, or none" in said
    assert not (tmp_path / "r" / "report-share.html").exists()


def old_release(store: Store, ids: set[str]) -> None:
    """A release as a casekit before fingerprints recorded it: plain ids, no k."""
    digest, packed = releases.pack(ids)
    table = store.metadata.tables["share_releases"]
    with store._write() as conn:
        conn.execute(
            table.insert().values(
                released_at="2026-01-05T10:00:00+00:00",
                kind="export",
                released_by="tester",
                cases=len(ids),
                digest=digest,
                case_ids=packed,
            )
        )


def test_a_release_of_plain_ids_is_still_held_to(store, tmp_path):
    populate(store, 40, seed=1)
    ids = store.case_ids(include_deleted=False)
    old_release(store, ids)
    # What its cases held then is not known: a change of one is no case changed.
    add_followup(store, min(ids))
    export_csv(store, tmp_path / "same", share=True, k=10)  # its k is not known
    populate(store, 1, seed=2)
    refused = refused_by(store, tmp_path / "more")
    assert (refused.changed, refused.since) == (1, "2026-01-05")


def test_a_share_export_of_the_same_cases_at_another_k_is_refused(
    shared, db_url, tmp_path, capsys
):
    out = ["export", str(tmp_path / "k10"), "--db", db_url, "--share", "--k", "10"]
    assert main(out) == 1
    said = capsys.readouterr().err.strip()
    assert "\n" not in said and not (tmp_path / "k10").exists()
    assert "shared these same cases at k 5" in said
    assert "share them at k 5 again" in said
    with pytest.raises(OtherKRefused) as refused:
        export_csv(shared, tmp_path / "rc", share=True, fmt="redcap", k=10)
    assert (refused.value.k, refused.value.before) == (10, 5)
    assert kinds(shared) == ["export"]
    # A report has no k: the same cases may be reported on.
    releases.check(shared, releases.counted(shared))
    # Eight cases changed: another share, at any k.
    populate(shared, 8, seed=2)
    export_csv(shared, tmp_path / "k10", share=True, k=10)
    assert [r["k"] for r in releases.released(shared)] == [5, 10]


def test_a_case_changed_while_the_share_was_made_stops_it(shared):
    counted = releases.counted(shared)
    add_followup(shared, first_case(shared))
    with (
        pytest.raises(StoreError, match="logged, changed or withdrawn while"),
        releases.releasing(shared, "export", counted, 5),
    ):
        pass
    assert kinds(shared) == ["export"]


def test_a_fingerprint_changes_with_its_case_alone(store):
    populate(store, 12, seed=1)
    with store.connect() as conn:
        before = fingerprints(conn, store.dictionary)
    case_id = min(before)
    store.update("case", case_id, {"nprs": 0}, reason="typed wrong")
    with store.connect() as conn:
        after = fingerprints(conn, store.dictionary)
    assert set(after) == set(before) == store.case_ids(include_deleted=False)
    assert {c for c in after if after[c] != before[c]} == {case_id}


def test_what_no_share_shows_changes_no_fingerprint(store):
    """A note edited, or the site code changed (a merge), shows in no share: were
    they to count, eight notes edited would let a share of one new case through,
    that case alone new in it."""
    populate(store, 12, seed=1)
    with store.connect() as conn:
        before = fingerprints(conn, store.dictionary)
    ids = sorted(before)
    for case_id in ids[:8]:
        store.update("case", case_id, {"notes": "reviewed"}, reason="typed more")
    store.add_site("north")
    store.update("case", ids[8], {"site": "north"}, reason="the other clinic")
    with store.connect() as conn:
        assert fingerprints(conn, store.dictionary) == before


@pytest.mark.sqlite_only
def test_a_column_added_to_the_store_changes_no_fingerprint(store):
    populate(store, 12, seed=1)
    with store.connect() as conn:
        before = fingerprints(conn, store.dictionary)
    with sqlite3.connect(store.path) as conn:  # a field new to the dictionary
        conn.execute("ALTER TABLE sessions ADD COLUMN extra TEXT")
    with store.connect() as conn:
        assert fingerprints(conn, store.dictionary) == before


def test_a_store_of_schema_5_gains_the_k_of_its_releases_at_init(
    store, db_url, tmp_path, capsys
):
    populate(store, 30, seed=1)
    export_csv(store, tmp_path / "first", share=True)
    with store._write() as conn:  # as casekit of schema 5 left it
        conn.exec_driver_sql("ALTER TABLE share_releases DROP COLUMN k")
        conn.exec_driver_sql(
            "UPDATE casekit_meta SET value = '5' WHERE key = 'schema_version'"
        )
    store.close()
    db = db_url  # the owner's
    # A command that only reads says how to bring it up to date ...
    assert main(["report", "--db", db, "--share", "--out", str(tmp_path)]) == 1
    assert "casekit init" in capsys.readouterr().err
    # ... and init does, the earlier release kept, its k not known.
    assert main(["init", "--db", db]) == 0
    with Store(db) as store:
        with store.connect() as conn:
            version = conn.exec_driver_sql(
                "SELECT value FROM casekit_meta WHERE key = 'schema_version'"
            ).scalar()
        assert version == str(SCHEMA_VERSION)
        assert [r["k"] for r in releases.released(store)] == [None]
        # The user's ledger kept the share's k with it: still held to it.
        with pytest.raises(OtherKRefused):
            export_csv(store, tmp_path / "k10", share=True, k=10)
        export_csv(store, tmp_path / "k5", share=True)
        assert [r["k"] for r in releases.released(store)] == [None, 5]
        audit = store.audit()
    added = audit[audit["action"] == "add_column"]
    pairs = set(zip(added["form"], added["field"], strict=True))
    assert ("share_releases", "k") in pairs


def test_releases_known_elsewhere_are_judged_with_the_table(store):
    """Rows shaped like share_releases rows, k or not, given to the rule."""
    populate(store, 12, seed=1)
    counted = releases.counted(store)
    first = releases.case_id(min(counted))
    fewer = {e for e in counted if releases.case_id(e) != first}
    digest, packed = releases.pack(fewer)
    Row = namedtuple("Row", "released_at kind digest case_ids cases")
    ledger = Row("2026-02-01T09:00:00+00:00", "report", digest, packed, len(fewer))
    table = store.metadata.tables["share_releases"]
    with store.connect() as conn:
        row, n = releases.nearest(conn, table, counted, rows=[ledger])
        assert (row, n) == (ledger, 1)
        same = ledger._replace(digest=releases.pack(counted)[0], kind="export")
        assert releases.other_k(conn, table, counted, 10, rows=[same]) is None
        with pytest.raises(ReleaseRefused, match="shared report of 2026-02-01"):
            releases.refuse_if_near(conn, table, counted, rows=[ledger])

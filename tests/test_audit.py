"""A tamper-evident audit: hash-chained rows, guards put back on every open, and
`casekit check` exits 1 on a forged, deleted or replaced row and on a table change
without its audit row."""

from __future__ import annotations

import datetime as dt
import sqlite3

import psycopg
import pytest
import sqlalchemy as sa
from conftest import case_record, followup_record, session_record
from pgserver import login_sql, superuser_sql

from casekit import Store
from casekit.cli import main
from casekit.store.audit import row_hash


@pytest.fixture
def audited(store):
    """A store with a few audited writes of every kind; returns its path."""
    case = store.add("case", case_record())
    cid = case["case_id"]
    store.add("session", session_record(cid))
    store.add("followup", followup_record(cid))
    store.update("case", cid, {"nprs": 3})
    store.add("session", session_record(cid))
    store.delete("session", (cid, 2), reason="entered twice")
    return str(store.path) if store.path else store.url


def _check(db, capsys) -> tuple[int, str]:
    code = main(["check", "--db", str(db)])
    return code, capsys.readouterr().out


def _on_server(db: str) -> bool:
    return db.startswith("postgresql")


# The SQLite statements below, as PostgreSQL spells them (an upsert for REPLACE).
PG_SPELLING = {
    "REPLACE INTO audit (id, time, actor, action) VALUES (2, 't', 'me', 'insert')": (
        "INSERT INTO audit (id, time, actor, action) VALUES (2, 't', 'me', 'insert') "
        "ON CONFLICT (id) DO UPDATE SET actor = 'me'"
    ),
    "REPLACE INTO audit (id, time, actor, action, form, hash) "
    "VALUES (2, 't', 'me', 'note', 'x', 'ab')": (
        "INSERT INTO audit (id, time, actor, action, form, hash) "
        "VALUES (2, 't', 'me', 'note', 'x', 'ab') ON CONFLICT (id) DO UPDATE SET "
        "time = 't', actor = 'me', action = 'note', form = 'x', hash = 'ab'"
    ),
    "UPDATE sessions SET deleted = 0": "UPDATE sessions SET deleted = false",
}


def _spelled(db: str, statements) -> list[str]:
    if not _on_server(db):
        return list(statements)
    statements = [s.replace("INSERT OR REPLACE", "REPLACE") for s in statements]
    return [
        PG_SPELLING.get(s, s).replace("'acute', 5, 0)", "'acute', 5, false)")
        for s in statements
    ]


def _raw(db, *statements: str) -> None:
    """As the store's owner, around casekit."""
    if _on_server(db):
        login_sql(db, *_spelled(db, statements))
        return
    with sqlite3.connect(db) as raw:
        for statement in statements:
            raw.execute(statement)


def _tamper(db, *statements: str) -> None:
    """As someone with the keys to the file or the server: no guard, no foreign key."""
    if _on_server(db):
        superuser_sql(db, *_spelled(db, statements), guards=False)
        return
    _raw(
        db,
        "PRAGMA foreign_keys = OFF",
        "DROP TRIGGER audit_no_update",
        "DROP TRIGGER audit_no_delete",
        "DROP TRIGGER audit_no_replace",
        *statements,
    )


def _audit_rows(db) -> list[dict]:
    with Store(db) as store, store.engine.connect() as conn:
        query = sa.text("SELECT * FROM audit ORDER BY id")
        return [dict(row) for row in conn.execute(query).mappings()]


def test_an_untouched_store_checks_clean_and_its_chain_follows(audited, capsys):
    code, out = _check(audited, capsys)
    assert code == 0, out
    assert "audit: 6 rows, chain head " in out
    previous = ""
    for row in _audit_rows(audited):
        assert row["hash"] == row_hash(previous, row)
        previous = row["hash"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit SET new_value = 'x' WHERE id = 2",
        "DELETE FROM audit WHERE id = 2",
        "REPLACE INTO audit (id, time, actor, action) VALUES (2, 't', 'me', 'insert')",
        "INSERT OR REPLACE INTO audit (id, time, actor, action) "
        "VALUES (2, 't', 'me', 'insert')",
    ],
)
def test_the_guards_refuse_every_rewrite(audited, statement):
    before = _audit_rows(audited)
    if _on_server(audited):  # refused to the store's owner too
        with pytest.raises(psycopg.errors.RaiseException, match="append-only|actor"):
            _raw(audited, statement)
    else:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            _raw(audited, statement)
    assert _audit_rows(audited) == before


@pytest.mark.parametrize(
    "tamper, words",
    [
        (
            "UPDATE audit SET actor = 'someone else' WHERE id = 3",
            "audit row 3 was changed or replaced",
        ),
        ("DELETE FROM audit WHERE id = 4", "audit rows 4 to 4, before row 5, are"),
        (
            "REPLACE INTO audit (id, time, actor, action, form, hash) "
            "VALUES (2, 't', 'me', 'note', 'x', 'ab')",
            "audit row 2 was changed or replaced",
        ),
        (
            "INSERT INTO audit (id, time, actor, action, form, hash) "
            "VALUES (99, 't', 'me', 'note', 'x', 'ab')",
            "audit rows 7 to 98, before row 99, are missing",
        ),
    ],
)
def test_check_exits_1_on_a_forged_deleted_or_replaced_row(
    audited, capsys, tamper, words
):
    _tamper(audited, tamper)
    code, out = _check(audited, capsys)
    assert code == 1
    assert words in out


def test_a_rewritten_hash_breaks_the_next_row(audited, capsys):
    # A forger who recomputes the changed row's own hash still breaks the chain.
    rows = _audit_rows(audited)
    forged = {**rows[2], "actor": "someone else"}
    forged["hash"] = row_hash(rows[1]["hash"], forged)
    _tamper(
        audited,
        f"UPDATE audit SET actor = 'someone else', hash = '{forged['hash']}' "
        "WHERE id = 3",
    )
    code, out = _check(audited, capsys)
    assert code == 1
    assert "audit row 4 was changed or replaced" in out


@pytest.mark.parametrize(
    "tamper, words",
    [
        ("UPDATE cases SET nprs = 9", "`nprs` is '9' in the table but '3' by"),
        ("UPDATE sessions SET deleted = 0", "`deleted` is 'False' in the table"),
        ("DELETE FROM followups", "the audit wrote it, but it is no longer in"),
        (
            "INSERT INTO cases (case_id, intake_date, age_band, sex, pain_side, "
            "duration, nprs, deleted) VALUES ('ZZZZZZ', '2025-01-01', '40-49', "
            "'male', 'left', 'acute', 5, 0)",
            "case ZZZZZZ: it is in the table, but no audit row wrote it",
        ),
    ],
)
def test_check_exits_1_on_a_table_change_without_its_audit_row(
    audited, capsys, tamper, words
):
    _tamper(audited, tamper)
    code, out = _check(audited, capsys)
    assert code == 1
    assert words in out


def test_dropped_guards_come_back_on_open_and_the_audit_says_so(audited):
    if _on_server(audited):
        superuser_sql(
            audited,
            "DROP TRIGGER audit_append_only ON audit",
            "ALTER TABLE cases NO FORCE ROW LEVEL SECURITY",
        )
        dropped, refused = (
            "audit_append_only, row-level security on cases",
            (psycopg.errors.RaiseException),
        )
    else:
        _raw(audited, "DROP TRIGGER audit_no_delete", "DROP TRIGGER audit_no_replace")
        dropped, refused = "audit_no_delete, audit_no_replace", sqlite3.IntegrityError
    with Store(audited) as store:
        last = store.audit().iloc[-1]
        assert last["action"] == "restore_guards"
        assert last["new_value"] == dropped
        problems, _ = store.verify()
        # The guards were off for a while: nothing behind them can be vouched for.
        assert [p.rule for p in problems] == ["guards_restored"]
    with pytest.raises(refused, match="append-only"):
        _raw(audited, "DELETE FROM audit WHERE id = 1")


def test_check_exits_1_on_a_withdrawal_undone_with_its_audit_row_deleted(
    audited, capsys
):
    # The tail of the chain and the table changed together: the chain and the
    # replay agree, and the guards put back on open are the one trace left. (One
    # who puts the guards back too leaves none: see casekit.store.verify.)
    tail = "DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)"
    if _on_server(audited):
        superuser_sql(
            audited,
            "DROP TRIGGER audit_append_only ON audit",
            tail,
            "UPDATE sessions SET deleted = false",
        )
    else:
        _tamper(audited, tail, "UPDATE sessions SET deleted = 0")
    # `casekit check` only reads: it finds the guards missing, and says so.
    code, out = _check(audited, capsys)
    assert code == 1, out
    assert "the audit's guards are missing (" in out
    assert "rows may have been changed or deleted behind the audit" in out
    with Store(audited):  # an open that writes puts them back, audited
        pass
    code, out = _check(audited, capsys)
    assert code == 1, out
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert (
        f"the audit's guards were removed and put back on {today}: rows may have "
        "been changed or deleted behind the audit; compare with a backup"
    ) in out
    code, again = _check(audited, capsys)  # and on every check after
    assert code == 1
    assert again.count("guards were removed") == 1
    assert "guards are missing" not in again


@pytest.mark.sqlite_only  # a store of casekit's first schema was a SQLite file
def test_a_store_of_schema_1_gets_its_rows_sealed(audited, capsys):
    _tamper(
        audited,
        "ALTER TABLE audit DROP COLUMN hash",
        "UPDATE casekit_meta SET value = '1' WHERE key = 'schema_version'",
    )
    # `casekit check` only reads: it says how to bring the store up to date.
    assert main(["check", "--db", str(audited)]) == 1
    assert "`casekit init --db " in capsys.readouterr().err
    assert main(["init", "--db", str(audited)]) == 0
    code, out = _check(audited, capsys)
    assert code == 0, out
    with Store(audited) as store:
        trail = store.audit()
    assert trail["hash"].notna().all()
    assert trail.iloc[-1]["action"] == "add_column"


def test_a_note_changed_behind_the_audit_is_reported_without_its_words(audited, capsys):
    _tamper(audited, "UPDATE cases SET notes = 'call 07700 900123'")
    code, out = _check(audited, capsys)
    assert code == 1
    (line,) = [x for x in out.splitlines() if "behind the audit's back" in x]
    assert "`notes` is '(withheld)' in the table" in line and "07700" not in line


# Rows of every kind of value an audit row holds: text with accents, other scripts
# and quotes, floats (whole, fractional, tiny), integers, empty values, an origin.
VARIED_ROWS = [
    {"id": 1, "time": "2024-03-01T10:00:00.000001+00:00", "actor": "kb"},
    {
        "id": 2,
        "time": "t",
        "actor": "Zoë Ørsted",
        "action": "update",
        "form": "case",
        "case_id": "227SH9",
        "instance": 3,
        "field": "notes",
        "old_value": 'ça "va" \\ \u00e9\u4e2d\u6587 \U0001f600',
        "new_value": "0.1",
        "reason": "tab\there, line\nbreak",
    },
    {"id": 3, "time": "t", "actor": "a", "new_value": 1.5e-300, "instance": 0},
    {"id": 4, "time": "t", "actor": "a", "old_value": 32.0, "origin": "site-b:7"},
]


@pytest.mark.parametrize("row", VARIED_ROWS)
def test_the_hashed_bytes_are_the_json_they_always_were(row):
    import hashlib
    import json

    from casekit.store.schema import HASHED_COLUMNS

    values = ["previous", *(row.get(c) for c in HASHED_COLUMNS)]
    if row.get("origin") is not None:
        values.append(row["origin"])
    payload = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    assert row_hash("previous", row) == hashlib.sha256(payload.encode()).hexdigest()


def test_an_inserted_row_is_audited_as_the_json_it_always_was():
    import datetime as dt
    import json

    from casekit.store.audit import inserted

    row = {
        "case_id": "227SH9",
        "session_no": 2,
        "session_date": dt.date(2024, 2, 29),
        "nprs_before": 4,
        "weight": 71.25,
        "notes": 'Zoë: "better" \u4e2d',
        "techniques": None,
    }
    audit = inserted("session", "session_no", row, row)
    assert audit["new_value"] == json.dumps(row, default=str, sort_keys=True)
    assert audit["instance"] == 2 and audit["case_id"] == "227SH9"


def test_audit_rows_written_a_batch_at_a_time_chain_on(store, monkeypatch):
    monkeypatch.setattr("casekit.store.audit.BATCH", 2)
    before = len(store.audit())
    added = store.add_many({"case": [case_record(nprs=n) for n in range(5)]})
    trail = store.audit()
    new = trail.iloc[before:]
    # Five rows in three batches: one time, ids in a run, each chained on.
    assert list(new["action"]) == ["insert"] * 5
    assert list(new["case_id"]) == [r["case_id"] for r in added["case"]]
    assert new["time"].nunique() == 1
    assert list(trail["id"]) == list(range(1, len(trail) + 1))
    previous = "" if before == 0 else trail.iloc[before - 1]["hash"]
    for _, row in new.iterrows():
        assert row["hash"] == row_hash(previous, row.to_dict())
        previous = row["hash"]
    problems, head = store.verify()
    assert problems == [] and head == (len(trail), previous)


def test_network_mode_set_up_is_warned_of_and_guards_put_back_are_refused():
    # A server store of a casekit from before network mode gets its roles' guards
    # on first open, with this reason: an upgrade, which check must let pass (a
    # warning), where guards found removed are an error for good.
    from casekit.store.audit import NETWORK_SET_UP
    from casekit.store.verify import guard_problems

    def restored(reason):
        row = {"id": 7, "time": "2026-11-28T10:00:00", "action": "restore_guards"}
        return [
            (p.rule, p.severity) for p in guard_problems([{**row, "reason": reason}])
        ]

    assert restored(NETWORK_SET_UP) == [("guards_set_up", "warning")]
    assert restored("the audit's guards had been removed") == [
        ("guards_restored", "error")
    ]
    assert restored(None) == [("guards_restored", "error")]


def test_guards_put_back_in_a_merged_history_are_named_as_their_writers_claim():
    # No casekit command writes such a row (a merge refuses a store whose guards
    # were put back, test below): one with an origin is what its recorded writer
    # appended by hand about another store, a warning naming them.
    from casekit.store.verify import guard_problems

    row = {"id": 9, "time": "2026-11-28T10:00:00", "action": "restore_guards"}
    row.update(actor="south", origin="store:ab row 3 by actor 1")
    [problem] = guard_problems([row])
    assert (problem.rule, problem.severity, problem.detail) == (
        "history_claimed",
        "warning",
        "south",
    )
    assert "recorded as written by south" in problem.problem


@pytest.mark.parametrize("origin", [None, "store:feed row 9 by actor 1"])
def test_a_store_whose_guards_were_put_back_is_not_merged(
    store, tmp_path, capsys, origin
):
    # Merged, the row would read as written by whoever merges: refused, whether
    # the source's own check makes it an error (its own) or a warning (carried).
    source = tmp_path / "own.db"
    with Store(source, create=True, actor="practitioner") as own:
        own.add("case", case_record())
        with own._write() as conn:
            row = {"action": "restore_guards", "form": "audit", "origin": origin}
            own._audit(conn, [{**row, "reason": "the audit's guards had been removed"}])
    store.add_site("north")
    before = store.audit()
    db = str(store.path) if store.path else store.url
    code = main(["merge", str(source), "--site", "north", "--db", db])
    out = capsys.readouterr().err
    assert code != 0 and "guards were put back, its own or" in out, out
    assert "(audit row 2)" in out
    assert store.read("case").empty
    assert len(store.audit()) == len(before)


def test_one_audit_row_is_one_row(tmp_path, capsys):
    db = tmp_path / "one.db"
    with Store(db, create=True, actor="tester") as store:
        store.add("case", case_record())
    code, out = _check(db, capsys)
    assert code == 0 and "audit: 1 row, chain head " in out

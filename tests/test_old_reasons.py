"""An audit reason written before reasons were screened: `casekit check` reports it
without its words, and `casekit check --redact-reasons` withholds it, audited, with
the hash chain still checkable."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import case_record, followup_record, session_record
from pgserver import login_sql, superuser_sql

from casekit import Store
from casekit.cli import main
from casekit.io.pool import merge
from casekit.store.audit import REDACTED_REASON, changed, write_audit

OLD_REASON = "typo fixed, patient John Smith 07700 900123 asked"


def _old_edit(store: Store, case_id: str, nprs: int, reason: str) -> None:
    """An edit as a store wrote it before the screen: the record and its audit row,
    chained, with no look at the reason."""
    cases = store.table("case")
    with store._write() as conn:
        old = conn.execute(
            sa.select(cases.c.nprs).where(cases.c.case_id == case_id)
        ).scalar()
        conn.execute(
            sa.update(cases).where(cases.c.case_id == case_id).values(nprs=nprs)
        )
        row = changed("case", (case_id,), "nprs", old, nprs, reason)
        write_audit(conn, store._meta("audit"), store.actor, [row])


@pytest.fixture
def old_store(store) -> tuple[str, str]:
    """A store with one identifying reason and one clinical one; its URL or path
    and the case."""
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", session_record(case_id))
    store.add("followup", followup_record(case_id))
    _old_edit(store, case_id, 9, OLD_REASON)
    _old_edit(store, case_id, 8, "typo in pain at intake")
    return (str(store.path) if store.path else store.url), case_id


def _check(db, capsys, *options) -> tuple[int, str]:
    code = main(["check", "--db", str(db), *options])
    return code, capsys.readouterr().out


def _reasons(db) -> list[tuple[int, str | None]]:
    with Store(db) as store:
        trail = store.audit()
    return list(zip(trail["id"], trail["reason"], strict=True))


def test_check_reports_an_old_identifying_reason_without_its_words(old_store, capsys):
    db, case_id = old_store
    code, out = _check(db, capsys)
    assert code == 1
    (line,) = [x for x in out.splitlines() if "the reason of audit row" in x]
    row = next(i for i, reason in _reasons(db) if reason == OLD_REASON)
    assert line.startswith(f"audit: case {case_id}: the reason of audit row {row} (")
    assert "looks like a name and a phone number" in line
    assert "casekit check --redact-reasons" in line
    for word in ("John", "Smith", "07700", "900123"):
        assert word not in out
    assert "1 error" in out


def test_redact_reasons_withholds_it_in_one_audited_row(old_store, capsys):
    db, _ = old_store
    with Store(db) as store:
        hashes = store.audit()["hash"].tolist()
    code, out = _check(db, capsys, "--redact-reasons")
    assert code == 0, out
    assert "audit reasons withheld: 1 (rows " in out
    reasons = [reason for _, reason in _reasons(db)]
    assert REDACTED_REASON in reasons and "typo in pain at intake" in reasons
    assert not any(OLD_REASON == r for r in reasons)
    with Store(db) as store:
        trail = store.audit()
        problems, _ = store.verify()
    # The redaction is in sight for good, as a warning (casekit.store.verify).
    assert [(p.rule, p.severity) for p in problems] == [("reason_withheld", "warning")]
    # Every row keeps its hash (a head noted before still holds); one row is new.
    assert trail["hash"].tolist()[: len(hashes)] == hashes
    assert trail.iloc[-1]["action"] == "redact_reasons"
    assert _check(db, capsys)[0] == 0
    if not db.startswith("postgresql"):  # nor left in the file, or in its log
        for path in (Path(db), Path(db + "-wal")):
            assert not path.exists() or b"900123" not in path.read_bytes()
    code, out = _check(db, capsys, "--redact-reasons")
    assert code == 0 and "audit reasons withheld: 0 (rows none)" in out


def test_a_redacted_row_is_still_guarded_by_the_chain(old_store, capsys):
    db, _ = old_store
    _check(db, capsys, "--redact-reasons")
    row = next(i for i, reason in _reasons(db) if reason == REDACTED_REASON)
    clinical = next(i for i, r in _reasons(db) if r == "typo in pain at intake")
    # Its other values, or another reason "withheld" with no row vouching for it.
    for statement in (
        f"UPDATE audit SET new_value = '2' WHERE id = {row}",
        f"UPDATE audit SET reason = '{REDACTED_REASON}' WHERE id = {clinical}",
    ):
        _tamper(db, statement)
        code, out = _check(db, capsys)
        assert code == 1 and "was changed or replaced" in out


def _tamper(db: str, statement: str) -> None:
    if db.startswith("postgresql"):
        superuser_sql(db, statement, guards=False)
        return
    import sqlite3

    with sqlite3.connect(db) as raw:
        raw.execute("DROP TRIGGER IF EXISTS audit_no_update")
        raw.execute(statement)


def test_a_redacted_store_merges_and_its_network_checks_clean(
    store, tmp_path, monkeypatch, capsys
):
    own_path = tmp_path / "north-1.db"  # a file name the screen reads as a URL
    with Store(own_path, create=True, actor="tester") as own:
        case_id = own.add("case", case_record())["case_id"]
        own.add("session", session_record(case_id))
        _old_edit(own, case_id, 9, OLD_REASON)
    assert _check(own_path, capsys, "--redact-reasons")[0] == 0
    store.add_site("north")
    merge(store, own_path, "north")
    # The merge's own reasons name the file: casekit's words, not screened.
    code, out = _check(store.path or store.url, capsys)
    assert code == 0, out
    carried = store.audit()
    assert REDACTED_REASON in carried["reason"].tolist()


def test_after_a_redaction_the_guards_refuse_a_rewrite_again(old_store, capsys):
    db, _ = old_store
    assert _check(db, capsys, "--redact-reasons")[0] == 0
    statement = "UPDATE audit SET reason = 'x' WHERE id = 1"
    if db.startswith("postgresql"):
        import psycopg

        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            login_sql(db, statement)
    else:
        import sqlite3

        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            with sqlite3.connect(db) as raw:
                raw.execute(statement)
    with Store(db) as store:  # nothing to put back on open: all were in place
        assert store.audit().iloc[-1]["action"] == "redact_reasons"


def test_only_the_owner_may_redact_on_a_server(pg_url, capsys):
    assert main(["init", "--db", pg_url]) == 0
    assert main(["grant", "north", "--db", pg_url]) == 0
    north = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["check", "--redact-reasons", "--db", north]) == 2
    assert "only the store's owner" in capsys.readouterr().err


def test_a_broken_chain_is_not_hidden_by_a_redaction(old_store, capsys):
    db, _ = old_store
    row = next(i for i, reason in _reasons(db) if reason == OLD_REASON)
    _tamper(db, f"UPDATE audit SET new_value = '2' WHERE id = {row}")
    assert _check(db, capsys, "--redact-reasons")[0] != 0
    assert OLD_REASON in [reason for _, reason in _reasons(db)]  # nothing changed
    code, out = _check(db, capsys)
    assert code == 1 and f"audit row {row} was changed or replaced" in out


def _forge(db: str, row_id: int, **values) -> None:
    """As one with the owner's keys who knows how a redaction vouches: the row at
    ``row_id`` rewritten with ``values`` and the reason "withheld", the guards put
    back, and a ``redact_reasons`` row vouching for it as it now reads."""
    from casekit.store.audit import GENESIS, REDACT_ACTION, row_hash
    from casekit.store.reasons import _lift_guards
    from casekit.store.schema import add_guards

    with Store(db) as store:
        audit = store.metadata.tables["audit"]
        with store._write() as conn:
            rows = conn.execute(sa.select(audit).order_by(audit.c.id)).mappings().all()
            forged = {**values, "reason": REDACTED_REASON}
            _lift_guards(conn)
            conn.execute(sa.update(audit).where(audit.c.id == row_id).values(forged))
            add_guards(conn, store.metadata)
            previous = next((r["hash"] for r in rows if r["id"] == row_id - 1), GENESIS)
            row = next(r for r in rows if r["id"] == row_id)
            digest = row_hash(previous, {**row, **forged})
            vouch = {"action": REDACT_ACTION, "form": "audit"}
            vouch["new_value"] = f'{{"{row_id}": "{digest}"}}'
            write_audit(conn, audit, store.actor, [vouch])


def test_a_vouch_passes_off_no_row_but_an_edits_and_shows_every_one(old_store, capsys):
    db, _ = old_store
    with Store(db) as store:
        trail = store.audit()
    insert = int(trail.loc[trail["action"] == "insert", "id"].iloc[0])
    # A row no person gave a reason for (an insert) is never withheld: forged.
    _forge(db, insert, new_value='{"nprs": 2}')
    code, out = _check(db, capsys)
    assert code == 1 and f"audit row {insert} was changed or replaced" in out


def test_an_edit_vouched_for_is_in_sight_and_a_second_vouch_changes_nothing(
    old_store, capsys
):
    db, _ = old_store
    clinical = next(i for i, r in _reasons(db) if r == "typo in pain at intake")
    _forge(db, clinical, new_value="3")
    code, out = _check(db, capsys)
    # The chain has no key: a vouched edit passes, but never out of sight.
    assert f"the reason of audit row {clinical} was withheld by audit row" in out
    # Vouched once, the row cannot be changed again under a later vouch.
    _forge(db, clinical, new_value="2")
    code, out = _check(db, capsys)
    assert code == 1 and f"audit row {clinical} was changed or replaced" in out

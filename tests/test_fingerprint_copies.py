"""The same cases give the same fingerprints in every copy of them, and a share is
recorded without fingerprinting the store again when nothing was written.

A copy that is not a byte copy (a full export imported into a fresh SQLite store,
into a store whose columns were added by migration, into a PostgreSQL store) holds
the same cases: a share of them and one more, from either store, is one case
changed (refused through the user's ledger). The second half runs on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import sqlite3

import pytest
from conftest import case_record

from casekit import Store
from casekit.errors import ReleaseRefused, StoreError
from casekit.io.exporter import export_csv
from casekit.io.importer import import_files
from casekit.store import fingerprints, releases
from casekit.synth import populate


def marks(store: Store) -> dict[str, str]:
    with store.connect() as conn:
        return fingerprints.fingerprints(conn, store.dictionary)


def imported(store: Store, export) -> Store:
    import_files(store, sorted(export.glob("*.csv")))
    return store


def test_the_same_cases_give_the_same_fingerprints_in_every_copy(
    tmp_path, pg_url, monkeypatch
):
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    with Store(tmp_path / "a.db", create=True, actor="tester") as first:
        populate(first, 30, seed=1)
        export = tmp_path / "full"
        export_csv(first, export)
        original = marks(first)
    assert len(original) == 30
    # A store whose columns were added later (a migrated one): the same fields in
    # another order, the number (odi) and a multi-select (pain_regions) last.
    migrated = tmp_path / "b.db"
    Store(migrated, create=True, actor="tester").close()
    with sqlite3.connect(migrated) as conn:
        for column, kind in (("odi", "FLOAT"), ("pain_regions", "TEXT")):
            conn.execute(f"ALTER TABLE cases DROP COLUMN {column}")
            conn.execute(f"ALTER TABLE cases ADD COLUMN {column} {kind}")
    with Store(migrated, actor="tester") as store:
        assert marks(imported(store, export)) == original
    with Store(tmp_path / "c.db", create=True, actor="tester") as store:
        assert marks(imported(store, export)) == original
    with Store(pg_url, create=True, actor="tester") as pooled:
        assert marks(imported(pooled, export)) == original
        # A share of the same cases from the first store, then of the same cases
        # and one more from the PostgreSQL one: one case changed.
        with Store(tmp_path / "a.db", actor="tester") as first:
            export_csv(first, tmp_path / "first-share", share=True)
        pooled.add("case", case_record())
        with pytest.raises(ReleaseRefused) as refused:
            export_csv(pooled, tmp_path / "pooled-share", share=True)
        assert refused.value.changed == 1
        assert releases.released(pooled) == []


def test_a_multi_select_in_another_order_and_a_float_are_written_one_way():
    assert fingerprints._codes("b|a") == fingerprints._codes("a|b") == "a|b"
    assert fingerprints._float(5) == fingerprints._float(5.0) == "5.0"
    assert fingerprints._float(0.30000000000000004) != fingerprints._float(0.3)


def test_an_earlier_casekits_fingerprints_match_their_cases_by_id():
    """A release of fingerprints made the old way: what its cases held then is not
    known in the new way, so a case counts as changed only if logged or withdrawn."""
    old = {"AAAAAA:0123456789ab", "BBBBBB:0123456789ab", "CCCCCC:0123456789ab"}
    now = {"AAAAAA:kffffffffffff", "BBBBBB:kffffffffffff", "DDDDDD:kffffffffffff"}
    assert releases.changed(old, now) == 2
    assert releases.changed(now, now | {"EEEEEE:kffffffffffff"}) == 1
    changed = {"AAAAAA:k000000000000", "BBBBBB:kffffffffffff", "DDDDDD:kffffffffffff"}
    assert releases.changed(now, changed) == 1


@pytest.fixture
def counting(monkeypatch):
    """How many times the store's cases are fingerprinted."""
    calls = []
    real = releases.fingerprints

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(releases, "fingerprints", counted)
    return calls


def test_a_share_is_recorded_without_fingerprinting_again(store, counting, tmp_path):
    populate(store, 20, seed=1)
    counted = releases.counted(store)
    assert len(counting) == 1
    with releases.releasing(store, "export", counted, 5):
        pass
    assert len(counting) == 1
    assert [r["cases"] for r in releases.released(store)] == [20]
    # Given plain entries (no head read with them), it fingerprints to know.
    with releases.releasing(store, "export", set(counted), 5):
        pass
    assert len(counting) == 2


def test_a_case_changed_after_counting_still_stops_the_share(store, counting):
    populate(store, 20, seed=1)
    counted = releases.counted(store)
    case_id = min(store.case_ids(include_deleted=False))
    store.update("case", case_id, {"nprs": 0}, reason="typed wrong")
    with (
        pytest.raises(StoreError, match="logged, changed or withdrawn while"),
        releases.releasing(store, "export", counted, 5),
    ):
        pass
    assert len(counting) == 2
    assert releases.released(store) == []


def test_a_write_put_back_is_fingerprinted_and_let_through(store, counting):
    populate(store, 20, seed=1)
    counted = releases.counted(store)
    case_id = min(store.case_ids(include_deleted=False))
    nprs = store.get("case", case_id)["nprs"]
    store.update("case", case_id, {"nprs": 1 if nprs == 0 else 0}, reason="typed wrong")
    store.update("case", case_id, {"nprs": nprs}, reason="typed wrong")
    with releases.releasing(store, "export", counted, 5):
        pass
    assert len(counting) == 2
    assert len(releases.released(store)) == 1

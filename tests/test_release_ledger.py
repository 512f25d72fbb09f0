"""A restored backup must not forget the shares made since it was taken.

Each release is kept in the user's ledger of shares too, outside every store
(``CASEKIT_LEDGER``; here each test's own, from ``conftest.py``), and a share is
held to the ledger's releases as to its store's: a store put back to an older copy
still refuses a share of one case more than a share made since. The ledger is
readable by its owner alone, a line cut short in it is skipped, the demo's
synthetic shares stay out of it, and two unrelated stores never refuse each other
through it. The network's store is held to the ledger too (its user's shares, of
any store): the last test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import case_record, followup_record, session_record

from casekit import Store
from casekit.cli import main
from casekit.errors import LedgerError, ReleaseRefused
from casekit.io import exporter
from casekit.io.exporter import export_csv
from casekit.report import render
from casekit.store import ledger, releases
from casekit.store.backup import backup
from casekit.synth import populate


def lines(path: Path) -> list[dict]:
    """The whole lines of the ledger at ``path``."""
    found = []
    for raw in path.read_bytes().split(b"\n"):
        try:
            found.append(json.loads(raw))
        except ValueError:
            continue
    return found


def new_case(db: Path) -> None:
    """One case logged as a practitioner would: its id drawn at random."""
    with Store(db) as store:
        store.add("case", case_record())


@pytest.fixture
def db(tmp_path, monkeypatch):
    """A SQLite store of 40 synthetic cases, no share yet."""
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    path = tmp_path / "s.db"
    with Store(path, create=True, actor="tester") as store:
        populate(store, 40, seed=1)
    return path


def restore(copy: Path, db: Path) -> None:
    """As the README says: the copy put in place of the store, no casekit running."""
    shutil.copyfile(copy, db)
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def test_a_restored_backup_refuses_a_share_of_one_case_more_than_a_later_share(
    db, tmp_path, capsys
):
    folder = tmp_path / "bk"
    folder.mkdir()
    assert main(["backup", f"{folder}/", "--db", str(db)]) == 0
    (copy,) = folder.glob("s-*.db")
    share = ["report", "--share", "--db", str(db), "--out"]
    assert main([*share, str(tmp_path / "a")]) == 0
    new_case(db)
    assert main([*share, str(tmp_path / "b")]) == 1  # the store knows: refused
    restore(copy, db)
    with Store(db) as store:
        assert releases.released(store) == []  # the restored store forgot it
    new_case(db)
    capsys.readouterr()
    assert main([*share, str(tmp_path / "b")]) == 1  # the ledger still knows
    said = capsys.readouterr().err.strip()
    assert "1 case changed since the shared report of" in said and "\n" not in said
    assert not (tmp_path / "b" / "report-share.html").exists()
    with Store(db) as store:
        assert releases.released(store) == []  # refused: recorded nowhere
    assert [line["cases"] for line in lines(ledger.path())] == [40]


def test_the_ledger_holds_every_column_of_the_store_row_but_its_number(db, tmp_path):
    with Store(db) as store:
        export_csv(store, tmp_path / "share", share=True)
        (row,) = releases.released(store)
        table = store.metadata.tables["share_releases"]
        with store.connect() as conn:
            case_ids = conn.execute(sa.select(table.c.case_ids)).scalar()
    (line,) = lines(ledger.path())
    del row["id"]
    assert line == {**row, "case_ids": case_ids}


def test_the_ledger_and_its_folder_are_the_owners_alone(db, tmp_path, monkeypatch):
    monkeypatch.delenv("CASEKIT_LEDGER")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    where = tmp_path / "xdg" / "casekit" / "shares.jsonl"
    assert ledger.path() == where
    old = os.umask(0)  # the modes are the file's from its creation, not the umask's
    try:
        with Store(db) as store:
            export_csv(store, tmp_path / "share", share=True)
    finally:
        os.umask(old)
    assert stat.S_IMODE(where.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(where.stat().st_mode) == 0o600
    assert len(lines(where)) == 1
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    home = tmp_path / "home" / ".local" / "share" / "casekit" / "shares.jsonl"
    assert ledger.path() == home


def test_a_line_cut_short_is_skipped_and_the_next_starts_a_line_of_its_own(
    db, tmp_path
):
    copy = backup(db, tmp_path / "copy.db").path
    with Store(db) as store:
        export_csv(store, tmp_path / "first", share=True)
    where = ledger.path()
    whole = where.read_bytes()
    with where.open("ab") as file:  # the machine stopped while writing a line
        file.write(whole[: len(whole) // 2])
    restore(copy, db)
    new_case(db)
    with Store(db) as store:
        with pytest.raises(ReleaseRefused) as refused:  # read, no crash
            export_csv(store, tmp_path / "second", share=True)
        assert refused.value.changed == 1
        for _ in range(7):
            store.add("case", case_record())
        export_csv(store, tmp_path / "second", share=True)
    assert [line["cases"] for line in lines(where)] == [40, 48]
    assert where.read_bytes().startswith(whole + whole[: len(whole) // 2] + b"\n{")


def test_a_ledger_of_nothing_but_a_broken_line_refuses_nothing(db, tmp_path):
    ledger.path().write_bytes(b'{"released_at": "2026-11-2')
    with Store(db) as store:
        export_csv(store, tmp_path / "share", share=True)
        assert len(releases.released(store)) == 1
    assert [line["cases"] for line in lines(ledger.path())] == [40]


def test_a_share_that_fails_to_be_written_is_in_no_ledger(db, tmp_path, monkeypatch):
    def broken(frame):  # the disk fills up
        raise OSError("disk full")

    monkeypatch.setattr(exporter, "neutralise_frame", broken)
    with Store(db) as store, pytest.raises(OSError):
        export_csv(store, tmp_path / "share", share=True)
    assert not ledger.path().exists() or lines(ledger.path()) == []


def test_a_line_that_cannot_be_written_last_leaves_nothing_shared(
    db, tmp_path, monkeypatch, ledger_of_its_own
):
    def full(fd, data):  # the disk fills up as the ledger's line is written
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ledger.os, "write", full)
    with Store(db) as store:
        with pytest.raises(LedgerError) as refused:
            export_csv(store, tmp_path / "share", share=True)
        assert refused.value.written and "\n" not in str(refused.value)
        assert len(releases.released(store)) == 1  # the store's record stays
        assert list((tmp_path / "share").iterdir()) == []  # no file in place
        monkeypatch.undo()  # the test's own ledger still (conftest)
        assert ledger.path() == ledger_of_its_own
        export_csv(store, tmp_path / "share", share=True)  # the same cases again
        assert len(releases.released(store)) == 2
    assert [line["cases"] for line in lines(ledger.path())] == [40]


def test_a_ledger_that_cannot_be_made_refuses_the_share_before_anything(
    db, tmp_path, monkeypatch
):
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("CASEKIT_LEDGER", str(tmp_path / "a-file" / "shares.jsonl"))
    with Store(db) as store:
        with pytest.raises(LedgerError) as refused:
            export_csv(store, tmp_path / "share", share=True)
        assert "nothing was shared or recorded" in str(refused.value)
        assert "CASEKIT_LEDGER" in str(refused.value)
        assert releases.released(store) == []
    assert not (tmp_path / "share").exists()


def test_the_demo_leaves_the_ledger_alone(tmp_path, monkeypatch):
    def rendered(notebook, out_html, parameters=None, **options):  # the page aside
        Path(out_html).write_text("<html></html>", encoding="utf-8")
        return Path(out_html)

    monkeypatch.setattr(render, "render", rendered)
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--cases", "40", "--seed", "3"]) == 0
    assert not ledger.path().exists()
    # The next demo of the same seed, one case more, is not refused by the first.
    assert main(["demo", "--out", str(out), "--cases", "41", "--seed", "3"]) == 0
    assert (out / "demo-report-share.html").exists()
    assert not ledger.path().exists()


def test_two_unrelated_stores_never_refuse_each_other(tmp_path, monkeypatch):
    """Not even by a form where one has a few records and the other none: the two
    have no records in common for a difference to be taken from."""
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    for n, name, followed in [(30, "north", 3), (31, "south", 0), (30, "east", 5)]:
        with Store(tmp_path / f"{name}.db", create=True, actor="tester") as store:
            for i in range(n):  # ids drawn at random, as a practitioner's are
                case_id = store.add("case", case_record())["case_id"]
                if i < followed:
                    store.add("session", session_record(case_id))
                    store.add("followup", followup_record(case_id))
            export_csv(store, tmp_path / name, share=True)
    assert [line["cases"] for line in lines(ledger.path())] == [30, 31, 30]


def test_synthetic_stores_of_one_seed_do_refuse_each_other_outside_the_demo(
    tmp_path, monkeypatch
):
    """Why the demo keeps its shares apart: seeded ids are the same in each."""
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    with Store(tmp_path / "one.db", create=True, actor="tester") as store:
        populate(store, 30, seed=5)
        export_csv(store, tmp_path / "one", share=True)
    with Store(tmp_path / "two.db", create=True, actor="tester") as store:
        populate(store, 31, seed=5)
        with pytest.raises(ReleaseRefused):
            export_csv(store, tmp_path / "two", share=True)
        with ledger.apart():
            export_csv(store, tmp_path / "two", share=True)
        assert len(releases.released(store)) == 1
    assert [line["cases"] for line in lines(ledger.path())] == [30]


def test_a_share_of_either_backend_is_held_to_the_ledger_and_kept_in_it(
    store, tmp_path
):
    populate(store, 30, seed=1)
    ids = sorted(store.case_ids(include_deleted=False))

    def earlier(cases):  # a share made from a copy of this store, as the ledger has it
        digest, packed = releases.pack(cases)
        line = {
            "released_at": "2026-11-01T10:00:00+00:00",
            "kind": "report",
            "released_by": "tester",
            "site": None,
            "cases": len(cases),
            "digest": digest,
            "case_ids": packed,
        }
        ledger.path().write_text(json.dumps(line) + "\n", encoding="utf-8")

    earlier(ids[1:])
    with pytest.raises(ReleaseRefused) as refused:
        export_csv(store, tmp_path / "share", share=True)
    assert (refused.value.changed, refused.value.since) == (1, "2026-11-01")
    assert refused.value.kind == "shared report"
    assert releases.released(store) == []
    assert not (tmp_path / "share").exists()
    earlier(ids)  # the same cases: shared again
    export_csv(store, tmp_path / "share", share=True)
    (row,) = releases.released(store)
    assert [line["cases"] for line in lines(ledger.path())] == [30, 30]
    assert lines(ledger.path())[1]["released_at"] == row["released_at"]


@pytest.fixture(scope="module")
def ledger_seen_by_a_module_fixture():
    """Where a module's fixture (set up before any test's own ledger) shares."""
    return os.environ.get("CASEKIT_LEDGER")


def test_a_module_fixture_never_shares_to_the_users_ledger(
    ledger_seen_by_a_module_fixture,
):
    seen = ledger_seen_by_a_module_fixture
    assert seen is not None
    assert not Path(seen).resolve().is_relative_to(Path.home() / ".local")

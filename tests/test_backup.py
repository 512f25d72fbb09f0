"""`casekit backup`: a consistent, owner-only, checked copy, taken while others write.

A copy holds each write wholly or not at all: one open in another connection while
the copy is taken is not in it, and every copy taken during a real import in
another process holds the cases from before that import or from after it, never
a part. A restore is opening the copy.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from casekit import Store
from casekit.cli import main
from casekit.io.exporter import export_csv
from casekit.store.backup import backup
from casekit.synth import populate


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "data" / "casekit.db"
    with Store(path, create=True, actor="tests") as store:
        populate(store, 20, seed=2)
    return path


def _cases(path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return copy.execute("SELECT count(*) FROM cases").fetchone()[0]


def test_a_backup_is_an_owner_only_copy_that_opens_as_the_store(db, tmp_path, capsys):
    dest = tmp_path / "backups" / "monday.db"
    dest.parent.mkdir()
    assert main(["backup", str(dest), "--db", str(db)]) == 0
    said = capsys.readouterr().out
    assert said == f"backup written (owner-only, integrity ok, 20 cases): {dest}\n"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    # One self-contained file: no -wal or -shm beside it, nothing left half-made.
    assert sorted(p.name for p in dest.parent.iterdir()) == ["monday.db"]
    # A restore is opening the copy: the same cases, sessions, follow-ups, audit.
    with Store(db) as original, Store(dest) as copy:
        for form, frame in original.frames().items():
            pd.testing.assert_frame_equal(frame, copy.frames()[form])
        pd.testing.assert_frame_equal(original.audit(), copy.audit())


def test_a_folder_gets_a_dated_copy_and_a_copy_is_never_overwritten(db, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    made = backup(db, folder)
    assert re.fullmatch(r"casekit-\d{8}-\d{6}\.db", made.path.name)
    assert made.path.parent == folder and made.cases == 20
    before = made.path.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "casekit", "backup", str(made.path), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "exists already" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert made.path.read_bytes() == before


def test_a_folder_copy_is_named_after_its_store_as_the_readme_says(tmp_path):
    # Several stores may share a backup folder: each copy keeps its store's name.
    with Store(tmp_path / "e1.db", create=True, actor="tests"):
        pass
    (tmp_path / "usb").mkdir()
    made = backup(tmp_path / "e1.db", tmp_path / "usb")
    assert re.fullmatch(r"e1-\d{8}-\d{6}\.db", made.path.name)
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "(`STORE-YYYYMMDD-HHMMSS.db`" in readme
    assert "`north-20250303-190000.db` for `north.db`" in readme


@pytest.mark.parametrize("in_the_way", [False, True])
def test_a_folder_named_with_a_slash_is_never_made_a_file(
    db, tmp_path, capsys, in_the_way
):
    # The README's cron line to an unmounted USB folder: the first copy used to
    # land as a file named like the folder, and every later backup failed on it.
    folder = tmp_path / "usb" / "casekit-backups"
    folder.parent.mkdir()
    if in_the_way:
        folder.write_text("mine\n")
    assert main(["backup", f"{folder}{os.sep}", "--db", str(db)]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert out == "" and len(lines) == 1 and lines[0].startswith("casekit: error:")
    assert str(folder) in lines[0]
    assert ("is a file, not a folder" if in_the_way else "no folder") in lines[0]
    assert [p.name for p in folder.parent.iterdir()] == ["casekit-backups"] * in_the_way
    if in_the_way:
        assert folder.read_text() == "mine\n"


def test_a_write_open_in_another_connection_is_not_in_the_copy(db, tmp_path):
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO cases (case_id, site, intake_date, age_band, sex, "
            "pain_side, duration, nprs, deleted) VALUES ('HALF22', 'main', "
            "'2025-03-03', '40-49', 'female', 'left', 'acute', 5, 0)"
        )
        during = backup(db, tmp_path / "during.db")
        writer.execute("COMMIT")
    finally:
        writer.close()
    after = backup(db, tmp_path / "after.db")
    assert (_cases(during.path), _cases(after.path)) == (20, 21)


def test_copies_taken_during_an_import_hold_all_of_it_or_none(db, tmp_path):
    with Store(tmp_path / "elsewhere.db", create=True, actor="tests") as other:
        populate(other, 800, seed=7)
        export_csv(other, tmp_path / "incoming")
    importing = subprocess.Popen(
        [sys.executable, "-m", "casekit", "import", str(tmp_path / "incoming")]
        + ["--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CASEKIT_ACTOR": "importer"},
    )
    copies, deadline = [], time.monotonic() + 300
    while importing.poll() is None and time.monotonic() < deadline:
        copies.append(backup(db, tmp_path / f"copy-{len(copies)}.db"))
        time.sleep(0.02)  # a few hundred copies, not thousands
    out, err = importing.communicate(timeout=60)
    assert importing.returncode == 0, err
    assert "imported 800 cases" in out
    copies.append(backup(db, tmp_path / "copy-final.db"))
    held = [_cases(c.path) for c in copies]
    assert len(held) > 2 and set(held) <= {20, 820}, held
    assert held[-1] == 820
    assert all(stat.S_IMODE(c.path.stat().st_mode) == 0o600 for c in copies)


@pytest.mark.parametrize(
    "store, code, words",
    [
        ("postgresql+psycopg://owner@127.0.0.1:1/practice", 2, "pg_dump"),
        ("{tmp}/nowhere.db", 1, "nothing to back up"),
    ],
)
def test_what_cannot_be_backed_up_is_one_clear_line(tmp_path, store, code, words):
    result = subprocess.run(
        [sys.executable, "-m", "casekit", "backup", str(tmp_path / "copy.db")]
        + ["--db", store.format(tmp=tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == code
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("casekit: error:")
    assert words in lines[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "copy.db").exists()

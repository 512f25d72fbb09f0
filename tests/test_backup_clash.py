"""Backups running at the same moment into one folder: two stores of one file name
(``casekit.db`` in two folders) under two cron lines, or one store backed up twice.

Each backup says where its copy is, and that copy is there and holds its store:
no two backups name one file, none overwrites another's, and none fails on
another's half-written file. A name the user gave that another backup takes
first is refused, never overwritten.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import sqlite3
import stat
import subprocess
import sys
import threading
import types

import pytest

from casekit import Store
from casekit.errors import StoreError, UsageError
from casekit.store import backup as backup_module
from casekit.store.backup import backup
from casekit.synth import populate

# The two stores, told apart by how many cases they hold.
SIZES = {"north": 20, "south": 7}


@pytest.fixture
def stores(tmp_path):
    made = {}
    for name, n in SIZES.items():
        path = tmp_path / name / "casekit.db"
        with Store(path, create=True, actor="tests") as store:
            populate(store, n, seed=3)
        made[name] = path
    return made


@pytest.fixture
def one_second(monkeypatch):
    """Every backup's clock in one second, so that their dated names clash."""

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2026, 11, 29, 2, 43, 9, tzinfo=tz)

    monkeypatch.setattr(
        backup_module, "dt", types.SimpleNamespace(datetime=Frozen, UTC=dt.UTC)
    )


def _cases(path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return copy.execute("SELECT count(*) FROM cases").fetchone()[0]


def _race(jobs):
    """Run ``jobs`` (callables) in threads released at once; what each returned
    or raised, in order."""
    start = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, job):
        start.wait()
        try:
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 - the test asserts on it
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture(params=["hard links", "no hard links"])
def disk(request, monkeypatch):
    """A disk with hard links, and one without (FAT or exFAT: most USB sticks)."""
    if request.param == "no hard links":

        def refused(*args, **kwargs):
            raise OSError(errno.EPERM, "Operation not permitted")

        monkeypatch.setattr(os, "link", refused)
    return request.param


def test_eight_backups_of_two_stores_at_once_each_name_a_copy_of_their_own(
    stores, tmp_path, one_second, disk
):
    folder = tmp_path / "usb"
    folder.mkdir()
    which = ["north", "south"] * 4
    made = _race([lambda name=name: backup(stores[name], folder) for name in which])
    assert not [m for m in made if isinstance(m, Exception)], made
    paths = [m.path for m in made]
    assert len(set(paths)) == len(paths)  # no two backups name one file
    for name, copy in zip(which, made, strict=True):
        assert copy.path.parent == folder and copy.cases == SIZES[name]
        assert _cases(copy.path) == SIZES[name], (name, copy.path)
        assert stat.S_IMODE(copy.path.stat().st_mode) == 0o600
    # The first takes the dated name, the others the next free ones; nothing else
    # is left in the folder (no partial file, no journal).
    base = "casekit-20261129-024309"
    expected = {f"{base}.db"} | {f"{base}-{n}.db" for n in range(2, 9)}
    assert {p.name for p in folder.iterdir()} == expected


def test_a_name_taken_by_another_backup_in_the_same_second_is_not_overwritten(
    stores, tmp_path, one_second
):
    folder = tmp_path / "usb"
    folder.mkdir()
    theirs = folder / "casekit-20261129-024309.db"
    theirs.write_bytes(b"another backup's copy")
    made = backup(stores["south"], folder)
    assert made.path.name == "casekit-20261129-024309-2.db"
    assert theirs.read_bytes() == b"another backup's copy"
    assert _cases(made.path) == SIZES["south"]


def test_a_file_name_given_is_refused_when_another_backup_takes_it_first(
    stores, tmp_path, monkeypatch
):
    # Another backup (or anything) writes the file while this one is copying.
    target = tmp_path / "monday.db"
    counted = backup_module._cases

    def meanwhile(path):
        target.write_bytes(b"written meanwhile")
        return counted(path)

    monkeypatch.setattr(backup_module, "_cases", meanwhile)
    with pytest.raises(UsageError, match="exists already") as refused:
        backup(stores["north"], target)
    assert "nothing written" in str(refused.value)
    assert target.read_bytes() == b"written meanwhile"
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["monday.db"]


def test_two_backups_to_one_file_name_at_once_write_one_copy(stores, tmp_path, disk):
    target = tmp_path / "monday.db"
    made = _race([lambda name=name: backup(stores[name], target) for name in SIZES])
    won = [m for m in made if not isinstance(m, Exception)]
    lost = [m for m in made if isinstance(m, Exception)]
    assert len(won) == 1 and len(lost) == 1, made
    assert isinstance(lost[0], UsageError) and "exists already" in str(lost[0])
    assert won[0].path == target and _cases(target) == won[0].cases
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["monday.db"]


def test_backups_run_as_commands_at_once_report_copies_that_are_theirs(
    stores, tmp_path
):
    # The reviewer's two cron lines, four times each: real processes, real clock.
    folder = tmp_path / "usb"
    folder.mkdir()
    which = ["north", "south"] * 4
    running = [
        subprocess.Popen(
            [sys.executable, "-m", "casekit", "backup", f"{folder}{os.sep}"]
            + ["--db", str(stores[name])],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in which
    ]
    said = [p.communicate(timeout=300) for p in running]
    assert [p.returncode for p in running] == [0] * len(which), said
    reported = []
    for name, (out, _) in zip(which, said, strict=True):
        found = re.fullmatch(
            r"backup written \(owner-only, integrity ok, (\d+) cases\): (.+)\n", out
        )
        assert found, out
        assert int(found[1]) == SIZES[name]
        reported.append(found[2])
        assert _cases(found[2]) == SIZES[name], (name, found[2])
    assert len(set(reported)) == len(reported)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        os.path.basename(p) for p in reported
    )


def test_a_copy_that_cannot_be_written_says_so_rather_than_blame_the_store(
    stores, tmp_path, monkeypatch
):
    # Another backup deleting this one's partial file, or a USB stick pulled out:
    # the copy's disk failed, not the store.
    folder = tmp_path / "usb"
    folder.mkdir()
    connect = sqlite3.connect

    def failing(path, *args, **kwargs):
        if str(path).endswith(".partial"):
            raise sqlite3.OperationalError("disk I/O error")
        return connect(path, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", failing)
    with pytest.raises(StoreError) as failed:
        backup(stores["north"], folder)
    said = str(failed.value)
    assert f"the copy into {folder} failed (disk I/O error)" in said
    assert "nothing written" in said and "cannot be copied" not in said
    assert list(folder.iterdir()) == []


def test_a_store_that_cannot_be_read_is_said_to_be_the_fault(tmp_path):
    junk = tmp_path / "casekit.db"
    junk.write_text("a note saved over the store by mistake\n" * 40)
    (tmp_path / "usb").mkdir()
    with pytest.raises(StoreError) as failed:
        backup(junk, tmp_path / "usb")
    assert str(failed.value) == (
        f"store {junk}: cannot be read (file is not a database)"
    )
    assert list((tmp_path / "usb").iterdir()) == []
